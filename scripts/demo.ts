/**
 * The demo (`npm run demo`, README's first command): the deploy pipeline end to end on a local moto, no AWS
 * account needed.
 *   1. start moto_server on a free loopback port (stopped at the end, also on failure);
 *   2. put a demo runner token (glrt-<random>) in SSM as a SecureString;
 *   3. build the Lambda bundles (or reuse fresh ones in dist/) and deploy the orchestrator stack (artifact bucket,
 *      functions, state machine, triggers) through change sets — before the pipeline, which owns no bucket then;
 *   4. run the pipeline (resolve-token, render-stack, deploy-stack, await-stack: the state machine's order, steps
 *      in-process) with the example config, turned into a variant moto can deploy;
 *   5. show the stack's resources and what moto now holds (VPC, subnets, instances);
 *   6. run the pipeline again: nothing changed, so it is a no-op (no change set);
 *   7. upload a healthy hour of manager logs to the runner stack's LogBucket, run the health-check step, print the
 *      verdict, its reasons and the HTML report (S3 key and a local copy, out/demo-report.html).
 * Exit codes: 0 done, 1 failed (the reason is printed), e.g. when moto_server is not installed.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetTemplateCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import {
  CreateSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { type AwsClients, createAwsClients } from '../functions/shared/aws-clients.js';
import { loadRunnerConfig, parseRunnerConfig, type RunnerConfig } from '../functions/shared/config/index.js';
import { setLogSink } from '../functions/shared/logger.js';
import { orchestratorStackName } from '../stack/orchestrator/index.js';
import { configForVariant, type RunnerVariant, runnerVariants } from '../stack/runner/index.js';
import { motoDeployBlocker } from '../test/integration/moto-gaps.js';
import { localClientConfig } from './lib/aws-env.js';
import { buildBundles, freshBundles } from './lib/bundles.js';
import { progressLogSink, reportFailure } from './lib/cli-report.js';
import { DEMO_LOG_FIXTURE, DEMO_LOGS_END, runDemoHealthCheck } from './lib/demo-health.js';
import { createListrProgress } from './lib/listr-progress.js';
import { type MotoServer, startMoto } from './lib/moto.js';
import { type DeployPhaseRunner, deployOrchestrator } from './lib/orchestrator-deploy.js';
import { summaryLines } from './lib/pipeline-format.js';
import { runPipeline } from './lib/pipeline-runner.js';
import { REPO_ROOT } from './lib/repo-root.js';

const DEMO_STACK = 'demo-runner-fleet';
/** Where the demo writes its local copy of the HTML health report (DEMO_REPORT_FILE overrides it, for tests). */
const reportFile = () => resolve(process.env.DEMO_REPORT_FILE || join(REPO_ROOT, 'out', 'demo-report.html'));
const POLL_MS = 200;
const say = (text = '') => process.stdout.write(`${text}\n`);

/** The variant the demo deploys: docker-autoscaler on a created IPv4 network (moto deploys it; see moto-gaps.ts). */
const DEMO_VARIANT = runnerVariants().find(
  (v) => v.executor === 'docker-autoscaler' && v.network === 'create' && !v.ipv6,
) as RunnerVariant;

/** Why the example config itself cannot be deployed on moto, in one line per reason. */
export function motoAdjustments(base: RunnerConfig): string[] {
  const example: RunnerVariant = {
    executor: base.executor.type === 'docker+machine' ? 'docker-machine' : 'docker-autoscaler',
    network: base.network.mode,
    ipv6: base.network.ipv6,
    fileName: '',
  };
  const reasons: string[] = [];
  for (let v = example, blocker = motoDeployBlocker(v); blocker; blocker = motoDeployBlocker(v)) {
    reasons.push(`${blocker.id}: ${blocker.moto.split(/; |, so | \(/)[0]}`);
    // Lift one blocker at a time, the way the demo's variant does: IPv6 off first, then the executor.
    v = v.ipv6 ? { ...v, ipv6: false } : { ...v, executor: 'docker-autoscaler' };
  }
  return reasons;
}

