import { TokenError } from '../shared/errors.js';
import { redactTokens } from '../shared/redact.js';
import { TokenSourceUnavailableError } from './errors.js';
import { createRunnerHint } from './token-shape.js';

/**
 * Optional preflight of resolve-token: asks GitLab whether it accepts the runner token before anything is deployed.
 *
 * ### Token preflight (`gitlab.verifyToken`, off by default)
 *
 * With `"verifyToken": true` in the `gitlab` section, resolve-token sends `POST <gitlab.url>/api/v4/runners/verify`
 * with the form field `token` (the runner authentication token, read from SSM) and no `system_id`.
 * - **200**: GitLab accepts the token; the step returns `verified: true`.
 * - **403**: GitLab refuses it: the token was revoked or reset, the runner was deleted, or `gitlab.url` names another
 *   GitLab instance. The pipeline stops before deploying (a runner with a refused token gets 403s and disables itself
 *   for an hour).
 * - **422**: GitLab says the runner is orphaned (the project or group that owned it is gone). Create a new runner.
 * - **Other answers, redirects, timeouts, network errors**: the step fails with the URL and the reason; these are
 *   retried by the state machine, since they are not the token's fault.
 *
 * **Side effects**, which is why it is off by default: the call authenticates *as the runner*. Depending on the GitLab
 * version it counts as the runner's heartbeat: it updates the runner's `contacted_at`, so a runner whose manager is
 * dead can look online in GitLab for a while after each preflight. With a `system_id` GitLab would also create or
 * update a runner-manager record; we send none, so no ghost manager appears (GitLab's docs list `system_id` as
 * required for `glrt-` tokens, but the server keeps the old behaviour without it; should a future version answer 400,
 * the step says so and you can turn the preflight off). The token travels to `gitlab.url` only: redirects are not
 * followed (a redirect would send it to another address), so set `gitlab.url` to the final https URL. The Lambda
 * function needs network access to GitLab (and GitLab's allow-list must admit it) when the preflight is on.
 * Use the preflight to answer "is the value in SSM a valid token", for example when the SSM parameter changes;
 * not as a liveness check (the health check reads the manager's logs for that).
 */
export interface VerifyOptions {
  /** Per-request limit; default 10 s. */
  timeoutMs?: number;
}

export interface VerifyOutcome {
  verified: true;
  /** What GitLab told about the runner (200 answers of newer versions carry them); never the token. */
  runnerId?: number;
  tokenExpiresAt?: string;
}

export const VERIFY_PATH = '/api/v4/runners/verify';
const DEFAULT_TIMEOUT_MS = 10_000;
const BODY_EXCERPT_CHARS = 200;

export interface VerifyRequest {
  gitlabUrl: string;
  token: string;
  /** Named in the hints of a refusal (where to store a new token). */
  parameterName: string;
}

export async function verifyRunnerToken(request: VerifyRequest, options: VerifyOptions = {}): Promise<VerifyOutcome> {
  const { gitlabUrl, token, parameterName } = request;
  const url = `${gitlabUrl.replace(/\/+$/, '')}${VERIFY_PATH}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      body: new URLSearchParams({ token }),
      headers: { accept: 'application/json', 'user-agent': 'gitlab-runner-orchestrator resolve-token' },
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (error) {
    throw new TokenSourceUnavailableError(
      'GITLAB_UNREACHABLE',
      `The token preflight could not reach GitLab at ${url}: ${networkReason(error, token)}`,
      'Check gitlab.url, that the orchestrator can reach GitLab (VPC, NAT, GitLab allow-list) and that GitLab is up; or set gitlab.verifyToken to false to skip the preflight.',
    );
  }
  const body = await readBody(response);
  const status = response.status;
  if (status === 200) return { verified: true, ...runnerFacts(body) };
  if (status === 403) {
    throw new TokenError(
      'TOKEN_REFUSED',
      `GitLab refused the token (403 from ${url}): revoked or wrong instance. The runner may have been deleted, its token reset, or gitlab.url points to another GitLab.`,
      `Check gitlab.url; if it is right, create a new runner (or reset its token) and store the new token. ${createRunnerHint(parameterName)}`,
    );
  }
  if (status === 422) {
    throw new TokenError(
      'TOKEN_ORPHANED',
      `GitLab answered 422 from ${url}: the runner is orphaned (the project or group that owned it no longer exists).`,
      `Create a new runner in an existing project or group and store its token. ${createRunnerHint(parameterName)}`,
    );
  }
  const where = response.headers.get('location');
  const what =
    status >= 300 && status < 400
      ? `a redirect to ${where ?? '(no location)'}; the token is not sent to another address`
      : `HTTP ${status}${body ? `: ${redactTokens(body.slice(0, BODY_EXCERPT_CHARS), [token])}` : ''}`;
  throw new TokenSourceUnavailableError(
    'GITLAB_UNEXPECTED_ANSWER',
    `The token preflight got an unexpected answer from ${url}: ${what}.`,
    status >= 300 && status < 400
      ? 'Set gitlab.url to the final GitLab URL (https, no redirect).'
      : 'Check that gitlab.url is the GitLab base URL (without /api/v4); retry later for a 5xx or 429; or set gitlab.verifyToken to false.',
  );
}

async function readBody(response: Response): Promise<string> {
  try {
    return await response.text();
  } catch {
    return '';
  }
}

/** Runner id and expiry from a 200 body; the body also echoes the token, which is dropped here. */
function runnerFacts(body: string): Omit<VerifyOutcome, 'verified'> {
  try {
    const json = JSON.parse(body) as { id?: unknown; token_expires_at?: unknown };
    return {
      ...(typeof json.id === 'number' ? { runnerId: json.id } : {}),
      ...(typeof json.token_expires_at === 'string' ? { tokenExpiresAt: json.token_expires_at } : {}),
    };
  } catch {
    return {};
  }
}

function networkReason(error: unknown, token: string): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'no answer in time (timeout)';
  const cause = e?.cause;
  const reason = cause?.code ? `${cause.code}${cause.message ? ` (${cause.message})` : ''}` : (e?.message ?? String(e));
  return redactTokens(reason, [token]);
}
