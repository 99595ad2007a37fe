import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createSandbox, type Sandbox } from '../support/bastion-stubs.js';

/**
 * Runs stack/bastion/scripts/install-binaries.sh with a stub `curl` that serves files from a local "bucket"
 * folder: checksum verification (published release.sha256 and config pins), the docker-machine warning, and
 * idempotence are checked on real files with the real sha256sum.
 */
const SCRIPT = 'stack/bastion/scripts/install-binaries.sh';
const RUNNER = 'https://runner.test';
const MACHINE = 'https://machine.test';

let box: Sandbox;
let binDir: string;

const fakeRunner = (version: string) => `#!/bin/bash\necho "Version:      ${version}"\necho "Git revision: 0123abcd"\n`;
const fakeMachine = (version: string) => `#!/bin/bash\necho "docker-machine version ${version}, build 1a2b3c"\n`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function serve(path: string, content: string): void {
  const file = join(box.dir, 'bucket', path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

/** Publishes a gitlab-runner release the way GitLab does: the binary and a release.sha256 listing it. */
function publishRunner(version: string, binary = fakeRunner(version), listed = sha256(binary)): void {
  serve(`runner.test/v${version}/binaries/gitlab-runner-linux-amd64`, binary);
  serve(
    `runner.test/v${version}/release.sha256`,
    `${sha256('deb')}  ./deb/gitlab-runner_amd64.deb\n${listed}  ./binaries/gitlab-runner-linux-amd64\n${sha256('x')}  ./binaries/gitlab-runner-linux-arm64\n`,
  );
}

beforeEach(() => {
  box = createSandbox('install-binaries-');
  binDir = join(box.dir, 'usr-local-bin');
  box.stub(
    'curl',
    [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion in a stub.
      'url="${@: -1}"; dest=""; args=("$@")',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion in a stub.
      'for ((i = 0; i < ${#args[@]}; i++)); do [[ "${args[i]}" == -o ]] && dest="${args[i+1]}"; done',
      `src='${box.dir}/bucket/'"\${url#https://}"`,
      '[[ -f "$src" ]] || exit 22',
      'cp "$src" "$dest"',
    ].join('\n'),
  );
});

afterEach(() => box.cleanup());

function install(env: Record<string, string>) {
  const result = spawnSync('/bin/bash', [SCRIPT], {
    encoding: 'utf8',
    env: {
      PATH: `${box.bin}:${process.env.PATH ?? ''}`,
      GRO_BIN_DIR: binDir,
      GRO_RUNNER_DOWNLOADS: RUNNER,
      GRO_DOCKER_MACHINE_DOWNLOADS: MACHINE,
      ...env,
    },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const downloads = () =>
  box
    .argv()
    .split('\n')
    .filter((l) => l.startsWith('curl ')).length;

describe('install-binaries.sh', () => {
  it('installs gitlab-runner verified against the published release.sha256 and the config pin', () => {
    // Prepare
    publishRunner('18.6.2');
    // Act
    const { status, stdout } = install({
      EXECUTOR: 'docker-autoscaler',
      RUNNER_VERSION: '18.6.2',
      RUNNER_SHA256: sha256(fakeRunner('18.6.2')),
    });
    // Assess
    expect(status).toBe(0);
    expect(stdout).toContain('installed gitlab-runner 18.6.2');
    expect(readFileSync(join(binDir, 'gitlab-runner'), 'utf8')).toBe(fakeRunner('18.6.2'));
    expect(box.argv()).toContain(`${RUNNER}/v18.6.2/release.sha256`);
  });

  it('refuses a binary that does not match the published checksum', () => {
    // Prepare
    publishRunner('18.6.2', fakeRunner('18.6.2'), sha256('something else'));
    // Act
    const { status, stderr } = install({ EXECUTOR: 'docker-autoscaler', RUNNER_VERSION: '18.6.2' });
    // Assess
    expect(status).not.toBe(0);
    expect(stderr).toMatch(/does not match the published/);
    expect(existsSync(join(binDir, 'gitlab-runner'))).toBe(false);
  });

  it('refuses a binary that matches the published checksum but not the pin in the config', () => {
    // Prepare
    publishRunner('18.6.2');
    // Act
    const { status, stderr } = install({
      EXECUTOR: 'docker-autoscaler',
      RUNNER_VERSION: '18.6.2',
      RUNNER_SHA256: sha256('pinned elsewhere'),
    });
    // Assess
    expect(status).not.toBe(0);
    expect(stderr).toMatch(/manager\.gitlabRunner\.sha256/);
    expect(existsSync(join(binDir, 'gitlab-runner'))).toBe(false);
  });

  it('installs docker-machine with a warning line when no checksum is pinned', () => {
    // Prepare
    publishRunner('18.6.2');
    serve('machine.test/v0.16.2-gitlab.40/docker-machine-Linux-x86_64', fakeMachine('0.16.2-gitlab.40'));
    // Act
    const { status, stdout } = install({
      EXECUTOR: 'docker+machine',
      RUNNER_VERSION: '18.6.2',
      DOCKER_MACHINE_VERSION: '0.16.2-gitlab.40',
    });
    // Assess
    expect(status).toBe(0);
    expect(stdout).toMatch(/WARNING: docker-machine v0\.16\.2-gitlab\.40 is not pinned by checksum/);
    expect(stdout).toContain(sha256(fakeMachine('0.16.2-gitlab.40')));
    expect(readFileSync(join(binDir, 'docker-machine'), 'utf8')).toBe(fakeMachine('0.16.2-gitlab.40'));
  });

  it('refuses docker-machine when it does not match the pinned checksum', () => {
    // Prepare
    publishRunner('18.6.2');
    serve('machine.test/v0.16.2-gitlab.40/docker-machine-Linux-x86_64', fakeMachine('0.16.2-gitlab.40'));
    // Act
    const { status, stderr } = install({
      EXECUTOR: 'docker+machine',
      RUNNER_VERSION: '18.6.2',
      DOCKER_MACHINE_VERSION: '0.16.2-gitlab.40',
      DOCKER_MACHINE_SHA256: sha256('another build'),
    });
    // Assess
    expect(status).not.toBe(0);
    expect(stderr).toMatch(/executor\.dockerMachine\.sha256/);
    expect(existsSync(join(binDir, 'docker-machine'))).toBe(false);
  });

  it('downloads nothing when the pinned versions are installed, and upgrades when a version changes', () => {
    // Prepare
    publishRunner('18.6.2');
    publishRunner('18.7.0');
    serve('machine.test/v0.16.2-gitlab.40/docker-machine-Linux-x86_64', fakeMachine('0.16.2-gitlab.40'));
    const env = { EXECUTOR: 'docker+machine', RUNNER_VERSION: '18.6.2', DOCKER_MACHINE_VERSION: '0.16.2-gitlab.40' };
    expect(install(env).status).toBe(0);
    const afterFirst = downloads();
    // Act
    const again = install(env);
    const upgrade = install({ ...env, RUNNER_VERSION: '18.7.0' });
    // Assess
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('gitlab-runner 18.6.2 already installed');
    expect(again.stdout).toContain('docker-machine 0.16.2-gitlab.40 already installed');
    expect(upgrade.status).toBe(0);
    expect(downloads()).toBe(afterFirst + 2);
    expect(readFileSync(join(binDir, 'gitlab-runner'), 'utf8')).toBe(fakeRunner('18.7.0'));
  });
});
