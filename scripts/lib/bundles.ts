import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuildOptions, Metafile } from 'esbuild';
import { OrchestratorError } from '../../functions/shared/errors.js';
import { REPO_ROOT } from './repo-root.js';
import { zipFiles } from './zip.js';

/**
 * The Lambda bundles (`npm run build`): esbuild with the settings of esbuild.config.mjs, one minified ESM bundle per
 * step, then a deterministic zip per bundle (`dist/functions/<step>.zip`, `index.mjs` at its root) whose SHA-256
 * names its S3 key. A manifest records what went into each bundle, so `npm run deploy` can reuse a fresh build.
 */
export class BuildError extends OrchestratorError {}

interface EsbuildConfigModule {
  FUNCTION_STEPS: string[];
  MAX_BUNDLE_BYTES: number;
  entryPoint(step: string): string;
  outFile(step: string): string;
  zipFile(step: string): string;
  bundleOptions(step: string): BuildOptions;
}

export interface BundleResult {
  step: string;
  /** Absolute paths. */
  bundleFile: string;
  zipFile: string;
  bundleBytes: number;
  zipBytes: number;
  /** SHA-256 (hex) of the zip: the S3 key is `lambda/<sha256>.zip`. */
  zipSha256: string;
  /** Hash of every input file esbuild read (and the build settings): unchanged inputs, unchanged bundle. */
  inputsHash: string;
  /** The largest inputs in the bundle, for a size report. */
  largestInputs: { path: string; bytes: number }[];
}

export interface BuildReport {
  bundles: BundleResult[];
  /** Steps whose handler does not exist (yet): no bundle, with the reason. */
  skipped: { step: string; reason: string }[];
  maxBundleBytes: number;
}

interface Manifest {
  version: 1;
  bundles: Record<
    string,
    { inputs: string[]; inputsHash: string; zipSha256: string; bundleBytes: number; zipBytes: number }
  >;
}

const MANIFEST_NAME = 'manifest.json';

export interface BuildLocation {
  /** Repository root: entry points and esbuild.config.mjs are read from here. */
  root?: string;
  /** Absolute directory for bundles, zips and the manifest; default the config's `dist/functions`. */
  outDir?: string;
}

interface Paths {
  bundle: string;
  zip: string;
}

function pathsOf(config: EsbuildConfigModule, root: string, outDir: string | undefined, step: string): Paths {
  if (!outDir) return { bundle: join(root, config.outFile(step)), zip: join(root, config.zipFile(step)) };
  return { bundle: join(outDir, step, 'index.mjs'), zip: join(outDir, `${step}.zip`) };
}

const manifestPath = (config: EsbuildConfigModule, root: string, outDir: string | undefined): string =>
  join(outDir ?? dirname(join(root, config.zipFile('x'))), MANIFEST_NAME);

