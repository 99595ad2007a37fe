import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createSandbox, type Sandbox } from '../support/bastion-stubs.js';

/**
 * Runs stack/bastion/scripts/log-shipper.py with python3 against stubs: `journalctl` (honours
 * --after-cursor over a fixture journal), `aws` (keeps every uploaded body) and a local HTTP server serving a
 * Prometheus text fixture. GRO_TEST_PYTHON picks another interpreter (e.g. 3.9, as on Amazon Linux 2023).
 */
const SCRIPT = 'stack/bastion/scripts/log-shipper.py';
const PYTHON = process.env.GRO_TEST_PYTHON ?? 'python3';
const INSTANCE_ID = 'i-0feedfacecafe0001';
const LEAKED = 'glrt-LEAKEDt0k3n_abcdef123456';

let box: Sandbox;
let server: Server | undefined;

interface Upload {
  argv: string;
  key: string;
  lines: string[];
}

beforeEach(() => {
  box = createSandbox('log-shipper-');
  mkdirSync(join(box.dir, 'uploads'));
  writeFileSync(join(box.dir, 'journal.tsv'), '');
  // journalctl: entries are "<n>\t<line>"; cursor "s=test;i=<n>"; prints only entries after the cursor.
  box.stub(
    'journalctl',
    [
      'after=0; args=("$@")',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion in a stub.
      'for ((i = 0; i < ${#args[@]}; i++)); do [[ "${args[i]}" == --after-cursor ]] && after="${args[i+1]##*i=}"; done',
      'last=""',
      `while IFS=$'\\t' read -r n text; do ((n > after)) || continue; printf '%s\\n' "$text"; last="$n"; done < '${box.dir}/journal.tsv'`,
      'if [[ -n "$last" ]]; then printf -- "-- cursor: s=test;i=%s\\n" "$last"; else echo "-- No entries --"; fi',
    ].join('\n'),
  );
  // aws s3 cp - s3://…: keeps the body as uploads/<n>.gz; fails while the file aws-fails exists.
  box.stub(
    'aws',
    [
      `[[ -f '${box.dir}/aws-fails' ]] && { echo 'upload failed: AccessDenied' >&2; exit 1; }`,
      `n=$(ls '${box.dir}/uploads' | wc -l)`,
      `cat > '${box.dir}/uploads/'"$((n + 1))"'.gz'`,
    ].join('\n'),
  );
  writeFileSync(
    join(box.dir, 'bootstrap.env'),
    [
      'TOKEN_PARAMETER_NAME=/gitlab-runner/fleet/token',
      'STACK_NAME=fleet-stack',
      'LOG_BUCKET=fleet-logs',
      'LOG_PREFIX=runner-logs',
      'AWS_REGION=eu-west-1',
      'EXECUTOR=docker+machine',
      '',
    ].join('\n'),
  );
});

