import type { RunnerConfig } from '../../functions/shared/config/index.js';
import { buildBastionBoot } from '../bastion/index.js';
import type { CfnTemplate } from '../shared/cfn.js';
import { composeRunnerTemplate } from './template.js';

export { runnerStackParameters } from './parameters.js';
export { bastionBootRefs, composeRunnerTemplate } from './template.js';
export { configForVariant, type RunnerVariant, runnerVariants } from './variants.js';

/** The runner-stack template for a config (deterministic: same config, byte-identical JSON.stringify). */
export function buildRunnerTemplate(config: RunnerConfig): CfnTemplate {
  return composeRunnerTemplate(config, buildBastionBoot);
}
