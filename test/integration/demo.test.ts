import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type CliRun, runTsxScript } from '../support/health-cli.js';

/**
 * `npm run demo` (scripts/demo.ts) as a newcomer runs it, in a child process: it starts its own moto, deploys the
 * orchestrator stack, runs the pipeline, judges a healthy hour of logs and writes the HTML report. CI runs this
 * file, so a broken demo fails the build. One run, shared by the assertions below (it takes ~15 s).
 */

type DemoRun = CliRun;

const runDemo = (env: Record<string, string>): Promise<DemoRun> => runTsxScript('scripts/demo.ts', [], env);

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
