import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type CfnLintFinding, formatFindings, runCfnLint } from '../../scripts/lib/cfn-lint.js';
import { buildRunnerTemplate, configForVariant, runnerVariants } from '../../stack/runner/index.js';
import { loadExampleConfig } from '../support/runner-stack.js';

/**
 * Every runner-stack variant, synthesized from the example config, lints clean: no error, no warning. This is the
 * check for the parts moto cannot deploy (IPv6 create-network, docker+machine create-network: moto-gaps.ts).
 * Disabled rules live only in .cfnlintrc.yaml.
 */
describe('runner stack templates pass cfn-lint', () => {
  const variants = runnerVariants();
  let dir: string;
  let findingsByFile: Map<string, CfnLintFinding[]>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runner-cfn-lint-'));
    const base = await loadExampleConfig();
    const files: string[] = [];
    for (const v of variants) {
      const file = join(dir, v.fileName);
      await writeFile(file, `${JSON.stringify(buildRunnerTemplate(configForVariant(base, v)), null, 2)}\n`);
      files.push(file);
    }
    // One cfn-lint process for all files (it takes ~2 s to start), in the example config's region.
    const findings = await runCfnLint(files, { regions: [base.region] });
    findingsByFile = new Map(files.map((f) => [f, findings.filter((x) => x.Filename === f)]));
    const unattributed = findings.filter((x) => !x.Filename || !findingsByFile.has(x.Filename));
    if (unattributed.length > 0) throw new Error(`cfn-lint findings for no template:\n${formatFindings(unattributed)}`);
  }, 110_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lints all 8 variants', () => {
    // Assess
    expect(variants).toHaveLength(8);
    expect(findingsByFile.size).toBe(8);
  });

  it.each(variants.map((v) => [v.fileName]))('%s has no cfn-lint error or warning', (fileName) => {
    // Prepare
    const findings = findingsByFile.get(join(dir, fileName)) ?? [];
    // Act
    const blocking = findings.filter((f) => f.Level === 'Error' || f.Level === 'Warning');
    // Assess: the formatted list makes a failure readable
    expect(formatFindings(blocking)).toBe('');
  });
});
