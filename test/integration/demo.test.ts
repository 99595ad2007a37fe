import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

/**
 * `npm run demo` (scripts/demo.ts) as a newcomer runs it, in a child process: it starts its own moto, deploys the
 * orchestrator stack, runs the pipeline, judges a healthy hour of logs and writes the HTML report. CI runs this
 * file, so a broken demo fails the build. One run, shared by the assertions below (it takes ~15 s).
 */
const ROOT = join(import.meta.dirname, '../..');

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDemo(env: Record<string, string>): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'scripts/demo.ts'], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run demo', () => {
  let dir: string;
  let reportFile: string;
  let demo: DemoRun;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'demo-test-'));
    reportFile = join(dir, 'demo-report.html');
    demo = await runDemo({ DEMO_REPORT_FILE: reportFile });
  }, 170_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 after deploying the orchestrator stack and then the runner stack', () => {
    // Assess
    expect({ code: demo.code, stderr: demo.code === 0 ? '' : `${demo.stdout}\n${demo.stderr}` }).toEqual({
      code: 0,
      stderr: '',
    });
    const orchestrator = demo.stdout.indexOf('Orchestrator stack demo-runner-fleet-orchestrator:');
    const runner = demo.stdout.indexOf('Runner stack demo-runner-fleet:');
    expect(orchestrator).toBeGreaterThan(-1);
    expect(runner).toBeGreaterThan(orchestrator);
  });

  it('prints the healthy verdict and where the HTML report is, in S3 and locally', async () => {
    // Assess
    expect(demo.stdout).toMatch(/^Verdict: healthy$/m);
    expect(demo.stdout).toMatch(
      /^HTML report: s3:\/\/demo-runner-fleet-logbucket-[^/]+\/reports\/demo-runner-fleet\/\S+\.html/m,
    );
    expect(demo.stdout).toContain(`local copy: ${reportFile}`);
    const html = await readFile(reportFile, 'utf8');
    expect(html).toContain('<svg class="timeline"');
  });

  it('never shows the demo token', async () => {
    // Assess
    const html = await readFile(reportFile, 'utf8').catch(() => '');
    expect(`${demo.stdout}${demo.stderr}${html}`).not.toMatch(/glrt-demo[0-9a-f]{24}/);
  });
});
