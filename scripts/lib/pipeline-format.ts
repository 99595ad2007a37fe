import { managerReplacementWarning } from '../../functions/deploy-stack/change-set-plan.js';
import type { RunnerConfig } from '../../functions/shared/config/index.js';
import type { DeployResult, StackEventSummary } from '../../functions/shared/contracts.js';
import { redactTokens } from '../../functions/shared/redact.js';
import type { PipelineResult } from './pipeline-runner.js';

/**
 * Text the pipeline shows: one line per stack event, the way `cdk deploy` prints them, and the final summary.
 * Times are UTC (HH:MM:SS), the zone CloudFormation's console and our logs use.
 */
export function formatStackEvent(event: StackEventSummary): string {
  const time = Number.isNaN(Date.parse(event.timestamp))
    ? event.timestamp
    : new Date(event.timestamp).toISOString().slice(11, 19);
  const reason = event.reason ? ` | ${event.reason}` : '';
  return redactTokens(`${time} | ${event.status} | ${event.resourceType} | ${event.logicalId}${reason}`);
}

/** `deploy-stack: update (change set gro-…)`, the deploy task's title once it has answered. */
export function deployTitle(deploy: DeployResult): string {
  const changeSet = deploy.changeSetName ?? deploy.changeSetId;
  const detail: string[] = [];
  if (changeSet) detail.push(`change set ${changeSet}`);
  if (deploy.action === 'noop') detail.push(deploy.reason ?? 'stack already up to date');
  if (deploy.action === 'busy') detail.push(`stack is ${deploy.previousStatus}, waiting for it`);
  if (deploy.action === 'recreate') detail.push(`stack was ${deploy.previousStatus}, deleting it first`);
  return `deploy-stack: ${deploy.action}${detail.length > 0 ? ` (${detail.join(', ')})` : ''}`;
}

/** The end-of-run summary: action, stack id, template hash, token version and fingerprint, warnings. */
export function summaryLines(result: PipelineResult, config: Pick<RunnerConfig, 'executor'>): string[] {
  const { deploy, render, token } = result;
  const status = result.await?.status ?? (deploy.action === 'noop' ? deploy.previousStatus : 'unknown');
  const actions = result.deploys.map((d) => d.action).join(' -> ');
  const lines = [
    `Runner stack ${deploy.stackName}: ${actions} (${status})`,
    `  stack id        ${deploy.stackId ?? '(unknown)'}`,
    `  change set      ${deploy.changeSetName ?? deploy.changeSetId ?? '(none)'}`,
    `  template hash   ${render.templateHash}`,
    `  template        s3://${render.bucket}/${render.templateKey}`,
    `  token           ${token.parameterName} version ${token.version}, fingerprint ${token.fingerprint}`,
  ];
  if (result.bucketCreated) lines.push(`  artifact bucket ${render.bucket} (created by this run)`);
  // The flag covers definite and possible replacements (deploy-stack warns before, not after): hence "may replace".
  if (result.deploys.some((d) => d.managerReplacement)) {
    lines.push(`  WARNING: ${managerReplacementWarning(config, false)}`);
  }
  for (const warning of render.warnings) lines.push(`  warning: ${warning}`);
  return lines.map((l) => redactTokens(l));
}
