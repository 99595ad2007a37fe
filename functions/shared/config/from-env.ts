import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { parseRunnerConfig } from './load.js';
import type { RunnerConfig } from './schema.js';

/**
 * The runner config of a Lambda step comes from the event (`config`, the raw config) or, when the event has none,
 * from the `RUNNER_CONFIG` environment variable (the config as JSON, set by the orchestrator stack). Both are
 * validated by the same schema; a missing or invalid config is a ConfigError that names its source and the fix.
 */
export const RUNNER_CONFIG_ENV = 'RUNNER_CONFIG';

type Env = Record<string, string | undefined>;

/** Reads and validates the config in RUNNER_CONFIG; throws ConfigError when it is unset, not JSON or invalid. */
export function runnerConfigFromEnv(env: Env = process.env): RunnerConfig {
  const text = env[RUNNER_CONFIG_ENV];
  if (text === undefined || text.trim() === '') {
    throw new ConfigError(
      `No runner config: the event has no "config" and the environment variable ${RUNNER_CONFIG_ENV} is not set.`,
      `Pass the config in the event ({"config": {...}}, see runner.config.json) or set ${RUNNER_CONFIG_ENV} to the config as JSON (the orchestrator stack does).`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(
      `The environment variable ${RUNNER_CONFIG_ENV} is not valid JSON: ${(cause as Error).message}`,
      `Set ${RUNNER_CONFIG_ENV} to the runner config as one JSON object (the content of runner.config.json).`,
    );
  }
  return parseRunnerConfig(json, `runner config in ${RUNNER_CONFIG_ENV}`);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The event with `config` taken from RUNNER_CONFIG when the event carries none. An empty invocation (`null`,
 * `undefined`, `{}`) counts as an event without config. Anything else that is not an object is returned
 * unchanged, so the step's schema rejects it as an invalid event.
 */
export function withConfigFromEnv(event: unknown, env: Env = process.env): unknown {
  if (event === null || event === undefined) return { config: runnerConfigFromEnv(env) };
  if (!isPlainObject(event) || event.config !== undefined) return event;
  return { ...event, config: runnerConfigFromEnv(env) };
}

/**
 * Wraps a step's input schema so that a missing `config` is read from RUNNER_CONFIG before validation.
 * Use it as `defineStep({ input: stepInputWithConfig(z.object({ config: runnerConfigSchema, ... })), ... })`.
 * Parsing an already parsed config gives the same config, so a state that carries a parsed config passes too.
 */
export function stepInputWithConfig<T extends z.ZodType>(schema: T, env?: Env) {
  return z.preprocess((event) => withConfigFromEnv(event, env ?? process.env), schema);
}
