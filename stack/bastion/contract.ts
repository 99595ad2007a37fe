import type { RunnerConfig } from '../../functions/shared/config/index.js';
import type { CfnValue } from '../shared/cfn.js';

/**
 * The contract between the runner-stack template builder (stack/runner) and what runs on the manager
 * (stack/bastion). The builder passes CloudFormation expressions for everything only known at deploy time;
 * stack/bastion turns them into `AWS::CloudFormation::Init` Metadata and UserData.
 *
 * The token never passes through here: only the SSM parameter's *name* and *version*.
 */
export interface BastionBootRefs {
  /** Logical id of the manager instance (cfn-init / cfn-signal / cfn-hup target). */
  instanceLogicalId: string;
  cacheBucketName: CfnValue;
  logBucketName: CfnValue;
  vpcId: CfnValue;
  runnerSubnetId: CfnValue;
  /** Zone letter of the runner subnet (`a`), for `amazonec2-zone`. */
  runnerZoneLetter: CfnValue;
  /** Name (not id) of the runners' security group, for `amazonec2-security-group`. */
  runnersSecurityGroupName: CfnValue;
  runnerInstanceProfileName: CfnValue;
  /** docker-autoscaler only: the Auto Scaling group the fleeting plugin drives. */
  autoscalingGroupName?: CfnValue;
  /** Version of the token's SSM parameter (a template parameter); a change re-runs cfn-init via cfn-hup. */
  tokenParameterVersion: CfnValue;
}

export interface BastionBoot {
  /** Goes to the instance's `Metadata` (holds `AWS::CloudFormation::Init`). */
  metadata: Record<string, CfnValue>;
  /** The instance's `UserData` (already Fn::Base64-wrapped). */
  userData: CfnValue;
  /** `CreationPolicy` for the instance (cfn-signal). */
  creationPolicy: Record<string, CfnValue>;
}

export type BuildBastionBoot = (config: RunnerConfig, refs: BastionBootRefs) => BastionBoot;

/** Placeholder written into the config.toml template; replaced on the instance by the token read from SSM. */
export const TOKEN_PLACEHOLDER = '__RUNNER_AUTH_TOKEN__';

/** Where the manager ships its logs (DESIGN.md section 5); the health check and await-stack read them. */
export const LOG_PREFIX = 'runner-logs';
