import type { AwsClients } from '../../functions/shared/aws-clients.js';
import type { RunnerConfig } from '../../functions/shared/config/index.js';
import type {
  AwaitResult,
  DeployResult,
  PipelineState,
  RenderResult,
  StackEventSummary,
  TokenRef,
} from '../../functions/shared/contracts.js';
import { createLogger, type Logger } from '../../functions/shared/logger.js';
import { ensureArtifactBucket } from './artifact-bucket.js';
import { DeployAttemptsExhaustedError, PipelineTimeoutError, StackFailedError } from './pipeline-errors.js';
import { deployTitle, formatStackEvent } from './pipeline-format.js';
import { defaultPipelineSteps, type PipelineSteps } from './pipeline-steps.js';

/**
 * The deploy pipeline run in-process, in state-machine order (DESIGN.md section 6):
 *   artifact bucket -> resolve-token -> render-stack -> deploy-stack -> [wait -> await-stack]* -> done.
 * noop: no await at all. create/update: await until done. recreate (a ROLLBACK_COMPLETE stack is being deleted):
 * await the delete, then deploy again. busy (another operation in progress): await it, then deploy again.
 * Used by `npm run pipeline`, the demo and the integration tests; it knows nothing about terminals: progress goes
 * through `onEvent` and the optional `runPhase` wrapper (the CLI renders it with listr2).
 */
export type PhaseName = 'artifact-bucket' | 'resolve-token' | 'render-stack' | 'deploy-stack' | 'await-stack';

export interface PhaseProgress {
  title(text: string): void;
  output(line: string): void;
}

/** Runs one phase; a UI wraps it (a spinner, a title that updates). The default just runs it. */
export type PhaseRunner = <T>(
  phase: PhaseName,
  title: string,
  work: (progress: PhaseProgress) => Promise<T>,
) => Promise<T>;

export type PipelineEvent =
  | { type: 'phase-start'; phase: PhaseName; title: string }
  | { type: 'phase-title'; phase: PhaseName; title: string }
  | { type: 'bucket'; bucket: string; created: boolean }
  | { type: 'step-output'; step: 'resolve-token'; output: TokenRef }
  | { type: 'step-output'; step: 'render-stack'; output: RenderResult }
  | { type: 'step-output'; step: 'deploy-stack'; output: DeployResult }
  | { type: 'step-output'; step: 'await-stack'; output: AwaitResult }
  | { type: 'stack-event'; event: StackEventSummary; line: string };

export interface PipelineOptions {
  clients: AwsClients;
  /** Handed to every step (`step.run(event, deps, log)`) with a `step` field; default one JSON logger per step. */
  log?: Logger;
  onEvent?: (event: PipelineEvent) => void;
  sleep?: (ms: number) => Promise<void>;
  /** The state machine's Wait between two await-stack calls; default 10 s. */
  pollIntervalMs?: number;
  /** Gives up awaiting the stack after this long (it keeps going on AWS); default 60 min. */
  timeoutMs?: number;
  /** How many times deploy-stack may be called (busy / recreate loops); default 3. */
  maxDeployAttempts?: number;
  now?: () => number;
  runPhase?: PhaseRunner;
  /** The four steps; default the real ones over `clients`. */
  steps?: PipelineSteps;
}

export interface PipelineResult {
  bucketCreated: boolean;
  token: TokenRef;
  render: RenderResult;
  /** The last deploy-stack answer (what the run ended with). */
  deploy: DeployResult;
  /** Every deploy-stack answer, in order (more than one after busy or recreate). */
  deploys: DeployResult[];
  /** The last await-stack answer; absent when the run was a no-op. */
  await?: AwaitResult;
  /** Stack events seen while awaiting, oldest first. */
  events: StackEventSummary[];
}

const DEFAULTS = { pollIntervalMs: 10_000, timeoutMs: 60 * 60_000, maxDeployAttempts: 3 };

