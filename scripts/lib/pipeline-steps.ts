import { awaitStack } from '../../functions/await-stack/await-stack.js';
import { deployStack } from '../../functions/deploy-stack/deploy-stack.js';
import { renderStackStep } from '../../functions/render-stack/render-stack.js';
import { resolveTokenStep } from '../../functions/resolve-token/resolve-token.js';
import type { AwsClients } from '../../functions/shared/aws-clients.js';
import type {
  AwaitResult,
  DeployResult,
  PipelineState,
  RenderResult,
  TokenRef,
} from '../../functions/shared/contracts.js';
import type { Logger } from '../../functions/shared/logger.js';

/**
 * The four steps as the in-process pipeline calls them: pipeline state in, the step's validated output out.
 * The default goes through each step's `run()` (the same input/output validation as the Lambda handler) with one
 * set of AWS clients; tests pass fakes.
 */
export interface PipelineSteps {
  resolveToken(state: PipelineState, log: Logger): Promise<TokenRef>;
  renderStack(state: PipelineState, log: Logger): Promise<RenderResult>;
  deployStack(state: PipelineState, log: Logger): Promise<DeployResult>;
  awaitStack(state: PipelineState, log: Logger): Promise<AwaitResult>;
}

export function defaultPipelineSteps(clients: AwsClients): PipelineSteps {
  return {
    resolveToken: (state, log) => resolveTokenStep.run(state, { ssm: clients.ssm }, log),
    renderStack: (state, log) => renderStackStep.run(state, { s3: clients.s3 }, log),
    deployStack: (state, log) => deployStack.run(state, { cfn: clients.cfn }, log),
    awaitStack: (state, log) => awaitStack.run(state, { cfn: clients.cfn, s3: clients.s3 }, log),
  };
}
