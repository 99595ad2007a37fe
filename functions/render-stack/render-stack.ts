import type { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { buildRunnerTemplate, runnerStackParameters } from '../../stack/runner/index.js';
import { defaultS3Client } from '../shared/aws-clients.js';
import { stepInputWithConfig } from '../shared/config/from-env.js';
import { type RunnerConfig, runnerConfigSchema } from '../shared/config/schema.js';
import { type RenderResult, renderResultSchema, type TokenRef, tokenRefSchema } from '../shared/contracts.js';
import { EventValidationError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { defineStep } from '../shared/step.js';
import { storeTemplate, templateHash, templateKey, templateUrl } from './template-store.js';
import { renderWarnings } from './warnings.js';

/**
 * render-stack (DESIGN.md section 6): config -> runner-stack template, stored in the artifact bucket under its
 * content hash, and the stack parameters. The token's SSM version is a parameter (a new version changes the stack's
 * parameters, not its template); the token itself is not an input of this step at all.
 */
export interface RenderStackDeps {
  s3: S3Client;
}

export interface RenderStackInput {
  config: RunnerConfig;
  token: TokenRef;
}

/** The template body and its address; pure (no AWS), deterministic for a config. */
export function renderTemplate(config: RunnerConfig): { body: string; hash: string; key: string; url: string } {
  const body = JSON.stringify(buildRunnerTemplate(config));
  const hash = templateHash(body);
  const key = templateKey(config.stackName, hash);
  return { body, hash, key, url: templateUrl(config.artifactBucket, key, config.region) };
}

export async function renderStack(input: RenderStackInput, deps: RenderStackDeps, log: Logger): Promise<RenderResult> {
  const { config, token } = input;
  if (token.parameterName !== config.gitlab.tokenParameterName) {
    throw new EventValidationError(
      'render-stack',
      `token.parameterName ${token.parameterName} is not the config's gitlab.tokenParameterName ${config.gitlab.tokenParameterName}; run resolve-token with this config first`,
    );
  }
  const template = renderTemplate(config);
  const stored = await storeTemplate(deps.s3, config.artifactBucket, template.key, template.body);
  const warnings = renderWarnings(config);
  for (const warning of warnings) log.warn(warning);
  const result: RenderResult = {
    stackName: config.stackName,
    bucket: config.artifactBucket,
    templateKey: template.key,
    templateUrl: template.url,
    templateHash: template.hash,
    parameters: runnerStackParameters(config, { tokenParameterVersion: token.version }),
    tokenParameterVersion: token.version,
    warnings,
  };
  log.info(stored.uploaded ? 'template stored' : 'template already stored', {
    stackName: result.stackName,
    templateUrl: result.templateUrl,
    templateHash: result.templateHash,
    bytes: Buffer.byteLength(template.body, 'utf8'),
    tokenParameterVersion: token.version,
  });
  return result;
}

export const renderStackInputSchema = stepInputWithConfig(
  z.object({ config: runnerConfigSchema, token: tokenRefSchema }),
);

export const renderStackStep = defineStep({
  name: 'render-stack',
  input: renderStackInputSchema,
  output: renderResultSchema,
  defaultDeps: (): RenderStackDeps => ({ s3: defaultS3Client() }),
  execute: (input, { deps, log }) => renderStack(input, deps, log),
});
