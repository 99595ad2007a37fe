import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import { HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import type { OrchestratorError } from '../../functions/shared/errors.js';
import type { BuildReport } from '../../scripts/lib/bundles.js';
import { deployOrchestrator } from '../../scripts/lib/orchestrator-deploy.js';
import { ORCHESTRATOR_STEPS } from '../../stack/orchestrator/index.js';
import { configOf } from './orchestrator-support.js';

/**
 * `npm run deploy`'s decisions against mocked CloudFormation and S3: the bootstrap (create, or import an existing
 * bucket, which moto cannot run: test/integration/moto-gaps.ts), the update, and the refusals.
 */
const cfnMock = mockClient(CloudFormationClient);
const s3Mock = mockClient(S3Client);
const cfn = new CloudFormationClient({ region: 'eu-west-1' });
const s3 = new S3Client({ region: 'eu-west-1' });
const STACK = 'fleet-orchestrator';
const STACK_ID = `arn:aws:cloudformation:eu-west-1:123456789012:stack/${STACK}/abc`;
const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:fleet-orchestrator-DeployStateMachine-X';

const missingStack = Object.assign(new Error(`Stack with id ${STACK} does not exist`), { name: 'ValidationError' });
const notFound = Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
const stackIs = (status: StackStatus) => ({
  Stacks: [{ StackName: STACK, StackId: STACK_ID, StackStatus: status, CreationTime: new Date() }],
});

describe('deployOrchestrator', () => {
  let dir: string;
  let bundles: BuildReport;
  const config = configOf();
  const run = (report: BuildReport = bundles) =>
    deployOrchestrator({ config, stackName: STACK, cfn, s3, bundles: report, pollIntervalMs: 1 });
  const changeSets = () => cfnMock.commandCalls(CreateChangeSetCommand).map((c) => c.args[0].input);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'orch-deploy-'));
    bundles = { bundles: [], skipped: [], maxBundleBytes: 1024 * 1024 };
    for (const [i, step] of ORCHESTRATOR_STEPS.entries()) {
      const zipFile = join(dir, `${step}.zip`);
      await writeFile(zipFile, `zip of ${step}`);
      bundles.bundles.push({
        step,
        bundleFile: join(dir, step, 'index.mjs'),
        zipFile,
        bundleBytes: 100,
        zipBytes: 10,
        zipSha256: String(i).repeat(64),
        inputsHash: 'f'.repeat(64),
        largestInputs: [],
      });
    }
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    cfnMock.reset();
    s3Mock.reset();
    cfnMock.on(CreateChangeSetCommand).resolves({ Id: 'cs-id', StackId: STACK_ID });
    cfnMock.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE' });
    cfnMock.on(ExecuteChangeSetCommand).resolves({});
    cfnMock.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cfnMock.on(DescribeStackResourcesCommand).resolves({
      StackResources: [
        {
          LogicalResourceId: 'DeployStateMachine',
          PhysicalResourceId: MACHINE,
          ResourceType: 'x',
          Timestamp: new Date(),
          ResourceStatus: 'CREATE_COMPLETE',
        },
      ],
    });
    s3Mock.on(HeadObjectCommand).rejects(notFound);
    s3Mock.on(PutObjectCommand).resolves({});
  });

  it('creates a new stack with the artifact bucket first, uploads the code into it, then deploys the full template', async () => {
    // Prepare
    cfnMock
      .on(DescribeStacksCommand)
      .rejectsOnce(missingStack)
      .resolvesOnce(stackIs('CREATE_COMPLETE'))
      .resolves(stackIs('UPDATE_COMPLETE'));
    s3Mock.on(HeadBucketCommand).rejects(notFound);
    // Act
    const result = await run();
    // Assess
    const [bootstrap, update] = changeSets();
    expect(bootstrap?.ChangeSetType).toBe('CREATE');
    expect(Object.keys(JSON.parse(bootstrap?.TemplateBody ?? '{}').Resources)).toEqual([
      'ArtifactBucket',
      'ArtifactBucketPolicy',
    ]);
    expect(update).toMatchObject({ ChangeSetType: 'UPDATE', Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'] });
    expect(update?.TemplateURL).toMatch(
      /^https:\/\/my-artifacts\.s3\.eu-west-1\.amazonaws\.com\/orchestrator\/fleet-orchestrator\/[0-9a-f]{64}\.json$/,
    );
    const keys = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(keys.filter((k) => k?.startsWith('lambda/'))).toEqual(
      ORCHESTRATOR_STEPS.map((_, i) => `lambda/${String(i).repeat(64)}.zip`),
    );
    expect(result).toMatchObject({ bootstrap: 'created', status: 'UPDATE_COMPLETE', stateMachineArn: MACHINE });
  });

  it('imports an artifact bucket that already exists in the account instead of failing on its name', async () => {
    // Prepare
    cfnMock
      .on(DescribeStacksCommand)
      .rejectsOnce(missingStack)
      .resolvesOnce(stackIs('IMPORT_COMPLETE'))
      .resolves(stackIs('UPDATE_COMPLETE'));
    s3Mock.on(HeadBucketCommand).resolves({});
    // Act
    const result = await run();
    // Assess
    const [adopt] = changeSets();
    expect(adopt?.ChangeSetType).toBe('IMPORT');
    expect(adopt?.ResourcesToImport).toEqual([
      {
        ResourceType: 'AWS::S3::Bucket',
        LogicalResourceId: 'ArtifactBucket',
        ResourceIdentifier: { BucketName: 'my-artifacts' },
      },
    ]);
    const template = JSON.parse(adopt?.TemplateBody ?? '{}');
    expect(Object.keys(template.Resources)).toEqual(['ArtifactBucket']);
    expect(template.Resources.ArtifactBucket.DeletionPolicy).toBe('Retain');
    expect(result.bootstrap).toBe('imported');
  });

  it('only updates an existing stack, and uploads nothing that is already there', async () => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).resolvesOnce(stackIs('UPDATE_COMPLETE')).resolves(stackIs('UPDATE_COMPLETE'));
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 10 });
    // Act
    const result = await run();
    // Assess
    expect(changeSets().map((c) => c.ChangeSetType)).toEqual(['UPDATE']);
    expect(s3Mock.commandCalls(HeadBucketCommand)).toHaveLength(0);
    const puts = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(puts.filter((k) => k?.startsWith('lambda/'))).toEqual([]);
    expect(result.code.every((c) => !c.uploaded)).toBe(true);
  });

  it('refuses a stack another operation is working on, without creating a change set', async () => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).resolves(stackIs('UPDATE_IN_PROGRESS'));
    // Act
    const attempt = run();
    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'STACK_BUSY' } satisfies Partial<OrchestratorError>);
    expect(changeSets()).toEqual([]);
  });

  it('refuses to deploy without a bundle for every step, before any AWS call', async () => {
    // Prepare
    const partial = { ...bundles, bundles: bundles.bundles.filter((b) => b.step !== 'health-check') };
    // Act
    const attempt = run(partial);
    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'BUNDLE_MISSING' });
    await expect(run(partial)).rejects.toThrow(/health-check/);
    expect(cfnMock.calls()).toHaveLength(0);
  });

  it('says the bucket name is taken when the bucket belongs to someone else', async () => {
    // Prepare
    cfnMock.on(DescribeStacksCommand).rejects(missingStack);
    s3Mock
      .on(HeadBucketCommand)
      .rejects(Object.assign(new Error('Forbidden'), { name: 'Forbidden', $metadata: { httpStatusCode: 403 } }));
    // Act
    const attempt = run();
    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'ARTIFACT_BUCKET_UNUSABLE' });
    expect(changeSets()).toEqual([]);
  });
});
