import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { buildBundles, loadEsbuildConfig } from '../lib/bundles.js';
import { REPO_ROOT } from '../lib/repo-root.js';

/**
 * Cold-import figures of the Lambda bundles (printed, never asserted): for each handler bundle
 * (dist/functions/<step>/index.mjs, built first when missing), the median time of `await import(bundle)` in N fresh
 * Node processes (measured inside the child with performance.now(), so process start-up is not counted), beside a
 * reference bundle built with the same esbuild settings that holds only the AWS SDK clients the handler bundles.
 * The difference is what our own code (zod, the config schema, the template builder, the parser) adds to a cold
 * start. The SDK clients of a handler are read from its esbuild metafile (node_modules/@aws-sdk/client-*).
 */
export interface ColdImportOptions {
  /** Fresh processes per bundle (default 7); the median is reported. */
  runs?: number;
  log?: (line: string) => void;
}

export interface ColdImportRow {
  step: string;
  bundleBytes: number;
  importMs: number;
  sdkClients: string[];
  sdkOnlyBytes: number;
  sdkOnlyMs: number;
}

const BENCH_DIR = join(REPO_ROOT, 'dist', 'bench');
const CLIENT_PACKAGE = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//;
/** Package -> its client class. */
const CLIENT_CLASS: Record<string, string> = {
  'client-ssm': 'SSMClient',
  'client-s3': 'S3Client',
  'client-cloudformation': 'CloudFormationClient',
  'client-cloudwatch': 'CloudWatchClient',
  'client-sfn': 'SFNClient',
};

/** The @aws-sdk/client-* packages esbuild pulls into the step's bundle. */
async function sdkClientsOf(step: string): Promise<string[]> {
  const config = await loadEsbuildConfig();
  const result = await build({ ...config.bundleOptions(step), absWorkingDir: REPO_ROOT, write: false });
  const found = new Set<string>();
  // Inputs that end up in the output (bytesInOutput > 0): a client imported but tree-shaken away does not count.
  for (const output of Object.values(result.metafile?.outputs ?? {})) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const m = CLIENT_PACKAGE.exec(input);
      if (m && bytesInOutput > 0) found.add(m[1] as string);
    }
  }
  return [...found].sort();
}

/** A bundle of only those clients (same settings as the step's bundle); returns its path. */
async function buildSdkOnly(step: string, clients: string[]): Promise<string> {
  const config = await loadEsbuildConfig();
  const outfile = join(BENCH_DIR, `sdk-only-${step}.mjs`);
  const lines = clients.map((pkg, i) => {
    const cls = CLIENT_CLASS[pkg];
    if (!cls) throw new Error(`cold-import bench: no client class known for @aws-sdk/${pkg}; add it to CLIENT_CLASS`);
    return `import { ${cls} as C${i} } from '@aws-sdk/${pkg}';`;
  });
  const keep = `export const clients = [${clients.map((_, i) => `C${i}`).join(', ')}];`;
  const { entryPoints: _entry, ...options } = config.bundleOptions(step);
  await build({
    ...options,
    stdin: { contents: `${lines.join('\n')}\n${keep}\n`, resolveDir: REPO_ROOT, loader: 'js' },
    outfile,
    absWorkingDir: REPO_ROOT,
    metafile: false,
  });
  return outfile;
}

/** One fresh process: ms of `await import(file)`, measured inside it. */
function importOnce(file: string): Promise<number> {
  const code = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      env: { ...process.env, NODE_OPTIONS: '', AWS_REGION: process.env.AWS_REGION || 'eu-west-1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (status) => {
      const ms = Number(out);
      if (status === 0 && Number.isFinite(ms)) resolve(ms);
      else reject(new Error(`importing ${file} failed (exit ${status}): ${err.trim()}`));
    });
  });
}

async function medianImportMs(file: string, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await importOnce(file));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const kib = (bytes: number) => (bytes / 1024).toFixed(0);

export async function runColdImportBench(opts: ColdImportOptions = {}): Promise<ColdImportRow[]> {
  const runs = opts.runs ?? 7;
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const config = await loadEsbuildConfig();
  const steps = config.FUNCTION_STEPS.filter((step) => existsSync(join(REPO_ROOT, config.entryPoint(step))));
  if (steps.some((step) => !existsSync(join(REPO_ROOT, config.outFile(step))))) {
    log('cold-import: building the bundles first (npm run build) ...');
    await buildBundles();
  }
  await mkdir(BENCH_DIR, { recursive: true });
  log(
    `cold-import: median of ${runs} fresh node ${process.version} processes per bundle (import only, no handler call)`,
  );
  const rows: ColdImportRow[] = [];
  for (const step of steps) {
    const bundle = join(REPO_ROOT, config.outFile(step));
    const sdkClients = await sdkClientsOf(step);
    const sdkOnly = await buildSdkOnly(step, sdkClients);
    rows.push({
      step,
      bundleBytes: (await stat(bundle)).size,
      importMs: await medianImportMs(bundle, runs),
      sdkClients,
      sdkOnlyBytes: (await stat(sdkOnly)).size,
      sdkOnlyMs: await medianImportMs(sdkOnly, runs),
    });
  }
  const header = ['handler', 'bundle KiB', 'cold import ms', 'SDK-only KiB', 'SDK-only ms', 'SDK clients'];
  const table = [
    header,
    ...rows.map((r) => [
      r.step,
      kib(r.bundleBytes),
      r.importMs.toFixed(1),
      kib(r.sdkOnlyBytes),
      r.sdkOnlyMs.toFixed(1),
      r.sdkClients.map((c) => c.replace('client-', '')).join('+'),
    ]),
  ];
  const widths = header.map((_, i) => Math.max(...table.map((row) => (row[i] as string).length)));
  for (const row of table) {
    log(
      row
        .map((cell, i) =>
          i === 0 || i === row.length - 1 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number),
        )
        .join('  ')
        .trimEnd(),
    );
  }
  return rows;
}
