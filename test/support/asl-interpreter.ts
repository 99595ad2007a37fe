import { type AslState, at, chooseNext } from './asl-choice.js';

/**
 * A small in-process interpreter for the Amazon States Language our deploy state machine uses, for tests that walk
 * the real definition with the real step handlers:
 *   Task    → `invoke(resource, input)`; ResultPath merge; Retry (by ErrorEquals, MaxAttempts, no sleeping) and Catch
 *             (the error as `{ Error, Cause }` at the Catch's ResultPath, like Step Functions does for a Lambda error);
 *   Choice  → ./asl-choice.ts; Wait → no sleep; Pass → Parameters (`key.$` paths and States.Format) or Result, at
 *   ResultPath; Succeed; Fail → Error/ErrorPath, Cause/CausePath.
 * InputPath, OutputPath, ResultSelector and Map/Parallel are not used by the definition and throw if they appear.
 */
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
}

export type TaskInvoker = (resource: string, input: unknown) => Promise<unknown>;

export interface WalkResult {
  status: 'SUCCEEDED' | 'FAILED';
  /** Every state entered, in order. */
  visited: string[];
  output: unknown;
  error?: string;
  cause?: string;
}

export interface WalkOptions {
  /** Guard against a loop that never ends (default 200 states). */
  maxTransitions?: number;
}

/** Step Functions' error name of a Lambda failure: the error's name (our typed errors set it to the class name). */
const errorOf = (e: unknown): { Error: string; Cause: string } => ({
  Error: (e as Error)?.name || 'Error',
  Cause: (e as Error)?.message ?? String(e),
});

const matchesError = (errorEquals: string[], name: string): boolean =>
  errorEquals.includes(name) ||
  errorEquals.includes('States.ALL') ||
  (errorEquals.includes('States.TaskFailed') && !name.startsWith('States.'));

/** `$.a.b` := value, copying along the path (ResultPath `$` replaces the whole state, `null` discards). */
function setAt(data: unknown, path: string | null | undefined, value: unknown): unknown {
  if (path === null) return data;
  if (path === undefined || path === '$') return value;
  const keys = path.replace(/^\$\./, '').split('.');
  const root: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  let node = root;
  for (const key of keys.slice(0, -1)) {
    const next = { ...((node[key] as Record<string, unknown>) ?? {}) };
    node[key] = next;
    node = next;
  }
  node[keys[keys.length - 1] as string] = value;
  return root;
}

/** States.Format('…{}…', $.a, $.b): the only intrinsic the definition uses. */
function intrinsic(expression: string, data: unknown): unknown {
  const m = /^States\.Format\('((?:[^'\\]|\\.)*)'((?:,\s*\$[\w.]*)*)\)$/.exec(expression.trim());
  if (!m) throw new Error(`intrinsic not understood by test/support/asl-interpreter.ts: ${expression}`);
  const args = (m[2] ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean)
    .map((p) => at(data, p));
  let i = 0;
  return (m[1] as string).replace(/\{\}/g, () => {
    const v = args[i++];
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

function parameters(template: Record<string, unknown>, data: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) {
      const expr = value as string;
      out[key.slice(0, -2)] = expr.startsWith('States.') ? intrinsic(expr, data) : at(data, expr);
    } else out[key] = value;
  }
  return out;
}

const unsupported = ['InputPath', 'OutputPath', 'ResultSelector'];

export async function walkStateMachine(
  definition: AslDefinition,
  input: unknown,
  invoke: TaskInvoker,
  opts: WalkOptions = {},
): Promise<WalkResult> {
  const max = opts.maxTransitions ?? 200;
  const visited: string[] = [];
  let data = input;
  let name: string | undefined = definition.StartAt;
  while (name) {
    if (visited.length >= max) throw new Error(`more than ${max} transitions: ${visited.slice(-6).join(' → ')} …`);
    const state: AslState | undefined = definition.States[name];
    if (!state) throw new Error(`no state ${name}`);
    visited.push(name);
    const used = unsupported.filter((field) => field in state);
    if (used.length > 0) throw new Error(`${name} uses ${used.join(', ')}, not supported by the test interpreter`);
    switch (state.Type) {
      case 'Task': {
        let attempts = 0;
        for (;;) {
          try {
            data = setAt(data, state.ResultPath, await invoke(state.Resource, data));
            name = state.End ? undefined : state.Next;
            break;
          } catch (e) {
            const err = errorOf(e);
            const retry = (state.Retry ?? []).find((r: AslState) => matchesError(r.ErrorEquals, err.Error));
            if (retry && attempts < (retry.MaxAttempts ?? 3)) {
              attempts++;
              continue;
            }
            const handler = (state.Catch ?? []).find((c: AslState) => matchesError(c.ErrorEquals, err.Error));
            if (!handler) return { status: 'FAILED', visited, output: data, error: err.Error, cause: err.Cause };
            data = setAt(data, handler.ResultPath, err);
            name = handler.Next;
            break;
          }
        }
        if (state.End && name === undefined) return { status: 'SUCCEEDED', visited, output: data };
        break;
      }
      case 'Choice': {
        const next = chooseNext(state, data);
        if (!next) return { status: 'FAILED', visited, output: data, error: 'States.NoChoiceMatched' };
        name = next;
        break;
      }
      case 'Wait':
      case 'Pass': {
        if (state.Type === 'Pass') {
          const result = state.Parameters ? parameters(state.Parameters, data) : (state.Result ?? data);
          data = setAt(data, state.ResultPath, result);
        }
        if (state.End) return { status: 'SUCCEEDED', visited, output: data };
        name = state.Next;
        break;
      }
      case 'Succeed':
        return { status: 'SUCCEEDED', visited, output: data };
      case 'Fail':
        return {
          status: 'FAILED',
          visited,
          output: data,
          error: state.ErrorPath ? (at(data, state.ErrorPath) as string) : state.Error,
          cause: state.CausePath ? (at(data, state.CausePath) as string) : state.Cause,
        };
      default:
        throw new Error(`state type ${state.Type} (${name}) not supported by the test interpreter`);
    }
  }
  throw new Error('the walk ended without a Succeed or Fail state');
}
