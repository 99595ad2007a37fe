/**
 * How Go and logrus print values in gitlab-runner's logs (formats reference §1.2-1.6), for building fixtures:
 * durations, times, logrus text quoting and the JSON formatter's HTML escaping.
 */

/** A `time.Duration` field: integer nanoseconds in JSON, `1m58.2s` in text. */
export interface Dur {
  ns: number;
}
/** A `time.Time` field: RFC3339Nano in JSON, `2019-05-14 09:21:45.06421316 +0000 UTC` in text. */
export interface At {
  ms: number;
}
export type FieldValue = string | number | Dur | At;

export const dur = (seconds: number): Dur => ({ ns: Math.round(seconds * 1e9) });
export const at = (ms: number): At => ({ ms });

const isDur = (v: FieldValue): v is Dur => typeof v === 'object' && 'ns' in v;
const isAt = (v: FieldValue): v is At => typeof v === 'object' && 'ms' in v;

/** `time.Duration.String()`: `0s`, `428.848569ms`, `36.10778633s`, `5m2.236006705s`, `1h10m46.07s`. */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  if (ns < 1e6) return `${trimZeros((ns / 1e3).toFixed(3))}µs`;
  if (ns < 1e9) return `${trimZeros((ns / 1e6).toFixed(6))}ms`;
  const totalSeconds = ns / 1e9;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds - h * 3600) / 60);
  const s = trimZeros((totalSeconds - h * 3600 - m * 60).toFixed(9));
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

function trimZeros(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/** Fractional nanoseconds of a time: deterministic, so a fixture is the same on every run. */
const nanosOf = (ms: number): number => (ms % 1000) * 1e6 + ((Math.floor(ms / 1000) * 7919) % 1e6);

/** RFC3339Nano as Go writes it (fraction trimmed of trailing zeros, omitted when zero). */
export function rfc3339Nano(ms: number, nanos = nanosOf(ms)): string {
  const base = new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19);
  const frac = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return `${base}${frac}Z`;
}

/** RFC3339 with seconds, as logrus writes `time` up to v18.5. */
export const rfc3339 = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** `time.Time.String()`; `monotonicFrom` adds Go >= 1.9's ` m=+<seconds since process start>`. */
export function goTime(ms: number, monotonicFrom?: number): string {
  const d = new Date(ms);
  const date = d.toISOString().slice(0, 10);
  const clock = d.toISOString().slice(11, 19);
  const nanos = nanosOf(ms);
  const frac = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  const mono = monotonicFrom === undefined ? '' : ` m=+${((ms - monotonicFrom) / 1000 + nanos / 1e9).toFixed(9)}`;
  return `${date} ${clock}${frac} +0000 UTC${mono}`;
}

/** `%v` of a field in the runner and text formats. */
export function textValue(v: FieldValue, monotonicFrom?: number): string {
  if (isDur(v)) return goDuration(v.ns);
  if (isAt(v)) return goTime(v.ms, monotonicFrom);
  return String(v);
}

/** JSON value of a field (logrus JSONFormatter): durations as ns, times as RFC3339Nano. */
export function jsonValue(v: FieldValue): string | number {
  if (isDur(v)) return v.ns;
  if (isAt(v)) return rfc3339Nano(v.ms);
  return v;
}

/** logrus TextFormatter quotes a value holding anything outside `[A-Za-z0-9-._/@^+]` with `%q`. */
export function logrusQuote(text: string): string {
  return /^[A-Za-z0-9\-._/@^+]+$/.test(text) ? text : goQuote(text);
}

export function goQuote(text: string): string {
  return JSON.stringify(text);
}

/** Go's encoding/json escapes <, > and & (logrus JSONFormatter output). */
export function goJson(value: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = value[key];
  return JSON.stringify(sorted).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}
