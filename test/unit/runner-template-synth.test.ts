import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { renderWarnings } from '../../functions/render-stack/warnings.js';
import { main, writeRunnerTemplates } from '../../scripts/synth.js';
import { baseInput, configOf } from './runner-template-support.js';

describe('synth script', () => {
  let dir: string;
  let stdout: string[];
  let stderr: string[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'synth-'));
    stdout = [];
    stderr = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout.push(String(chunk));
      return true;
    });
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one 2-space JSON template per variant, each ending in a newline', async () => {
    // Act
    const written = await writeRunnerTemplates(configOf(), dir);
    // Assess
    expect((await readdir(dir)).sort()).toEqual(written.map((f) => f.slice(dir.length + 1)).sort());
    expect(written).toHaveLength(8);
    for (const file of written) {
      const text = await readFile(file, 'utf8');
      expect(text.endsWith('}\n')).toBe(true);
      expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    }
  });

  it('prints each written path on its own line and exits 0', async () => {
    // Prepare
    const config = join(dir, 'runner.config.json');
    await writeFile(config, JSON.stringify(baseInput));
    const out = join(dir, 'out');
    // Act
    const code = await main(['node', 'synth', '--out', out, '--config', config]);
    // Assess
    expect(code).toBe(0);
    const lines = stdout.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(9);
    expect(lines[0]).toBe(join(out, 'runner-docker-machine-create-ipv6.json'));
    expect(lines[8]).toBe(join(out, 'orchestrator.json'));
  });

  it('exits 2 and names the bad field when the config is invalid', async () => {
    // Prepare
    const config = join(dir, 'bad.json');
    await writeFile(config, JSON.stringify({ ...baseInput, region: 'Europe' }));
    // Act
    const code = await main(['node', 'synth', '--out', join(dir, 'out'), '--config', config]);
    // Assess
    expect(code).toBe(2);
    expect(stderr.join('')).toMatch(/region: must be an AWS region/);
    expect(stdout).toEqual([]);
  });

  it('warns when the docker-machine download has no sha256 pin, and not when it has', () => {
    // Prepare
    const pinned = configOf({
      executor: { type: 'docker+machine', dockerMachine: { version: '0.16.2-gitlab.40', sha256: 'a'.repeat(64) } },
    });
    // Act
    const unpinnedWarnings = renderWarnings(configOf());
    const pinnedWarnings = renderWarnings(pinned);
    // Assess
    expect(unpinnedWarnings).toEqual([expect.stringMatching(/executor\.dockerMachine has no sha256/)]);
    expect(pinnedWarnings).toEqual([]);
  });
});
