import { describe, expect, it } from '@jest/globals';
import { lines, ms, parseText } from './log-parser-support.js';

/**
 * GitLab access logs (formats reference §7): omnibus nginx `gitlab_access` (≤ 12.10, and ≥ 13.0 with
 * `$gzip_ratio`), gitlab-workhorse text (11.x) and JSON (≥ 12.0). The field report's lines are restored to the
 * full nginx format (its author shortened the date to `[03:27:45]` and replaced addresses by labels).
 */
const UA = '"gitlab-runner 11.10.1 (11-10-stable; go1.8.7; linux/amd64)"';
const BASTION = '203.0.113.10';
const NAT = '203.0.113.20';
const nginx = (clock: string, request: string, status: string, ua = UA, user = '-', addr = BASTION) =>
  `${addr} - ${user} [14/May/2019:${clock} +0000] "${request}" ${status} "" ${ua}`;
const at = (clock: string) => ms(`2019-05-14T${clock}Z`);

describe('nginx gitlab_access', () => {
  it('reads the field report: job requests, trace patches, job updates and clones from the runner NAT', async () => {
    // Prepare
    const text = lines(
      `${NAT} - - [14/May/2019:03:27:45 +0000] "POST /GroupName/ProjectName/pipelines/10/retry.json HTTP/2.0" 204 0 "https://my-gitlab.example.com/GroupName/ProjectName/pipelines" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.131 Safari/537.36"`,
      nginx('03:29:16', 'POST /api/v4/jobs/request HTTP/1.1', '201 5436'),
      nginx('03:29:16', 'POST /api/v4/jobs/request HTTP/1.1', '201 5436'),
      nginx('03:29:19', 'PATCH /api/v4/jobs/57/trace HTTP/1.1', '202 7'),
      nginx(
        '03:29:22',
        'GET /GroupName/ProjectName.git/info/refs?service=git-upload-pack HTTP/2.0',
        '401 26',
        '"git/2.20.1"',
        '-',
        NAT,
      ),
      nginx(
        '03:29:22',
        'GET /GroupName/ProjectName.git/info/refs?service=git-upload-pack HTTP/2.0',
        '200 351',
        '"git/2.20.1"',
        'gitlab-ci-token',
        NAT,
      ),
      nginx(
        '03:29:22',
        'POST /GroupName/ProjectName.git/git-upload-pack HTTP/2.0',
        '200 83164',
        '"git/2.20.1"',
        'gitlab-ci-token',
        NAT,
      ),
      nginx('03:29:31', 'PUT /api/v4/jobs/57 HTTP/1.1', '200 4'),
      nginx('03:29:33', 'POST /api/v4/jobs/request HTTP/1.1', '204 0'),
    );
    // Act
    const { events, counts } = await parseText(text);
    // Assess
    expect(events).toEqual([
      { kind: 'poll', time: at('03:29:16'), result: 'job', source: 'access-log' },
      { kind: 'poll', time: at('03:29:16'), result: 'job', source: 'access-log' },
      { kind: 'job-activity', time: at('03:29:19'), jobId: 57, activity: 'trace' },
      { kind: 'job-activity', time: at('03:29:22'), activity: 'clone' },
      { kind: 'job-activity', time: at('03:29:31'), jobId: 57, activity: 'update' },
      { kind: 'poll', time: at('03:29:33'), result: 'empty', source: 'access-log' },
    ]);
    expect(counts).toMatchObject({ total: 9, parsed: 9, skipped: 0, duplicates: 0 });
  });

  it('reads GitLab ≥ 13.0 lines with $gzip_ratio, a refused token, a 503, and IPv6 clients', async () => {
    // Prepare
    const ua17 = '"gitlab-runner 17.10.1 (17-10-stable; go1.23.6 X:cacheprog; linux/amd64)"';
    const text = lines(
      `${nginx('03:30:00', 'POST /api/v4/jobs/request HTTP/1.1', '403 25', ua17)} -`,
      `${nginx('03:30:03', 'POST /api/v4/jobs/request HTTP/1.1', '503 0', ua17)} 1.52`,
      `2001:db8::10 - - [14/May/2019:03:30:06 +0000] "POST /api/v4/jobs/request HTTP/1.1" 204 0 "" ${ua17} -`,
    );
    // Act
    const { events } = await parseText(text);
    // Assess
    expect(events.map((e) => (e.kind === 'poll' ? [e.result, e.time] : e.kind))).toEqual([
      ['forbidden', at('03:30:00')],
      ['unavailable', at('03:30:03')],
      ['empty', at('03:30:06')],
    ]);
  });

  it('ignores requests of other clients to the runner API and a clone by the runner manager itself', async () => {
    // Prepare
    const text = lines(
      nginx('03:31:00', 'POST /api/v4/jobs/request HTTP/1.1', '204 0', '"curl/8.5.0"'),
      nginx('03:31:01', 'POST /GroupName/ProjectName.git/git-upload-pack HTTP/1.1', '200 900'),
      nginx('03:31:02', 'POST /GroupName/ProjectName.git/git-upload-pack HTTP/2.0', '401 26', '"git/2.20.1"'),
    );
    // Act
    const { events, counts } = await parseText(text);
    // Assess
    expect(events).toEqual([]);
    expect(counts).toMatchObject({ parsed: 3, skipped: 0 });
  });
});

describe('gitlab-workhorse', () => {
  it('reads the 11.x text format (svlogd timestamp) and the ≥ 12.0 JSON access lines', async () => {
    // Prepare
    const text = lines(
      '2019-01-16_03:53:38.23888 45.76.75.55 45.76.75.55:0 - - [2019/01/16:03:53:38 +0000] "POST /api/v4/jobs/request HTTP/1.1" 204 0 "" "gitlab-runner 11.6.0 (11-6-stable; go1.8.7; linux/amd64)" 0.000',
      '{"content_type":"application/json","correlation_id":"01JV3Z6G2Q8M4XKJ5T0B7N9C1D","duration_ms":3,"host":"gitlab.example.com","level":"info","method":"PATCH","msg":"access","proto":"HTTP/1.1","referrer":"","remote_addr":"203.0.113.10:0","remote_ip":"203.0.113.10","route":"^/api/v4/jobs/[0-9]+/trace","status":202,"system":"http","time":"2025-03-10T12:00:05.123Z","ttfb_ms":3,"uri":"/api/v4/jobs/399659/trace","user_agent":"gitlab-runner 17.10.1 (17-10-stable; go1.23.6 X:cacheprog; linux/amd64)","written_bytes":7}',
    );
    // Act
    const { events } = await parseText(text);
    // Assess
    expect(events).toEqual([
      { kind: 'poll', time: ms('2019-01-16T03:53:38.238Z'), result: 'empty', source: 'access-log' },
      { kind: 'job-activity', time: ms('2025-03-10T12:00:05.123Z'), jobId: 399659, activity: 'trace' },
    ]);
  });
});
