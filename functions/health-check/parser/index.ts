import type { LineCounts, LogEvent } from '../log-events.js';
import { SourceContext } from './context.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from './line-splitter.js';
import { LineParser } from './lines.js';
import { chunksOf, decoded, expandSources, type LogSource, openRaw, type SourceOptions } from './sources.js';

/**
 * The streaming log parser of the health check (DESIGN.md section 5): bytes → lines → `LogEvent`s, in constant
 * memory, gzip or plain, local or S3. Nothing in a line can make it throw: unknown or broken lines are counted
 * as skipped, a source that breaks off (truncated gzip, failed read) ends with a counted read error.
 *
 * Counts per line: `parsed` = recognised as one of the supported formats (a JSON line whose message cannot matter
 * is recognised by its shape and never decoded, nor is its prefix read), `skipped` = anything else (including lines
 * over `maxLineBytes` and a line cut off by a read error), `duplicates` = syslog copies of old installs, among the
 * lines that are read (a copy of a line that cannot matter counts as parsed). total = parsed + skipped + duplicates.
 * `firstTime`/`lastTime`: the earliest/latest time of the events and of sampled parsed lines (the first one, and the
 * last one of every 64 KiB window and of each source), so a log whose polls stop while other lines go on ends at
 * its last line.
 */
export interface ParseOptions extends SourceOptions {
  /** Lines longer than this are counted as skipped without being buffered. Default 1 MiB. */
  maxLineBytes?: number;
  /** Year of plain syslog lines (`May 14 09:20:06 …` has none). Default: the current UTC year. */
  year?: number;
  /** Secrets to redact besides the known token shapes (e.g. the runner token when the caller has it). */
  knownSecrets?: readonly string[];
  /** Called when a source ends with a read error (the parse goes on with the next source). */
  onSourceError?: (source: LogSource, error: Error) => void;
}

export type { LogSource } from './sources.js';
export { describeSource, LogSourceError, parseS3Url } from './sources.js';

/** Wraps an exception of the caller's onEvent so that the per-line catch lets it through. */
class SinkError extends Error {}

export function emptyCounts(): LineCounts {
  return { total: 0, parsed: 0, skipped: 0, duplicates: 0, sources: 0, readErrors: 0 };
}

/** Parses one source; resolves with its line counts (`sources` 1, `readErrors` 0 or 1). */
export async function parseLogStream(
  source: LogSource,
  onEvent: (event: LogEvent) => void,
  opts: ParseOptions = {},
): Promise<LineCounts> {
  let lines: LineParser | undefined;
  const sink = (event: LogEvent): void => {
    lines?.noteTime(event.time);
    try {
      onEvent(event);
    } catch (error) {
      throw new SinkError('onEvent threw', { cause: error });
    }
  };
  const ctx = new SourceContext(sink, opts.knownSecrets, opts.year);
  lines = new LineParser(ctx, (error) => error instanceof SinkError, opts.year);
  const splitter = new LineSplitter(lines, opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  let readErrors = 0;
  try {
    const bytes = await decoded(await openRaw(source, opts));
    for await (const chunk of chunksOf(bytes)) splitter.push(chunk);
    splitter.end();
  } catch (error) {
    if (error instanceof SinkError) throw error.cause;
    if (splitter.discardPartial()) lines.overlong(); // the cut-off last line: counted, not parsed
    readErrors = 1;
    opts.onSourceError?.(source, error instanceof Error ? error : new Error(String(error)));
  }
  return { ...lines.counts, sources: 1, readErrors };
}

/** Parses every source of every spec (file, folder, `s3://bucket/prefix` or LogSource) in order; sums the counts. */
export async function parseLogs(
  specs: readonly (string | LogSource)[],
  onEvent: (event: LogEvent) => void,
  opts: ParseOptions = {},
): Promise<LineCounts> {
  const total = emptyCounts();
  for await (const source of expandSources(specs, opts)) {
    const counts = await parseLogStream(source, onEvent, opts);
    total.total += counts.total;
    total.parsed += counts.parsed;
    total.skipped += counts.skipped;
    total.duplicates += counts.duplicates;
    total.sources = (total.sources ?? 0) + 1;
    total.readErrors = (total.readErrors ?? 0) + (counts.readErrors ?? 0);
    if (counts.firstTime !== undefined && !(counts.firstTime >= (total.firstTime ?? Number.POSITIVE_INFINITY))) {
      total.firstTime = counts.firstTime;
    }
    if (counts.lastTime !== undefined && !(counts.lastTime <= (total.lastTime ?? Number.NEGATIVE_INFINITY))) {
      total.lastTime = counts.lastTime;
    }
  }
  return total;
}
