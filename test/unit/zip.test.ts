import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { crc32, zipFiles } from '../../scripts/lib/zip.js';

/** Reads a zip back from its central directory (the way unzip and Lambda do), inflating each entry. */
function readZip(zip: Buffer): { name: string; data: Buffer; mode: number; crc: number }[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const size = zip.readUInt32LE(at + 20);
    const local = zip.readUInt32LE(at + 42);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    entries.push({
      name,
      data: inflateRawSync(zip.subarray(dataStart, dataStart + size)),
      mode: zip.readUInt32LE(at + 38) >>> 16,
      crc: zip.readUInt32LE(at + 16),
    });
    at += 46 + nameLength;
  }
  return entries;
}

describe('zip writer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zip-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('computes the standard CRC-32', () => {
    // Act / Assess: the check value of CRC-32/ISO-HDLC
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('writes the same bytes for the same files (fixed timestamps), different bytes for different content', () => {
    // Prepare
    const files = [{ name: 'index.mjs', data: Buffer.from('export const handler = async () => 42;\n') }];
    // Act
    const a = zipFiles(files);
    const b = zipFiles(files.map((f) => ({ ...f, data: Buffer.from(f.data) })));
    const c = zipFiles([{ name: 'index.mjs', data: Buffer.from('export const handler = async () => 43;\n') }]);
    // Assess
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('round-trips every entry with its name, content, CRC and a 0644 file mode', () => {
    // Prepare
    const big = Buffer.concat([Buffer.alloc(200_000, 'x'), Buffer.from('end')]);
    const files = [
      { name: 'index.mjs', data: big },
      { name: 'lib/empty.txt', data: Buffer.alloc(0) },
    ];
    // Act
    const entries = readZip(zipFiles(files));
    // Assess
    expect(entries.map((e) => e.name)).toEqual(['index.mjs', 'lib/empty.txt']);
    expect(entries[0]?.data.equals(big)).toBe(true);
    expect(entries[1]?.data.length).toBe(0);
    expect(entries.map((e) => e.mode)).toEqual([0o100644, 0o100644]);
    expect(entries[0]?.crc).toBe(crc32(big));
  });

  it('is accepted by an independent reader (Python zipfile: CRC check, names, 1980-01-01 timestamps)', async () => {
    // Prepare
    const file = join(dir, 'bundle.zip');
    await writeFile(file, zipFiles([{ name: 'index.mjs', data: Buffer.from('export const handler = () => 1;') }]));
    // Act
    const out = execFileSync(
      'python3',
      [
        '-c',
        'import json,sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(json.dumps([z.testzip(), z.namelist(), [list(i.date_time) for i in z.infolist()]]))',
        file,
      ],
      { encoding: 'utf8' },
    );
    // Assess
    expect(JSON.parse(out)).toEqual([null, ['index.mjs'], [[1980, 1, 1, 0, 0, 0]]]);
  });

  it('refuses absolute or backslashed entry names', () => {
    // Act / Assess
    expect(() => zipFiles([{ name: '/etc/passwd', data: Buffer.alloc(1) }])).toThrow(/relative/);
    expect(() => zipFiles([{ name: 'a\\b', data: Buffer.alloc(1) }])).toThrow(/relative/);
  });
});
