import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BuildReport, buildBundles, freshBundles } from '../../scripts/lib/bundles.js';
import { ORCHESTRATOR_STEPS } from '../../stack/orchestrator/index.js';

/**
 * The real esbuild build of every Lambda step (npm run build), into a temporary directory so that it never races
 * another test's build. Sizes are asserted (bytes, not times).
 */
describe('Lambda bundles', () => {
  let outDir: string;
  let report: BuildReport;

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'bundles-'));
    report = await buildBundles({ outDir });
  }, 110_000);
  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('builds one bundle per step whose handler exists', () => {
    // Prepare
    const built = report.bundles.map((b) => b.step);
    const skipped = report.skipped.map((s) => s.step);
    // Assess: every step is either built or skipped with a reason (health-check is written elsewhere)
    expect([...built, ...skipped].sort()).toEqual([...ORCHESTRATOR_STEPS].sort());
    expect(built).toEqual(expect.arrayContaining(['resolve-token', 'render-stack', 'deploy-stack', 'await-stack']));
  });

  it('keeps every bundle under 1 MB minified', () => {
    for (const bundle of report.bundles) {
      // Assess
      expect({ step: bundle.step, under: bundle.bundleBytes < 1024 * 1024 }).toEqual({
        step: bundle.step,
        under: true,
      });
      expect(bundle.bundleBytes).toBeGreaterThan(50_000); // the SDK is inside, not left to the runtime
    }
  });

  it('zips each bundle as index.mjs at the root, readable by an independent reader', () => {
    for (const bundle of report.bundles) {
      // Act
      const names = execFileSync(
        'python3',
        [
          '-c',
          'import json,sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(json.dumps(z.namelist()))',
          bundle.zipFile,
        ],
        { encoding: 'utf8' },
      );
      // Assess
      expect(JSON.parse(names)).toEqual(['index.mjs']);
    }
  });

  it('produces ESM bundles that Node loads with only a `handler` function exported', () => {
    for (const bundle of report.bundles) {
      // Act: a fresh Node process, outside the repository (nothing to resolve from node_modules)
      const out = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(bundle.bundleFile)}); console.log(JSON.stringify(Object.keys(m).map((k) => [k, typeof m[k]])));`,
        ],
        { cwd: tmpdir(), encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
      );
      // Assess
      expect({ step: bundle.step, exports: JSON.parse(out) }).toEqual({
        step: bundle.step,
        exports: [['handler', 'function']],
      });
    }
  });

  it('bundles the AWS SDK and zod instead of importing them at run time', async () => {
    for (const bundle of report.bundles) {
      // Act
      const code = await readFile(bundle.bundleFile, 'utf8');
      // Assess
      expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
      expect(code).not.toMatch(/from\s*["']zod["']/);
    }
  });

  it('reuses the build while nothing changed: same zips, same hashes', async () => {
    // Act
    const fresh = await freshBundles({ outDir });
    // Assess
    expect(fresh?.bundles.map((b) => [b.step, b.zipSha256])).toEqual(report.bundles.map((b) => [b.step, b.zipSha256]));
  });

  it('reports no fresh build where there is none, and skips a step without a handler', async () => {
    // Prepare
    const empty = await mkdtemp(join(tmpdir(), 'bundles-empty-'));
    try {
      // Act
      const none = await freshBundles({ outDir: empty });
      const skipped = await buildBundles({ outDir: empty, steps: ['no-such-step'] });
      // Assess
      expect(none).toBeUndefined();
      expect(skipped.bundles).toEqual([]);
      expect(skipped.skipped).toEqual([
        {
          step: 'no-such-step',
          reason: 'functions/no-such-step/handler.ts does not exist (yet): no bundle for no-such-step',
        },
      ]);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
