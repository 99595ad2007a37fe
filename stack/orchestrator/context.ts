// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here is CloudFormation Fn::Sub syntax, not a JS template.
import type { RunnerConfig } from '../../functions/shared/config/index.js';
import { type CfnValue, sub, tagList } from '../shared/cfn.js';
import type { OrchestratorStep } from './steps.js';

/** Tag that names, on every orchestrator resource, the runner stack it deploys. */
export const RUNNER_STACK_TAG_KEY = 'gitlab-runner-orchestrator:runner-stack';

/** What the parts of the orchestrator template share. */
export interface OrchestratorContext {
  config: RunnerConfig;
  /** Bucket and key of each function's zip (`npm run deploy` uploads them as `lambda/<sha256>.zip`). */
  code: { bucket: string; keys: Record<OrchestratorStep, string> };
}

/** The tags of one resource: config tags, then `Name` and the runner-stack tag (ours win). */
export function orchestratorTags(config: RunnerConfig, role: string): { Key: string; Value: CfnValue }[] {
  return tagList({
    ...config.tags,
    Name: sub(`\${AWS::StackName}-${role}`),
    [RUNNER_STACK_TAG_KEY]: config.stackName,
  });
}
