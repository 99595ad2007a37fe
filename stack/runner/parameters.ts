import type { RunnerConfig } from '../../functions/shared/config/index.js';
import type { CfnParameter, CfnValue } from '../shared/cfn.js';

/** Condition under which the two GitLab allow-list rules exist (a GitLab security group id was given). */
export const ALLOW_LIST_CONDITION = 'AllowListGitLab';

const isSsmParameterPath = (imageId: string): boolean => !/^ami-[0-9a-f]+$/.test(imageId);

/** An AMI parameter: a literal id, or an SSM public parameter that CloudFormation resolves at deploy time. */
function imageParameter(imageId: string, what: string): CfnParameter {
  const fromSsm = isSsmParameterPath(imageId);
  return {
    Type: fromSsm ? 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>' : 'AWS::EC2::Image::Id',
    Default: imageId,
    Description: fromSsm ? `${what}: SSM parameter that holds the AMI id.` : `${what}: AMI id.`,
  };
}

/**
 * Template parameters. Their names are an interface (the deploy step and runnerStackParameters fill them).
 * The runner token is never one of them: the template only knows the SSM parameter's name and version.
 */
export function templateParameters(config: RunnerConfig): Record<string, CfnParameter> {
  const parameters: Record<string, CfnParameter> = {
    TokenParameterVersion: {
      Type: 'String',
      AllowedPattern: '^[0-9]+$',
      Default: '1',
      Description: `Version of the SSM parameter ${config.gitlab.tokenParameterName} (the runner token). A new version re-runs cfn-init on the manager, which reads the token from SSM and restarts gitlab-runner.`,
      ConstraintDescription: 'must be an SSM parameter version number such as 3',
    },
    GitLabSecurityGroupId: {
      Type: 'String',
      Default: config.gitlab.securityGroupId ?? '',
      AllowedPattern: '^(sg-[0-9a-f]{8,17})?$',
      Description:
        "The GitLab server's security group; 443 is allowed from the manager's and the NAT's Elastic IPs. Empty: no allow-list rules.",
      ConstraintDescription: 'must be empty or a security group id such as sg-0123456789abcdef0',
    },
    ManagerImageId: imageParameter(config.manager.imageId, 'Runner manager (bastion) image'),
  };
  if (config.executor.type === 'docker-autoscaler') {
    parameters.RunnerImageId = imageParameter(
      config.executor.imageId,
      'Runner machine image for the Auto Scaling group (Docker installed, SSH user in group docker)',
    );
  }
  if (config.network.mode === 'existing') {
    const n = config.network;
    parameters.VpcId = { Type: 'AWS::EC2::VPC::Id', Default: n.vpcId, Description: 'The existing VPC.' };
    parameters.BastionSubnetId = {
      Type: 'AWS::EC2::Subnet::Id',
      Default: n.bastionSubnetId,
      Description: `Public subnet for the runner manager (${n.bastionSubnetCidr}); needs a route to an internet gateway and MapPublicIpOnLaunch.`,
    };
    parameters.RunnerSubnetId = {
      Type: 'AWS::EC2::Subnet::Id',
      Default: n.runnerSubnetId,
      Description: `Private subnet for the runner machines (${n.runnerSubnetCidr}), in ${n.availabilityZone}, with a route to a NAT.`,
    };
  }
  return parameters;
}

export function templateConditions(): Record<string, CfnValue> {
  return {
    [ALLOW_LIST_CONDITION]: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'GitLabSecurityGroupId' }, ''] }] },
  };
}

/** Parameter values for a create/update of the runner stack, in template order. */
export function runnerStackParameters(
  config: RunnerConfig,
  opts: { tokenParameterVersion: number },
): { ParameterKey: string; ParameterValue: string }[] {
  if (!Number.isInteger(opts.tokenParameterVersion) || opts.tokenParameterVersion < 1) {
    throw new RangeError(
      `tokenParameterVersion must be a positive integer (an SSM parameter version), got ${opts.tokenParameterVersion}`,
    );
  }
  const values: Record<string, string> = {
    TokenParameterVersion: String(opts.tokenParameterVersion),
    GitLabSecurityGroupId: config.gitlab.securityGroupId ?? '',
    ManagerImageId: config.manager.imageId,
  };
  if (config.executor.type === 'docker-autoscaler') values.RunnerImageId = config.executor.imageId;
  if (config.network.mode === 'existing') {
    values.VpcId = config.network.vpcId;
    values.BastionSubnetId = config.network.bastionSubnetId;
    values.RunnerSubnetId = config.network.runnerSubnetId;
  }
  return Object.keys(templateParameters(config)).map((key) => {
    const value = values[key];
    if (value === undefined) throw new Error(`runnerStackParameters has no value for template parameter ${key}`);
    return { ParameterKey: key, ParameterValue: value };
  });
}