const runDirectly: PhaseRunner = (_phase, _title, work) => work({ title: () => {}, output: () => {} });
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runPipeline(config: RunnerConfig, options: PipelineOptions): Promise<PipelineResult> {
  const emit = options.onEvent ?? (() => {});
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULTS.pollIntervalMs;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const maxDeployAttempts = options.maxDeployAttempts ?? DEFAULTS.maxDeployAttempts;
  const steps = options.steps ?? defaultPipelineSteps(options.clients);
  const wrap = options.runPhase ?? runDirectly;
  const deadline = now() + timeoutMs;

  const phase = <T>(name: PhaseName, title: string, work: (progress: PhaseProgress) => Promise<T>): Promise<T> => {
    emit({ type: 'phase-start', phase: name, title });
    return wrap(name, title, (ui) =>
      work({
        title: (text) => {
          ui.title(text);
          emit({ type: 'phase-title', phase: name, title: text });
        },
        output: (line) => ui.output(line),
      }),
    );
  };
  // Each step logs as itself (service = step name), like its Lambda would; an injected logger gets a step field.
  const stepLog = (step: string) => (options.log ? options.log.child({ step }) : createLogger(step));

  const bucket = await phase('artifact-bucket', `artifact bucket ${config.artifactBucket}`, async (p) => {
    const result = await ensureArtifactBucket(options.clients.s3, config.artifactBucket, config.region);
    emit({ type: 'bucket', bucket: result.bucket, created: result.created });
    p.title(
      `artifact bucket ${result.bucket}: ${result.created ? 'created (encrypted, public access blocked)' : 'exists'}`,
    );
    return result;
  });

  const token = await phase('resolve-token', 'resolve-token', async (p) => {
    const out = await steps.resolveToken({ config }, stepLog('resolve-token'));
    emit({ type: 'step-output', step: 'resolve-token', output: out });
    p.title(`resolve-token: ${out.parameterName} version ${out.version} (fingerprint ${out.fingerprint})`);
    return out;
  });

  const render = await phase('render-stack', 'render-stack', async (p) => {
    const out = await steps.renderStack({ config, token }, stepLog('render-stack'));
    emit({ type: 'step-output', step: 'render-stack', output: out });
    p.title(`render-stack: template ${out.templateHash.slice(0, 12)} in s3://${out.bucket}/${out.templateKey}`);
    return out;
  });

  const deploys: DeployResult[] = [];
  const events: StackEventSummary[] = [];
  let lastAwait: AwaitResult | undefined;

  for (let attempt = 1; ; attempt++) {
    const deploy = await phase(
      'deploy-stack',
      attempt === 1 ? 'deploy-stack' : `deploy-stack (attempt ${attempt})`,
      async (p) => {
        const out = await steps.deployStack({ config, token, render }, stepLog('deploy-stack'));
        emit({ type: 'step-output', step: 'deploy-stack', output: out });
        p.title(deployTitle(out));
        return out;
      },
    );
    deploys.push(deploy);
    const result = (): PipelineResult => ({
      bucketCreated: bucket.created,
      token,
      render,
      deploy,
      deploys,
      events,
      ...(lastAwait ? { await: lastAwait } : {}),
    });
    if (deploy.action === 'noop') return result();

    lastAwait = await phase('await-stack', `await-stack: ${deploy.stackName}`, async (p) => {
      let previous: AwaitResult | undefined;
      for (;;) {
        if (now() + pollIntervalMs > deadline) {
          throw new PipelineTimeoutError(deploy.stackName, previous?.status ?? 'in progress', timeoutMs);
        }
        await sleep(pollIntervalMs);
        const input: PipelineState = { config, token, render, deploy, ...(previous ? { await: previous } : {}) };
        const out = await steps.awaitStack(input, stepLog('await-stack'));
        emit({ type: 'step-output', step: 'await-stack', output: out });
        for (const event of out.events) {
          const line = formatStackEvent(event);
          events.push(event);
          p.output(line);
          emit({ type: 'stack-event', event, line });
        }
        p.title(`await-stack: ${out.status} (poll ${out.polls})`);
        if (out.done) {
          // ok is await-stack's verdict for this deploy action (recreate: the failed stack is gone; busy: the other
          // operation did not leave the stack *_FAILED). Thrown inside the phase, so a UI marks this task failed.
          if (!out.ok) throw new StackFailedError(deploy.stackName, out.status, out.rootCause);
          return out;
        }
        previous = out;
      }
    });

    if (deploy.action === 'create' || deploy.action === 'update') return result();
    // busy (the other operation finished) or recreate (the failed stack is deleted): deploy again.
    if (attempt >= maxDeployAttempts) throw new DeployAttemptsExhaustedError(deploy.stackName, attempt, deploy.action);
  }
}
