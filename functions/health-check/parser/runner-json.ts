import { accessFromJson, emitAccess } from './access-log.js';
import { indexIn, QUOTE, SPACE } from './bytes.js';
import { M_DEBUG, M_DETAILS, M_POLL_EMPTY, M_SKIP, type MessageClass } from './classify.js';
import { type LineOutcome, PARSED, SKIPPED, type SourceContext } from './context.js';
import { detailsCounts, interpretRecord, type MachineCounts } from './messages.js';
import { emitSnapshot, isSnapshot } from './snapshot.js';
import { parseIso, parseIsoAt } from './time.js';

/**
 * JSON lines (formats reference §1.4): gitlab-runner `log_format = "json"` (keys sorted, so `msg` comes before
 * `time`), the log shipper's snapshot and cfn-init lines, and workhorse JSON access lines.
 * Hot path: find `"msg":"`, classify the message from its bytes; only a poll without a job and
 * `Docker Machine Details` (the lines a debug log is made of) are read in place; the rare lines that can matter
 * are decoded with JSON.parse; everything else is counted and left undecoded.
 */
export const MSG_KEY = '"msg":"';
const MSG_TAIL = 'msg":"';
const TIME_KEY = '"time":"';
const LEVEL_DEBUG = '"level":"debug"';
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

export class RunnerJsonParser {
  /** `Docker Machine Details` repeats with the same counts every poll: the text around `time` keys the cache. */
  private detailsHead = '';
  private detailsTail = '';
  private detailsValue: MachineCounts | undefined;
  private lastDecoded: Record<string, unknown> | undefined;

  /**
   * text[start, end) is one trimmed JSON line (text: the latin1 view of buf, same offsets); `fallbackTime` is its
   * prefix time (NaN without a prefix); the caller found `"msg":"` at `m` (-1: none) and classified the message.
   */
  parseClassified(
    ctx: SourceContext,
    buf: Buffer,
    text: string,
    start: number,
    end: number,
    fallbackTime: number,
    m: number,
    cls: MessageClass,
  ): LineOutcome {
    if (text.charCodeAt(start) !== OPEN_BRACE || text.charCodeAt(end - 1) !== CLOSE_BRACE) return SKIPPED;
    if (m === -1) return this.decode(ctx, buf, start, end, fallbackTime);
    const msg = m + MSG_KEY.length;
    switch (cls) {
      case M_SKIP:
        return PARSED;
      case M_DEBUG:
        if (!ctx.sawDebug) ctx.markDebug(timeOf(text, start, msg, end, fallbackTime));
        return PARSED;
      case M_POLL_EMPTY:
        return this.pollEmpty(ctx, text, start, msg, timeOf(text, start, msg, end, fallbackTime));
      case M_DETAILS: {
        const t = indexIn(text, TIME_KEY, msg, end);
        return this.details(ctx, buf, text, start, end, t, timeOf(text, start, msg, end, fallbackTime));
      }
      default:
        return this.decode(ctx, buf, start, end, fallbackTime);
    }
  }

  /**
   * The lines every poll writes at debug level (`…no content`, `Docker Machine Details`), read without parsing
   * their prefix: they carry their own time, and being debug-only they never have a syslog copy to drop.
   * `line` is where the whole line starts; undefined when the line needs the full route (no own time…).
   */
  hotLine(
    ctx: SourceContext,
    buf: Buffer,
    text: string,
    line: number,
    end: number,
    m: number,
    cls: MessageClass,
  ): LineOutcome | undefined {
    const body = text.indexOf('{', line);
    if (body === -1 || body >= m || text.charCodeAt(end - 1) !== CLOSE_BRACE) return undefined;
    const msg = m + MSG_KEY.length;
    const t = indexIn(text, TIME_KEY, msg, end);
    if (t === -1) return undefined;
    const time = parseIsoAt(text, t + TIME_KEY.length, end);
    if (Number.isNaN(time)) return undefined;
    if (cls === M_POLL_EMPTY) return this.pollEmpty(ctx, text, body, msg, time);
    return this.details(ctx, buf, text, body, end, t, time);
  }

