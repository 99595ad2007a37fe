/**
 * Builds the Lambda bundles (or reuses a fresh build), uploads them and deploys or updates the orchestrator stack
 * through change sets, with live progress; optionally starts the deploy pipeline once:
 *
 *   npm run deploy -- --config FILE [--run] [--stack-name NAME] [--poll-interval S] [--rebuild]
 *
 * Against AWS with the usual credentials, or moto with AWS_ENDPOINT_URL. The stack is `<stackName>-orchestrator`
 * by default. With --run the state machine is started (StartExecution) and its execution ARN printed; moto records
 * the execution but does not run it (`npm run demo` runs the steps in-process instead).
 * Exit codes: 0 deployed (or already up to date), 1 failed (the reason and the next step are printed),
 * 2 invalid config or bad usage.
 */
import { pathToFileURL } from 'node:url';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Command, InvalidArgumentError } from 'commander';
import { createAwsClients } from '../functions/shared/aws-clients.js';
import type { RunnerConfig } from '../functions/shared/config/index.js';
import { orchestratorStackName } from '../stack/orchestrator/index.js';
import { type BuildReport, buildBundles, freshBundles, sizeLines } from './lib/bundles.js';
import { loadConfigForCli } from './lib/cli-config.js';
import { reportFailure } from './lib/cli-report.js';
import { createListrProgress } from './lib/listr-progress.js';
import {
  type DeployPhaseRunner,
  deployOrchestrator,
  type OrchestratorDeployResult,
} from './lib/orchestrator-deploy.js';
import type { PhaseName } from './lib/pipeline-runner.js';

interface CliOptions {
  config: string;
  run?: boolean;
  stackName?: string;
  pollInterval: number;
  rebuild?: boolean;
}

const positiveNumber = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number.`);
  return n;
};

/** Starts the deploy pipeline once; returns the execution ARN. */
export async function startPipeline(sfn: SFNClient, stateMachineArn: string, now = new Date()): Promise<string> {
  const out = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn,
      name: `deploy-${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}`,
      input: JSON.stringify({ trigger: { source: 'npm run deploy --run', time: now.toISOString() } }),
    }),
  );
  if (!out.executionArn) throw new Error('StartExecution returned no executionArn');
  return out.executionArn;
}

function summary(result: OrchestratorDeployResult, config: RunnerConfig): string[] {
  const lines = [
    `Orchestrator stack ${result.stackName}: ${result.status === 'NO_CHANGES' ? 'up to date (no changes)' : result.status}`,
    `  stack id        ${result.stackId}`,
    `  runner stack    ${config.stackName} (deployed by the state machine, with the role RunnerStackDeployRole)`,
    `  artifact bucket ${config.artifactBucket} (${result.bootstrap === 'existing' ? 'in the stack' : `${result.bootstrap} by this run`})`,
    `  state machine   ${result.stateMachineArn ?? '(not found)'}`,
    `  template        s3://${config.artifactBucket}/${result.templateKey}`,
  ];
  for (const code of result.code) lines.push(`  ${code.step.padEnd(15)} s3://${config.artifactBucket}/${code.key}`);
  lines.push(
    `  triggers        health check on ${config.healthCheck.scheduleExpression}; pipeline on a change of ${config.gitlab.tokenParameterName}`,
  );
  return lines;
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('deploy')
    .description('Build, upload and deploy the orchestrator stack (change sets); optionally start the pipeline.')
    .requiredOption('--config <file>', 'runner config file (e.g. runner.config.json)')
    .option('--run', 'start the deploy pipeline (state machine) once after the deploy')
    .option('--stack-name <name>', 'orchestrator stack name (default: <stackName>-orchestrator)')
    .option('--poll-interval <seconds>', 'wait between two stack status reads', positiveNumber('--poll-interval'), 5)
    .option('--rebuild', 'build the bundles even when dist/ is fresh')
    .exitOverride();
  try {
    program.parse(argv);
  } catch (error) {
    return (error as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const opts = program.opts<CliOptions>();
  const config = await loadConfigForCli(opts.config);
  if (!config) return 2;
  const stackName = opts.stackName ?? orchestratorStackName(config);
  const endpoint = process.env.AWS_ENDPOINT_URL;
  process.stdout.write(
    `deploy: orchestrator stack ${stackName} in ${config.region} (${endpoint ? `endpoint ${endpoint}` : 'AWS'})\n`,
  );

  const progress = createListrProgress();
  // listr-progress only uses the phase name as a label; the deploy phases are not pipeline phases.
  const runPhase: DeployPhaseRunner = (phase, title, work) =>
    progress.runPhase(phase as unknown as PhaseName, title, work);
  const clients = createAwsClients({ region: config.region });
  try {
    const bundles = await runPhase('build', 'build', async (p): Promise<BuildReport> => {
      const fresh = opts.rebuild ? undefined : await freshBundles();
      const report = fresh ?? (await buildBundles());
      for (const line of sizeLines(report)) p.output(line.trim());
      for (const skipped of report.skipped) p.output(`warning: ${skipped.reason}`);
      p.title(`build: ${report.bundles.length} bundles (${fresh ? 'dist/ is fresh, reused' : 'built'})`);
      return report;
    });
    const result = await deployOrchestrator({
      config,
      stackName,
      cfn: clients.cfn,
      s3: clients.s3,
      bundles,
      pollIntervalMs: opts.pollInterval * 1000,
      runPhase,
    });
    process.stdout.write(`\n${summary(result, config).join('\n')}\n`);
    if (opts.run) {
      if (!result.stateMachineArn) throw new Error(`stack ${stackName} has no DeployStateMachine resource`);
      const sfn = new SFNClient({ region: config.region });
      try {
        const arn = await startPipeline(sfn, result.stateMachineArn);
        process.stdout.write(`\nStarted the deploy pipeline: ${arn}\n`);
        if (endpoint) {
          process.stdout.write(
            '  (moto records the execution but does not run it; `npm run demo` runs the steps in-process.)\n',
          );
        }
      } finally {
        sfn.destroy();
      }
    }
    return 0;
  } catch (error) {
    return reportFailure(error, 'Deploy');
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv);
}
