import { z } from 'zod';
import { runnerConfigSchema } from './config/schema.js';

/**
 * Step contracts (DESIGN.md section 6). The state machine passes one growing state object:
 * `{ config, token, render, deploy, await }`; each step reads what it needs and adds its own result.
 * Every schema is used at the edge (handler input and output) and by the in-process pipeline.
 */

/** Output of resolve-token: never the token, only where it lives and a short fingerprint. */
export const tokenRefSchema = z.strictObject({
  parameterName: z.string().min(1),
  version: z.number().int().min(1),
  /** First 12 hex chars of SHA-256(token): tells two tokens apart without revealing either. */
  fingerprint: z.string().regex(/^[0-9a-f]{12}$/),
  kind: z.literal('runner-authentication'),
  /** Only when gitlab.verifyToken is on: what POST /api/v4/runners/verify answered. */
  verified: z.boolean().optional(),
});
export type TokenRef = z.infer<typeof tokenRefSchema>;

export const stackParameterSchema = z.strictObject({ ParameterKey: z.string(), ParameterValue: z.string() });

/** Output of render-stack. */
export const renderResultSchema = z.strictObject({
  stackName: z.string(),
  bucket: z.string(),
  templateKey: z.string(),
  templateUrl: z.string().url(),
  /** SHA-256 (hex) of the template body; also the stack tag that makes an unchanged deploy a no-op. */
  templateHash: z.string().regex(/^[0-9a-f]{64}$/),
  parameters: z.array(stackParameterSchema),
  tokenParameterVersion: z.number().int().min(1),
  /** Non-fatal remarks for the user (e.g. docker-machine not checksum-pinned). */
  warnings: z.array(z.string()).default([]),
});
export type RenderResult = z.infer<typeof renderResultSchema>;

export const deployActionSchema = z.enum(['create', 'update', 'recreate', 'noop', 'busy']);

/** Output of deploy-stack. */
export const deployResultSchema = z.strictObject({
  stackName: z.string(),
  stackId: z.string().optional(),
  action: deployActionSchema,
  changeSetId: z.string().optional(),
  changeSetName: z.string().optional(),
  /** Status the stack had when deploy-stack looked (NONE when it did not exist). */
  previousStatus: z.string(),
  /** True when the change set replaces the runner manager: its docker-machine VMs become orphans. */
  managerReplacement: z.boolean(),
  /** Logical ids of every resource the change set replaces. */
  replacements: z.array(z.string()),
  /** ISO time the change set was executed; await-stack reads events from here on. */
  startedAt: z.string().optional(),
  reason: z.string().optional(),
});
export type DeployResult = z.infer<typeof deployResultSchema>;

export const stackEventSchema = z.strictObject({
  eventId: z.string(),
  timestamp: z.string(),
  logicalId: z.string(),
  resourceType: z.string(),
  status: z.string(),
  reason: z.string().optional(),
});
export type StackEventSummary = z.infer<typeof stackEventSchema>;

export const rootCauseSchema = z.strictObject({
  logicalId: z.string(),
  resourceType: z.string(),
  status: z.string(),
  reason: z.string(),
  /** For a failed manager signal: the last lines of cfn-init's log from the log bucket, when shipped. */
  cfnInitLogTail: z.array(z.string()).optional(),
});
export type RootCause = z.infer<typeof rootCauseSchema>;

/** Output of await-stack (one status read per call). */
export const awaitResultSchema = z.strictObject({
  stackName: z.string(),
  status: z.string(),
  done: z.boolean(),
  ok: z.boolean(),
  /** Events newer than the previous call's `lastEventId`, oldest first. */
  events: z.array(stackEventSchema),
  lastEventId: z.string().optional(),
  rootCause: rootCauseSchema.optional(),
  polls: z.number().int().min(1),
});
export type AwaitResult = z.infer<typeof awaitResultSchema>;

/** The whole state the state machine carries. Each step's input schema picks from it. */
export const pipelineStateSchema = z.object({
  config: runnerConfigSchema,
  token: tokenRefSchema.optional(),
  render: renderResultSchema.optional(),
  deploy: deployResultSchema.optional(),
  await: awaitResultSchema.optional(),
});
export type PipelineState = z.infer<typeof pipelineStateSchema>;

/** Stack tags the deploy step writes and reads (CloudFormation propagates them to every resource). */
export const TAG_TEMPLATE_HASH = 'gitlab-runner-orchestrator:template-hash';
export const TAG_TOKEN_VERSION = 'gitlab-runner-orchestrator:token-version';
export const TAG_MANAGED_BY = 'gitlab-runner-orchestrator:managed-by';