async function demoConfig(base: RunnerConfig, ec2: EC2Client): Promise<RunnerConfig> {
  const reasons = motoAdjustments(base);
  say(`Config: runner.config.json (${base.executor.type}, network ${base.network.mode}, IPv6 ${base.network.ipv6}),`);
  say('deployed as its docker-autoscaler + IPv4 variant, because moto 5.2 cannot deploy the example as it is:');
  for (const reason of reasons) say(`  - ${reason}`);
  say('  (test/integration/moto-gaps.ts lists every gap and the test that covers that part instead)');
  const variant = configForVariant(base, DEMO_VARIANT);
  // A security group standing in for the GitLab server's, so the allow-list rules have a target.
  const gitlabSg = await ec2.send(
    new CreateSecurityGroupCommand({ GroupName: 'demo-gitlab-server', Description: 'Stands in for GitLab' }),
  );
  return parseRunnerConfig(
    { ...variant, stackName: DEMO_STACK, gitlab: { ...variant.gitlab, securityGroupId: gitlabSg.GroupId } },
    'demo config',
  );
}

async function runOnce(config: RunnerConfig, clients: AwsClients, title: string): Promise<void> {
  say();
  say(title);
  const progress = createListrProgress();
  const previousSink = setLogSink(progressLogSink(progress.note, false));
  try {
    const result = await runPipeline(config, { clients, pollIntervalMs: POLL_MS, runPhase: progress.runPhase });
    say();
    for (const line of summaryLines(result, config)) say(line);
  } finally {
    setLogSink(previousSink);
  }
}

/** Logical id -> physical id, from ListStackResources (moto lists the types it ignores with empty names). */
async function physicalIds(clients: AwsClients, stackName: string): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  let NextToken: string | undefined;
  do {
    const page = await clients.cfn.send(new ListStackResourcesCommand({ StackName: stackName, NextToken }));
    for (const r of page.StackResourceSummaries ?? []) {
      if (r.LogicalResourceId && r.PhysicalResourceId) ids.set(r.LogicalResourceId, r.PhysicalResourceId);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return ids;
}

async function showWhatMotoHolds(clients: AwsClients, ec2: EC2Client, stackName: string): Promise<void> {
  const { TemplateBody = '{}' } = await clients.cfn.send(new GetTemplateCommand({ StackName: stackName }));
  const declared = Object.entries(
    (JSON.parse(TemplateBody) as { Resources?: Record<string, { Type?: string }> }).Resources ?? {},
  );
  const ids = await physicalIds(clients, stackName);
  say();
  say(`Stack ${stackName}: ${declared.length} resources in the template, ${ids.size} with a physical id on moto`);
  const width = Math.max(...declared.map(([logicalId]) => logicalId.length));
  for (const [logicalId, { Type = '' }] of declared) {
    say(`  ${logicalId.padEnd(width)}  ${Type.padEnd(42)} ${ids.get(logicalId) ?? '- (not modelled by moto)'}`);
  }
  const id = (logicalId: string) => ids.get(logicalId);

  say();
  say('What moto now holds:');
  const vpcId = id('VPC');
  const { Vpcs = [] } = await ec2.send(new DescribeVpcsCommand({ VpcIds: vpcId ? [vpcId] : [] }));
  for (const vpc of Vpcs.filter((v) => v.VpcId === vpcId)) say(`  VPC      ${vpc.VpcId}  ${vpc.CidrBlock}`);
  const subnetIds = ['BastionSubnet', 'RunnerSubnet'].flatMap((l) => (id(l) ? [id(l) as string] : []));
  const { Subnets = [] } = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds }));
  for (const s of Subnets) {
    const role = s.SubnetId === id('BastionSubnet') ? 'bastion (public)' : 'runners (private)';
    say(`  subnet   ${s.SubnetId}  ${s.CidrBlock}  ${role}`);
  }
  const managerId = id('BastionInstance');
  if (managerId) {
    const { Reservations = [] } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [managerId] }));
    for (const i of Reservations.flatMap((r) => r.Instances ?? [])) {
      say(`  manager  ${i.InstanceId}  ${i.InstanceType}  ${i.State?.Name}  in ${i.SubnetId}`);
    }
  }
  say('  (moto runs no cfn-init and no gitlab-runner: the manager boot is tested by test/unit/bastion-*.test.ts)');
}