  private pollEmpty(ctx: SourceContext, text: string, start: number, msg: number, time: number): LineOutcome {
    if (Number.isNaN(time)) return SKIPPED;
    // `... nothing` (≤ 15.5) and `...no content` are debug-only; `...nothing` was info in 15.6-15.8: ask the level
    if (!ctx.sawDebug) {
      const spaced = text.charCodeAt(msg + 20) === SPACE || text.charCodeAt(msg + 22) === SPACE;
      if (spaced || indexIn(text, LEVEL_DEBUG, start, msg) !== -1) ctx.markDebug(time);
    }
    ctx.emit({ kind: 'poll', time, result: 'empty', source: 'runner' });
    return PARSED;
  }

  /** `t`: where `"time":"` is (-1: none), `time`: the line's time (own, else its prefix's). */
  private details(
    ctx: SourceContext,
    buf: Buffer,
    text: string,
    start: number,
    end: number,
    t: number,
    time: number,
  ): LineOutcome {
    const valueStart = t + TIME_KEY.length;
    const valueEnd = t === -1 ? -1 : indexIn(text, '"', valueStart, end);
    if (valueEnd === -1 || Number.isNaN(time)) return this.decode(ctx, buf, start, end, time);
    const cached = this.detailsValue;
    if (
      cached !== undefined &&
      valueStart - start === this.detailsHead.length &&
      end - valueEnd === this.detailsTail.length &&
      text.substr(start, this.detailsHead.length) === this.detailsHead &&
      text.substr(valueEnd, this.detailsTail.length) === this.detailsTail
    ) {
      ctx.markDebug(time);
      ctx.emit({ kind: 'machine-details', time, ...cached });
      return PARSED;
    }
    const outcome = this.decode(ctx, buf, start, end, time);
    const counts = outcome === PARSED && this.lastDecoded ? detailsCounts(this.lastDecoded) : undefined;
    if (counts) {
      this.detailsHead = text.slice(start, valueStart);
      this.detailsTail = text.slice(valueEnd, end);
      this.detailsValue = counts;
    }
    return outcome;
  }

  private decode(ctx: SourceContext, buf: Buffer, start: number, end: number, fallbackTime: number): LineOutcome {
    this.lastDecoded = undefined;
    let obj: unknown;
    try {
      obj = JSON.parse(buf.toString('utf8', start, end));
    } catch {
      return SKIPPED;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return SKIPPED;
    const record = obj as Record<string, unknown>;
    if (typeof record.msg !== 'string') return SKIPPED;
    this.lastDecoded = record;
    const own = parseIso(record.time);
    const time = Number.isNaN(own) ? fallbackTime : own;
    if (record.source === 'log-shipper' || record.source === 'cfn-init') {
      if (isSnapshot(record)) emitSnapshot(record, time, ctx);
      return PARSED;
    }
    const access = accessFromJson(record);
    if (access) return emitAccess(access, ctx);
    const level = typeof record.level === 'string' ? record.level : undefined;
    interpretRecord({ time, level, msg: record.msg, fields: record, format: 'json' }, ctx);
    return PARSED;
  }
}

/**
 * Where `"msg":"` starts in text[start, end), or -1. Searching `msg":"` and checking the quote before it is twice
 * as fast as searching `"msg":"`: quotes are everywhere in JSON, `m` is not.
 */
export function findMsgKey(text: string, start: number, end: number): number {
  let i = text.indexOf(MSG_TAIL, start + 1);
  while (i !== -1 && i + MSG_TAIL.length <= end) {
    if (text.charCodeAt(i - 1) === QUOTE) return i - 1;
    i = text.indexOf(MSG_TAIL, i + 1);
  }
  return -1;
}

/** The line's own `time` (after `msg` in sorted keys, else anywhere), else the prefix time. */
function timeOf(text: string, start: number, msg: number, end: number, fallback: number): number {
  let t = indexIn(text, TIME_KEY, msg, end);
  if (t === -1) t = indexIn(text, TIME_KEY, start, msg);
  if (t === -1) return fallback;
  const time = parseIsoAt(text, t + TIME_KEY.length, end);
  return Number.isNaN(time) ? fallback : time;
}