afterEach(async () => {
  box.cleanup();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serveMetrics(fixture: string): Promise<string> {
  const body = readFileSync(`test/fixtures/bastion/${fixture}`, 'utf8');
  server = createServer((req, res) => {
    res.writeHead(req.url === '/metrics' ? 200 : 404, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(req.url === '/metrics' ? body : '');
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
}

/** A URL nothing listens on: a port that was just released. */
async function deadMetricsUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}/metrics`;
}

function runShipper(metricsUrl: string, extraEnv: Record<string, string> = {}) {
  return new Promise<{ status: number | null; output: string }>((resolve) => {
    const child = spawn(PYTHON, [SCRIPT], {
      env: {
        PATH: `${box.bin}:${process.env.PATH ?? ''}`,
        // Absolute paths: a pyenv python3 shim puts its own bin (which may hold a real aws) first on PATH.
        GRO_AWS: join(box.bin, 'aws'),
        GRO_JOURNALCTL: join(box.bin, 'journalctl'),
        GRO_ENV_FILE: join(box.dir, 'bootstrap.env'),
        GRO_STATE_DIR: join(box.dir, 'state'),
        GRO_METRICS_URL: metricsUrl,
        GRO_INSTANCE_ID: INSTANCE_ID,
        GRO_CFN_INIT_LOGS: `${join(box.dir, 'cfn-init.log')}:${join(box.dir, 'cfn-init-cmd.log')}`,
        ...extraEnv,
      },
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('close', (status) => resolve({ status, output }));
  });
}

function uploads(): Upload[] {
  const awsCalls = box
    .argv()
    .split('\n')
    .filter((l) => l.startsWith('aws '));
  const files = readdirSync(join(box.dir, 'uploads')).sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  return files.map((file, i) => {
    const argv = awsCalls[i] ?? '';
    const key = /s3:\/\/fleet-logs\/(\S+)/.exec(argv)?.[1] ?? '';
    const text = gunzipSync(readFileSync(join(box.dir, 'uploads', file))).toString('utf8');
    return { argv, key, lines: text.split('\n').filter((l) => l !== '') };
  });
}

function addJournal(entries: [number, string][]): void {
  appendFileSync(join(box.dir, 'journal.tsv'), entries.map(([n, line]) => `${n}\t${line}\n`).join(''));
}

const runnerLine = (n: number, msg: string) =>
  `2025-06-05T15:57:${String(n).padStart(2, '0')}+0000 ip-192-168-0-10 gitlab-runner[812]: {"level":"info","msg":"${msg}","time":"2025-06-05T15:57:${String(n).padStart(2, '0')}Z"}`;

const snapshotsOf = (lines: string[]) =>
  lines
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((o) => o?.msg === 'metrics snapshot' && o.source === 'log-shipper');

describe('log-shipper.py', () => {
  it('ships journal lines, wrapped cfn-init lines and one metrics snapshot as one gzip object', async () => {
    // Prepare
    const url = await serveMetrics('metrics-docker-machine.prom');
    addJournal([
      [1, runnerLine(1, 'Starting multi-runner from /etc/gitlab-runner/config.toml...')],
      [2, runnerLine(2, 'Configuration loaded')],
    ]);
    writeFileSync(
      join(box.dir, 'cfn-init.log'),
      '2025-06-05 15:50:01,123 [INFO] -----------------------Starting build-----------------------\n' +
        '2025-06-05 15:50:09,456 [ERROR] Command 10_install_binaries failed\n',
    );
    writeFileSync(join(box.dir, 'cfn-init-cmd.log'), 'install-binaries: installed gitlab-runner 18.6.2\n');
    const before = Math.floor(Date.now() / 1000);
    // Act
    const { status, output } = await runShipper(url);
    // Assess
    expect(output).toContain('shipped 6 lines');
    expect(status).toBe(0);
    const [upload, ...more] = uploads();
    expect(more).toHaveLength(0);
    const match =
      /^runner-logs\/fleet-stack\/i-0feedfacecafe0001\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d+)\.log\.gz$/.exec(
        upload?.key ?? '',
      );
    expect(match).not.toBeNull();
    const epoch = Number(match?.[5]);
    expect(epoch).toBeGreaterThanOrEqual(before);
    const hour = new Date(epoch * 1000).toISOString().slice(0, 13).replace(/[-T]/g, '/');
    expect(match?.slice(1, 5).join('/')).toBe(hour);
    expect(upload?.argv).toContain('s3 cp - s3://fleet-logs/');
    expect(upload?.argv).toContain('--region eu-west-1');

    const lines = upload?.lines ?? [];
    expect(lines.slice(0, 3).map((l) => JSON.parse(l))).toEqual([
      {
        time: '2025-06-05T15:50:01.123Z',
        level: 'info',
        msg: '2025-06-05 15:50:01,123 [INFO] -----------------------Starting build-----------------------',
        source: 'cfn-init',
      },
      {
        time: '2025-06-05T15:50:09.456Z',
        level: 'info',
        msg: '2025-06-05 15:50:09,456 [ERROR] Command 10_install_binaries failed',
        source: 'cfn-init',
      },
      expect.objectContaining({ msg: 'install-binaries: installed gitlab-runner 18.6.2', source: 'cfn-init' }),
    ]);
    expect(lines.slice(3, 5)).toEqual([
      runnerLine(1, 'Starting multi-runner from /etc/gitlab-runner/config.toml...'),
      runnerLine(2, 'Configuration loaded'),
    ]);
    const snapshots = snapshotsOf(lines);
    expect(snapshots).toHaveLength(1);
    expect(lines[lines.length - 1]).toBe(JSON.stringify(snapshots[0]));
    expect(Object.keys(snapshots[0]).slice(0, 4)).toEqual(['time', 'level', 'msg', 'source']);
    expect(snapshots[0].time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z$/);
    expect(snapshots[0].request_job).toEqual({ '201': 7, '204': 1230, '403': 0 });
    expect(snapshots[0].machines).toEqual({
      idle: 2,
      used: 3,
      creating: 1,
      removing: 0,
      acquired: 0,
      'stuck-on-removing': 0,
    });
    expect(snapshots[0].instances).toBeUndefined();
  });

  it('honours the journal cursor and file offsets: a second run ships only new lines', async () => {
    // Prepare
    const url = await serveMetrics('metrics-docker-machine.prom');
    addJournal([
      [1, runnerLine(1, 'one')],
      [2, runnerLine(2, 'two')],
      [3, runnerLine(3, 'three')],
    ]);
    writeFileSync(
      join(box.dir, 'cfn-init.log'),
      '2025-06-05 15:50:01,000 [INFO] first\n2025-06-05 15:50:02,000 [INFO] sec',
    );
    await runShipper(url);
    addJournal([[4, runnerLine(4, 'four')]]);
    appendFileSync(join(box.dir, 'cfn-init.log'), 'ond\n');
    // Act
    const { status } = await runShipper(url);
    // Assess
    expect(status).toBe(0);
    const [first, second] = uploads();
    const msgs = (u?: Upload) => (u?.lines ?? []).map((l) => (l.startsWith('{') ? JSON.parse(l).msg : l));
    expect(msgs(first)).toEqual([
      '2025-06-05 15:50:01,000 [INFO] first',
      runnerLine(1, 'one'),
      runnerLine(2, 'two'),
      runnerLine(3, 'three'),
      'metrics snapshot',
    ]);
    expect(msgs(second)).toEqual(['2025-06-05 15:50:02,000 [INFO] second', runnerLine(4, 'four'), 'metrics snapshot']);
    expect(box.argv()).toContain(
      'journalctl -u gitlab-runner -o short-iso --no-pager --show-cursor --after-cursor s=test;i=3',
    );
  });

  it('keeps the cursor when the journal has nothing new, and still writes one snapshot', async () => {
    // Prepare
    const url = await serveMetrics('metrics-docker-machine.prom');
    addJournal([[1, runnerLine(1, 'one')]]);
    await runShipper(url);
    // Act
    await runShipper(url);
    await runShipper(url);
    // Assess
    const [, second, third] = uploads();
    expect(second?.lines).toHaveLength(1);
    expect(snapshotsOf(third?.lines ?? [])).toHaveLength(1);
    expect(box.argv().match(/--after-cursor s=test;i=1/g)).toHaveLength(2);
  });

  it('redacts tokens from journal and cfn-init lines before writing', async () => {
    // Prepare
    const url = await serveMetrics('metrics-docker-machine.prom');
    addJournal([
      [1, runnerLine(1, `token ${LEAKED} seen`)],
      [
        2,
        'Jun 05 15:57:03 host gitlab-runner[812]: ERROR: Runner https://gitlab.example.com/Zx9KqT4mWp2LrB7nVc3H is not healthy and will be disabled!',
      ],
      [3, 'Jun 05 15:57:04 host gitlab-runner[812]:   token: GR1348941aBcDeFgHiJkLmNoPqRs'],
    ]);
    writeFileSync(join(box.dir, 'cfn-init.log'), `2025-06-05 15:50:01,000 [DEBUG] value ${LEAKED}\n`);
    // Act
    const { status, output } = await runShipper(url);
    // Assess
    expect(status).toBe(0);
    const text = (uploads()[0]?.lines ?? []).join('\n');
    expect(text).not.toContain('LEAKED');
    expect(text).not.toContain('Zx9KqT4mWp2LrB7nVc3H');
    expect(text).not.toContain('GR1348941aBcD');
    expect(text.match(/\[REDACTED\]/g)).toHaveLength(4);
    expect(output).not.toContain('LEAKED');
  });

  it('writes the snapshot line with an error when the metrics endpoint is unreachable', async () => {
    // Prepare
    const url = await deadMetricsUrl();
    // Act
    const { status } = await runShipper(url);
    // Assess
    expect(status).toBe(0);
    const snapshots = snapshotsOf(uploads()[0]?.lines ?? []);
    expect(snapshots).toEqual([
      {
        time: expect.any(String),
        level: 'info',
        msg: 'metrics snapshot',
        source: 'log-shipper',
        error: 'metrics endpoint unreachable',
      },
    ]);
  });

  it('adds the fleeting instance gauges for docker-autoscaler and no machine counters', async () => {
    // Prepare
    const url = await serveMetrics('metrics-docker-autoscaler.prom');
    // Act
    const { status } = await runShipper(url, { EXECUTOR: 'docker-autoscaler' });
    // Assess
    expect(status).toBe(0);
    const [snapshot] = snapshotsOf(uploads()[0]?.lines ?? []);
    expect(snapshot.request_job).toEqual({ '201': 12, '204': 4200, '403': 0, '409': 1 });
    expect(snapshot.instances).toEqual({ creating: 1, running: 2, deleting: 0 });
    expect(snapshot.machines).toBeUndefined();
  });

  it('keeps its state when the upload fails, so the next run ships the same lines', async () => {
    // Prepare
    const url = await serveMetrics('metrics-docker-machine.prom');
    addJournal([[1, runnerLine(1, 'one')]]);
    writeFileSync(join(box.dir, 'aws-fails'), '');
    // Act
    const failed = await runShipper(url);
    box.stub('aws', `cat > '${box.dir}/uploads/1.gz'`);
    const retried = await runShipper(url);
    // Assess
    expect(failed.status).not.toBe(0);
    expect(failed.output).toContain('upload failed');
    expect(retried.status).toBe(0);
    const text = gunzipSync(readFileSync(join(box.dir, 'uploads', '1.gz'))).toString('utf8');
    expect(text).toContain(runnerLine(1, 'one'));
  });
});
