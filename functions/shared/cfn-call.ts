import { OrchestratorError, StackError } from './errors.js';
import { redactTokens } from './redact.js';

/**
 * Turns an AWS SDK error into a StackError that says what failed and what to do next. The SDK has already retried
 * throttling and 5xx answers (adaptive retry mode, functions/shared/aws-clients.ts) before we see the error, so the
 * message reports how many attempts were made.
 */
interface SdkErrorShape {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $retryable?: { throttling?: boolean };
}

const THROTTLING_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
]);
const ACCESS_DENIED_NAMES = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);

export function isThrottling(error: unknown): boolean {
  const e = error as SdkErrorShape;
  return THROTTLING_NAMES.has(e?.name ?? '') || e?.$retryable?.throttling === true;
}

/** ValidationError "Stack with id X does not exist": DescribeStacks' way of saying "no such stack". */
export function isStackMissing(error: unknown): boolean {
  const e = error as SdkErrorShape;
  return e?.name === 'ValidationError' && /does not exist/i.test(e.message ?? '');
}

export function toStackError(error: unknown, service: string, operation: string, target: string): OrchestratorError {
  if (error instanceof OrchestratorError) return error;
  const e = (error ?? {}) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const attempts = e.$metadata?.attempts;
  const tried = attempts && attempts > 1 ? ` after ${attempts} attempts` : '';
  const detail = redactTokens(`${name}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(error)}`);
  const what = `${service} ${operation} for ${target} failed${tried}: ${detail}`;
  const retry =
    'Run the step (or the pipeline) again later: each step reads the stack state first, so a repeat is safe.';
  if (isThrottling(error)) {
    return new StackError(
      'AWS_THROTTLED',
      what,
      `${service} is throttling this account (other deploys or tools?). ${retry} AWS_MAX_ATTEMPTS raises the SDK's retry count.`,
      { cause: error },
    );
  }
  if (e.$fault === 'server' || (status !== undefined && status >= 500)) {
    return new StackError(
      'AWS_UNAVAILABLE',
      what,
      `${service} answered with a server error (see the AWS Health Dashboard for ${service}). ${retry}`,
      { cause: error },
    );
  }
  if (ACCESS_DENIED_NAMES.has(name) || status === 403) {
    return new StackError(
      'AWS_ACCESS_DENIED',
      what,
      `Grant the role running the pipeline ${service.toLowerCase()}:${operation} on ${target} (the orchestrator stack's step roles have it).`,
      { cause: error },
    );
  }
  if (name === 'CredentialsProviderError') {
    return new StackError(
      'AWS_CREDENTIALS',
      what,
      'Provide AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and AWS_REGION.',
      { cause: error },
    );
  }
  return new StackError(
    'CFN_CALL_FAILED',
    what,
    `Fix what the ${service} message above names (template, parameters, limits), then run the pipeline again.`,
    { cause: error },
  );
}

/** Runs one CloudFormation call; any SDK error leaves as a typed StackError. */
export async function cfnCall<T>(operation: string, stackName: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toStackError(error, 'CloudFormation', operation, `stack ${stackName}`);
  }
}
