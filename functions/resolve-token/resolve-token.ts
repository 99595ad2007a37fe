import type { SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { defaultSsmClient } from '../shared/aws-clients.js';
import { stepInputWithConfig } from '../shared/config/from-env.js';
import { type RunnerConfig, runnerConfigSchema } from '../shared/config/schema.js';
import { type TokenRef, tokenRefSchema } from '../shared/contracts.js';
import type { Logger } from '../shared/logger.js';
import { defineStep } from '../shared/step.js';
import { readTokenParameter } from './token-parameter.js';
import { assertRunnerTokenShape, tokenFingerprint } from './token-shape.js';
import { type VerifyOptions, verifyRunnerToken } from './verify-token.js';

/**
 * resolve-token (DESIGN.md section 6): reads the runner token from SSM, checks that it is a runner authentication
 * token, optionally asks GitLab (see verify-token.ts for the preflight and its side effects) and returns where the
 * token lives, its version and a fingerprint. The token itself never leaves this function: not in the result, an
 * error message or a log line.
 */
export interface ResolveTokenDeps {
  ssm: SSMClient;
  verify?: VerifyOptions;
}

export async function resolveToken(config: RunnerConfig, deps: ResolveTokenDeps, log: Logger): Promise<TokenRef> {
  const name = config.gitlab.tokenParameterName;
  log.info('reading the runner token parameter', { parameterName: name });
  const parameter = await readTokenParameter(deps.ssm, name, config.region);
  const shape = assertRunnerTokenShape(parameter.value, name);
  const ref: TokenRef = {
    parameterName: name,
    version: parameter.version,
    fingerprint: tokenFingerprint(parameter.value),
    kind: 'runner-authentication',
  };
  if (shape.variant === 'glrtr') {
    log.warn('the runner token comes from the deprecated registration workflow (glrtr-)', {
      parameterName: name,
      hint: 'It works until GitLab 20.0 removes that workflow; create the runner in GitLab and store its glrt- token.',
    });
  }
  if (config.gitlab.verifyToken) {
    log.info('verifying the token with GitLab', { gitlabUrl: config.gitlab.url });
    const outcome = await verifyRunnerToken(
      { gitlabUrl: config.gitlab.url, token: parameter.value, parameterName: name },
      deps.verify,
    );
    ref.verified = outcome.verified;
    log.info('GitLab accepted the token', { runnerId: outcome.runnerId, tokenExpiresAt: outcome.tokenExpiresAt });
  }
  log.info('runner token resolved', { ...ref });
  return ref;
}

export const resolveTokenInputSchema = stepInputWithConfig(z.object({ config: runnerConfigSchema }));

export const resolveTokenStep = defineStep({
  name: 'resolve-token',
  input: resolveTokenInputSchema,
  output: tokenRefSchema,
  defaultDeps: (): ResolveTokenDeps => ({ ssm: defaultSsmClient() }),
  execute: (input, { deps, log }) => resolveToken(input.config, deps, log),
});
