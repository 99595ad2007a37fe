import type { RunnerConfig } from '../../functions/shared/config/index.js';
import { cfnVar } from './cfn-text.js';
import { LOG_PREFIX } from './contract.js';
import { MANAGER_PATHS as P } from './paths.js';

/**
 * Texts of the small files cfn-init writes on the manager, with cfnVar markers for deploy-time values.
 * None of them holds a secret: the token parameter's name and version are not the token.
 */

/** Non-secret settings read by the config writer (token parameter) and the log shipper (bucket, stack). */
export function bootstrapEnvFile(config: RunnerConfig): string {
  return [
    '# Non-secret settings of the gitlab-runner manager, written by cfn-init. The runner token is only in SSM;',
    '# TOKEN_PARAMETER_VERSION changes the stack Metadata when the token changes, so cfn-hup re-runs the writer.',
    `TOKEN_PARAMETER_NAME=${config.gitlab.tokenParameterName}`,
    `TOKEN_PARAMETER_VERSION=${cfnVar('TokenParameterVersion')}`,
    `STACK_NAME=${cfnVar('AWS::StackName')}`,
    `LOG_BUCKET=${cfnVar('LogBucket')}`,
    `LOG_PREFIX=${LOG_PREFIX}`,
    `AWS_REGION=${cfnVar('AWS::Region')}`,
    `EXECUTOR=${config.executor.type}`,
    '',
  ].join('\n');
}

export function cfnHupConf(): string {
  return ['[main]', `stack=${cfnVar('AWS::StackId')}`, `region=${cfnVar('AWS::Region')}`, 'interval=1', ''].join('\n');
}

/** cfn-hup stays in the foreground under systemd (python-daemon does not detach from init). */
export function cfnHupService(): string {
  return [
    '[Unit]',
    'Description=cfn-hup daemon (re-runs cfn-init when the stack Metadata changes)',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    'ExecStart=/opt/aws/bin/cfn-hup',
    'Restart=always',
    'RestartSec=10',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** cfn-hup runs the `update` configSet whenever the instance's cfn-init Metadata changes. */
export function cfnAutoReloaderHook(instanceLogicalId: string): string {
  return [
    '[cfn-auto-reloader-hook]',
    'triggers=post.update',
    `path=Resources.${instanceLogicalId}.Metadata.AWS::CloudFormation::Init`,
    `action=${cfnInitCommand(instanceLogicalId, 'update')}`,
    'runas=root',
    '',
  ].join('\n');
}

export function cfnInitCommand(instanceLogicalId: string, configSet: 'setup' | 'update'): string {
  return `/opt/aws/bin/cfn-init -v --stack ${cfnVar('AWS::StackName')} --resource ${instanceLogicalId} --configsets ${configSet} --region ${cfnVar('AWS::Region')}`;
}

/** Environment of the unit `gitlab-runner install` writes (that unit itself is left as the runner makes it). */
export function runnerServiceDropIn(config: RunnerConfig): string {
  const lines = [
    '[Service]',
    // docker-machine keeps its machines under $HOME/.docker/machine of the (root) runner process.
    'Environment=HOME=/root',
    `Environment=AWS_REGION=${cfnVar('AWS::Region')}`,
  ];
  if (config.executor.type === 'docker-autoscaler')
    lines.push(`Environment=FLEETING_PLUGIN_PATH=${P.fleetingPluginDir}`);
  return `${lines.join('\n')}\n`;
}

export function logShipperService(): string {
  return [
    '[Unit]',
    'Description=Ship gitlab-runner and cfn-init logs and a metrics snapshot to S3 (gitlab-runner-orchestrator)',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    `EnvironmentFile=-${P.envFile}`,
    `ExecStart=/usr/bin/python3 ${P.logShipper}`,
    'TimeoutStartSec=5min',
    'Nice=10',
    '',
  ].join('\n');
}

export function logShipperTimer(): string {
  return [
    '[Unit]',
    'Description=Run the gitlab-runner log shipper every minute',
    '',
    '[Timer]',
    'OnCalendar=minutely',
    'AccuracySec=1s',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
}
