/**
 * Writes the runner-stack template of every variant (executor x network x IPv6) as JSON, one file each, then the
 * orchestrator stack's template (`orchestrator.json`, with placeholder code keys), and prints each path on its own
 * line:
 *
 *   npm run synth -- --out DIR [--config runner.config.json]
 *
 * Exit codes: 0 written, 2 invalid config (the message names the field and the fix) or bad usage, 1 anything else.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { renderWarnings } from '../functions/render-stack/warnings.js';
import { loadRunnerConfig, type RunnerConfig } from '../functions/shared/config/index.js';
import { ConfigError } from '../functions/shared/errors.js';
import { buildOrchestratorTemplate, ORCHESTRATOR_STEPS, type OrchestratorStep } from '../stack/orchestrator/index.js';
import { buildRunnerTemplate, configForVariant, runnerVariants } from '../stack/runner/index.js';
import type { CfnTemplate } from '../stack/shared/cfn.js';

/** The bytes of a template file: 2-space JSON with a trailing newline. */
export const templateFileText = (template: CfnTemplate): string => `${JSON.stringify(template, null, 2)}\n`;

/** Writes one template per runner variant into outDir; returns the written paths in variant order. */
export async function writeRunnerTemplates(base: RunnerConfig, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const variant of runnerVariants()) {
    const file = join(outDir, variant.fileName);
    await writeFile(file, templateFileText(buildRunnerTemplate(configForVariant(base, variant))));
    written.push(file);
  }
  return written;
}

/** The orchestrator template's file name in the synth output. */
export const ORCHESTRATOR_TEMPLATE_FILE = 'orchestrator.json';

/** Code keys for synth: `npm run deploy` puts the real `lambda/<sha256>.zip` keys in. */
export const placeholderCodeKeys = (): Record<OrchestratorStep, string> =>
  Object.fromEntries(ORCHESTRATOR_STEPS.map((step) => [step, `lambda/${step}-synth-placeholder.zip`])) as Record<
    OrchestratorStep,
    string
  >;

/** Writes the orchestrator stack's template (placeholder code keys) into outDir; returns its path. */
export async function writeOrchestratorTemplate(config: RunnerConfig, outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, ORCHESTRATOR_TEMPLATE_FILE);
  const template = buildOrchestratorTemplate(config, {
    codeBucket: config.artifactBucket,
    codeKeys: placeholderCodeKeys(),
  });
  await writeFile(file, templateFileText(template));
  return file;
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('synth')
    .description(
      'Write the runner-stack template of every variant (executor x network x IPv6) and the orchestrator template as JSON files.',
    )
    .requiredOption('--out <dir>', 'directory to write the templates to')
    .option('--config <file>', 'runner config file', 'runner.config.json')
    .exitOverride();
  try {
    program.parse(argv);
  } catch (error) {
    // commander has printed the usage problem (or the help, exit code 0).
    return (error as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const opts = program.opts<{ out: string; config: string }>();
  try {
    const config = await loadRunnerConfig(opts.config);
    for (const warning of renderWarnings(config)) process.stderr.write(`warning: ${warning}\n`);
    for (const file of await writeRunnerTemplates(config, opts.out)) process.stdout.write(`${file}\n`);
    process.stdout.write(`${await writeOrchestratorTemplate(config, opts.out)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(`synth failed: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv);
}
