import { parseArgs } from 'node:util';
import { runParserBench } from './bench/parser-bench.js';

/**
 * `npm run bench [-- --size-mb 1100 --rounds 3]`: performance figures, printed, never asserted.
 * Sections are functions under scripts/bench/ (today: the log parser); add new ones below.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'size-mb': { type: 'string', default: '1100' },
      rounds: { type: 'string', default: '3' },
    },
  });
  const sizeMB = Number(values['size-mb']);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(sizeMB) || sizeMB < 1 || !Number.isInteger(rounds) || rounds < 1) {
    process.stderr.write('usage: npm run bench -- [--size-mb N (default 1100)] [--rounds N (default 3)]\n');
    process.exit(2);
  }
  await runParserBench({ sizeMB, rounds });
}

await main();