export async function loadEsbuildConfig(root = REPO_ROOT): Promise<EsbuildConfigModule> {
  return (await import(pathToFileURL(join(root, 'esbuild.config.mjs')).href)) as EsbuildConfigModule;
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** One hash over the settings and every input's content (paths relative to the root, sorted). */
async function hashInputs(root: string, inputs: readonly string[], options: BuildOptions): Promise<string> {
  const { version } = await import('esbuild');
  const hash = createHash('sha256');
  hash.update(`esbuild ${version}\n${JSON.stringify(options)}\n`);
  hash.update(`node ${process.versions.node} zlib ${process.versions.zlib}\n`);
  hash.update(await readFile(join(root, 'esbuild.config.mjs')));
  for (const input of [...inputs].sort()) {
    const file = join(root, input);
    hash.update(`${input}\n`);
    hash.update(existsSync(file) ? sha256(await readFile(file)) : 'missing');
  }
  return hash.digest('hex');
}

function largestInputs(metafile: Metafile): { path: string; bytes: number }[] {
  const output = Object.values(metafile.outputs)[0];
  return Object.entries(output?.inputs ?? {})
    .map(([path, v]) => ({ path, bytes: v.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5);
}

export async function buildBundles(opts: BuildLocation & { steps?: string[] } = {}): Promise<BuildReport> {
  const root = opts.root ?? REPO_ROOT;
  const { build } = await import('esbuild');
  const config = await loadEsbuildConfig(root);
  const steps = opts.steps ?? config.FUNCTION_STEPS;
  const report: BuildReport = { bundles: [], skipped: [], maxBundleBytes: config.MAX_BUNDLE_BYTES };
  const manifest: Manifest = { version: 1, bundles: {} };

  for (const step of steps) {
    const entry = join(root, config.entryPoint(step));
    if (!existsSync(entry)) {
      report.skipped.push({ step, reason: `${config.entryPoint(step)} does not exist (yet): no bundle for ${step}` });
      continue;
    }
    const options = config.bundleOptions(step);
    const paths = pathsOf(config, root, opts.outDir, step);
    const result = await build({ ...options, outfile: paths.bundle, absWorkingDir: root });
    const metafile = result.metafile as Metafile;
    const bundleFile = paths.bundle;
    const bundle = await readFile(bundleFile);
    const inputs = Object.keys(metafile.inputs);
    const zip = zipFiles([{ name: 'index.mjs', data: bundle }]);
    const zipFile = paths.zip;
    await mkdir(dirname(zipFile), { recursive: true });
    await writeFile(zipFile, zip);
    const bundled: BundleResult = {
      step,
      bundleFile,
      zipFile,
      bundleBytes: bundle.length,
      zipBytes: zip.length,
      zipSha256: sha256(zip),
      inputsHash: await hashInputs(root, inputs, options),
      largestInputs: largestInputs(metafile),
    };
    report.bundles.push(bundled);
    manifest.bundles[step] = {
      inputs,
      inputsHash: bundled.inputsHash,
      zipSha256: bundled.zipSha256,
      bundleBytes: bundled.bundleBytes,
      zipBytes: bundled.zipBytes,
    };
  }
  const manifestFile = manifestPath(config, root, opts.outDir);
  await mkdir(dirname(manifestFile), { recursive: true });
  await writeFile(manifestFile, `${JSON.stringify(manifest)}\n`);

  const tooLarge = report.bundles.filter((b) => b.bundleBytes >= config.MAX_BUNDLE_BYTES);
  if (tooLarge.length > 0) {
    const lines = tooLarge.map(
      (b) =>
        `  ${b.step}: ${formatBytes(b.bundleBytes)} (largest inputs: ${b.largestInputs.map((i) => `${i.path} ${formatBytes(i.bytes)}`).join(', ')})`,
    );
    throw new BuildError(
      'BUNDLE_TOO_LARGE',
      `Lambda bundles must stay under ${formatBytes(config.MAX_BUNDLE_BYTES)} minified:\n${lines.join('\n')}`,
      'Import only the SDK clients and commands a step uses (no barrel imports), and keep heavy code out of the handler.',
    );
  }
  return report;
}

/**
 * The bundles of the last build when nothing they were built from has changed (same files, same settings, same
 * Node.js), else undefined. Steps without a handler are skipped as in a build.
 */
export async function freshBundles(opts: BuildLocation = {}): Promise<BuildReport | undefined> {
  const root = opts.root ?? REPO_ROOT;
  const config = await loadEsbuildConfig(root);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath(config, root, opts.outDir), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  const report: BuildReport = { bundles: [], skipped: [], maxBundleBytes: config.MAX_BUNDLE_BYTES };
  for (const step of config.FUNCTION_STEPS) {
    if (!existsSync(join(root, config.entryPoint(step)))) {
      report.skipped.push({ step, reason: `${config.entryPoint(step)} does not exist (yet): no bundle for ${step}` });
      continue;
    }
    const entry = manifest.bundles?.[step];
    const { bundle: bundleFile, zip: zipFile } = pathsOf(config, root, opts.outDir, step);
    if (!entry || !existsSync(zipFile)) return undefined;
    if (sha256(await readFile(zipFile)) !== entry.zipSha256) return undefined;
    if ((await hashInputs(root, entry.inputs, config.bundleOptions(step))) !== entry.inputsHash) return undefined;
    report.bundles.push({
      step,
      bundleFile,
      zipFile,
      bundleBytes: entry.bundleBytes,
      zipBytes: entry.zipBytes,
      zipSha256: entry.zipSha256,
      inputsHash: entry.inputsHash,
      largestInputs: [],
    });
  }
  return report;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

/** `  resolve-token   412.3 KiB  (zip 120.4 KiB)  dist/functions/resolve-token.zip`, one line per bundle. */
export function sizeLines(report: BuildReport, root = REPO_ROOT): string[] {
  const width = Math.max(...report.bundles.map((b) => b.step.length), 4);
  return report.bundles.map((b) => {
    const share = ((b.bundleBytes / report.maxBundleBytes) * 100).toFixed(0);
    const zip = b.zipFile.startsWith(root) ? b.zipFile.slice(root.length + 1) : b.zipFile;
    return `  ${b.step.padEnd(width)}  ${formatBytes(b.bundleBytes).padStart(10)}  (${share.padStart(2)}% of the limit, zip ${formatBytes(b.zipBytes)})  ${zip}`;
  });
}
