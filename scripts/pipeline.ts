/**
 * Runs the deploy pipeline in-process, in state-machine order, against whatever AWS_ENDPOINT_URL and the usual AWS
 * credentials point at (AWS, or moto locally):
 *
 *   npm run pipeline -- --config FILE [--poll-interval S] [--timeout MIN] [--verbose]
 *
 * artifact bucket (created when missing) -> resolve-token -> render-stack -> deploy-stack -> await-stack until done.
 * Exit codes: 0 the stack is deployed (or already was), 1 the pipeline failed (root cause and next step printed),
 * 2 invalid config or bad usage.
 */
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { createAwsClients } from '../functions/shared/aws-clients.js';
import { setLogSink } from '../functions/shared/logger.js';
import { loadConfigForCli } from './lib/cli-config.js';
import { progressLogSink, reportFailure } from './lib/cli-report.js';
import { createListrProgress } from './lib/listr-progress.js';
import { summaryLines } from './lib/pipeline-format.js';
import { runPipeline } from './lib/pipeline-runner.js';

interface CliOptions {
  config: string;
  pollInterval: number;
  timeout: number;
  verbose?: boolean;
}

const positiveNumber = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number.`);
  return n;
};

export async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('pipeline')
    .description('Deploy the runner stack: resolve-token -> render-stack -> deploy-stack -> await-stack.')
    .requiredOption('--config <file>', 'runner config file (e.g. runner.config.json)')
    .option('--poll-interval <seconds>', 'wait between two await-stack calls', positiveNumber('--poll-interval'), 10)
    .option('--timeout <minutes>', 'give up awaiting the stack after this long', positiveNumber('--timeout'), 60)
    .option('--verbose', "show every step's JSON log line")
    .exitOverride();
  try {
    program.parse(argv);
  } catch (error) {
    // commander has printed the usage problem (or the help, exit code 0).
    return (error as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const opts = program.opts<CliOptions>();

  const config = await loadConfigForCli(opts.config);
  if (!config) return 2;

  const endpoint = process.env.AWS_ENDPOINT_URL;
  process.stdout.write(
    `pipeline: stack ${config.stackName} in ${config.region} (${endpoint ? `endpoint ${endpoint}` : 'AWS'})\n`,
  );
  const progress = createListrProgress();
  const previousSink = setLogSink(progressLogSink(progress.note, Boolean(opts.verbose)));
  try {
    const result = await runPipeline(config, {
      clients: createAwsClients({ region: config.region }),
      pollIntervalMs: opts.pollInterval * 1000,
      timeoutMs: opts.timeout * 60_000,
      runPhase: progress.runPhase,
    });
    process.stdout.write(`\n${summaryLines(result, config).join('\n')}\n`);
    return 0;
  } catch (error) {
    return reportFailure(error);
  } finally {
    setLogSink(previousSink);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv);
}
