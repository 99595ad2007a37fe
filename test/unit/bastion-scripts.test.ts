import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  EMBEDDED_MODULE,
  EMBEDDED_SCRIPTS,
  renderEmbeddedModule,
  SCRIPTS_DIR,
} from '../../stack/bastion/scripts/embed.js';
import * as embedded from '../../stack/bastion/scripts/embedded.js';

/**
 * The scripts cfn-init writes on the manager: embedded.ts must carry exactly the files in stack/bastion/scripts
 * (UPDATE_GOLDEN=1 regenerates it), and each must at least parse with the interpreter it runs under.
 */
describe('manager scripts', () => {
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(EMBEDDED_MODULE, renderEmbeddedModule());

  it.each(EMBEDDED_SCRIPTS.map((s) => [s.file, s.exportName] as const))(
    'embedded.ts carries %s unchanged',
    (file, exportName) => {
      expect((embedded as Record<string, string>)[exportName]).toBe(readFileSync(join(SCRIPTS_DIR, file), 'utf8'));
    },
  );

  it.each(['install-binaries.sh', 'write-config.sh'])('%s is valid bash', (file) => {
    const result = spawnSync('bash', ['-n', join(SCRIPTS_DIR, file)], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('log-shipper.py parses with python3', () => {
    const result = spawnSync(
      process.env.GRO_TEST_PYTHON ?? 'python3',
      ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])', join(SCRIPTS_DIR, 'log-shipper.py')],
      { encoding: 'utf8' },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
