import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Full path of an executable found on PATH (or `tool` itself when it already holds a `/`), or undefined.
 * Pure lookup: runs nothing.
 */
export function findOnPath(tool: string, path: string = process.env.PATH ?? ''): string | undefined {
  if (tool.includes('/')) return isExecutable(tool) ? tool : undefined;
  for (const dir of path.split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, tool))) return join(dir, tool);
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
