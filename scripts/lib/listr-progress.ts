import { Listr } from 'listr2';
import { redactTokens } from '../../functions/shared/redact.js';
import type { PhaseName, PhaseProgress, PhaseRunner } from './pipeline-runner.js';

/**
 * Live progress for `npm run pipeline` (and the demo): each pipeline phase is a listr2 task whose title follows the
 * step's answer, and stack events are streamed under the await task like `cdk deploy` does. On a terminal the
 * default renderer redraws in place; without one (or with CI set) the simple renderer prints plain lines.
 * A failed phase shows a one-line reason; the caller prints the full error (root cause, hint) after.
 */
export interface ListrProgress {
  runPhase: PhaseRunner;
  /** Shows a line under the running phase (or on stderr between phases). */
  note(line: string): void;
}

export function plainOutputWanted(stream: NodeJS.WriteStream = process.stdout): boolean {
  return !stream.isTTY || Boolean(process.env.CI);
}

export function createListrProgress(opts: { plain?: boolean } = {}): ListrProgress {
  const plain = opts.plain ?? plainOutputWanted();
  let current: PhaseProgress | undefined;

  const runPhase: PhaseRunner = async <T>(
    _phase: PhaseName,
    title: string,
    work: (progress: PhaseProgress) => Promise<T>,
  ): Promise<T> => {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    const list = new Listr(
      [
        {
          title,
          task: async (_ctx, task) => {
            let lastTitle = title;
            current = {
              title: (text) => {
                lastTitle = text;
                task.title = text;
              },
              output: (line) => {
                task.output = line;
              },
            };
            try {
              outcome = { ok: true, value: await work(current) };
            } catch (error) {
              outcome = { ok: false, error };
              task.title = `${lastTitle}: failed`;
              throw new Error(oneLineReason(error));
            } finally {
              current = undefined;
            }
          },
          rendererOptions: { outputBar: Number.POSITIVE_INFINITY, persistentOutput: true },
        },
      ],
      {
        renderer: 'default',
        fallbackRenderer: 'simple',
        fallbackRendererCondition: plain,
        rendererOptions: { collapseErrors: false },
        fallbackRendererOptions: { timestamp: undefined },
      },
    );
    try {
      await list.run();
    } catch (error) {
      if (outcome?.ok === false) throw outcome.error;
      throw error;
    }
    if (!outcome?.ok) throw new Error(`phase ${title} ended without a result`);
    return outcome.value;
  };

  return {
    runPhase,
    note: (line) => {
      if (current) current.output(line);
      else process.stderr.write(`${line}\n`);
    },
  };
}

/** What the failed task shows; the full message (root cause, next step) is printed after the task list. */
function oneLineReason(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string') return `${e.code} (details below)`;
  return redactTokens(String(e?.message ?? error).split('\n')[0] ?? '');
}
