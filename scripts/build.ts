/**
 * Bundles every Lambda step with esbuild (settings: esbuild.config.mjs) and zips each bundle for Lambda:
 *
 *   npm run build
 *
 * functions/<step>/handler.ts -> dist/functions/<step>/index.mjs -> dist/functions/<step>.zip (index.mjs at the
 * root, fixed timestamps, so the zip's SHA-256 is its S3 key). Prints each bundle's size. A step whose handler does
 * not exist yet is skipped with a warning.
 * Exit codes: 0 built, 1 a bundle failed or is 1 MB or larger (the message names the largest inputs).
 */
import { pathToFileURL } from 'node:url';
import { buildBundles, formatBytes, sizeLines } from './lib/bundles.js';
import { reportFailure } from './lib/cli-report.js';

export async function main(): Promise<number> {
  try {
    const report = await buildBundles();
    for (const skipped of report.skipped) process.stderr.write(`warning: ${skipped.reason}\n`);
    process.stdout.write(
      `Lambda bundles (minified ESM, SDK included; limit ${formatBytes(report.maxBundleBytes)} each):\n`,
    );
    process.stdout.write(`${sizeLines(report).join('\n')}\n`);
    return 0;
  } catch (error) {
    return reportFailure(error, 'Build');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
