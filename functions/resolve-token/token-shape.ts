import { createHash } from 'node:crypto';
import { TokenError } from '../shared/errors.js';

/**
 * What a runner token in SSM must look like before anything is deployed with it (DESIGN.md section 4: a runner
 * *authentication* token, never the registration token; the field report's first pitfall).
 *
 * Accepted: `glrt-…` (runner created in GitLab, GitLab 16+) and `glrtr-…` (runner registered through the
 * deprecated registration workflow: still an authentication token), optionally behind an instance token prefix
 * (`acme-glrt-…`), with at least 20 characters after the prefix, from the token alphabet `A-Z a-z 0-9 _ . -`.
 * Refused, each with its own code: empty, registration tokens (`GR1348941…`, or the 20-character unprefixed shape of
 * legacy tokens), other GitLab token kinds (`glpat-`…), whitespace or newlines anywhere, other characters, too
 * short, or any other unprefixed value. Every message names the parameter and the fix, never the value.
 */
export type TokenRejectionCode =
  | 'TOKEN_EMPTY'
  | 'TOKEN_REGISTRATION'
  | 'TOKEN_WRONG_KIND'
  | 'TOKEN_MALFORMED'
  | 'TOKEN_TOO_SHORT'
  | 'TOKEN_UNKNOWN_SHAPE';

export interface TokenRejection {
  code: TokenRejectionCode;
  message: string;
  hint: string;
}

export interface RunnerTokenShape {
  /** `glrt`: runner created in GitLab; `glrtr`: registered with a registration token (deprecated workflow). */
  variant: 'glrt' | 'glrtr';
  /** The instance token prefix in front of `glrt-`, when GitLab is configured with one. */
  instancePrefix?: string;
}

/** Characters after the `glrt-` prefix: GitLab generates at least 20. */
export const MIN_TOKEN_BODY_LENGTH = 20;
const LEGACY_TOKEN_LENGTH = 20;
const TOKEN_ALPHABET = /^[A-Za-z0-9_.-]$/;
const INSTANCE_PREFIX = '(?:([A-Za-z0-9_-]{1,40}?)-)?';
const RUNNER_TOKEN = new RegExp(`^${INSTANCE_PREFIX}(glrtr?)-(.*)$`, 's');
const REGISTRATION_TOKEN = new RegExp(`^${INSTANCE_PREFIX}GR1348941`);

/** Other GitLab token kinds people store by mistake, by prefix. */
const OTHER_KINDS: readonly [prefix: string, what: string][] = [
  ['glpat-', 'a personal, project or group access token'],
  ['glptt-', 'a pipeline trigger token'],
  ['gldt-', 'a deploy token'],
  ['glcbt-', 'a CI/CD job token'],
  ['glft-', 'a feed token'],
  ['glimt-', 'an incoming mail token'],
  ['glagent-', 'a Kubernetes agent token'],
  ['gloas-', 'an OAuth application secret'],
  ['glsoat-', 'a SCIM token'],
  ['glffct-', 'a feature flags client token'],
];

/** How to get the right token; shared by every rejection. No token-looking text (it would be redacted in logs). */
export function createRunnerHint(parameterName: string, region?: string): string {
  const inRegion = region ? ` --region ${region}` : '';
  return (
    'Since GitLab 16 a runner is created in GitLab, not registered: Settings > CI/CD > Runners > New project runner ' +
    '(or a group or instance runner), or POST /api/v4/user/runners with an access token that has the create_runner ' +
    'scope. GitLab shows the runner authentication token (it starts with glrt-) once; store it with ' +
    `aws ssm put-parameter --type SecureString --overwrite --name ${parameterName} --value '<the glrt- token>'${inRegion}`
  );
}

