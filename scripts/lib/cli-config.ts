import { loadRunnerConfig, type RunnerConfig } from '../../functions/shared/config/index.js';
import { ConfigError } from '../../functions/shared/errors.js';

/**
 * Loads the config for a CLI: on a ConfigError prints its message (field + fix) on stderr and returns undefined,
 * for the caller to exit 2 (bad usage). Other errors propagate.
 */
export async function loadConfigForCli(file: string): Promise<RunnerConfig | undefined> {
  try {
    return await loadRunnerConfig(file);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return undefined;
    }
    throw error;
  }
}
