import type { LineCounts } from '../log-events.js';
import { emitAccess, matchAccessLine } from './access-log.js';
import { trimEnd } from './bytes.js';
import { classifyMessage, M_DEBUG, M_DECODE, M_DETAILS, M_POLL_EMPTY, M_SKIP, type MessageClass } from './classify.js';
import { DUPLICATE, type LineOutcome, PARSED, SKIPPED, type SourceContext } from './context.js';
import { LineTimes } from './line-times.js';
import { findMsgKey, MSG_KEY, RunnerJsonParser } from './runner-json.js';
import { parseLogrusText, parseRunnerText } from './runner-text.js';

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Routes one line to its format and counts the outcome. A line that throws is counted as skipped: nothing a
 * log line contains can stop the parse.
 */
export class LineParser {
  readonly counts: LineCounts = { total: 0, parsed: 0, skipped: 0, duplicates: 0 };
  private readonly json = new RunnerJsonParser();
  /** The last parsed line, whose time is read once per window (LineCounts.lastTime) instead of on every line. */
  private lastText: string | undefined;
  private lastStart = 0;
  private lastEnd = 0;
  private lastBuf: Buffer | undefined;

  private readonly times: LineTimes;

  /** `isFatal`: errors that must not be swallowed per line (the caller's own onEvent failing). */
  constructor(
    private readonly ctx: SourceContext,
    private readonly isFatal: (error: unknown) => boolean = () => false,
    year?: number,
  ) {
    this.times = new LineTimes(year);
  }

  line(buf: Buffer, text: string, start: number, end: number): void {
    this.counts.total++;
    let outcome: LineOutcome;
    try {
      outcome = this.route(buf, text, start, trimEnd(text, start, end));
    } catch (error) {
      if (this.isFatal(error)) throw error;
      outcome = SKIPPED;
    }
    if (outcome === PARSED) {
      this.counts.parsed++;
      this.lastText = text;
      this.lastBuf = buf;
      this.lastStart = start;
      this.lastEnd = end;
      if (this.counts.firstTime === undefined) this.windowEnd();
    } else if (outcome === DUPLICATE) {
      this.counts.duplicates++;
    } else {
      this.counts.skipped++;
    }
  }

  /** Folds the time of the window's last parsed line into firstTime/lastTime. */
  windowEnd(): void {
    const text = this.lastText;
    if (text === undefined) return;
    this.lastText = undefined;
    this.noteTime(
      this.times.of(this.lastBuf as Buffer, text, this.lastStart, trimEnd(text, this.lastStart, this.lastEnd)),
    );
  }

  /** Widens firstTime/lastTime to include `time` (events' times come through here too). */
  noteTime(time: number): void {
    if (!Number.isFinite(time)) return;
    const c = this.counts;
    if (c.firstTime === undefined || time < c.firstTime) c.firstTime = time;
    if (c.lastTime === undefined || time > c.lastTime) c.lastTime = time;
  }

  /** A line longer than the cap (or cut off by a read error): counted as skipped, never buffered. */
  overlong(): void {
    this.counts.total++;
    this.counts.skipped++;
  }

  private route(buf: Buffer, text: string, start: number, end: number): LineOutcome {
    if (start === end) return SKIPPED;
    const ctx = this.ctx;
    // The prefilter: a JSON line (prefixed or not) whose message cannot matter is counted by its shape alone,
    // before its prefix is parsed (`"msg":"` cannot occur in a prefix, so it is searched from the line start);
    // the per-poll debug lines are read without their prefix too (RunnerJsonParser.hotLine).
    const m = findMsgKey(text, start, end);
    let cls: MessageClass = M_DECODE;
    if (m !== -1) {
      cls = classifyMessage(text, m + MSG_KEY.length);
      const canSkip = cls === M_SKIP || (cls === M_DEBUG && ctx.sawDebug);
      if (canSkip && text.charCodeAt(end - 1) === CLOSE_BRACE) return PARSED;
      if (cls === M_POLL_EMPTY || cls === M_DETAILS) {
        const outcome = this.json.hotLine(ctx, buf, text, start, end, m, cls);
        if (outcome !== undefined) return outcome;
      }
    }
    const prefix = ctx.prefix;
    const kind = prefix.match(text, start, end);
    if (kind !== 'none') {
      if (!prefix.runner) return SKIPPED;
      const body = prefix.body;
      const time = prefix.time;
      const dedupe = kind !== 'timestamp';
      if (text.charCodeAt(body) === OPEN_BRACE) {
        if (dedupe && ctx.dedupe.isDuplicateRange(time, text, body, end)) return DUPLICATE;
        return this.json.parseClassified(ctx, buf, text, body, end, time, m, cls);
      }
      return parseRunnerText(ctx, buf, body, end, time, dedupe);
    }
    if (text.charCodeAt(start) === OPEN_BRACE) {
      return this.json.parseClassified(ctx, buf, text, start, end, Number.NaN, m, cls);
    }
    return this.bareText(buf.toString('utf8', start, end));
  }

  /** No prefix and not JSON: a logrus text line, or a GitLab access-log line. */
  private bareText(text: string): LineOutcome {
    if (text.startsWith('time="')) return parseLogrusText(this.ctx, text, Number.NaN) ? PARSED : SKIPPED;
    const access = matchAccessLine(text);
    return access ? emitAccess(access, this.ctx) : SKIPPED;
  }
}
