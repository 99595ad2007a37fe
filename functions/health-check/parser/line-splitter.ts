export interface LineSink {
  /**
   * One line without its `\n`: buf[start, end), and `text`, the latin1 view of `buf` (one char per byte, same
   * offsets). Neither is reused for other bytes afterwards.
   */
  line(buf: Buffer, text: string, start: number, end: number): void;
  /** A line longer than the cap: it is reported once and its bytes are dropped, never buffered. */
  overlong(): void;
  /** The lines of one 64 KiB window (or the input) are done: the last one's text is still valid now. */
  windowEnd?(): void;
}

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
/**
 * Chunks are viewed 64 KiB at a time: a one-byte string of that size stays in V8's young generation, where a
 * larger one (≥ 128 KiB) would go to large-object space and make every search slower.
 */
const WINDOW = 64 * 1024;

/**
 * Splits a byte stream into lines without decoding it. Lines inside a chunk are handed over in place; only a line
 * that spans chunks is copied (into a fresh buffer). Memory is bounded by the chunk size plus `maxLineBytes`.
 */
export class LineSplitter {
  private carry: Buffer;
  private carryLen = 0;
  private discarding = false;

  constructor(
    private readonly sink: LineSink,
    private readonly maxLineBytes: number = DEFAULT_MAX_LINE_BYTES,
  ) {
    this.carry = Buffer.allocUnsafe(Math.min(64 * 1024, maxLineBytes));
  }

  push(chunk: Buffer): void {
    for (let offset = 0; offset < chunk.length; offset += WINDOW) {
      this.pushWindow(offset === 0 && chunk.length <= WINDOW ? chunk : chunk.subarray(offset, offset + WINDOW));
    }
  }

  /** The last line when the input does not end with a newline. */
  end(): void {
    if (this.carryLen > 0) {
      const line = Buffer.from(this.carry.subarray(0, this.carryLen));
      this.sink.line(line, line.toString('latin1'), 0, line.length);
    }
    this.sink.windowEnd?.();
    this.reset();
  }

  /** Drops a partial last line (input cut short, e.g. a truncated gzip); returns whether there was one. */
  discardPartial(): boolean {
    const had = this.carryLen > 0 || this.discarding;
    this.reset();
    return had;
  }

  private pushWindow(buf: Buffer): void {
    const text = buf.toString('latin1');
    let pos = 0;
    if (this.discarding || this.carryLen > 0) {
      const nl = text.indexOf('\n');
      if (nl === -1) {
        this.keep(buf, 0);
        this.sink.windowEnd?.();
        return;
      }
      this.finishCarried(buf, nl);
      pos = nl + 1;
    }
    const max = this.maxLineBytes;
    const sink = this.sink;
    let nl = text.indexOf('\n', pos);
    while (nl !== -1) {
      if (nl - pos > max) sink.overlong();
      else sink.line(buf, text, pos, nl);
      pos = nl + 1;
      nl = text.indexOf('\n', pos);
    }
    if (pos < buf.length) this.keep(buf, pos);
    sink.windowEnd?.();
  }

  private reset(): void {
    this.carryLen = 0;
    this.discarding = false;
  }

  /** Appends buf[from..] to the unfinished line, or starts discarding it once it passes the cap. */
  private keep(buf: Buffer, from: number): void {
    if (this.discarding) return;
    const needed = this.carryLen + buf.length - from;
    if (needed > this.maxLineBytes) {
      this.sink.overlong();
      this.carryLen = 0;
      this.discarding = true;
      return;
    }
    if (needed > this.carry.length) {
      const bigger = Buffer.allocUnsafe(Math.min(this.maxLineBytes, Math.max(needed, this.carry.length * 2)));
      this.carry.copy(bigger, 0, 0, this.carryLen);
      this.carry = bigger;
    }
    buf.copy(this.carry, this.carryLen, from);
    this.carryLen = needed;
  }

  /** The unfinished line ends at buf[nl]. */
  private finishCarried(buf: Buffer, nl: number): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    const carried = this.carryLen;
    const len = carried + nl;
    this.carryLen = 0;
    if (len > this.maxLineBytes) {
      this.sink.overlong();
      return;
    }
    const line = Buffer.allocUnsafe(len);
    this.carry.copy(line, 0, 0, carried);
    buf.copy(line, carried, 0, nl);
    this.sink.line(line, line.toString('latin1'), 0, len);
  }
}
