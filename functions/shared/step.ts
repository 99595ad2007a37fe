import middy from '@middy/core';
import type { z } from 'zod';
import { describeIssues } from './config/load.js';
import { EventValidationError, OrchestratorError } from './errors.js';
import { createLogger, type Logger } from './logger.js';
import { redactTokens } from './redact.js';

/**
 * A step = a zod input schema, a zod output schema and a plain async function. `defineStep` gives:
 *  - `run(event, deps)`: validate → act → validate output; used by the in-process pipeline and by tests;
 *  - `handler`: the same behind middy for Lambda (`export const handler = step.handler`).
 * Whatever goes wrong leaves as an OrchestratorError (typed, with a next step); anything else is wrapped in
 * UnexpectedStepError so Step Functions and the CLI never see a bare TypeError. Messages are token-redacted.
 */
export class UnexpectedStepError extends OrchestratorError {
  constructor(step: string, cause: unknown) {
    const message = redactTokens(cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause));
    super(
      'STEP_UNEXPECTED',
      `The ${step} step failed unexpectedly: ${message}`,
      'Retry the step; if it fails again, open an issue with this message and the step input (it holds no secret).',
    );
  }
}

export interface StepContext<D> {
  log: Logger;
  deps: D;
}

export interface StepDefinition<I extends z.ZodType, O extends z.ZodType, D> {
  name: string;
  input: I;
  output: O;
  /** Creates the default dependencies (AWS clients…) lazily, on the first Lambda invocation. */
  defaultDeps: () => D;
  execute: (input: z.output<I>, ctx: StepContext<D>) => Promise<z.input<O>>;
}

export interface Step<O extends z.ZodType, D> {
  name: string;
  run(event: unknown, deps?: D, log?: Logger): Promise<z.output<O>>;
  handler: middy.MiddyfiedHandler<unknown, z.output<O>>;
}

export function defineStep<I extends z.ZodType, O extends z.ZodType, D>(def: StepDefinition<I, O, D>): Step<O, D> {
  let lazyDeps: D | undefined;
  const run = async (event: unknown, deps?: D, log?: Logger): Promise<z.output<O>> => {
    const logger = log ?? createLogger(def.name);
    const parsed = def.input.safeParse(event);
    if (!parsed.success) {
      const details = describeIssues(parsed.error)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ');
      throw new EventValidationError(def.name, details);
    }
    try {
      lazyDeps = deps ?? lazyDeps ?? def.defaultDeps();
      const result = await def.execute(parsed.data, { log: logger, deps: deps ?? lazyDeps });
      return def.output.parse(result);
    } catch (error) {
      if (error instanceof OrchestratorError) throw error;
      throw new UnexpectedStepError(def.name, error);
    }
  };
  const handler = middy<unknown, z.output<O>>().handler(async (event: unknown) => {
    const log = createLogger(def.name);
    try {
      const out = await run(event, undefined, log);
      return out;
    } catch (error) {
      log.error('step failed', { error });
      throw error;
    }
  });
  return { name: def.name, run, handler };
}
