/**
 * Where things live on the runner manager (Amazon Linux 2023). One place, so the cfn-init Metadata, the
 * UserData and the scripts agree; the scripts repeat these defaults and accept `GRO_*` overrides for tests.
 */
export const MANAGER_PATHS = {
  /** gitlab-runner's own config; written only by the config writer (never by cfn-init, which keeps `.bak` copies). */
  configToml: '/etc/gitlab-runner/config.toml',
  /** Rendered config.toml with the token placeholder (root, 0600). */
  configTemplate: '/etc/gitlab-runner-orchestrator/config.toml.tmpl',
  /** Non-secret settings: token parameter name and version, log bucket, stack, region, executor. */
  envFile: '/etc/gitlab-runner-orchestrator/bootstrap.env',
  installBinaries: '/usr/local/sbin/gitlab-runner-install-binaries',
  writeConfig: '/usr/local/sbin/gitlab-runner-write-config',
  logShipper: '/usr/local/sbin/gitlab-runner-log-shipper',
  logShipperService: '/etc/systemd/system/gitlab-runner-log-shipper.service',
  logShipperTimer: '/etc/systemd/system/gitlab-runner-log-shipper.timer',
  /** Drop-in for the unit that `gitlab-runner install` writes (HOME, AWS_REGION, fleeting plugin path). */
  runnerServiceDropIn: '/etc/systemd/system/gitlab-runner.service.d/10-orchestrator.conf',
  fleetingPluginDir: '/opt/gitlab-runner/fleeting-plugins',
  cfnHupConf: '/etc/cfn/cfn-hup.conf',
  /** Our own unit: some aws-cfn-bootstrap builds for AL2023 ship none (amazon-linux-2023 issue 728). */
  cfnHupService: '/etc/systemd/system/cfn-hup.service',
  cfnHupHook: '/etc/cfn/hooks.d/cfn-auto-reloader.conf',
  binDir: '/usr/local/bin',
  runnerUser: 'gitlab-runner',
  runnerWorkingDirectory: '/home/gitlab-runner',
} as const;

/** Replaced on the instance by the manager's own instance id (tag `gitlab-runner-parent-id` of its machines). */
export const PARENT_INSTANCE_ID_PLACEHOLDER = '__PARENT_INSTANCE_ID__';

/** Local Prometheus endpoint of gitlab-runner; only the log shipper reads it. */
export const METRICS_LISTEN_ADDRESS = '127.0.0.1:9252';
