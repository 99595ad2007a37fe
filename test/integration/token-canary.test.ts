import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeInstanceAttributeCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunnerConfig } from '../../functions/shared/config/index.js';
import { deployWithChangeSet } from '../../scripts/lib/change-set.js';
import { TOKEN_PLACEHOLDER } from '../../stack/bastion/contract.js';
import {
  buildRunnerTemplate,
  configForVariant,
  type RunnerVariant,
  runnerStackParameters,
  runnerVariants,
} from '../../stack/runner/index.js';
import { useMoto } from '../support/moto.js';
import { loadExampleConfig, prepareVariant, stackResources, variantStackName } from '../support/runner-stack.js';

/**
 * DESIGN.md section 8: the runner token never appears in a template, a parameter, Metadata, UserData, an output or a
 * tag. A canary token is planted in SSM; every artifact the deploy produces is searched for it.
 */
const CANARY = `glrt-CANARY${randomBytes(12).toString('hex')}`;
const leaks = (text: string | undefined): boolean => (text ?? '').includes(CANARY);

describe('runner token canary', () => {
  const moto = useMoto();
  let dir: string;
  let base: RunnerConfig;
  let tokenVersion: number;
  const variants = runnerVariants();
  const deployed = variants.find(
    (v) => v.executor === 'docker-machine' && v.network === 'existing' && !v.ipv6,
  ) as RunnerVariant;
  const stackName = variantStackName(deployed);
  let cfn: CloudFormationClient;
  let ec2: EC2Client;
  let ssm: SSMClient;
  let resources: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'token-canary-'));
    base = await loadExampleConfig();
    cfn = new CloudFormationClient(moto.clientConfig(base.region));
    ec2 = new EC2Client(moto.clientConfig(base.region));
    ssm = new SSMClient(moto.clientConfig(base.region));
    const put = await ssm.send(
      new PutParameterCommand({ Name: base.gitlab.tokenParameterName, Value: CANARY, Type: 'SecureString' }),
    );
    tokenVersion = Number(put.Version);

    const config = await prepareVariant(ec2, base, deployed, stackName);
    await deployWithChangeSet(cfn, {
      stackName,
      templateBody: JSON.stringify(buildRunnerTemplate(config)),
      parameters: runnerStackParameters(config, { tokenParameterVersion: tokenVersion }),
      type: 'CREATE',
      pollIntervalMs: 100,
    });
    resources = await stackResources(cfn, stackName);
  });

  afterAll(async () => {
    for (const client of [cfn, ec2, ssm]) client?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('plants the canary where the search can see it (the token parameter itself)', async () => {
    // Act
    const got = await ssm.send(new GetParameterCommand({ Name: base.gitlab.tokenParameterName, WithDecryption: true }));
    // Assess: proves the needle and the search work, so the "nowhere" below means something
    expect(leaks(got.Parameter?.Value)).toBe(true);
    expect(tokenVersion).toBeGreaterThanOrEqual(1);
  });

  it.each(variants.map((v) => [v.fileName, v] as const))(
    '%s: neither the synthesized template file nor the rendered parameters hold it',
    async (fileName, variant) => {
      // Prepare
      const config = configForVariant(base, variant);
      const file = join(dir, fileName);
      await writeFile(file, `${JSON.stringify(buildRunnerTemplate(config), null, 2)}\n`);
      // Act
      const template = await readFile(file, 'utf8');
      const parameters = JSON.stringify(runnerStackParameters(config, { tokenParameterVersion: tokenVersion }));
      // Assess: the template knows the parameter's name, never its value, and holds no dynamic reference that
      // CloudFormation would resolve into the Metadata that DescribeStackResource shows (ssm-secure, secretsmanager)
      expect(template).toContain(base.gitlab.tokenParameterName);
      expect(leaks(template)).toBe(false);
      expect(leaks(parameters)).toBe(false);
      expect(template).not.toMatch(/\{\{resolve:(ssm-secure|secretsmanager):/);
      expect(template).not.toContain(`{{resolve:ssm:${base.gitlab.tokenParameterName}`);
    },
  );

  it('DescribeStacks (parameters, tags, outputs) does not hold it', async () => {
    // Act
    const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    // Assess
    expect(Stacks[0]?.Parameters).toContainEqual({
      ParameterKey: 'TokenParameterVersion',
      ParameterValue: String(tokenVersion),
    });
    expect(leaks(JSON.stringify(Stacks))).toBe(false);
  });

  it('GetTemplate (original and processed) does not hold it', async () => {
    // Act
    const original = await cfn.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }));
    const processed = await cfn.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Processed' }));
    // Assess
    expect(original.TemplateBody).toContain('BastionInstance');
    expect(leaks(original.TemplateBody)).toBe(false);
    expect(leaks(processed.TemplateBody)).toBe(false);
  });

  it("the manager's Metadata, as the stack stores it, holds the placeholder, never the token", async () => {
    // Act: DescribeStackResource answers HTTP 500 on moto for this resource (moto-gaps.ts, describe-stack-resource),
    // so the Metadata is read from the stack's template; on AWS the same Metadata comes back with intrinsics resolved,
    // which the dynamic-reference check below covers.
    const { TemplateBody } = await cfn.send(
      new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }),
    );
    const metadata = JSON.stringify(JSON.parse(TemplateBody ?? '{}').Resources?.BastionInstance?.Metadata ?? null);
    // Assess
    expect(metadata).toContain('AWS::CloudFormation::Init');
    expect(metadata).toContain(TOKEN_PLACEHOLDER);
    expect(leaks(metadata)).toBe(false);
  });

  it("the manager's UserData (DescribeInstanceAttribute, base64-decoded) does not hold it", async () => {
    // Act
    const attribute = await ec2.send(
      new DescribeInstanceAttributeCommand({ InstanceId: resources.BastionInstance, Attribute: 'userData' }),
    );
    const userData = Buffer.from(attribute.UserData?.Value ?? '', 'base64').toString('utf8');
    // Assess
    expect(userData).toContain('cfn-init');
    expect(leaks(userData)).toBe(false);
    expect(leaks(attribute.UserData?.Value)).toBe(false);
  });

  it('the stack events do not hold it', async () => {
    // Act
    const { StackEvents = [] } = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName }));
    // Assess
    expect(StackEvents.length).toBeGreaterThan(0);
    expect(leaks(JSON.stringify(StackEvents))).toBe(false);
  });
});
