/**
 * The health check from a laptop or CI, on local files or the log bucket:
 *
 *   npm run health -- --logs <file|folder|s3://bucket/prefix> [--now ISO] [--idle-time S] [--idle-count N]
 *                     [--grace S] [--stale-after S] [--config FILE] [--html FILE] [--json]
 *
 * --json prints the report JSON on stdout and nothing else (npm adds its own banner: pipe `npm run -s health …` or
 * `npx tsx scripts/health.ts …` into jq); without it, a short summary. --now defaults to the end of the log window
 * for files and to the current time for s3:// (what the Lambda does).
 * Thresholds: the flags, else the runner config given with --config, else 300 s / 0 / 180 s / 900 s.
 * Exit codes (an interface: scripts and alarms use them): 0 healthy, 1 unhealthy, 3 unprovable,
 * 2 bad usage or unreadable input (message on stderr).
 */
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { analyseLogs, type HealthSettings } from '../functions/health-check/analyse-logs.js';
import type { HealthReport } from '../functions/health-check/analyser/report-types.js';
import { describeSource, LogSourceError } from '../functions/health-check/parser/index.js';
import { renderReportHtml } from '../functions/health-check/report-html.js';
import { DEFAULT_HEALTH_SETTINGS, healthSettingsFromConfig } from '../functions/health-check/settings.js';
import { createAwsClients } from '../functions/shared/aws-clients.js';
import { loadRunnerConfig } from '../functions/shared/config/index.js';
import { ConfigError } from '../functions/shared/errors.js';
import { redactTokens } from '../functions/shared/redact.js';
import { healthSummaryLines } from './lib/health-summary.js';

export const EXIT = { healthy: 0, unhealthy: 1, usage: 2, unprovable: 3 } as const;

interface CliOptions {
  logs: string[];
  now?: number;
  idleTime?: number;
  idleCount?: number;
  grace?: number;
  staleAfter?: number;
  config?: string;
  html?: string;
  json?: boolean;
}

const wholeNumber = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`${flag} must be a whole number of seconds or machines (got "${value}").`);
  }
  return n;
};

const isoTime = (value: string) => {
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) || !Number.isFinite(t)) {
    throw new InvalidArgumentError(`--now must be an ISO time such as 2025-10-20T10:00:00Z (got "${value}").`);
  }
  return t;
};

const collect = (value: string, previous: string[] = []) => [...previous, value];

export async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('health')
    .description("Judge a GitLab Runner manager's logs: does it poll, do its machines scale to zero?")
    .requiredOption('--logs <path>', 'log file, folder, or s3://bucket/prefix (repeatable)', collect)
    .option('--now <iso>', 'judge at this time (default: end of the logs; current time for s3://)', isoTime)
    .option('--idle-time <seconds>', 'IdleTime of the runner', wholeNumber('--idle-time'))
    .option('--idle-count <n>', 'IdleCount of the runner', wholeNumber('--idle-count'))
    .option('--grace <seconds>', 'grace added to IdleTime before a machine is a violation', wholeNumber('--grace'))
    .option(
      '--stale-after <seconds>',
      'polling is stale without a successful request for this long',
      wholeNumber('--stale-after'),
    )
    .option('--config <file>', 'take the thresholds from this runner config (flags still win)')
    .option('--html <file>', 'also write the report as a self-contained HTML page')
    .option('--json', 'print the report JSON on stdout')
    .exitOverride();
  try {
    program.parse(argv);
  } catch (error) {
    // commander has printed the usage problem (or the help, exit code 0).
    return (error as { exitCode?: number }).exitCode === 0 ? 0 : EXIT.usage;
  }
  const opts = program.opts<CliOptions>();
  try {
    const { settings, region } = await thresholds(opts);
    const remote = opts.logs.some((l) => l.startsWith('s3://'));
    const now = opts.now ?? (remote ? Date.now() : undefined);
    const sourceErrors: string[] = [];
    const report = await analyseLogs(opts.logs, settings, {
      ...(now === undefined ? {} : { now }),
      ...(remote ? { s3: createAwsClients(region ? { region } : {}).s3 } : {}),
      onSourceError: (source, error) => {
        sourceErrors.push(`${describeSource(source)}: ${error.message}`);
      },
    });
    for (const e of sourceErrors) process.stderr.write(`health: could not read to the end: ${redactTokens(e)}\n`);
    const unreadable = unreadableInput(report, opts.logs);
    if (unreadable) {
      process.stderr.write(`health: ${unreadable}\n`);
      return EXIT.usage;
    }
    if (opts.html) await writeFile(opts.html, renderReportHtml(report, { subject: opts.logs.join(', ') }));
    process.stdout.write(
      opts.json
        ? `${JSON.stringify(report, null, 2)}\n`
        : `${healthSummaryLines(report, opts.logs.join(', ')).join('\n')}\n`,
    );
    return EXIT[report.verdict];
  } catch (error) {
    if (error instanceof LogSourceError || error instanceof ConfigError) {
      process.stderr.write(`health: ${redactTokens(error.message)}\n`);
      return EXIT.usage;
    }
    // Anything else (an unwritable --html file, a bug): no verdict was given, so never 0, 1 or 3.
    process.stderr.write(`health: ${redactTokens((error as Error)?.message ?? String(error))}\n`);
    return EXIT.usage;
  }
}

async function thresholds(opts: CliOptions): Promise<{ settings: HealthSettings; region?: string }> {
  const config = opts.config ? await loadRunnerConfig(opts.config) : undefined;
  const base = config ? healthSettingsFromConfig(config) : DEFAULT_HEALTH_SETTINGS;
  return {
    settings: {
      idleTime: opts.idleTime ?? base.idleTime,
      idleCount: opts.idleCount ?? base.idleCount,
      idleGraceSeconds: opts.grace ?? base.idleGraceSeconds,
      pollingStaleAfterSeconds: opts.staleAfter ?? base.pollingStaleAfterSeconds,
    },
    ...(config ? { region: config.region } : {}),
  };
}

/** Nothing to judge: no file/object at all, or every one of them failed before a single line. */
function unreadableInput(report: HealthReport, logs: string[]): string | undefined {
  const { sources = 0, readErrors = 0, total } = report.lines;
  if (sources === 0) {
    return `no log file or object found under ${logs.join(', ')}. -> Pass a log file, a folder of logs, or the s3:// prefix the manager ships to (runner-logs/<stack>/).`;
  }
  if (readErrors === sources && total === 0) {
    return `none of the ${sources} log source(s) could be read. -> Check the path or the S3 permissions (s3:GetObject).`;
  }
  return undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`health: ${redactTokens(String(error))}\n`);
      process.exitCode = EXIT.usage;
    },
  );
}
