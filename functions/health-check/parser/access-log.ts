import type { PollResult } from '../log-events.js';
import { type LineOutcome, PARSED, SKIPPED, type SourceContext } from './context.js';
import { parseIso, parseNginxTime } from './time.js';

/**
 * GitLab-side access logs (formats reference §7): what the runner asked GitLab, for runners whose own log is at
 * info level. Three shapes:
 *  - omnibus nginx `gitlab_access`: `addr - user [14/May/2019:03:27:45 +0000] "POST /api/v4/jobs/request HTTP/1.1"
 *    204 0 "" "gitlab-runner 11.10.1 (…)"`, GitLab ≥ 13.0 appends ` $gzip_ratio`;
 *  - gitlab-workhorse text (11.x): `2019-01-16_03:53:38.23888 host addr:0 - - [2019/01/16:03:53:38 +0000] "…" 204 0
 *    "" "ua" 0.000`;
 *  - gitlab-workhorse JSON (≥ 12.0): `{"method":…,"msg":"access","status":204,"uri":…,"user_agent":…}`.
 * Only the runner's requests become polls/job activity; a `git-upload-pack` from any other client is a clone
 * (the job's machine fetching the repository through the NAT).
 */
const NGINX =
  /^(\S+) - (\S+) \[([^\]]+)\] "([A-Z]+) (\S+) [^"]*" (\d{3}) (?:\d+|-) "(?:[^"\\]|\\.)*" "((?:[^"\\]|\\.)*)"(?: \S+)?$/;
const WORKHORSE_TEXT =
  /^(\d{4}-\d{2}-\d{2}_\d{2}:\d{2}:\d{2}(?:\.\d+)?) \S+ \S+ - \S+ \[[^\]]+\] "([A-Z]+) (\S+) [^"]*" (\d{3}) (?:\d+|-) "(?:[^"\\]|\\.)*" "((?:[^"\\]|\\.)*)"(?: [\d.]+)?$/;

const JOB_REQUEST = '/api/v4/jobs/request';
const TRACE = /^\/api\/v4\/jobs\/(\d{1,15})\/trace$/;
const JOB_UPDATE = /^\/api\/v4\/jobs\/(\d{1,15})$/;
const UPLOAD_PACK = /\/git-upload-pack$/;

export interface AccessRequest {
  time: number;
  method: string;
  uri: string;
  status: number;
  userAgent: string;
}

/** A text line in one of the two text shapes, or undefined. */
export function matchAccessLine(line: string): AccessRequest | undefined {
  const n = NGINX.exec(line);
  if (n) {
    return {
      time: parseNginxTime(n[3] as string),
      method: n[4] as string,
      uri: n[5] as string,
      status: Number(n[6]),
      userAgent: n[7] as string,
    };
  }
  const w = WORKHORSE_TEXT.exec(line);
  if (w) {
    return {
      time: parseIso(w[1] as string),
      method: w[2] as string,
      uri: w[3] as string,
      status: Number(w[4]),
      userAgent: w[5] as string,
    };
  }
  return undefined;
}

/** A workhorse JSON access record, or undefined. */
export function accessFromJson(obj: Record<string, unknown>): AccessRequest | undefined {
  const { method, uri, status } = obj;
  if (obj.msg !== 'access' || typeof method !== 'string' || typeof uri !== 'string') return undefined;
  const code = typeof status === 'number' ? status : Number(status);
  if (!Number.isInteger(code)) return undefined;
  const userAgent = typeof obj.user_agent === 'string' ? obj.user_agent : '';
  return { time: parseIso(obj.time), method, uri, status: code, userAgent };
}

/** Emits the events of one request; a recognised access line is PARSED even when it is not the runner's. */
export function emitAccess(req: AccessRequest, ctx: SourceContext): LineOutcome {
  const { time, method, status } = req;
  if (Number.isNaN(time)) return SKIPPED;
  const path = req.uri.split('?', 1)[0] as string;
  const fromRunner = req.userAgent.startsWith('gitlab-runner ');
  if (fromRunner && method === 'POST' && path === JOB_REQUEST) {
    const result = pollResult(status);
    if (result) ctx.emit({ kind: 'poll', time, result, source: 'access-log' });
    return PARSED;
  }
  if (fromRunner && method === 'PATCH') {
    const m = TRACE.exec(path);
    if (m) ctx.emit({ kind: 'job-activity', time, jobId: Number(m[1]), activity: 'trace' });
    return PARSED;
  }
  if (fromRunner && method === 'PUT') {
    const m = JOB_UPDATE.exec(path);
    if (m) ctx.emit({ kind: 'job-activity', time, jobId: Number(m[1]), activity: 'update' });
    return PARSED;
  }
  if (!fromRunner && method === 'POST' && status >= 200 && status < 300 && UPLOAD_PACK.test(path)) {
    ctx.emit({ kind: 'job-activity', time, activity: 'clone' });
  }
  return PARSED;
}

function pollResult(status: number): PollResult | undefined {
  if (status === 201) return 'job';
  if (status === 204) return 'empty';
  if (status === 403) return 'forbidden';
  if (status === 503) return 'unavailable';
  if (status >= 500) return 'failed';
  return undefined;
}
