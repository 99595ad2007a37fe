import type { LogEvent } from '../log-events.js';
import type { SourceContext } from './context.js';

/**
 * The log shipper's per-minute metrics snapshot (DESIGN.md section 5):
 * `{"time":…,"level":"info","msg":"metrics snapshot","source":"log-shipper","request_job":{"201":N,…},
 * "machines":{"idle":N,…}}`, docker-autoscaler adds `instances`; `error` when the endpoint did not answer.
 * Counters are cumulative. Non-numeric or negative values are dropped, never guessed.
 */
export function isSnapshot(obj: Record<string, unknown>): boolean {
  return obj.msg === 'metrics snapshot' && obj.source === 'log-shipper';
}

export function emitSnapshot(obj: Record<string, unknown>, time: number, ctx: SourceContext): boolean {
  if (Number.isNaN(time)) return false;
  const event: Extract<LogEvent, { kind: 'snapshot' }> = { kind: 'snapshot', time };
  const requestJob = counters(obj.request_job, ctx);
  const machines = counters(obj.machines, ctx);
  const instances = counters(obj.instances, ctx);
  if (requestJob) event.requestJob = requestJob;
  if (machines) event.machines = machines;
  if (instances) event.instances = instances;
  if (typeof obj.error === 'string') event.error = ctx.redact(obj.error);
  ctx.emit(event);
  return true;
}

function counters(value: unknown, ctx: SourceContext): Record<string, number> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, number> = {};
  let any = false;
  for (const [key, n] of Object.entries(value)) {
    if (typeof n === 'number' && Number.isFinite(n) && n >= 0 && key.length <= 32) {
      out[ctx.redactRepeated(key)] = n;
      any = true;
    }
  }
  return any ? out : undefined;
}
