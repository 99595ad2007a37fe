import { matchAccessLine } from './access-log.js';
import { indexIn } from './bytes.js';
import { PrefixParser } from './prefixes.js';
import { parseIsoAt } from './time.js';

/**
 * The time of any one parsed line, whatever its format: its prefix, else its own JSON `time`, logrus `time="…"`
 * or access-log date. Used for LineCounts.firstTime/lastTime on a sample of lines (one per window), so it has its
 * own prefix parser: the main one caches the previous line and tracks the syslog year in line order.
 */
export class LineTimes {
  private readonly prefix: PrefixParser;

  constructor(year?: number) {
    this.prefix = new PrefixParser(year);
  }

  of(buf: Buffer, text: string, start: number, end: number): number {
    if (this.prefix.match(text, start, end) !== 'none') {
      const own = this.jsonTime(text, this.prefix.body, end);
      return Number.isNaN(own) ? this.prefix.time : own;
    }
    if (text.charCodeAt(start) === 0x7b) return this.jsonTime(text, start, end);
    if (text.startsWith('time="', start)) return parseIsoAt(text, start + 6, end);
    return matchAccessLine(buf.toString('utf8', start, end))?.time ?? Number.NaN;
  }

  private jsonTime(text: string, start: number, end: number): number {
    if (text.charCodeAt(start) !== 0x7b) return Number.NaN;
    const t = indexIn(text, '"time":"', start, end);
    return t === -1 ? Number.NaN : parseIsoAt(text, t + 8, end);
  }
}
