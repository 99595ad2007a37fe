import { sameRange } from './bytes.js';

/**
 * Pre-13.7 systemd installs log every info+ line twice (the `--syslog` hook, then stderr: formats reference
 * §1.1), identical but for ANSI codes and the trailing padding that journald trims from the syslog copy.
 * A line is a duplicate when a line of the same second with the same text (ANSI stripped, trimmed) was seen
 * among the last few lines and has not already absorbed a copy. Only runner lines with a journald/syslog
 * prefix go through here: access-log lines repeat legitimately (two job requests in one second).
 * Entries are ranges of the chunk's latin1 view (no copy); decoded text lines are kept as strings.
 */
const WINDOW = 8;

export class Deduper {
  private second = Number.NaN;
  private readonly texts: (string | undefined)[] = new Array(WINDOW).fill(undefined);
  private readonly starts = new Int32Array(WINDOW);
  private readonly ends = new Int32Array(WINDOW);
  private next = 0;

  /** text[start, end) (trimmed, no ANSI codes: a JSON body) is a copy of a recent line of the same second. */
  isDuplicateRange(timeMs: number, text: string, start: number, end: number): boolean {
    this.enterSecond(timeMs);
    const len = end - start;
    for (let i = 0; i < WINDOW; i++) {
      const other = this.texts[i];
      if (other === undefined) continue;
      const otherStart = this.starts[i] as number;
      if ((this.ends[i] as number) - otherStart !== len) continue;
      if (sameRange(text, start, other, otherStart, len)) {
        this.texts[i] = undefined; // one copy per line
        return true;
      }
    }
    const slot = this.take();
    this.texts[slot] = text;
    this.starts[slot] = start;
    this.ends[slot] = end;
    return false;
  }

  /** The same for a decoded text line; `line` must be ANSI-stripped and trimmed. */
  isDuplicateText(timeMs: number, line: string): boolean {
    return this.isDuplicateRange(timeMs, line, 0, line.length);
  }

  private enterSecond(timeMs: number): void {
    const second = Math.floor(timeMs / 1000);
    if (second === this.second) return;
    this.second = second;
    this.texts.fill(undefined);
  }

  private take(): number {
    const slot = this.next;
    this.next = (slot + 1) % WINDOW;
    return slot;
  }
}
