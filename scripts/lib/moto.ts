import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { MissingToolError } from '../../functions/shared/errors.js';
import { findOnPath } from './which.js';

/**
 * A local moto server (DESIGN.md section 7) started by our own code on a free loopback port.
 * Every integration test file and the demo start their own; nothing relies on one started by hand.
 */
export interface MotoServer {
  /** `http://127.0.0.1:PORT`, for `endpoint` / `AWS_ENDPOINT_URL`. */
  endpoint: string;
  port: number;
  /** Stops the server and its process group; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** How long to wait for the first HTTP answer (default 30 s; moto imports take ~1-5 s). */
  readyTimeoutMs?: number;
  /** Extra environment for moto (e.g. `MOTO_ALLOW_NONEXISTENT_REGION`). */
  env?: Record<string, string>;
  /** Looked up on PATH; default `moto_server`. */
  command?: string;
}

export const MOTO_INSTALL_HINT = "pip install 'moto[server]'";
const DEFAULT_READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 3_000;
const OUTPUT_TAIL_CHARS = 4_000;
const PORT_ATTEMPTS = 3;

/**
 * `sh` wrapper that makes moto die with us: it keeps a copy of the stdin pipe (fd 3) in a background
 * subshell and kills the whole process group when that pipe reaches EOF, which happens however this
 * Node process ends (even SIGKILL). moto itself replaces the shell (`exec`), so `child.pid` is moto's; the
 * subshell does not hold moto's output pipes, so 'close' means moto is gone and all its output was read.
 */
const WATCHDOG_SCRIPT =
  'exec 3<&0; ( read _ <&3; kill -TERM 0 ) >/dev/null 2>&1 & exec "$0" -H 127.0.0.1 -p "$1" </dev/null 3<&-';

/** Starts moto_server on a free 127.0.0.1 port and resolves once it answers HTTP. */
export async function startMoto(opts: StartMotoOptions = {}): Promise<MotoServer> {
  const command = opts.command ?? 'moto_server';
  const executable = findOnPath(command);
  if (!executable) throw new MissingToolError(command, MOTO_INSTALL_HINT);

  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    const port = await freeLoopbackPort();
    try {
      return await launch(executable, port, opts);
    } catch (error) {
      lastError = error as Error;
      // Another process may have taken the port between our probe and moto's bind: try a new one.
      if (!/address already in use/i.test(lastError.message)) throw lastError;
    }
  }
  throw lastError;
}

/** Asks the kernel for an unused loopback port. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not read the probed port'))));
    });
  });
}

async function launch(executable: string, port: number, opts: StartMotoOptions): Promise<MotoServer> {
  const child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, executable, String(port)], {
    detached: true, // own process group: stop() signals moto and anything it started
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true', ...opts.env },
  });
  // Never keeps this process alive by itself; the 'exit' hook and the watchdog end moto with us.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.();
  const output = new OutputTail(OUTPUT_TAIL_CHARS);
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
  const exited = new Promise<string>((resolve) => {
    child.once('close', (code, signal) => resolve(`exited with ${signal ?? `code ${code}`}`));
    child.once('error', (error) => resolve(`could not start: ${error.message}`));
  });

  const killOnExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      // If moto went first, closing its stdin ends the watchdog subshell (EOF), the last of the group.
      child.stdin?.destroy();
      child.stdout?.destroy();
      child.stderr?.destroy();
    })();
    return stopped;
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const timeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const gaveUp = new AbortController();
  const failure = await Promise.race([
    waitForHttp(endpoint, timeoutMs, gaveUp.signal),
    exited.then((why) => `moto_server ${why}`),
  ]);
  gaveUp.abort();
  if (failure !== undefined) {
    await stop();
    throw new Error(
      `moto_server did not come up on ${endpoint}: ${failure}.\n` +
        `Last output of moto_server:\n${output.text() || '(none)'}\n` +
        `  -> Run \`moto_server -H 127.0.0.1 -p ${port}\` by hand to see the error; reinstall with ${MOTO_INSTALL_HINT}.`,
    );
  }
  return { endpoint, port, stop };
}

/** Resolves undefined once anything answers HTTP on the endpoint, or a reason after the timeout. */
async function waitForHttp(endpoint: string, timeoutMs: number, cancel: AbortSignal): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  while (Date.now() < deadline && !cancel.aborted) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      return undefined;
    } catch (error) {
      lastError = (error as Error).cause ? String((error as Error).cause) : (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return `no HTTP answer within ${timeoutMs} ms (last error: ${lastError})`;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // group already gone
  }
}

/** Keeps the last `limit` characters of a process's output, for error messages. */
class OutputTail {
  private buffer = '';
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    this.buffer = (this.buffer + chunk.toString('utf8')).slice(-this.limit);
  }
  text(): string {
    return this.buffer.trim();
  }
}