async function deployOrchestratorStack(config: RunnerConfig, clients: AwsClients): Promise<void> {
  say();
  say('== Orchestrator stack: Lambda bundles, artifact bucket, state machine, triggers ==');
  const progress = createListrProgress();
  // listr-progress only uses the phase name as a label; the deploy phases are not pipeline phases.
  const runPhase = ((phase, title, work) => progress.runPhase(phase as never, title, work)) as DeployPhaseRunner;
  const bundles = await runPhase('build', 'build', async (p) => {
    const fresh = await freshBundles();
    const report = fresh ?? (await buildBundles());
    for (const skipped of report.skipped) p.output(`warning: ${skipped.reason}`);
    p.title(`build: ${report.bundles.length} bundles (${fresh ? 'dist/ is fresh, reused' : 'built'})`);
    return report;
  });
  const stackName = orchestratorStackName(config);
  const result = await deployOrchestrator({
    config,
    stackName,
    cfn: clients.cfn,
    s3: clients.s3,
    bundles,
    pollIntervalMs: POLL_MS,
    runPhase,
  });
  say(
    `Orchestrator stack ${stackName}: ${result.status} (artifact bucket ${config.artifactBucket} ${result.bootstrap})`,
  );
  say(`  state machine ${result.stateMachineArn ?? '(not found)'}`);
  say('  (moto records state machine executions but does not run them: the demo runs the steps in-process)');
}

async function checkHealth(config: RunnerConfig, clients: AwsClients): Promise<void> {
  say();
  say('== Health check: a healthy hour of manager logs in the LogBucket, judged by the health-check step ==');
  const { logBucket, uploaded, result, html } = await runDemoHealthCheck(config, clients);
  say(
    `Uploaded ${DEMO_LOG_FIXTURE} as ${uploaded} log-shipper objects to s3://${logBucket} (window ending ${DEMO_LOGS_END})`,
  );
  say(`Verdict: ${result.verdict}`);
  for (const reason of result.summary.reasons) say(`  - ${reason}`);
  say(
    `  polling ${result.summary.polling}, scale-to-zero ${result.summary.scaleToZero}, ${result.summary.jobs} jobs, up to ${result.summary.maxConcurrentMachines} machines`,
  );
  const file = reportFile();
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, html);
  say(`HTML report: s3://${result.bucket}/${result.htmlKey} (JSON: ${result.reportKey})`);
  say(`  local copy: ${relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file)}`);
}

export async function main(): Promise<number> {
  let moto: MotoServer | undefined;
  try {
    say('Starting moto_server on 127.0.0.1 (a local stand-in for AWS) ...');
    moto = await startMoto();
    say(`moto is up at ${moto.endpoint}`);
    const base = await loadRunnerConfig(join(REPO_ROOT, 'runner.config.json'));
    const local = localClientConfig(moto.endpoint, base.region);
    const ec2 = new EC2Client(local);
    const config = await demoConfig(base, ec2);
    const clients = createAwsClients(local);

    const token = `glrt-demo${randomBytes(12).toString('hex')}`;
    await clients.ssm.send(
      new PutParameterCommand({ Name: config.gitlab.tokenParameterName, Value: token, Type: 'SecureString' }),
    );
    say(`Put a demo runner token in SSM: ${config.gitlab.tokenParameterName} (SecureString; never shown again)`);

    await deployOrchestratorStack(config, clients);
    await runOnce(config, clients, '== Pipeline, first run: the runner stack does not exist yet ==');
    await showWhatMotoHolds(clients, ec2, config.stackName);
    await runOnce(config, clients, '== Pipeline, second run, nothing changed: expect a no-op (no change set) ==');
    await checkHealth(config, clients);
    say();
    say('Done. Next: `npm run pipeline -- --config runner.config.json` against AWS (or AWS_ENDPOINT_URL).');
    ec2.destroy();
    for (const client of Object.values(clients)) client.destroy();
    return 0;
  } catch (error) {
    return reportFailure(error, 'Demo');
  } finally {
    await moto?.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