/** First 12 hex characters of SHA-256(token): tells two tokens apart without revealing either. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 12);
}

/** Describes the first problem of a token value, or undefined when it has the shape of a runner authentication token. */
export function tokenShapeProblem(value: string, parameterName: string): TokenRejection | undefined {
  const where = `The SSM parameter ${parameterName}`;
  const hint = createRunnerHint(parameterName);
  const trimmed = value.trim();
  if (trimmed === '') {
    const what = value === '' ? 'is empty' : 'holds only whitespace';
    return { code: 'TOKEN_EMPTY', message: `${where} ${what}; it must hold a runner authentication token.`, hint };
  }
  if (REGISTRATION_TOKEN.test(trimmed)) {
    return {
      code: 'TOKEN_REGISTRATION',
      message:
        `${where} holds a runner registration token (prefix GR1348941), not a runner authentication token. ` +
        'Registration tokens only register runners; they cannot run jobs, are disabled by default since GitLab 17.0 ' +
        'and are removed in GitLab 20.0.',
      hint,
    };
  }
  const otherKind = OTHER_KINDS.find(([prefix]) => trimmed.startsWith(prefix));
  if (otherKind) {
    return {
      code: 'TOKEN_WRONG_KIND',
      message: `${where} holds ${otherKind[1]} (prefix ${otherKind[0]}), not a runner authentication token (glrt-).`,
      hint,
    };
  }
  const whitespace = whitespaceProblem(value);
  if (whitespace) {
    return {
      code: 'TOKEN_MALFORMED',
      message: `${where} ${whitespace}.`,
      hint: `Store the bare token: no quotes, spaces or trailing newline (echo adds one; use printf '%s' or --value). ${hint}`,
    };
  }
  const badIndex = [...value].findIndex((c) => !TOKEN_ALPHABET.test(c));
  if (badIndex >= 0) {
    const bad = [...value][badIndex] ?? '';
    return {
      code: 'TOKEN_MALFORMED',
      message: `${where} holds a character a runner token never has (character ${badIndex + 1} is ${describeChar(bad)}); tokens only use letters, digits, _ . and -.`,
      hint: `Store the bare token, without quotes or the surrounding config.toml line. ${hint}`,
    };
  }
  const runner = RUNNER_TOKEN.exec(value);
  if (runner) {
    const body = runner[3] ?? '';
    if (body.length < MIN_TOKEN_BODY_LENGTH) {
      return {
        code: 'TOKEN_TOO_SHORT',
        message: `${where} holds a ${runner[2]}- value with ${body.length} characters after the prefix; GitLab's runner tokens have at least ${MIN_TOKEN_BODY_LENGTH} (truncated when copied?).`,
        hint,
      };
    }
    return undefined;
  }
  if (value.length === LEGACY_TOKEN_LENGTH) {
    return {
      code: 'TOKEN_REGISTRATION',
      message:
        `${where} holds a ${LEGACY_TOKEN_LENGTH}-character value without prefix: the shape of a legacy registration ` +
        'token (or of a runner token from the registration workflow GitLab is removing). A runner authentication ' +
        'token (glrt-) is needed.',
      hint,
    };
  }
  if (value.length < MIN_TOKEN_BODY_LENGTH) {
    return {
      code: 'TOKEN_TOO_SHORT',
      message: `${where} holds a ${value.length}-character value; a runner authentication token starts with glrt- and is at least ${MIN_TOKEN_BODY_LENGTH + 5} characters long.`,
      hint,
    };
  }
  return {
    code: 'TOKEN_UNKNOWN_SHAPE',
    message: `${where} does not hold a runner authentication token; runner authentication tokens start with glrt- (or <instance prefix>-glrt-).`,
    hint,
  };
}

/** The token's shape, or a TokenError (with the problem's code) when it is not a runner authentication token. */
export function assertRunnerTokenShape(value: string, parameterName: string): RunnerTokenShape {
  const problem = tokenShapeProblem(value, parameterName);
  if (problem) throw new TokenError(problem.code, problem.message, problem.hint);
  const match = RUNNER_TOKEN.exec(value);
  const variant = match?.[2] === 'glrtr' ? 'glrtr' : 'glrt';
  return match?.[1] ? { variant, instancePrefix: match[1] } : { variant };
}

function whitespaceProblem(value: string): string | undefined {
  const ws = /[\s\p{Cc}]/u;
  if (!ws.test(value)) return undefined;
  if (/[\r\n]$/.test(value)) return 'ends with a newline';
  if (ws.test(value.at(0) ?? '') || ws.test(value.at(-1) ?? '')) return 'starts or ends with whitespace';
  if (/[\r\n]/.test(value)) return 'holds a line break (more than one line)';
  return 'holds whitespace or a control character inside the value';
}

function describeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}`;
  if (code > 0x7e) return `non-ASCII character U+${code.toString(16).padStart(4, '0').toUpperCase()}`;
  return `'${c}'`;
}
