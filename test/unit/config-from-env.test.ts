import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import {
  RUNNER_CONFIG_ENV,
  runnerConfigFromEnv,
  stepInputWithConfig,
  withConfigFromEnv,
} from '../../functions/shared/config/from-env.js';
import { parseRunnerConfig, runnerConfigSchema } from '../../functions/shared/config/index.js';
import { ConfigError } from '../../functions/shared/errors.js';
import { REPO_ROOT } from '../../scripts/lib/repo-root.js';

/** The config of a step: from the event, else from RUNNER_CONFIG; the env is passed in, process.env is not touched. */
const readJson = (file: string): unknown => JSON.parse(readFileSync(join(REPO_ROOT, file), 'utf8'));
const example = readJson('runner.config.json') as Record<string, unknown>;
const env = (value?: string) => ({ [RUNNER_CONFIG_ENV]: value });

describe('config from the environment', () => {
  it('parses RUNNER_CONFIG like a config file', () => {
    // Act
    const config = runnerConfigFromEnv(env(JSON.stringify(example)));
    // Assess
    expect(config).toEqual(parseRunnerConfig(example));
  });

  it.each([
    ['unset', undefined, /is not set/],
    ['blank', '  ', /is not set/],
    ['not JSON', '{', /RUNNER_CONFIG is not valid JSON/],
    [
      'an invalid config',
      JSON.stringify({ ...example, stackName: '1-bad' }),
      /RUNNER_CONFIG is invalid:\n {2}stackName: /,
    ],
  ])('refuses RUNNER_CONFIG that is %s with a ConfigError', (_what, value, message) => {
    // Act / Assess
    expect(() => runnerConfigFromEnv(env(value))).toThrow(ConfigError);
    expect(() => runnerConfigFromEnv(env(value))).toThrow(message);
  });

  it('fills in the config only when the event has none', () => {
    // Prepare
    const fromEnv = env(JSON.stringify({ ...example, stackName: 'from-env' }));
    // Act
    const filled = withConfigFromEnv({ token: { version: 1 } }, fromEnv) as { config: { stackName: string } };
    const kept = withConfigFromEnv({ config: { stackName: 'from-event' } }, fromEnv) as { config: unknown };
    const empty = withConfigFromEnv(null, fromEnv) as { config: { stackName: string } };
    // Assess
    expect(filled.config.stackName).toBe('from-env');
    expect(filled).toHaveProperty('token', { version: 1 });
    expect(kept.config).toEqual({ stackName: 'from-event' });
    expect(empty.config.stackName).toBe('from-env');
    expect(withConfigFromEnv('not an event', fromEnv)).toBe('not an event');
  });

  it('wraps a step schema so an event without config validates against the env config', () => {
    // Prepare
    const schema = stepInputWithConfig(z.object({ config: runnerConfigSchema }), env(JSON.stringify(example)));
    // Act
    const parsed = schema.parse({});
    // Assess
    expect(parsed.config.stackName).toBe(example.stackName);
  });

  it.each([
    'runner.config.json',
    'test/fixtures/bastion/docker-machine.config.json',
    'test/fixtures/bastion/docker-autoscaler.config.json',
  ])('parses an already parsed config (%s) to the same config, so steps can pass it on', (file) => {
    // Prepare
    const once = parseRunnerConfig(readJson(file));
    // Act
    const twice = parseRunnerConfig(JSON.parse(JSON.stringify(once)));
    // Assess
    expect(twice).toEqual(once);
  });
});
