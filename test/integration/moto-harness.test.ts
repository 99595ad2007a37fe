import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from '@jest/globals';
import { MissingToolError } from '../../functions/shared/errors.js';
import { startMoto } from '../../scripts/lib/moto.js';
import { REPO_ROOT } from '../../scripts/lib/repo-root.js';
import { useMoto } from '../support/moto.js';

/** True while something accepts HTTP on the port. */
async function answers(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/** Polls until the port stops answering (bounded); returns whether it did. */
async function goesDown(port: number, attempts = 100): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (!(await answers(port))) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

describe('useMoto', () => {
  const moto = useMoto();

  it('serves SSM on a loopback endpoint with the dummy credentials', async () => {
    // Prepare
    const ssm = new SSMClient(moto.clientConfig());
    // Act
    await ssm.send(new PutParameterCommand({ Name: '/harness/probe', Value: 'x', Type: 'String' }));
    const got = await ssm.send(new GetParameterCommand({ Name: '/harness/probe' }));
    ssm.destroy();
    // Assess
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(got.Parameter?.Value).toBe('x');
  });

  it('has AWS managed policies loaded (MOTO_IAM_LOAD_MANAGED_POLICIES)', async () => {
    // Prepare
    const iam = new IAMClient(moto.clientConfig());
    // Act
    const policy = await iam.send(
      new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore' }),
    );
    iam.destroy();
    // Assess
    expect(policy.Policy?.PolicyName).toBe('AmazonSSMManagedInstanceCore');
  });
});

describe('startMoto', () => {
  it('stops the server on stop(), and a second stop() is harmless', async () => {
    // Prepare
    const moto = await startMoto();
    const upBefore = await answers(moto.port);
    // Act
    await moto.stop();
    await moto.stop();
    // Assess
    expect(upBefore).toBe(true);
    expect(await answers(moto.port)).toBe(false);
  });

  it.each(['wait', 'exit'])('takes moto down when the owning process ends without stop() (%s)', async (mode) => {
    // Prepare: a child process starts moto and prints the port
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/support/moto-child.ts'), mode], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    const upBefore = await answers(port);
    // Act: 'wait' is killed hard (no exit hook runs), 'exit' calls process.exit itself
    if (mode === 'wait') child.kill('SIGKILL');
    // Assess
    expect(upBefore).toBe(true);
    expect(await goesDown(port)).toBe(true);
  });

  it('throws MissingToolError with the pip command when moto_server is not on PATH', async () => {
    // Act
    const attempt = startMoto({ command: 'moto_server_not_installed_here' });
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(MissingToolError);
    await expect(attempt).rejects.toThrow("pip install 'moto[server]'");
  });

  it("reports moto's own output when it exits before answering", async () => {
    // Prepare: a stand-in that fails the way a broken install does
    const dir = await mkdtemp(join(tmpdir(), 'fake-moto-'));
    const fake = join(dir, 'moto_server');
    await writeFile(fake, '#!/bin/sh\necho "ModuleNotFoundError: No module named flask" >&2\nexit 3\n');
    await chmod(fake, 0o755);
    try {
      // Act
      const attempt = startMoto({ command: fake, readyTimeoutMs: 10_000 });
      // Assess
      await expect(attempt).rejects.toThrow(/exited with code 3[\s\S]*No module named flask/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
