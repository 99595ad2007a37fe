import type { RunnerConfig } from '../../functions/shared/config/index.js';
import { ConfigError, OrchestratorError } from '../../functions/shared/errors.js';
import type { CfnValue } from '../shared/cfn.js';
import { cfnText, cfnVar, holdsMarkerCharacters } from './cfn-text.js';
import { renderConfigToml } from './config-toml.js';
import type { BastionBoot, BastionBootRefs, BuildBastionBoot } from './contract.js';
import {
  bootstrapEnvFile,
  cfnAutoReloaderHook,
  cfnHupConf,
  cfnHupService,
  logShipperService,
  logShipperTimer,
  runnerServiceDropIn,
} from './manager-files.js';
import { MANAGER_PATHS as P } from './paths.js';
import { INSTALL_BINARIES_SH, LOG_SHIPPER_PY, WRITE_CONFIG_SH } from './scripts/embedded.js';
import { userDataScript } from './user-data.js';

/**
 * `AWS::CloudFormation::Init` Metadata, UserData and CreationPolicy of the runner manager.
 *
 * configSets:
 *  - setup  = files, binaries, service, apply: everything on first boot; the runner starts only in `apply`,
 *             after config.toml holds the real token.
 *  - update = files, binaries, apply: run by cfn-hup when the Metadata changes (config, token version):
 *             re-render, write config.toml, restart the runner. `binaries` is idempotent and only downloads
 *             when a pinned version changed, so a version bump reaches the instance too.
 * The token is not an input: the Metadata carries the placeholder and the SSM parameter's name and version.
 */
export const CREATION_TIMEOUT = 'PT20M';

export const buildBastionBoot: BuildBastionBoot = (config: RunnerConfig, refs: BastionBootRefs): BastionBoot => {
  if (!/^[A-Za-z0-9]+$/.test(refs.instanceLogicalId)) {
    throw new OrchestratorError(
      'BASTION_REFS_INVALID',
      `"${refs.instanceLogicalId}" is not a CloudFormation logical id.`,
      'Pass the logical id of the manager instance (letters and digits only) as refs.instanceLogicalId.',
    );
  }
  if (holdsMarkerCharacters(JSON.stringify(config))) {
    throw new ConfigError(
      'The runner config holds Unicode private-use characters U+E000/U+E001.',
      'Remove them from the config (they are reserved for template rendering).',
    );
  }
  const vars = subVariables(refs);
  const text = (t: string): CfnValue => cfnText(t, vars);
  const init = {
    configSets: {
      setup: ['files', 'binaries', 'service', 'apply'],
      update: ['files', 'binaries', 'apply'],
    },
    files: {
      files: {
        [P.configTemplate]: file(text(configTemplate(config, refs)), '000600'),
        [P.envFile]: file(text(bootstrapEnvFile(config)), '000644'),
        [P.installBinaries]: file(INSTALL_BINARIES_SH, '000700'),
        [P.writeConfig]: file(WRITE_CONFIG_SH, '000700'),
        [P.logShipper]: file(LOG_SHIPPER_PY, '000700'),
        [P.logShipperService]: file(logShipperService(), '000644'),
        [P.logShipperTimer]: file(logShipperTimer(), '000644'),
        [P.runnerServiceDropIn]: file(text(runnerServiceDropIn(config)), '000644'),
        [P.cfnHupService]: file(cfnHupService(), '000644'),
        [P.cfnHupConf]: file(text(cfnHupConf()), '000400'),
        [P.cfnHupHook]: file(text(cfnAutoReloaderHook(refs.instanceLogicalId)), '000400'),
      },
      commands: { '10_systemd_daemon_reload': { command: 'systemctl daemon-reload' } },
    },
    binaries: { commands: binaryCommands(config) },
    service: {
      commands: {
        '10_runner_user': {
          command: `id -u ${P.runnerUser} >/dev/null 2>&1 || useradd --comment 'GitLab Runner' --create-home --home-dir ${P.runnerWorkingDirectory} --shell /bin/bash ${P.runnerUser}`,
        },
        // Creates (and enables) the unit without starting it: config.toml does not exist yet.
        '20_runner_service': {
          command: `test -f /etc/systemd/system/gitlab-runner.service || ${P.binDir}/gitlab-runner install --service gitlab-runner --user ${P.runnerUser} --working-directory ${P.runnerWorkingDirectory} --config ${P.configToml}`,
        },
        '30_log_shipper_timer': { command: 'systemctl enable --now gitlab-runner-log-shipper.timer' },
      },
      services: { systemd: { 'cfn-hup': { enabled: 'true', ensureRunning: 'true' } } },
    },
    apply: {
      // Reads the token from SSM, writes config.toml atomically (0600), restarts (= starts) gitlab-runner.
      commands: { '10_write_config_and_restart': { command: P.writeConfig } },
    },
  };
  return {
    metadata: { 'AWS::CloudFormation::Init': init },
    userData: { 'Fn::Base64': text(userDataScript(refs.instanceLogicalId)) },
    creationPolicy: { ResourceSignal: { Count: 1, Timeout: CREATION_TIMEOUT } },
  };
};

