/**
 * Token redaction, used before anything is logged, returned or stored (DESIGN.md section 8).
 * Covers the GitLab token shapes a runner log or an error can carry:
 *  - runner authentication tokens `glrt-…` (also `glrtr-`, `glrt-t1_…`), CI job tokens `glcbt-…`,
 *  - registration tokens `GR1348941…`,
 *  - personal/project/group access tokens `glpat-…`,
 *  - a `token=` / `"token":` / `private_token` assignment whatever its value,
 *  - v11's "Runner <url><FULL TOKEN> is not healthy" line, which glues the token to the URL.
 */

const PREFIXED = /\b(glrtr?-|glcbt-|glpat-|glptt-|gldt-|GR1348941)[A-Za-z0-9_.-]{4,}/g;
const ASSIGNMENT = /((?:private_|runner_|registration_|auth_)?token["']?\s*[=:]\s*["']?)([^\s"'&,}]{4,})/gi;
const V11_UNHEALTHY = /(Runner https?:\/\/[^\s]*?\/)([A-Za-z0-9_-]{16,})( is not healthy)/g;

export const REDACTED = '[REDACTED]';

export function redactTokens(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(PREFIXED, REDACTED)
    .replace(V11_UNHEALTHY, `$1${REDACTED}$3`)
    .replace(ASSIGNMENT, (_m, key: string, value: string) =>
      value === REDACTED ? `${key}${value}` : `${key}${REDACTED}`,
    );
}

/** Deep-redacts a JSON-like value: string leaves are redacted, keys that name a token lose their value. */
export function redactValue<T>(value: T, knownSecrets: readonly string[] = []): T {
  return walk(value, knownSecrets) as T;
}

function walk(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactTokens(value, secrets);
  if (Array.isArray(value)) return value.map((v) => walk(v, secrets));
  if (value instanceof Error) {
    return { name: value.name, message: redactTokens(value.message, secrets), ...errorFields(value, secrets) };
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = /^(token|runnerToken|authToken|registrationToken|private_token)$/i.test(k) ? REDACTED : walk(v, secrets);
    }
    return out;
  }
  return value;
}

function errorFields(error: Error, secrets: readonly string[]): Record<string, unknown> {
  const e = error as Error & { code?: unknown; hint?: unknown };
  const out: Record<string, unknown> = {};
  if (typeof e.code === 'string') out.code = e.code;
  if (typeof e.hint === 'string') out.hint = redactTokens(e.hint, secrets);
  return out;
}
