import { OrchestratorError } from '../shared/errors.js';

/**
 * Errors of resolve-token that are not the token's fault and may pass on a retry (the state machine retries these
 * names; TokenError means a person must act). Codes: SSM_UNAVAILABLE, GITLAB_UNREACHABLE, GITLAB_UNEXPECTED_ANSWER.
 */
export class TokenSourceUnavailableError extends OrchestratorError {}
