import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunnerConfig } from '../../functions/shared/config/index.js';
import { deployWithChangeSet } from '../../scripts/lib/change-set.js';
import { motoVersion } from '../../scripts/lib/moto-version.js';
import { REPO_ROOT } from '../../scripts/lib/repo-root.js';
import {
  buildRunnerTemplate,
  type RunnerVariant,
  runnerStackParameters,
  runnerVariants,
} from '../../stack/runner/index.js';
import { useMoto } from '../support/moto.js';
import { loadExampleConfig, prepareVariant, variantStackName } from '../support/runner-stack.js';
import { MOTO_GAPS, MOTO_GAPS_CHECKED_WITH, motoDeployBlocker } from './moto-gaps.js';

/** Keeps ./moto-gaps.ts honest: the moto it was checked with, the tests it points to, the variants it blocks. */
describe('moto gap list', () => {
  const moto = useMoto();
  let version: string | undefined;
  let base: RunnerConfig;

  beforeAll(async () => {
    version = await motoVersion();
    base = await loadExampleConfig();
  });

  it('knows the running moto version, and warns when it is not the one the list was checked with', () => {
    // Assess: an unreadable version fails; a different one only warns (the list needs a re-check, not the build)
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    if (version !== MOTO_GAPS_CHECKED_WITH) {
      console.warn(
        `moto ${version} is running; test/integration/moto-gaps.ts was checked against ${MOTO_GAPS_CHECKED_WITH}. ` +
          'Re-check each entry and update MOTO_GAPS_CHECKED_WITH.',
      );
    }
  });

  it('points every gap at test files that exist', () => {
    // Act
    const missing = MOTO_GAPS.flatMap((g) => g.coveredBy.filter((f) => !existsSync(join(REPO_ROOT, f))));
    // Assess
    expect(missing).toEqual([]);
    expect(MOTO_GAPS.every((g) => g.coveredBy.length > 0)).toBe(true);
  });

  describe('gaps that block a test still hold on moto', () => {
    const blocked = runnerVariants().filter((v) => motoDeployBlocker(v));
    let cfn: CloudFormationClient;
    let ec2: EC2Client;

    beforeAll(() => {
      cfn = new CloudFormationClient(moto.clientConfig(base.region));
      ec2 = new EC2Client(moto.clientConfig(base.region));
    });
    afterAll(() => {
      cfn?.destroy();
      ec2?.destroy();
    });

    it.each(blocked.map((v) => [v.fileName, v] as const))('%s', async (_name, variant) => {
      if (version !== MOTO_GAPS_CHECKED_WITH) {
        console.warn(`skipped: moto ${version} is not ${MOTO_GAPS_CHECKED_WITH}; try deploying ${variant.fileName}`);
        return;
      }
      // Prepare
      const stackName = variantStackName(variant);
      const config = await prepareVariant(ec2, base, variant, stackName);
      // Act
      const attempt = deployWithChangeSet(cfn, {
        stackName,
        templateBody: JSON.stringify(buildRunnerTemplate(config)),
        parameters: runnerStackParameters(config, { tokenParameterVersion: 1 }),
        type: 'CREATE',
        pollIntervalMs: 100,
      });
      // Assess: if this starts passing, moto learnt the gap: move the variant into runner-stack-moto.test.ts
      await expect(attempt).rejects.toThrow(variant.ipv6 ? /Ipv6CidrBlocks/ : /XML parse error|500/);
    });

    it('DescribeStackResource of BastionInstance still fails (describe-stack-resource)', async () => {
      if (version !== MOTO_GAPS_CHECKED_WITH) {
        console.warn(`skipped: moto ${version} is not ${MOTO_GAPS_CHECKED_WITH}; try DescribeStackResource again`);
        return;
      }
      // Prepare: any deployable variant
      const variant = runnerVariants().find((v) => !motoDeployBlocker(v) && v.network === 'existing') as RunnerVariant;
      const stackName = `gap-${variantStackName(variant)}`;
      const config = await prepareVariant(ec2, base, variant, stackName);
      await deployWithChangeSet(cfn, {
        stackName,
        templateBody: JSON.stringify(buildRunnerTemplate(config)),
        parameters: runnerStackParameters(config, { tokenParameterVersion: 1 }),
        type: 'CREATE',
        pollIntervalMs: 100,
      });
      // Act
      const attempt = cfn.send(
        new DescribeStackResourceCommand({ StackName: stackName, LogicalResourceId: 'BastionInstance' }),
      );
      // Assess: if this starts passing, read the Metadata through DescribeStackResource in token-canary.test.ts
      await expect(attempt).rejects.toThrow(/XML parse error|500/);
    });
  });
});
