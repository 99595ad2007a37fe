import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ensureBenchLog } from './generate-log.js';

/**
 * The log parser benchmark (not a test: timings are printed, never asserted). On one generated gzip log of at
 * least 1 GB uncompressed, and in the same run, it times
 *  - `zcat FILE > /dev/null` (a reference),
 *  - the bare Node pass: createReadStream → createGunzip → count 0x0a (the ceiling for any Node parser),
 *  - `parseLogs` with a no-op analyser, in a child process whose peak RSS is read from resourceUsage().maxRSS;
 * each `rounds` times, interleaved, keeping the best (least disturbed) time of each: other processes on the
 * machine only ever make a pass slower, so the minimum is the closest to the undisturbed figure.
 * Goals: parser ≥ 0.5 × the bare Node pass, parser peak RSS < 128 MB.
 */
export interface ParserBenchOptions {
  sizeMB?: number;
  rounds?: number;
  log?: (line: string) => void;
}

export interface PassResult {
  seconds: number;
  mbPerSecond: number;
  /** CPU seconds of the whole process (zlib's thread pool included); unknown for zcat. */
  cpuSeconds?: number;
  maxRssMB?: number;
}

export interface ParserBenchResult {
  file: string;
  uncompressedMB: number;
  lines: number;
  events: number;
  skipped: number;
  zcat: PassResult;
  bareNode: PassResult;
  parser: PassResult & { maxRssMB: number };
  goals: { speed: boolean; rss: boolean };
}

const PASSES_SOURCE = fileURLToPath(new URL('./passes.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The passes run as plain JavaScript, bundled like a Lambda would be (no TypeScript loader in the measured
 * process: it would add its own memory). Code splitting keeps the parser's lazy `import()` of the AWS SDK lazy.
 * The bundle goes under node_modules/.cache so that its external imports still resolve.
 */
async function bundlePasses(): Promise<string> {
  const outdir = join(REPO_ROOT, 'node_modules', '.cache', 'gro-bench');
  await build({
    entryPoints: { passes: PASSES_SOURCE },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir,
    outExtension: { '.js': '.mjs' },
    external: ['@aws-sdk/*'],
    logLevel: 'warning',
  });
  return join(outdir, 'passes.mjs');
}
export const SPEED_GOAL = 0.5;
export const RSS_GOAL_MB = 128;

export async function runParserBench(opts: ParserBenchOptions = {}): Promise<ParserBenchResult> {
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const sizeMB = opts.sizeMB ?? 1100;
  const rounds = Math.max(1, opts.rounds ?? 3);
  const { path, cached } = await ensureBenchLog(sizeMB, (p) => log(`  ${p}`));
  log(`log: ${path} (${cached ? 'cached' : 'generated'})`);
  const passes = await bundlePasses();
  await timeCommand('cat', [path]); // warm the page cache

  let zcat = Number.POSITIVE_INFINITY;
  let bare: PassOutput | undefined;
  let parser: PassOutput | undefined;
  for (let round = 1; round <= rounds; round++) {
    zcat = Math.min(zcat, await timeCommand('zcat', [path]));
    bare = best(bare, await runPass(passes, 'bare', path));
    parser = best(parser, await runPass(passes, 'parser', path));
    log(`  round ${round}/${rounds} done`);
  }
  if (!bare || !parser) throw new Error('no benchmark round ran');
  const mb = (bare.bytes ?? 0) / 1e6;
  const rate = (seconds: number) => mb / seconds;
  const pass = (p: PassOutput) => ({
    seconds: p.seconds,
    mbPerSecond: rate(p.seconds),
    cpuSeconds: p.cpuSeconds,
    maxRssMB: p.maxRssMB,
  });
  const result: ParserBenchResult = {
    file: path,
    uncompressedMB: Math.round(mb),
    lines: bare.lines,
    events: parser.events ?? 0,
    skipped: parser.skipped ?? 0,
    zcat: { seconds: zcat, mbPerSecond: rate(zcat) },
    bareNode: pass(bare),
    parser: pass(parser),
    goals: { speed: bare.seconds / parser.seconds >= SPEED_GOAL, rss: parser.maxRssMB < RSS_GOAL_MB },
  };
  if (parser.lines !== bare.lines)
    log(`WARNING: the parser counted ${parser.lines} lines, the bare pass ${bare.lines}`);
  printResult(result, log);
  return result;
}

function printResult(r: ParserBenchResult, log: (line: string) => void): void {
  const row = (name: string, p: PassResult) =>
    `  ${name.padEnd(26)} ${p.seconds.toFixed(2).padStart(7)} s ${p.mbPerSecond.toFixed(0).padStart(6)} MB/s` +
    (p.cpuSeconds === undefined ? '' : `   CPU ${p.cpuSeconds.toFixed(2)} s`) +
    (p.maxRssMB === undefined ? '' : `   peak RSS ${p.maxRssMB.toFixed(0)} MB`);
  const ratio = r.parser.mbPerSecond / r.bareNode.mbPerSecond;
  log(`parser benchmark: ${r.uncompressedMB} MB uncompressed, ${r.lines} lines, ${r.events} events`);
  log(row('zcat > /dev/null', r.zcat));
  log(row('node gunzip + count \\n', r.bareNode));
  log(row('parseLogs (no-op analyser)', r.parser));
  log(`  speed: parser = ${ratio.toFixed(2)} × bare node (goal ≥ ${SPEED_GOAL}): ${r.goals.speed ? 'met' : 'NOT met'}`);
  log(
    `  memory: parser peak RSS ${r.parser.maxRssMB.toFixed(0)} MB (goal < ${RSS_GOAL_MB} MB): ${r.goals.rss ? 'met' : 'NOT met'}`,
  );
}

interface PassOutput {
  seconds: number;
  cpuSeconds: number;
  maxRssMB: number;
  lines: number;
  bytes?: number;
  events?: number;
  skipped?: number;
}

function best(a: PassOutput | undefined, b: PassOutput): PassOutput {
  return a === undefined || b.seconds < a.seconds ? b : a;
}

function runPass(bundle: string, pass: 'bare' | 'parser', file: string): Promise<PassOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, pass, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${pass} pass exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as PassOutput);
    });
  });
}

/** Wall time of `cmd args > /dev/null`. */
function timeCommand(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${cmd} exited with ${code}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}
