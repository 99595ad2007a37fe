import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { type RunnerConfig, runnerConfigSchema } from './schema.js';

/** Formats zod issues as `field.path: message` lines, the field named the way it is written in the JSON file. */
export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)',
    message: messageOf(issue),
  }));
}

function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key(s) ${issue.keys.join(', ')}; remove or fix the spelling`;
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
    return `is required (expected ${issue.expected}); add it`;
  }
  return issue.message;
}

/** Validates a config object; throws ConfigError naming each bad field and the fix. Makes no AWS call. */
export function parseRunnerConfig(input: unknown, source = 'runner config'): RunnerConfig {
  const result = runnerConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = describeIssues(result.error);
  const lines = issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
  throw new ConfigError(
    `The ${source} is invalid:\n${lines}`,
    'Fix the field(s) above (README, "Configuration reference", lists every field and its default).',
    issues,
  );
}

/** Reads and validates a JSON config file. */
export async function loadRunnerConfig(file: string): Promise<RunnerConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(
      `Cannot read the config file ${file}: ${(cause as Error).message}`,
      'Pass an existing file with --config (runner.config.json in the repository is an example).',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(
      `The config file ${file} is not valid JSON: ${(cause as Error).message}`,
      'Fix the JSON syntax (a trailing comma or a missing quote is the usual cause).',
    );
  }
  return parseRunnerConfig(json, `config file ${file}`);
}
