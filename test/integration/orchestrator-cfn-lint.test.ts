import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseRunnerConfig, type RunnerConfig } from '../../functions/shared/config/index.js';
import { type CfnLintFinding, formatFindings, runCfnLint } from '../../scripts/lib/cfn-lint.js';
import { placeholderCodeKeys } from '../../scripts/synth.js';
import { buildOrchestratorTemplate } from '../../stack/orchestrator/index.js';
import { configForVariant } from '../../stack/runner/index.js';
import type { CfnTemplate } from '../../stack/shared/cfn.js';
import { loadExampleConfig } from '../support/runner-stack.js';

/**
 * The orchestrator template lints clean: no error, no warning (disabled rules live only in .cfnlintrc.yaml).
 * cfn-lint checks a state machine's ASL only in a `Definition` object, not inside the `DefinitionString` the stack
 * deploys (moto reads only that one), so each template is also linted with the same definition as an object.
 */
function withDefinitionObject(template: CfnTemplate): CfnTemplate {
  const copy = structuredClone(template);
  const machine = copy.Resources.DeployStateMachine;
  if (!machine?.Properties) throw new Error('no DeployStateMachine');
  const [text, variables] = machine.Properties.DefinitionString['Fn::Sub'];
  delete machine.Properties.DefinitionString;
  machine.Properties.Definition = JSON.parse(text);
  machine.Properties.DefinitionSubstitutions = variables;
  return copy;
}

describe('orchestrator template passes cfn-lint', () => {
  let dir: string;
  const files = new Map<string, CfnTemplate>();
  let findings: CfnLintFinding[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'orchestrator-cfn-lint-'));
    const base = await loadExampleConfig();
    const configs: Record<string, RunnerConfig> = {
      'example-with-alarm-topic': parseRunnerConfig({
        ...base,
        healthCheck: { ...base.healthCheck, alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:runner-alerts' },
      }),
      'autoscaler-existing-network': configForVariant(base, {
        executor: 'docker-autoscaler',
        network: 'existing',
        ipv6: false,
        fileName: '',
      }),
    };
    for (const [name, config] of Object.entries(configs)) {
      const template = buildOrchestratorTemplate(config, {
        codeBucket: config.artifactBucket,
        codeKeys: placeholderCodeKeys(),
      });
      files.set(join(dir, `${name}.json`), template);
      files.set(join(dir, `${name}-definition-object.json`), withDefinitionObject(template));
    }
    for (const [file, template] of files) await writeFile(file, `${JSON.stringify(template, null, 2)}\n`);
    findings = await runCfnLint([...files.keys()], { regions: [base.region] });
  }, 110_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lints every template file', () => {
    // Assess
    expect(files.size).toBe(4);
    expect(findings.filter((f) => !f.Filename || !files.has(f.Filename))).toEqual([]);
  });

  it('has no cfn-lint error or warning, ASL schema included', () => {
    // Act
    const blocking = findings.filter((f) => f.Level === 'Error' || f.Level === 'Warning');
    // Assess: the formatted list makes a failure readable
    expect(formatFindings(blocking)).toBe('');
  });
});
