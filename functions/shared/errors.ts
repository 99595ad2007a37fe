/**
 * Typed errors. Every message says what went wrong *and* what to do next.
 * `code` is stable (tools and tests match on it); `hint` is the next step for the user.
 */
export class OrchestratorError extends Error {
  readonly code: string;
  readonly hint: string;

  constructor(code: string, message: string, hint: string, options?: { cause?: unknown }) {
    super(`${message}\n  -> ${hint}`, options);
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
  }

  toJSON(): { name: string; code: string; message: string; hint: string } {
    return { name: this.name, code: this.code, message: this.message, hint: this.hint };
  }
}

/** The runner config (file, event or environment) does not satisfy the schema. */
export class ConfigError extends OrchestratorError {
  readonly issues: readonly { path: string; message: string }[];

  constructor(message: string, hint: string, issues: readonly { path: string; message: string }[] = []) {
    super('CONFIG_INVALID', message, hint);
    this.issues = issues;
  }
}

/** A step received an event that does not match its contract. */
export class EventValidationError extends OrchestratorError {
  constructor(step: string, details: string) {
    super(
      'EVENT_INVALID',
      `The ${step} step received an invalid event: ${details}`,
      `Invoke ${step} with the input documented in DESIGN.md section 6 (see README, "Step contracts").`,
    );
  }
}

/** The runner token in SSM is missing, empty or of the wrong kind. */
export class TokenError extends OrchestratorError {}

/** A CloudFormation operation failed or left the stack in a state we cannot continue from. */
export class StackError extends OrchestratorError {}

/** A required local tool (moto_server, cfn-lint) is not installed. */
export class MissingToolError extends OrchestratorError {
  constructor(tool: string, install: string) {
    super('TOOL_MISSING', `${tool} was not found on PATH.`, `Install it: ${install}`);
  }
}
