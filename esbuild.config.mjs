/**
 * esbuild settings of the Lambda bundles (`npm run build`, scripts/build.ts): one ESM bundle per step,
 * functions/<step>/handler.ts -> dist/functions/<step>/index.mjs, for the nodejs22.x runtime.
 * Everything is bundled, the AWS SDK v3 clients included (the runtime's copy is not pinned to our version).
 * Plain JavaScript so that any tool can read it; scripts/build.ts imports it.
 */

/** The steps with a Lambda function, in state-machine order (stack/orchestrator/steps.ts has the same list). */
export const FUNCTION_STEPS = ['resolve-token', 'render-stack', 'deploy-stack', 'await-stack', 'health-check'];

/** Every bundle must stay under this, minified. */
export const MAX_BUNDLE_BYTES = 1024 * 1024;

export const entryPoint = (step) => `functions/${step}/handler.ts`;
export const outFile = (step) => `dist/functions/${step}/index.mjs`;
export const zipFile = (step) => `dist/functions/${step}.zip`;

/**
 * Some CommonJS dependencies call `require` for Node built-ins; an ESM bundle has no `require`, so the banner
 * makes one (under a name no module uses for anything else).
 */
const REQUIRE_BANNER = [
  "import { createRequire as __groCreateRequire } from 'node:module';",
  'const require = __groCreateRequire(import.meta.url);',
].join('\n');

/**
 * zod's `z` namespace re-exports all ~45 locales (`z.locales`), about 260 KB minified, and a namespace object
 * cannot be tree-shaken. zod configures English by default and no step selects another locale, so the bundle gets a
 * locales index that holds English only. A zod release that moves the file simply gets no substitution.
 * @type {import('esbuild').Plugin}
 */
export const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: 'export { default as en } from "./en.js";\n',
      loader: 'js',
    }));
  },
};

/** @returns {import('esbuild').BuildOptions} the options of one step's bundle (paths relative to the repo root). */
export function bundleOptions(step) {
  return {
    entryPoints: [entryPoint(step)],
    outfile: outFile(step),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    external: [],
    banner: { js: REQUIRE_BANNER },
    plugins: [zodEnglishOnly],
    logLevel: 'warning',
  };
}
