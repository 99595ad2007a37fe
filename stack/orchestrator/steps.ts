/**
 * The five Lambda steps of the orchestrator (DESIGN.md section 6) and how each function is sized. The same list is
 * in esbuild.config.mjs (FUNCTION_STEPS), which cannot import TypeScript; test/unit/orchestrator-template.test.ts
 * checks that the two agree.
 */
export const ORCHESTRATOR_STEPS = [
  'resolve-token',
  'render-stack',
  'deploy-stack',
  'await-stack',
  'health-check',
] as const;
export type OrchestratorStep = (typeof ORCHESTRATOR_STEPS)[number];

export interface StepFunctionSettings {
  /** PascalCase stem of the step's logical ids: `<stem>Function`, `<stem>Role`, `<stem>LogGroup`. */
  stem: string;
  memoryMb: number;
  /** Lambda timeout; the state machine's Task timeout is a little longer (./state-machine.ts). */
  timeoutSeconds: number;
  description: string;
}

/**
 * Memory buys CPU on Lambda: the steps that only make a few AWS calls get 256 MB; render-stack builds a large
 * template and health-check parses (streams, gunzips) an hour of logs, so they get more. Timeouts cover the step's
 * own bounded waits: deploy-stack polls a change set's creation for up to 60 s, health-check may read many objects.
 */
export const STEP_FUNCTIONS: Record<OrchestratorStep, StepFunctionSettings> = {
  'resolve-token': {
    stem: 'ResolveToken',
    memoryMb: 256,
    timeoutSeconds: 30,
    description: 'Reads the runner token parameter and returns its version and fingerprint (never the token).',
  },
  'render-stack': {
    stem: 'RenderStack',
    memoryMb: 512,
    timeoutSeconds: 60,
    description: 'Renders the runner-stack template and stores it in the artifact bucket by content hash.',
  },
  'deploy-stack': {
    stem: 'DeployStack',
    memoryMb: 256,
    timeoutSeconds: 120,
    description: 'Creates and executes the runner stack change set (or reports a no-op, busy or recreate).',
  },
  'await-stack': {
    stem: 'AwaitStack',
    memoryMb: 256,
    timeoutSeconds: 60,
    description: 'Reads the runner stack status and new events once; explains a failure.',
  },
  'health-check': {
    stem: 'HealthCheck',
    memoryMb: 1024,
    timeoutSeconds: 300,
    description: "Judges the runner fleet from the manager's shipped logs; writes the report and metrics.",
  },
};

export const functionLogicalId = (step: OrchestratorStep): string => `${STEP_FUNCTIONS[step].stem}Function`;
export const roleLogicalId = (step: OrchestratorStep): string => `${STEP_FUNCTIONS[step].stem}Role`;
export const logGroupLogicalId = (step: OrchestratorStep): string => `${STEP_FUNCTIONS[step].stem}LogGroup`;
