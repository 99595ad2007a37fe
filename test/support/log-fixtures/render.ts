import { type FieldValue, goJson, jsonValue, logrusQuote, rfc3339, rfc3339Nano, textValue } from './go-format.js';

/**
 * Renders one gitlab-runner log entry the way a given install writes it (formats reference §1):
 * `log_format` json / text / runner, logrus timestamps (RFC3339, RFC3339Nano from 18.6), the runner format's
 * ANSI colours and 50-column message, the journald `short-iso` prefix of systemd <= 254 (`+0000`) or >= 255
 * (`+00:00`), and pre-13.7 installs' duplicated syslog copy.
 */
export type Level = 'debug' | 'info' | 'warning' | 'error';

export interface Entry {
  t: number;
  level: Level;
  msg: string;
  fields: Record<string, FieldValue>;
}

export interface RenderOptions {
  format: 'json' | 'text' | 'runner';
  nanoTime: boolean;
  /** Process start, for Go >= 1.9's monotonic `m=+…` in printed times; undefined for go1.8 (v11). */
  monotonicFrom?: number;
  journald: { style: '+0000' | '+00:00'; host: string; pid: number };
  /** Keep ANSI colours (`journalctl -a`); without, journalctl strips them. */
  ansi: boolean;
  /** Pre-13.7 systemd install: every info+ entry is in the journal twice, the syslog copy trimmed, first. */
  duplicates: boolean;
}

const COLORS: Record<Level, string> = { debug: '\x1b[37;1m', info: '', warning: '\x1b[0;33m', error: '\x1b[31;1m' };
const PREFIX: Record<Level, string> = { debug: '', info: '', warning: 'WARNING: ', error: 'ERROR: ' };
const RESET = '\x1b[0;m';
const RESERVED = new Set(['time', 'msg', 'level']);
/** What journalctl strips without `-a` (SGR sequences). */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

export function renderEntry(entry: Entry, opts: RenderOptions): string[] {
  const messages = body(entry, opts);
  const prefix = journaldPrefix(entry.t, opts);
  const out: string[] = [];
  if (opts.duplicates && entry.level !== 'debug') {
    for (const m of messages) {
      const trimmed = m.trim();
      if (trimmed !== '') out.push(prefix + trimmed);
    }
  }
  for (const m of messages) out.push(prefix + m);
  return out;
}

function body(entry: Entry, opts: RenderOptions): string[] {
  if (opts.format === 'json') return [jsonBody(entry, opts)];
  if (opts.format === 'text') return [textBody(entry, opts)];
  const line = runnerBody(entry, opts);
  return (opts.ansi ? line : line.replace(ANSI, '')).split('\n');
}

function renamed(fields: Record<string, FieldValue>): [string, FieldValue][] {
  return Object.entries(fields).map(([k, v]) => [RESERVED.has(k) ? `fields.${k}` : k, v]);
}

function jsonBody(entry: Entry, opts: RenderOptions): string {
  const obj: Record<string, unknown> = {};
  for (const [k, v] of renamed(entry.fields)) obj[k] = jsonValue(v);
  obj.level = entry.level;
  obj.msg = entry.msg;
  obj.time = opts.nanoTime ? rfc3339Nano(entry.t) : rfc3339(entry.t);
  return goJson(obj);
}

function textBody(entry: Entry, opts: RenderOptions): string {
  const time = opts.nanoTime ? rfc3339Nano(entry.t) : rfc3339(entry.t);
  const parts = [`time=${logrusQuote(time)}`, `level=${entry.level}`, `msg=${logrusQuote(entry.msg)}`];
  for (const [k, v] of renamed(entry.fields).sort(([a], [b]) => (a < b ? -1 : 1))) {
    parts.push(`${k}=${logrusQuote(textValue(v, opts.monotonicFrom))}`);
  }
  return parts.join(' ');
}

function runnerBody(entry: Entry, opts: RenderOptions): string {
  const color = COLORS[entry.level];
  const prefix = PREFIX[entry.level];
  let line = `${color}${prefix}${entry.msg.padEnd(50 - prefix.length)}${RESET} `;
  for (const k of Object.keys(entry.fields).sort()) {
    line += ` ${color}${k}${RESET}=${textValue(entry.fields[k] as FieldValue, opts.monotonicFrom)}`;
  }
  return line;
}

function journaldPrefix(t: number, opts: RenderOptions): string {
  const { style, host, pid } = opts.journald;
  const stamp = new Date(Math.floor(t / 1000) * 1000).toISOString().slice(0, 19) + style;
  return `${stamp} ${host} gitlab-runner[${pid}]: `;
}
