import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { findOnPath } from './which.js';

const exec = promisify(execFile);

/**
 * The version of the moto package behind `moto_server` (moto_server itself has no --version flag): asks the
 * Python interpreter named in the script's shebang, following a pyenv shim if there is one.
 * Returns undefined when it cannot tell (no moto_server, unknown launcher).
 */
export async function motoVersion(command = 'moto_server'): Promise<string | undefined> {
  let script = findOnPath(command);
  if (!script) return undefined;
  let python = pythonFromShebang(script);
  if (!python && findOnPath('pyenv')) {
    script = await output('pyenv', ['which', command]);
    python = script ? pythonFromShebang(script) : undefined;
  }
  if (!python) return undefined;
  return output(python, ['-c', 'import moto; print(moto.__version__)']);
}

function pythonFromShebang(file: string): string | undefined {
  let firstLine: string;
  try {
    firstLine = readFileSync(file, 'utf8').slice(0, 300).split('\n')[0] ?? '';
  } catch {
    return undefined;
  }
  const match = /^#!\s*(\S*python[\d.]*)\s*$/.exec(firstLine) ?? /^#!\s*\S*\/env\s+(python[\d.]*)\s*$/.exec(firstLine);
  return match?.[1];
}

async function output(file: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await exec(file, args, { timeout: 30_000 });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}
