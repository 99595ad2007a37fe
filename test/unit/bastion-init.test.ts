import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from '@jest/globals';
import { parse } from 'smol-toml';
import { parseRunnerConfig, type RunnerConfig } from '../../functions/shared/config/index.js';
import { ConfigError, OrchestratorError } from '../../functions/shared/errors.js';
import { type BastionBootRefs, buildBastionBoot, MANAGER_PATHS, TOKEN_PLACEHOLDER } from '../../stack/bastion/index.js';
import type { CfnValue } from '../../stack/shared/cfn.js';

// biome-ignore lint/suspicious/noExplicitAny: the Metadata is walked by key in assertions.
type Json = any;

const loadConfig = (name: string, patch: Record<string, unknown> = {}): RunnerConfig =>
  parseRunnerConfig({ ...JSON.parse(readFileSync(`test/fixtures/bastion/${name}.config.json`, 'utf8')), ...patch });

const refs: BastionBootRefs = {
  instanceLogicalId: 'BastionInstance',
  cacheBucketName: { Ref: 'CacheBucket' },
  logBucketName: { Ref: 'LogBucket' },
  vpcId: { Ref: 'VPC' },
  runnerSubnetId: { Ref: 'RunnerSubnet' },
  runnerZoneLetter: {
    'Fn::Select': [2, { 'Fn::Split': ['', { 'Fn::GetAtt': ['RunnerSubnet', 'AvailabilityZone'] }] }],
  },
  runnersSecurityGroupName: { 'Fn::GetAtt': ['RunnersSecurityGroup', 'GroupName'] },
  runnerInstanceProfileName: { Ref: 'RunnerInstanceProfile' },
  tokenParameterVersion: { Ref: 'TokenParameterVersion' },
};
const asgRefs: BastionBootRefs = { ...refs, autoscalingGroupName: { Ref: 'RunnersAutoScalingGroup' } };

const init = (boot: { metadata: Json }) => boot.metadata['AWS::CloudFormation::Init'];
const fileOf = (boot: { metadata: Json }, path: string) => init(boot).files.files[path];
/** Body of a Fn::Sub value (or the plain string). */
const subBody = (value: CfnValue): string => {
  if (typeof value === 'string') return value;
  const sub = value['Fn::Sub'];
  return typeof sub === 'string' ? sub : sub[0];
};
/** What the instance would see: ${Var} resolved to `<Var>`, ${!x} back to ${x}. */
const resolveSub = (value: CfnValue): string =>
  subBody(value)
    .replace(/\$\{(?!!)([A-Za-z0-9:.]+)\}/g, '<$1>')
    .replaceAll('${!', '${');
const allCommands = (boot: { metadata: Json }, config: string): string[] =>
  Object.values(init(boot)[config]?.commands ?? {}).map((c: Json) => String(c.command));

const savedEnv = process.env.RUNNER_TOKEN;
afterEach(() => {
  process.env.RUNNER_TOKEN = savedEnv;
});

describe('buildBastionBoot: token safety', () => {
  it('keeps every token out of Metadata and UserData: only the placeholder and the parameter name/version', () => {
    // Prepare: a canary in the environment, where a careless implementation might pick it up.
    process.env.RUNNER_TOKEN = 'glrt-CANARYCANARYCANARY01';
    const config = loadConfig('docker-machine', {
      gitlab: { url: 'https://gitlab.example.com', tokenParameterName: '/canary/runner-token-parameter' },
    });
    // Act
    const boot = buildBastionBoot(config, refs);
    // Assess
    const everything = JSON.stringify(boot);
    expect(everything).not.toContain('CANARY');
    expect(everything).not.toMatch(/(glrtr?-|GR1348941)[A-Za-z0-9_.-]{8,}/);
    const template = resolveSub(fileOf(boot, MANAGER_PATHS.configTemplate).content);
    expect(parse(template)).toMatchObject({ runners: [{ token: TOKEN_PLACEHOLDER }] });
    const env = fileOf(boot, MANAGER_PATHS.envFile).content;
    expect(resolveSub(env)).toContain('TOKEN_PARAMETER_NAME=/canary/runner-token-parameter\n');
    expect(resolveSub(env)).toContain('TOKEN_PARAMETER_VERSION=<TokenParameterVersion>\n');
    expect(env['Fn::Sub'][1].TokenParameterVersion).toEqual({ Ref: 'TokenParameterVersion' });
  });

  it('changes the Metadata when the token parameter version changes (so cfn-hup re-runs the writer)', () => {
    // Act
    const a = buildBastionBoot(loadConfig('docker-machine'), refs);
    const b = buildBastionBoot(loadConfig('docker-machine'), { ...refs, tokenParameterVersion: '8' });
    // Assess
    expect(JSON.stringify(a.metadata)).not.toBe(JSON.stringify(b.metadata));
    expect(JSON.stringify(a.userData)).toBe(JSON.stringify(b.userData));
  });
});

