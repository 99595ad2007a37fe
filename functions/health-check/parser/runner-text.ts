import { classifyText, M_SKIP } from './classify.js';
import { DUPLICATE, type LineOutcome, PARSED, SKIPPED, type SourceContext } from './context.js';
import { interpretRecord, isDebugOnlyMessage, jobFinished, type RunnerRecord } from './messages.js';
import { stripAnsi } from './prefixes.js';
import { parseIso } from './time.js';

/**
 * Text lines of gitlab-runner (formats reference §1.2-1.3):
 *  - logrus `text`: `time="2019-05-14T09:20:06Z" level=info msg="Checking for jobs... received" job=1001 runner=…`
 *    (values `%q`-quoted when needed);
 *  - the default `runner` format: `[WARNING: |ERROR: ]<message padded to 50>  key=value key=value` with ANSI
 *    colours, values never quoted (they may contain spaces): fields are split on ` key=` for known keys, and for
 *    unknown keys only when they keep the byte-wise key order the formatter guarantees.
 * The line's time comes from its own `time` (text) or its journald/syslog prefix (runner format has none).
 */
const LOGRUS_PAIR = /([A-Za-z0-9_.-]+)=("(?:[^"\\]|\\.)*"|[^ ]*)/g;
const LEVEL_PREFIXES: readonly [string, string][] = [
  ['WARNING: ', 'warning'],
  ['ERROR: ', 'error'],
  ['FATAL: ', 'fatal'],
  ['PANIC: ', 'panic'],
];
// biome-ignore lint/suspicious/noControlCharactersInRegex: the debug colour starts with ESC
const DEBUG_COLOUR = /^(?:\x1b|#033)\[37;1m/;
const FIELD_START = /\s{2,}(?=[A-Za-z_][A-Za-z0-9_.-]*=)/;
const FIELD_KEY = /(?:^| )([A-Za-z_][A-Za-z0-9_.-]*)=/g;
const FIELDS_ONLY = /^[a-z_][A-Za-z0-9_.-]*=/;

/** Keys gitlab-runner puts on the lines the health check reads (and their neighbours), for the runner format. */
const KNOWN_KEYS = new Set(
  (
    'address arch attempts builds bytesize checksum code context correlation_id created creating docker driver ' +
    'duration duration_s error executor exit_code failure_reason gitlab_user_id idle idleCount idleCountMin ' +
    'idleScaleFactor instance job job-log job-status lifetime maxMachineCreate maxMachines max_builds method ' +
    'minIdleCount name namespace_id now operation organization_id os pid pipeline_id project project_full_path ' +
    'queue_depth queue_size reason removing repo_url retries revision root_namespace_id runner runner_name sent-log ' +
    'status subsystem system_id time time_in_queue_seconds total unhealthy_interval unhealthy_requests ' +
    'unhealthy_requests_limit update-interval url used usedCount usedcount version worker'
  ).split(' '),
);

/**
 * A text message after a prefix that names gitlab-runner; `dedupe`: the prefix is journald/syslog, where the
 * syslog copies of old installs can appear.
 */
export function parseRunnerText(
  ctx: SourceContext,
  buf: Buffer,
  start: number,
  end: number,
  prefixTime: number,
  dedupe: boolean,
): LineOutcome {
  const raw = buf.toString('utf8', start, end);
  const text = stripAnsi(raw).trim();
  if (dedupe && ctx.dedupe.isDuplicateText(prefixTime, text)) return DUPLICATE;
  const pending = ctx.pendingJobFailed;
  ctx.pendingJobFailed = undefined;
  if (text.startsWith('time="')) return parseLogrusText(ctx, text, prefixTime) ? PARSED : SKIPPED;
  if (pending && FIELDS_ONLY.test(text)) {
    const rec = runnerFormatRecord(pending.msg, text, pending.time);
    jobFinished({ ...rec, level: 'warning' }, ctx);
    return PARSED;
  }
  parseRunnerFormat(ctx, raw, text, prefixTime);
  return PARSED;
}

/** A bare logrus text line (no prefix); false when it is not one. */
export function parseLogrusText(ctx: SourceContext, text: string, fallbackTime: number): boolean {
  const fields: Record<string, unknown> = {};
  for (const m of text.matchAll(LOGRUS_PAIR)) {
    const value = m[2] as string;
    fields[m[1] as string] = value.startsWith('"') ? unquoteGo(value) : value;
  }
  const msg = fields.msg;
  if (typeof msg !== 'string' || typeof fields.level !== 'string') return false;
  const own = parseIso(fields.time);
  const time = Number.isNaN(own) ? fallbackTime : own;
  if (classifyText(msg) === M_SKIP && !isDebugOnlyMessage(msg)) {
    if (fields.level === 'debug' && !Number.isNaN(time)) ctx.markDebug(time);
    return true;
  }
  interpretRecord({ time, level: fields.level, msg, fields, format: 'text' }, ctx);
  return true;
}

function parseRunnerFormat(ctx: SourceContext, raw: string, text: string, time: number): void {
  let level: string | undefined = DEBUG_COLOUR.test(raw) ? 'debug' : undefined;
  let body = text;
  for (const [prefix, name] of LEVEL_PREFIXES) {
    if (body.startsWith(prefix)) {
      level = name;
      body = body.slice(prefix.length);
      break;
    }
  }
  const split = FIELD_START.exec(body);
  const msg = split ? body.slice(0, split.index) : body;
  if (classifyText(msg) === M_SKIP) {
    if ((level === 'debug' || isDebugOnlyMessage(msg)) && !Number.isNaN(time)) ctx.markDebug(time);
    return;
  }
  const rec = runnerFormatRecord(msg, split ? body.slice(split.index).trim() : '', time);
  rec.level = level;
  if (msg.startsWith('Job failed') && !split) {
    // v14.3-18.5: `Job failed: …\n`: the fields follow on the next line
    ctx.pendingJobFailed = { time, msg };
    return;
  }
  interpretRecord(rec, ctx);
}

function runnerFormatRecord(msg: string, fieldText: string, time: number): RunnerRecord {
  return { time, level: undefined, msg, fields: splitRunnerFields(fieldText), format: 'runner' };
}

/** `a=1 b=x y c=z` → {a:'1', b:'x y', c:'z'}: a key starts a field if known, or if it keeps the sorted order. */
export function splitRunnerFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  let key: string | undefined;
  let valueStart = 0;
  for (const m of text.matchAll(FIELD_KEY)) {
    const candidate = m[1] as string;
    const accept =
      key === undefined ||
      KNOWN_KEYS.has(candidate) ||
      (candidate.length > 1 && candidate > key && !(candidate in fields));
    if (!accept) continue;
    if (key !== undefined) fields[key] = text.slice(valueStart, m.index).trim();
    key = candidate;
    valueStart = (m.index as number) + m[0].length;
  }
  if (key !== undefined) fields[key] = text.slice(valueStart).trim();
  return fields;
}

/** Go `%q` → string: JSON covers `\"`, `\\`, `\n`, `\t`, `\uXXXX`; `\xNN` and `\a`-style escapes are mapped. */
function unquoteGo(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted
      .slice(1, -1)
      .replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)))
      .replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
  }
}
