import { isDigitCode, SPACE } from './bytes.js';
import { isoEnd, parseIsoAt, syslogMonth, utcMs } from './time.js';

/**
 * Line prefixes added around a gitlab-runner message (formats reference §1.5):
 *  - journald `-o short-iso`: `2019-05-14T09:20:06+0000 host gitlab-runner[123]: ` (systemd ≤ 254),
 *    `…+00:00` (≥ 255), `-o short-iso-precise` `…06.123456+0000`; rsyslog RFC 3339 files have the same shape;
 *  - plain syslog files: `May 14 09:20:06 host gitlab-runner[123]: ` (no year: taken from a hint);
 *  - `docker logs -t`: `2019-05-14T09:20:06.123456789Z ` then the message.
 * The parser is one reusable object per source: `match` fills its fields and allocates nothing on the common path,
 * where a line repeats the previous line's ` host ident[pid]: ` (and often its timestamp).
 */
export type PrefixKind = 'journald' | 'syslog' | 'timestamp' | 'none';

const RUNNER_IDENTS = new Set(['gitlab-runner', 'gitlab-ci-multi-runner']);
const MAX_HOST_AND_IDENT = 256;

export class PrefixParser {
  kind: PrefixKind = 'none';
  /** Where the message starts (after `ident[pid]: `, or the line start when there is no prefix). */
  body = 0;
  /** Epoch ms of the prefix time, NaN without one. */
  time = Number.NaN;
  /** The prefix names gitlab-runner (or its pre-10.0 name); false for other programs (`systemd[1]: …`). */
  runner = false;

  private year: number;
  private lastMonth = 0;
  /** The previous ISO prefix: its timestamp text and time, and the ` host ident[pid]: ` that followed it. */
  private lastStamp = '';
  private lastStampTime = Number.NaN;
  private lastRest = '';
  private lastRunner = false;

  /** `year`: the year of plain syslog lines (which have none); it rolls over when December is followed by January. */
  constructor(year: number = new Date().getUTCFullYear()) {
    this.year = year;
  }

  match(text: string, start: number, end: number): PrefixKind {
    this.kind = 'none';
    this.body = start;
    this.time = Number.NaN;
    this.runner = false;
    const c = text.charCodeAt(start);
    if (isDigitCode(c)) return this.matchIso(text, start, end);
    if (c >= 0x41 && c <= 0x5a && text.charCodeAt(start + 3) === SPACE) return this.matchSyslog(text, start, end);
    return 'none';
  }

  private matchIso(text: string, start: number, end: number): PrefixKind {
    const stampLen = this.lastStamp.length;
    const rest = this.lastRest;
    // Same host and identifier as the previous line (only the timestamp may differ)? Substring equality is a
    // V8 builtin on a sliced string: cheaper than any loop or startsWith(…, position).
    if (
      rest.length > 0 &&
      start + stampLen + rest.length <= end &&
      text.substr(start + stampLen, rest.length) === rest
    ) {
      const same = text.substr(start, stampLen) === this.lastStamp;
      const t = same ? this.lastStampTime : parseIsoAt(text, start, end);
      if (same || (!Number.isNaN(t) && isoEnd === start + stampLen)) {
        if (!same) this.remember(text, start, stampLen, t);
        this.kind = 'journald';
        this.time = t;
        this.body = start + stampLen + rest.length;
        this.runner = this.lastRunner;
        return this.kind;
      }
    }
    if (text.charCodeAt(start + 10) !== 0x54) return 'none'; // journald and docker write a `T` (svlogd: `_`)
    const t = parseIsoAt(text, start, end);
    if (Number.isNaN(t)) return 'none';
    const after = isoEnd;
    if (text.charCodeAt(after) !== SPACE) return 'none';
    this.time = t;
    if (this.matchHostIdent(text, after, end)) {
      this.kind = 'journald';
      this.remember(text, start, after - start, t);
      this.lastRest = text.slice(after, this.body);
      this.lastRunner = this.runner;
    } else {
      this.kind = 'timestamp';
      this.body = after + 1;
      this.runner = true; // `docker logs -t` of the runner container: no identifier to check
    }
    return this.kind;
  }

  private remember(text: string, start: number, len: number, time: number): void {
    this.lastStamp = text.slice(start, start + len);
    this.lastStampTime = time;
  }

  private matchSyslog(text: string, start: number, end: number): PrefixKind {
    // `May 14 09:20:06 ` or `May  4 09:20:06 `
    if (end - start < 16 || text.charCodeAt(start + 6) !== SPACE || text.charCodeAt(start + 15) !== SPACE)
      return 'none';
    const month = syslogMonth(text.slice(start, start + 3));
    const clock = /^([ \d]\d) (\d\d):(\d\d):(\d\d)$/.exec(text.slice(start + 4, start + 15));
    if (month === undefined || !clock) return 'none';
    const [day, h, m, s] = clock.slice(1).map((v) => Number(v.trim())) as [number, number, number, number];
    const t = utcMs(this.year + (this.lastMonth === 12 && month === 1 ? 1 : 0), month, day, h, m, s);
    if (Number.isNaN(t) || !this.matchHostIdent(text, start + 15, end)) return 'none';
    if (this.lastMonth === 12 && month === 1) this.year++;
    this.lastMonth = month;
    this.time = t;
    this.kind = 'syslog';
    return this.kind;
  }

  /** ` host ident[pid]: ` or ` host ident: ` at `pos` (on its leading space); sets body and runner. */
  private matchHostIdent(text: string, pos: number, end: number): boolean {
    const limit = Math.min(end, pos + MAX_HOST_AND_IDENT);
    let p = pos + 1;
    while (p < limit && text.charCodeAt(p) !== SPACE) p++;
    if (p === pos + 1 || p >= limit) return false;
    const identStart = p + 1;
    p = identStart;
    while (p < limit) {
      const c = text.charCodeAt(p);
      if (c === 0x5b || c === 0x3a || c === SPACE) break;
      p++;
    }
    const identEnd = p;
    if (identEnd === identStart || p >= limit) return false;
    if (text.charCodeAt(p) === 0x5b) {
      p++;
      const digits = p;
      while (p < limit && isDigitCode(text.charCodeAt(p))) p++;
      if (p === digits || text.charCodeAt(p) !== 0x5d) return false;
      p++;
    }
    if (text.charCodeAt(p) !== 0x3a) return false;
    p++;
    if (p < end && text.charCodeAt(p) === SPACE) p++;
    else if (p !== end) return false;
    this.body = p;
    this.runner = RUNNER_IDENTS.has(text.slice(identStart, identEnd));
    return true;
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is exactly what this strips
const ANSI = /\x1b\[[0-9;]*[A-Za-z]|#033\[[0-9;]*[A-Za-z]/g;

/** Drops ANSI SGR sequences, raw (ESC) or as rsyslog writes them (`#033[0;33m`). */
export function stripAnsi(text: string): string {
  return text.includes('\x1b') || text.includes('#033[') ? text.replace(ANSI, '') : text;
}
