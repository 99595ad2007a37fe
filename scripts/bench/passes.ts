import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parseLogs } from '../../functions/health-check/parser/index.js';

/**
 * The timed passes of the parser benchmark, each run in its own child process (so its peak RSS is its own):
 * `node <bundle of this file> <bare|parser> FILE` prints one JSON line
 * `{ pass, seconds, cpuSeconds, bytes?, lines, maxRssMB }` (cpuSeconds: the whole process, zlib's thread pool
 * included). The bare pass uses the same read and gunzip chunk sizes as the
 * parser's sources (64 KiB reads, 256 KiB gunzip output) so that the comparison is about the parsing.
 */
const READ_CHUNK = 64 * 1024;
const GUNZIP_CHUNK = 256 * 1024;

async function barePass(file: string): Promise<{ bytes: number; lines: number }> {
  let bytes = 0;
  let lines = 0;
  const gunzip = createReadStream(file, { highWaterMark: READ_CHUNK }).pipe(createGunzip({ chunkSize: GUNZIP_CHUNK }));
  for await (const chunk of gunzip as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    let p = chunk.indexOf(10);
    while (p !== -1) {
      lines++;
      p = chunk.indexOf(10, p + 1);
    }
  }
  return { bytes, lines };
}

async function parserPass(file: string): Promise<{ lines: number; events: number; skipped: number }> {
  let events = 0;
  const counts = await parseLogs([file], () => {
    events++;
  });
  return { lines: counts.total, events, skipped: counts.skipped };
}

async function main(): Promise<void> {
  const [pass, file] = process.argv.slice(2);
  if ((pass !== 'bare' && pass !== 'parser') || !file) {
    process.stderr.write('usage: passes.ts <bare|parser> FILE\n');
    process.exit(2);
  }
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const result = pass === 'bare' ? await barePass(file) : await parserPass(file);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ pass, seconds, cpuSeconds, maxRssMB, ...result })}\n`);
}

await main();