describe('buildBastionBoot: cfn-init', () => {
  const config = loadConfig('docker-machine');
  const boot = buildBastionBoot(config, refs);

  it('has a setup configSet and an update configSet without the one-time service setup', () => {
    expect(init(boot).configSets).toEqual({
      setup: ['files', 'binaries', 'service', 'apply'],
      update: ['files', 'binaries', 'apply'],
    });
  });

  it('starts gitlab-runner only in `apply`, after config.toml is written', () => {
    const early = ['files', 'binaries', 'service'].flatMap((c) => allCommands(boot, c)).join('\n');
    expect(early).not.toMatch(
      /(systemctl (re)?start|enable --now) gitlab-runner(\.service)?(\s|$)|gitlab-runner start/,
    );
    expect(early).toContain(
      'gitlab-runner install --service gitlab-runner --user gitlab-runner --working-directory /home/gitlab-runner',
    );
    expect(allCommands(boot, 'apply')).toEqual([MANAGER_PATHS.writeConfig]);
  });

  it('writes the config template root-only and the scripts from stack/bastion/scripts', () => {
    expect(fileOf(boot, MANAGER_PATHS.configTemplate)).toMatchObject({ mode: '000600', owner: 'root', group: 'root' });
    expect(fileOf(boot, MANAGER_PATHS.writeConfig).content).toBe(
      readFileSync('stack/bastion/scripts/write-config.sh', 'utf8'),
    );
    expect(fileOf(boot, MANAGER_PATHS.logShipper).content).toBe(
      readFileSync('stack/bastion/scripts/log-shipper.py', 'utf8'),
    );
    expect(fileOf(boot, MANAGER_PATHS.installBinaries).content).toBe(
      readFileSync('stack/bastion/scripts/install-binaries.sh', 'utf8'),
    );
    expect(fileOf(boot, MANAGER_PATHS.configToml)).toBeUndefined();
  });

  it('runs cfn-hup every minute with a hook that runs the update configSet on Metadata changes', () => {
    expect(resolveSub(fileOf(boot, MANAGER_PATHS.cfnHupConf).content)).toBe(
      '[main]\nstack=<AWS::StackId>\nregion=<AWS::Region>\ninterval=1\n',
    );
    const hook = resolveSub(fileOf(boot, MANAGER_PATHS.cfnHupHook).content);
    expect(hook).toContain('triggers=post.update\n');
    expect(hook).toContain('path=Resources.BastionInstance.Metadata.AWS::CloudFormation::Init\n');
    expect(hook).toContain(
      'action=/opt/aws/bin/cfn-init -v --stack <AWS::StackName> --resource BastionInstance --configsets update --region <AWS::Region>\n',
    );
    expect(init(boot).service.services).toEqual({ systemd: { 'cfn-hup': { enabled: 'true', ensureRunning: 'true' } } });
    expect(fileOf(boot, MANAGER_PATHS.cfnHupService).content).toContain('ExecStart=/opt/aws/bin/cfn-hup\n');
  });

  it('installs the pinned binaries with their checksums, and runs the log shipper every minute', () => {
    expect(init(boot).binaries.commands['10_install_binaries']).toEqual({
      command: MANAGER_PATHS.installBinaries,
      env: {
        PATH: expect.stringContaining('/usr/bin'),
        EXECUTOR: 'docker+machine',
        RUNNER_VERSION: '18.6.2',
        RUNNER_SHA256: '0000000000000000000000000000000000000000000000000000000000000001',
        DOCKER_MACHINE_VERSION: '0.16.2-gitlab.40',
      },
    });
    expect(fileOf(boot, MANAGER_PATHS.logShipperTimer).content).toContain('OnCalendar=minutely\n');
    expect(fileOf(boot, MANAGER_PATHS.logShipperService).content).toContain(
      `ExecStart=/usr/bin/python3 ${MANAGER_PATHS.logShipper}\n`,
    );
    expect(allCommands(boot, 'service')).toContain('systemctl enable --now gitlab-runner-log-shipper.timer');
  });

  it('substitutes the deploy-time names into the template and passes only the variables each text uses', () => {
    const template = fileOf(boot, MANAGER_PATHS.configTemplate).content['Fn::Sub'];
    expect(Object.keys(template[1]).sort()).toEqual([
      'CacheBucket',
      'RunnerInstanceProfileName',
      'RunnerSubnetId',
      'RunnerZoneLetter',
      'RunnersSecurityGroupName',
      'VpcId',
    ]);
    expect(template[1].RunnerZoneLetter).toEqual(refs.runnerZoneLetter);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub syntax, not a template literal.
    expect(template[0]).toContain('"amazonec2-subnet-id=${RunnerSubnetId}"');
    for (const value of collectSubs(boot)) {
      const [body, vars] = typeof value === 'string' ? [value, {}] : value;
      for (const [, name] of body.matchAll(/\$\{(?!!)([A-Za-z0-9:.]+)\}/g)) {
        expect(name?.startsWith('AWS::') || Object.hasOwn(vars, name ?? '')).toBe(true);
      }
    }
  });

  it('escapes a literal ${ from the config so CloudFormation does not substitute it', () => {
    // Act
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub syntax, not a template literal.
    const evil = buildBastionBoot(loadConfig('docker-machine', { runner: { name: 'x ${AWS::AccountId} y' } }), refs);
    // Assess
    const body = subBody(fileOf(evil, MANAGER_PATHS.configTemplate).content);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub syntax, not a template literal.
    expect(body).toContain('name = "x ${!AWS::AccountId} y"');
  });
});

