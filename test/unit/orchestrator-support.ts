/** Shared helpers of the orchestrator-template tests (not a test file itself). */
import type { RunnerConfig } from '../../functions/shared/config/index.js';
import {
  buildOrchestratorTemplate,
  ORCHESTRATOR_STEPS,
  type OrchestratorStep,
} from '../../stack/orchestrator/index.js';
import type { CfnResource, CfnTemplate, CfnValue } from '../../stack/shared/cfn.js';
import { configOf } from './runner-template-support.js';

export { configOf };

export const codeKeys = (): Record<OrchestratorStep, string> =>
  Object.fromEntries(ORCHESTRATOR_STEPS.map((s) => [s, `lambda/${s}-0123.zip`])) as Record<OrchestratorStep, string>;

export function orchestratorTemplate(config: RunnerConfig = configOf()): CfnTemplate {
  return buildOrchestratorTemplate(config, { codeBucket: config.artifactBucket, codeKeys: codeKeys() });
}

export function resourceOf(template: CfnTemplate, id: string): CfnResource {
  const found = template.Resources[id];
  if (!found) throw new Error(`no resource ${id}`);
  return found;
}

export const resourcesOfType = (template: CfnTemplate, type: string): [string, CfnResource][] =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

/** Every IAM statement in a value: any object with an Effect and an Action, wherever it sits. */
export function policyStatements(value: CfnValue): CfnValue[] {
  if (Array.isArray(value)) return value.flatMap(policyStatements);
  if (value === null || typeof value !== 'object') return [];
  const own = 'Effect' in value && 'Action' in value ? [value] : [];
  return [...own, ...Object.values(value).flatMap(policyStatements)];
}

/** The inline-policy statements of one role. */
export const roleStatements = (template: CfnTemplate, roleId: string): CfnValue[] =>
  policyStatements(resourceOf(template, roleId).Properties?.Policies);

export function statementOf(statements: CfnValue[], sid: string): CfnValue {
  const found = statements.find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid} in ${statements.map((s) => s.Sid).join(', ')}`);
  return found;
}

export const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** The state machine's definition and its Fn::Sub variables, as deployed. */
export function deployedDefinition(template: CfnTemplate): {
  definition: Record<string, CfnValue>;
  variables: Record<string, CfnValue>;
} {
  const sub = resourceOf(template, 'DeployStateMachine').Properties?.DefinitionString['Fn::Sub'];
  return { definition: JSON.parse(sub[0]), variables: sub[1] };
}
