import { redactTokens } from '../../shared/redact.js';
import type { LogEvent } from '../log-events.js';
import { Deduper } from './dedupe.js';
import { PrefixParser } from './prefixes.js';

export type EventSink = (event: LogEvent) => void;

/** What a line handler reports back to the line dispatcher (index.ts counts them). */
export const SKIPPED = 0;
export const PARSED = 1;
export const DUPLICATE = 2;
export type LineOutcome = typeof SKIPPED | typeof PARSED | typeof DUPLICATE;

/**
 * Per-source (one file, one S3 object) parsing state: the event sink, the once-per-source `debug-level` flag,
 * the prefix parser (syslog year), the duplicate window and the runner-format line continuation.
 */
export class SourceContext {
  readonly prefix: PrefixParser;
  readonly dedupe = new Deduper();
  private debugSeen = false;
  /** v14.3-18.5 runner format: `WARNING: Job failed: …` whose fields land on the next line (reference §1.5). */
  pendingJobFailed: { time: number; msg: string } | undefined;

  constructor(
    readonly emit: EventSink,
    private readonly knownSecrets: readonly string[] = [],
    year?: number,
  ) {
    this.prefix = new PrefixParser(year);
  }

  /** Emits `debug-level` the first time this source shows a debug-only line. */
  markDebug(time: number): void {
    if (this.debugSeen || Number.isNaN(time)) return;
    this.debugSeen = true;
    this.emit({ kind: 'debug-level', time });
  }

  get sawDebug(): boolean {
    return this.debugSeen;
  }

  private readonly repeated = new Map<string, string>();

  /** redact() for short strings that recur (snapshot counter keys, machine names): each distinct one once. */
  redactRepeated(text: string): string {
    let out = this.repeated.get(text);
    if (out === undefined) {
      out = this.redact(text);
      if (this.repeated.size < 1024) this.repeated.set(text, out);
    }
    return out;
  }

  /** Every string that ends up in an event goes through here (DESIGN.md section 8). */
  redact(text: string): string {
    return redactTokens(text, this.knownSecrets);
  }
}
