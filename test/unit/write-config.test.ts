import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { parse } from 'smol-toml';
import { findOnPath } from '../../scripts/lib/which.js';
import { TOKEN_PLACEHOLDER } from '../../stack/bastion/contract.js';
import { createSandbox, type Sandbox } from '../support/bastion-stubs.js';

/**
 * Runs stack/bastion/scripts/write-config.sh with bash, PATH holding ONLY stubs: aws (SSM), curl (IMDSv2),
 * systemctl, and logging pass-throughs for mkdir/mktemp/chmod/mv. Any other external command would fail,
 * and every argv is logged, so "the token never reaches a command line" is checked, not assumed.
 */
const SCRIPT = 'stack/bastion/scripts/write-config.sh';
const CANARY = 'glrt-CANARYt0k3n_5eCr3t.01.abcdef';
const INSTANCE_ID = 'i-0a1b2c3d4e5f60718';
const PARAMETER = '/gitlab-runner/fleet/token';
const TEMPLATE = readFileSync('test/golden/config-docker-machine.toml', 'utf8');

let box: Sandbox;
let configDir: string;

beforeEach(() => {
  box = createSandbox('write-config-');
  configDir = join(box.dir, 'etc', 'gitlab-runner');
  writeFileSync(join(box.dir, 'config.toml.tmpl'), TEMPLATE);
  writeFileSync(
    join(box.dir, 'bootstrap.env'),
    `# comment\nTOKEN_PARAMETER_NAME=${PARAMETER}\nTOKEN_PARAMETER_VERSION=7\nLOG_BUCKET=logs\n`,
  );
  box.stub(
    'curl',
    [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion in a stub.
      'url="${@: -1}"',
      'case "$url" in',
      '  */latest/api/token) printf imds-session ;;',
      '  */placement/region) printf eu-west-1 ;;',
      `  */instance-id) printf ${INSTANCE_ID} ;;`,
      '  *) exit 22 ;;',
      'esac',
    ].join('\n'),
  );
  // Prints the stored value the way `--output text` does: the value, then one newline.
  box.stub(
    'aws',
    [
      `[[ -f '${box.dir}/aws-fails' ]] && { echo 'An error occurred (ParameterNotFound)' >&2; exit 254; }`,
      `IFS= read -r -d '' value < '${box.dir}/ssm-value' || true`,
      'printf \'%s\\n\' "$value"',
    ].join('\n'),
  );
  box.stub('systemctl', 'exit 0');
  for (const tool of ['mkdir', 'mktemp', 'chmod', 'mv']) {
    const real = findOnPath(tool);
    if (real === undefined) throw new Error(`${tool} not found on PATH`);
    box.passThrough(tool, real);
  }
});

afterEach(() => box.cleanup());

