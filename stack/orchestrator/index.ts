export { ARTIFACT_BUCKET_ID } from './artifact-bucket.js';
export { CFN_EXECUTION_ROLE_ENV, LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME } from './functions.js';
export { RUNNER_DEPLOY_ROLE_ID } from './iam-steps.js';
export { deployStateMachineDefinition, STATE_MACHINE_ID } from './state-machine.js';
export { functionLogicalId, ORCHESTRATOR_STEPS, type OrchestratorStep, STEP_FUNCTIONS } from './steps.js';
export {
  buildBootstrapTemplate,
  buildOrchestratorTemplate,
  type OrchestratorCode,
  orchestratorStackName,
} from './template.js';
export { HEALTH_SCHEDULE_ID, TOKEN_CHANGE_RULE_ID, tokenChangeEventPattern } from './triggers.js';
