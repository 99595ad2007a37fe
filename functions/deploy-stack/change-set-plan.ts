import type { Change, Tag } from '@aws-sdk/client-cloudformation';
import type { RunnerConfig } from '../shared/config/index.js';
import { type RenderResult, TAG_MANAGED_BY, TAG_TEMPLATE_HASH, TAG_TOKEN_VERSION } from '../shared/contracts.js';
import { MANAGER_LOGICAL_ID } from '../shared/runner-stack.js';

/** Pure decisions of deploy-stack: the change set's name and tags, the no-op test, what a change set replaces. */

export const MANAGED_BY = 'gitlab-runner-orchestrator';

/**
 * `gro-<hash[0..12]>-v<tokenVersion>-<YYYYMMDDHHmmssSSS>` (UTC; letters, digits and '-', as CloudFormation requires).
 * Milliseconds keep two runs within one second apart (the name is also the request's idempotency token).
 */
export function changeSetName(render: Pick<RenderResult, 'templateHash' | 'tokenParameterVersion'>, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:T.]/g, '')
    .slice(0, 17);
  return `gro-${render.templateHash.slice(0, 12)}-v${render.tokenParameterVersion}-${stamp}`;
}

/** Stack tags (CloudFormation copies them onto every resource): ours first, then the config's own tags. */
export function stackTags(config: Pick<RunnerConfig, 'tags'>, render: RenderResult): Tag[] {
  const ours: Record<string, string> = {
    [TAG_TEMPLATE_HASH]: render.templateHash,
    [TAG_TOKEN_VERSION]: String(render.tokenParameterVersion),
    [TAG_MANAGED_BY]: MANAGED_BY,
  };
  const merged = { ...config.tags, ...ours };
  return Object.entries(merged).map(([Key, Value]) => ({ Key, Value }));
}

/**
 * The stack already carries this template and this token version: nothing to do, no change set. Config tags are
 * part of the template (every resource carries them), so the template hash covers them too.
 */
export function isUpToDate(tags: Record<string, string>, render: RenderResult): boolean {
  return (
    tags[TAG_TEMPLATE_HASH] === render.templateHash && tags[TAG_TOKEN_VERSION] === String(render.tokenParameterVersion)
  );
}

export interface ReplacementReport {
  /** Resources the change set replaces for sure (Replacement: True). */
  definite: string[];
  /**
   * Resources CloudFormation may replace (Replacement: Conditional, decided at execution time, e.g. when a
   * property depends on another resource's new value). Counted as replacements: we warn before, not after.
   */
  potential: string[];
  /** Every replaced (or possibly replaced) logical id: definite then potential. */
  all: string[];
  /** The runner manager is among them: the docker+machine VMs it created become orphans. */
  managerReplacement: boolean;
}

export function inspectChanges(changes: readonly Change[]): ReplacementReport {
  const definite: string[] = [];
  const potential: string[] = [];
  for (const change of changes) {
    const rc = change.ResourceChange;
    if (change.Type !== 'Resource' || !rc?.LogicalResourceId || rc.Action !== 'Modify') continue;
    if (rc.Replacement === 'True') definite.push(rc.LogicalResourceId);
    else if (rc.Replacement === 'Conditional') potential.push(rc.LogicalResourceId);
  }
  const all = [...definite, ...potential];
  return { definite, potential, all, managerReplacement: all.includes(MANAGER_LOGICAL_ID) };
}

/** What to tell the user when the manager is replaced (logged as a warning, flagged in the result). */
export function managerReplacementWarning(config: Pick<RunnerConfig, 'executor'>, definite: boolean): string {
  const how = definite ? 'replaces' : 'may replace';
  const cleanup =
    config.executor.type === 'docker+machine'
      ? 'the docker+machine VMs the old manager created become orphans that nobody scales down: pause the runner ' +
        'in GitLab and let running jobs finish before, and terminate the leftover runner-* EC2 instances after'
      : 'jobs running on the old manager are lost and the new one starts with its own view of the Auto Scaling ' +
        'group: pause the runner in GitLab and let running jobs finish before';
  return `This change set ${how} the runner manager (${MANAGER_LOGICAL_ID}): ${cleanup}.`;
}
