import { parseArgs } from 'node:util';
import { runColdImportBench } from './bench/cold-import-bench.js';
import { runParserBench } from './bench/parser-bench.js';

/**
 * `npm run bench [-- --only cold-import|parser] [--size-mb 1100 --rounds 3] [--runs 7]`: performance figures,
 * printed, never asserted. Sections are functions under scripts/bench/: the Lambda bundles' cold-import times
 * (quick) and the log parser (minutes); both by default.
 */
const SECTIONS = ['cold-import', 'parser'] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      'size-mb': { type: 'string', default: '1100' },
      rounds: { type: 'string', default: '3' },
      runs: { type: 'string', default: '7' },
    },
  });
  const sizeMB = Number(values['size-mb']);
  const rounds = Number(values.rounds);
  const runs = Number(values.runs);
  const only = values.only;
  if (
    !Number.isInteger(sizeMB) ||
    sizeMB < 1 ||
    !Number.isInteger(rounds) ||
    rounds < 1 ||
    !Number.isInteger(runs) ||
    runs < 1 ||
    (only !== undefined && !(SECTIONS as readonly string[]).includes(only))
  ) {
    process.stderr.write(
      'usage: npm run bench -- [--only cold-import|parser] [--size-mb N (default 1100)] [--rounds N (default 3)] [--runs N (cold imports per bundle, default 7)]\n',
    );
    process.exit(2);
  }
  if (!only || only === 'cold-import') await runColdImportBench({ runs });
  if (!only || only === 'parser') {
    if (!only) process.stdout.write('\n');
    await runParserBench({ sizeMB, rounds });
  }
}

await main();
