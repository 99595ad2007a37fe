import type { LineCounts, LogEvent } from '../../functions/health-check/log-events.js';
import { type ParseOptions, parseLogs } from '../../functions/health-check/parser/index.js';

/** Shared helpers of the log-parser tests: parse in-memory text, build journald-prefixed lines. */
export interface Parsed {
  events: LogEvent[];
  counts: LineCounts;
}

export async function parseText(text: string | Buffer, opts: ParseOptions = {}): Promise<Parsed> {
  const events: LogEvent[] = [];
  const data = typeof text === 'string' ? Buffer.from(text) : text;
  const counts = await parseLogs([{ kind: 'bytes', name: 'test', data }], (e) => events.push(e), opts);
  return { events, counts };
}

export function lines(...rows: string[]): string {
  return `${rows.join('\n')}\n`;
}

/** `journalctl -o short-iso` prefix of systemd ≤ 254 (`+0000`) for a UTC ISO time, host `ip-10-0-1-23`. */
export function journald(iso: string, message: string, pid = 1234): string {
  return `${iso.slice(0, 19)}+0000 ip-10-0-1-23 gitlab-runner[${pid}]: ${message}`;
}

/** A gitlab-runner JSON line: keys sorted like Go's map encoding. */
export function runnerJson(fields: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(fields).sort()) sorted[key] = fields[key];
  return JSON.stringify(sorted);
}

export const ms = (iso: string): number => Date.parse(iso);

export function ofKind<K extends LogEvent['kind']>(events: LogEvent[], kind: K): Extract<LogEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<LogEvent, { kind: K }> => e.kind === kind);
}