describe('buildBastionBoot: UserData and CreationPolicy', () => {
  const boot = buildBastionBoot(loadConfig('docker-machine'), refs);
  const script = resolveSub(boot.userData['Fn::Base64']);

  it('runs cfn-init setup, keeps its exit code, ships the logs, then signals that exit code', () => {
    const order = [
      '/opt/aws/bin/cfn-init -v --stack <AWS::StackName> --resource BastionInstance --configsets setup --region <AWS::Region>\nrc=$?\n',
      `if ! /usr/bin/python3 ${MANAGER_PATHS.logShipper}; then`,
      '/opt/aws/bin/cfn-signal -e "$rc" --stack <AWS::StackName> --resource BastionInstance --region <AWS::Region>',
    ].map((part) => script.indexOf(part));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(script).toContain('dnf install -y aws-cfn-bootstrap');
    expect(script).toContain("export LOG_BUCKET='<LogBucket>'");
  });

  it('is valid bash', () => {
    const resolved = script.replace(/<([A-Za-z0-9:]+)>/g, (_m, name: string) => `value_${name.replace(/\W/g, '_')}`);
    const result = spawnSync('bash', ['-n'], { input: resolved, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('waits 20 minutes for one signal', () => {
    expect(boot.creationPolicy).toEqual({ ResourceSignal: { Count: 1, Timeout: 'PT20M' } });
  });
});

describe('buildBastionBoot: docker-autoscaler', () => {
  const boot = buildBastionBoot(loadConfig('docker-autoscaler'), asgRefs);

  it('installs the fleeting plugin into a fixed path the runner service also uses', () => {
    expect(init(boot).binaries.commands['20_fleeting_plugin']).toEqual({
      command: `/usr/local/bin/gitlab-runner fleeting --config ${MANAGER_PATHS.configTemplate} install`,
      env: {
        PATH: expect.stringContaining('/usr/bin'),
        HOME: '/root',
        FLEETING_PLUGIN_PATH: MANAGER_PATHS.fleetingPluginDir,
      },
    });
    expect(resolveSub(fileOf(boot, MANAGER_PATHS.runnerServiceDropIn).content)).toContain(
      `Environment=FLEETING_PLUGIN_PATH=${MANAGER_PATHS.fleetingPluginDir}\n`,
    );
    expect(init(boot).binaries.commands['10_install_binaries'].env).toEqual({
      PATH: expect.stringContaining('/usr/bin'),
      EXECUTOR: 'docker-autoscaler',
      RUNNER_VERSION: '18.6.2',
    });
  });

  it('names the Auto Scaling group in the plugin config', () => {
    const template = fileOf(boot, MANAGER_PATHS.configTemplate).content['Fn::Sub'];
    expect(template[1].AutoscalingGroupName).toEqual({ Ref: 'RunnersAutoScalingGroup' });
    expect(parse(resolveSub(template[0]))).toMatchObject({
      runners: [{ autoscaler: { plugin_config: { name: '<AutoscalingGroupName>' } } }],
    });
  });

  it('refuses to build without the Auto Scaling group', () => {
    expect(() => buildBastionBoot(loadConfig('docker-autoscaler'), refs)).toThrow(OrchestratorError);
  });
});

describe('buildBastionBoot: bad input', () => {
  it('refuses a logical id that is not one', () => {
    expect(() => buildBastionBoot(loadConfig('docker-machine'), { ...refs, instanceLogicalId: 'Bastion-1' })).toThrow(
      /logical id/,
    );
  });

  it('refuses config text holding the reserved marker characters', () => {
    expect(() => buildBastionBoot(loadConfig('docker-machine', { runner: { name: 'a\u{E000}b' } }), refs)).toThrow(
      ConfigError,
    );
  });
});

function collectSubs(value: Json): Json[] {
  if (Array.isArray(value)) return value.flatMap(collectSubs);
  if (value !== null && typeof value === 'object') {
    if ('Fn::Sub' in value) return [value['Fn::Sub']];
    return Object.values(value).flatMap(collectSubs);
  }
  return [];
}