function subVariables(refs: BastionBootRefs): Record<string, CfnValue> {
  const vars: Record<string, CfnValue> = {
    CacheBucket: refs.cacheBucketName,
    LogBucket: refs.logBucketName,
    VpcId: refs.vpcId,
    RunnerSubnetId: refs.runnerSubnetId,
    RunnerZoneLetter: refs.runnerZoneLetter,
    RunnersSecurityGroupName: refs.runnersSecurityGroupName,
    RunnerInstanceProfileName: refs.runnerInstanceProfileName,
    TokenParameterVersion: refs.tokenParameterVersion,
  };
  if (refs.autoscalingGroupName !== undefined) vars.AutoscalingGroupName = refs.autoscalingGroupName;
  return vars;
}

function configTemplate(config: RunnerConfig, refs: BastionBootRefs): string {
  return renderConfigToml({
    config,
    values: {
      cacheBucketName: cfnVar('CacheBucket'),
      vpcId: cfnVar('VpcId'),
      runnerSubnetId: cfnVar('RunnerSubnetId'),
      runnerZoneLetter: cfnVar('RunnerZoneLetter'),
      runnersSecurityGroupName: cfnVar('RunnersSecurityGroupName'),
      runnerInstanceProfileName: cfnVar('RunnerInstanceProfileName'),
      ...(refs.autoscalingGroupName !== undefined ? { autoscalingGroupName: cfnVar('AutoscalingGroupName') } : {}),
    },
  });
}

/** cfn-init's `env` replaces the whole environment of a command, so PATH is always given. */
const COMMAND_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function binaryCommands(config: RunnerConfig): Record<string, CfnValue> {
  const env: Record<string, string> = {
    PATH: COMMAND_PATH,
    EXECUTOR: config.executor.type,
    RUNNER_VERSION: config.manager.gitlabRunner.version,
  };
  if (config.manager.gitlabRunner.sha256 !== undefined) env.RUNNER_SHA256 = config.manager.gitlabRunner.sha256;
  if (config.executor.type === 'docker+machine') {
    env.DOCKER_MACHINE_VERSION = config.executor.dockerMachine.version;
    if (config.executor.dockerMachine.sha256 !== undefined) {
      env.DOCKER_MACHINE_SHA256 = config.executor.dockerMachine.sha256;
    }
  }
  const commands: Record<string, CfnValue> = { '10_install_binaries': { command: P.installBinaries, env } };
  if (config.executor.type === 'docker-autoscaler') {
    // Resolves the plugin reference of the template (the token placeholder there does not matter).
    commands['20_fleeting_plugin'] = {
      command: `${P.binDir}/gitlab-runner fleeting --config ${P.configTemplate} install`,
      env: { PATH: COMMAND_PATH, HOME: '/root', FLEETING_PLUGIN_PATH: P.fleetingPluginDir },
    };
  }
  return commands;
}

function file(content: CfnValue, mode: string): CfnValue {
  return { content, mode, owner: 'root', group: 'root' };
}
