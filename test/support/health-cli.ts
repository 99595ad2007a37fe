import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** Runs `npx tsx scripts/health.ts …` as a child process (the way a user or CI runs `npm run health`). */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ROOT = join(import.meta.dirname, '../..');

/** Runs `npx tsx <script> …args` from the repository root and collects its exit code and output. */
export function runTsxScript(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', script, ...args], {
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

export function runHealthCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runTsxScript('scripts/health.ts', args, env);
}
