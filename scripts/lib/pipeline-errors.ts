import type { RootCause } from '../../functions/shared/contracts.js';
import { StackError } from '../../functions/shared/errors.js';
import { redactTokens } from '../../functions/shared/redact.js';

/** How many cfn-init log lines a failure message shows (the step may return more). */
export const CFN_INIT_TAIL_LINES = 20;

/** The lines that explain a failed stack: the first failed resource, its reason and cfn-init's last words. */
export function rootCauseLines(rootCause: RootCause | undefined): string[] {
  if (!rootCause) return ['  (no failed resource event was found; see the stack events above)'];
  const lines = [
    `  ${rootCause.logicalId} (${rootCause.resourceType}) ${rootCause.status}:`,
    `    ${rootCause.reason}`,
  ];
  const tail = rootCause.cfnInitLogTail ?? [];
  if (tail.length > 0) {
    lines.push(`  cfn-init log on the manager (last ${Math.min(tail.length, CFN_INIT_TAIL_LINES)} lines):`);
    for (const line of tail.slice(-CFN_INIT_TAIL_LINES)) lines.push(`    ${line}`);
  }
  return lines.map((l) => redactTokens(l));
}

function hintFor(status: string): string {
  if (status === 'ROLLBACK_COMPLETE' || status === 'ROLLBACK_FAILED') {
    return 'Fix the cause above and run the pipeline again: a stack that failed its creation is deleted and created anew.';
  }
  if (status === 'UPDATE_ROLLBACK_COMPLETE') {
    return 'Fix the cause above and run the pipeline again; the rollback restored the previous resources, so the runner that worked before still runs.';
  }
  if (status.endsWith('_FAILED')) {
    return `The stack is stuck in ${status} and needs a hand: read the events in the CloudFormation console (continue the update rollback, or delete it keeping the failed resources), then run the pipeline again.`;
  }
  return 'Read the stack events above, fix the cause and run the pipeline again.';
}

/** The runner stack ended in a failed state; carries the root cause await-stack found. */
export class StackFailedError extends StackError {
  readonly stackName: string;
  readonly status: string;
  readonly rootCause?: RootCause;

  constructor(stackName: string, status: string, rootCause: RootCause | undefined) {
    super(
      'STACK_FAILED',
      `Stack ${stackName} ended in ${status}. Root cause:\n${rootCauseLines(rootCause).join('\n')}`,
      hintFor(status),
    );
    this.stackName = stackName;
    this.status = status;
    this.rootCause = rootCause;
  }
}

/** The stack did not settle within the pipeline's time limit (it keeps going on AWS's side). */
export class PipelineTimeoutError extends StackError {
  constructor(stackName: string, status: string, timeoutMs: number) {
    const minutes = Math.round((timeoutMs / 60_000) * 10) / 10;
    super(
      'PIPELINE_TIMEOUT',
      `Stack ${stackName} was still ${status} after ${minutes} minute(s).`,
      'CloudFormation carries on without us: run the pipeline again later (a stack in progress is reported as busy and awaited), or raise --timeout.',
    );
  }
}

/** deploy-stack kept answering busy/recreate: the stack never reached a state a change set can start from. */
export class DeployAttemptsExhaustedError extends StackError {
  constructor(stackName: string, attempts: number, lastAction: string) {
    super(
      'DEPLOY_ATTEMPTS_EXHAUSTED',
      `deploy-stack answered "${lastAction}" ${attempts} times for stack ${stackName}; giving up.`,
      'Another deploy is probably running against the same stack: wait for it to finish (CloudFormation console), then run the pipeline again.',
    );
  }
}