function runWriter(ssmValue: string) {
  writeFileSync(join(box.dir, 'ssm-value'), ssmValue);
  const result = spawnSync('/bin/bash', [SCRIPT], {
    encoding: 'utf8',
    env: {
      PATH: box.bin,
      GRO_CONFIG_DIR: configDir,
      GRO_TEMPLATE: join(box.dir, 'config.toml.tmpl'),
      GRO_ENV_FILE: join(box.dir, 'bootstrap.env'),
    },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}`, stderr: result.stderr };
}

function seedExistingConfig(): string {
  mkdirSync(configDir, { recursive: true });
  const previous = 'concurrent = 1\n# previous, working config\n';
  writeFileSync(join(configDir, 'config.toml'), previous, { mode: 0o600 });
  return previous;
}

describe('write-config.sh', () => {
  it('writes config.toml with the token from SSM, mode 600, and restarts the runner', () => {
    // Act
    const { status } = runWriter(CANARY);
    // Assess
    expect(status).toBe(0);
    const file = join(configDir, 'config.toml');
    const text = readFileSync(file, 'utf8');
    // biome-ignore lint/suspicious/noExplicitAny: parsed TOML.
    const toml: any = parse(text);
    expect(toml.runners[0].token).toBe(CANARY);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(text).not.toContain(TOKEN_PLACEHOLDER);
    expect(text).not.toContain('__PARENT_INSTANCE_ID__');
    expect(text).toContain(`gitlab-runner-parent-id,${INSTANCE_ID},`);
    expect(text.replace(CANARY, TOKEN_PLACEHOLDER).replace(INSTANCE_ID, '__PARENT_INSTANCE_ID__')).toBe(TEMPLATE);
    expect(box.argv()).toContain('systemctl restart gitlab-runner');
    // The version the stack was deployed with (TOKEN_PARAMETER_VERSION=7), not whatever is latest in SSM.
    expect(box.argv()).toMatch(
      /aws ssm get-parameter --with-decryption --name \/gitlab-runner\/fleet\/token:7 --region eu-west-1/,
    );
    expect(readdirSync(configDir)).toEqual(['config.toml']);
  });

  it('never shows the token: not on stdout/stderr, not in any command line', () => {
    // Act
    const { status, output } = runWriter(CANARY);
    // Assess
    expect(status).toBe(0);
    expect(output).not.toContain('CANARY');
    expect(box.argv()).not.toContain('CANARY');
  });

  it('replaces an existing config.toml whatever its mode', () => {
    // Prepare
    seedExistingConfig();
    writeFileSync(join(configDir, 'config.toml'), 'old', { mode: 0o644 });
    // Act
    const { status } = runWriter(CANARY);
    // Assess
    expect(status).toBe(0);
    expect(readFileSync(join(configDir, 'config.toml'), 'utf8')).toContain(CANARY);
    expect(statSync(join(configDir, 'config.toml')).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['an empty value', '', /is empty/],
    ['a registration token', 'GR1348941aBcDeFgHiJkLmNoPqRs', /registration token.*glrt-/],
    ['a legacy 20-character registration token', 'aBcDeFgHiJkLmNoP1234', /legacy registration token.*glrt-/],
    ['a value with a space', 'glrt-abc defghijklmnop', /whitespace or a newline/],
    ['a value with a trailing newline', 'glrt-abcdefghijklmnopq\n', /whitespace or a newline/],
    ['a value with an inner newline', 'glrt-abcdefg\nhijklmnopq', /whitespace or a newline/],
    ['a value with a quote', 'glrt-abc"defghijklmnopq', /not a runner token/],
  ])('refuses %s: non-zero exit, config.toml untouched, no restart', (_label, value, reason) => {
    // Prepare
    const previous = seedExistingConfig();
    // Act
    const { status, output, stderr } = runWriter(value);
    // Assess
    expect(status).not.toBe(0);
    expect(stderr).toMatch(reason);
    expect(readFileSync(join(configDir, 'config.toml'), 'utf8')).toBe(previous);
    expect(readdirSync(configDir)).toEqual(['config.toml']);
    expect(box.argv()).not.toContain('systemctl');
    if (value.trim() !== '') expect(output).not.toContain(value.trim());
  });

  it('fails clearly when SSM cannot be read, leaving config.toml untouched', () => {
    // Prepare
    const previous = seedExistingConfig();
    writeFileSync(join(box.dir, 'aws-fails'), '');
    // Act
    const { status, stderr } = runWriter(CANARY);
    // Assess
    expect(status).not.toBe(0);
    expect(stderr).toMatch(/ssm:GetParameter/);
    expect(readFileSync(join(configDir, 'config.toml'), 'utf8')).toBe(previous);
    expect(box.argv()).not.toContain('systemctl');
  });

  it('refuses a template without the token placeholder', () => {
    // Prepare
    writeFileSync(join(box.dir, 'config.toml.tmpl'), 'concurrent = 1\n');
    // Act
    const { status, stderr } = runWriter(CANARY);
    // Assess
    expect(status).not.toBe(0);
    expect(stderr).toMatch(/placeholder/);
    expect(existsSync(join(configDir, 'config.toml'))).toBe(false);
  });
});
