import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A sandbox for running the manager scripts (stack/bastion/scripts) on this machine: a temp dir with a `bin`
 * folder of stub commands. Every stub appends its argv to `argv.log`, so tests can check what reached a
 * command line.
 */
export interface Sandbox {
  dir: string;
  bin: string;
  argvLog: string;
  /** Adds an executable bash stub; `body` runs after the argv is logged. */
  stub(name: string, body: string): void;
  /** Adds a stub that logs its argv, then runs the real command found at `realPath`. */
  passThrough(name: string, realPath: string): void;
  argv(): string;
  cleanup(): void;
}

export function createSandbox(prefix: string): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const argvLog = join(dir, 'argv.log');
  writeFileSync(argvLog, '');
  const stub = (name: string, body: string) => {
    const file = join(bin, name);
    writeFileSync(file, `#!/bin/bash\nprintf '%s\\n' "${name} $*" >> '${argvLog}'\n${body}\n`);
    chmodSync(file, 0o755);
  };
  return {
    dir,
    bin,
    argvLog,
    stub,
    passThrough: (name, realPath) => stub(name, `exec '${realPath}' "$@"`),
    argv: () => readFileSync(argvLog, 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
