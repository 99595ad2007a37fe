import type { RunnerConfig } from '../shared/config/schema.js';

/** Remarks about a config that do not stop the render (returned in `warnings` and logged). */
export function renderWarnings(config: RunnerConfig): string[] {
  const warnings: string[] = [];
  const executor = config.executor;
  if (executor.type === 'docker+machine' && !executor.dockerMachine.sha256) {
    warnings.push(
      `executor.dockerMachine has no sha256: docker-machine ${executor.dockerMachine.version} will be installed unchecked (GitLab publishes no checksum for its fork). Pin it: curl -fsSL <url> | sha256sum, then set executor.dockerMachine.sha256.`,
    );
  }
  return warnings;
}
