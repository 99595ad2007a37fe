import { redactValue } from './redact.js';

/**
 * Structured JSON logger (one object per line, like Powertools Logger), redacting tokens on the way out.
 * A sink can be injected so tests capture every line and the CLI can render progress instead.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogSink = (line: string) => void;

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let defaultSink: LogSink = (line) => process.stdout.write(`${line}\n`);

/** Replaces the process-wide sink (tests capture lines with it); returns the previous one. */
export function setLogSink(sink: LogSink): LogSink {
  const previous = defaultSink;
  defaultSink = sink;
  return previous;
}

export function createLogger(
  service: string,
  base: Record<string, unknown> = {},
  level: LogLevel = (process.env.LOG_LEVEL?.toLowerCase() as LogLevel) || 'info',
): Logger {
  const threshold = ORDER[level] ?? ORDER.info;
  const emit = (lvl: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < threshold) return;
    const entry = redactValue({ time: new Date().toISOString(), level: lvl, service, message, ...base, ...fields });
    defaultSink(JSON.stringify(entry));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(service, { ...base, ...fields }, level),
  };
}
