import { ConfigError, OrchestratorError } from '../../functions/shared/errors.js';
import type { LogSink } from '../../functions/shared/logger.js';
import { redactTokens } from '../../functions/shared/redact.js';

/**
 * What the pipeline CLI and the demo print around the progress display: a failure (typed errors: message with the
 * root cause and the next step, never a stack trace; anything else is a bug and shows its stack) and the steps' JSON
 * log lines (all with --verbose, else only warnings and errors).
 */

/** Prints the failure on stderr; returns the exit code (2 for a config error, else 1). */
export function reportFailure(error: unknown, what = 'Pipeline'): number {
  if (error instanceof OrchestratorError) {
    process.stderr.write(`\n${what} failed [${error.code}]: ${redactTokens(error.message)}\n`);
    return error instanceof ConfigError ? 2 : 1;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`\n${what} failed unexpectedly (this is a bug, please report it):\n${redactTokens(text)}\n`);
  return 1;
}

/** A log sink that shows step log lines through `show` (e.g. under the running task). */
export function progressLogSink(show: (line: string) => void, verbose: boolean): LogSink {
  return (line) => {
    if (verbose) {
      show(line);
      return;
    }
    let entry: { level?: string; message?: string; step?: string; service?: string };
    try {
      entry = JSON.parse(line);
    } catch {
      show(line);
      return;
    }
    if (entry.level === 'warn' || entry.level === 'error') {
      const who = entry.step ?? entry.service;
      show(`${entry.level}: ${who ? `${who}: ` : ''}${entry.message ?? line}`);
    }
  };
}
