import type { DeployResult } from '../shared/contracts.js';

/**
 * What a stack status means for the pipeline, given what deploy-stack did:
 *  - done: CloudFormation is no longer working on it (not *_IN_PROGRESS). REVIEW_IN_PROGRESS counts as done:
 *    it is a stack whose CREATE change set was never executed, nothing will move unless deploy-stack runs again.
 *  - ok: the pipeline may go on.
 *      create / update / (await invoked by itself): CREATE_COMPLETE, UPDATE_COMPLETE or IMPORT_COMPLETE;
 *      recreate: the failed stack is gone (DELETE_COMPLETE, or no such stack) and deploy-stack can create it anew;
 *      noop: the stack still carries the wanted template, also after an unrelated rolled-back update;
 *      busy: someone else's operation ended in any state but *_FAILED; deploy-stack decides from it next.
 */
export type DeployAction = DeployResult['action'];

const SUCCESS = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);
const GONE = new Set(['DELETE_COMPLETE', 'NONE']);

export function isDone(status: string): boolean {
  return status === 'REVIEW_IN_PROGRESS' || !status.endsWith('_IN_PROGRESS');
}

export function isOk(status: string, action: DeployAction | undefined): boolean {
  if (!isDone(status)) return false;
  switch (action) {
    case 'recreate':
      return GONE.has(status);
    case 'noop':
      return SUCCESS.has(status) || status === 'UPDATE_ROLLBACK_COMPLETE' || status === 'IMPORT_ROLLBACK_COMPLETE';
    case 'busy':
      return !status.endsWith('_FAILED');
    default:
      return SUCCESS.has(status);
  }
}
