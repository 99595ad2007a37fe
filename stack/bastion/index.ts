/** What runs on the runner manager: config.toml renderer, cfn-init Metadata/UserData, scripts (DESIGN.md 4, 5). */
export {
  AUTOSCALER_SSH_USER,
  type ConfigTomlInput,
  type ConfigTomlValues,
  FLEETING_AWS_PLUGIN,
  MACHINE_PARENT_TAG_KEY,
  MACHINE_STACK_TAG_KEY,
  machineNamePrefix,
  renderConfigToml,
} from './config-toml.js';
export * from './contract.js';
export { buildBastionBoot, CREATION_TIMEOUT } from './init.js';
export { MANAGER_PATHS, METRICS_LISTEN_ADDRESS, PARENT_INSTANCE_ID_PLACEHOLDER } from './paths.js';
