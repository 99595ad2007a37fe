import { join } from 'node:path';
import { type CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { loadRunnerConfig, parseRunnerConfig, type RunnerConfig } from '../../functions/shared/config/index.js';
import { REPO_ROOT } from '../../scripts/lib/repo-root.js';
import { configForVariant, type RunnerVariant } from '../../stack/runner/index.js';

/** The committed example config, the base every variant is derived from. */
export const loadExampleConfig = (): Promise<RunnerConfig> => loadRunnerConfig(join(REPO_ROOT, 'runner.config.json'));

/** A short stack name per variant (moto derives bucket names from it; S3 allows 63 characters). */
export const variantStackName = (v: RunnerVariant): string =>
  `t-${v.executor === 'docker-machine' ? 'dm' : 'das'}-${v.network}-${v.ipv6 ? 'v6' : 'v4'}`;

/**
 * What must exist before a runner stack is deployed, created through the EC2 API the way a user has it:
 * the GitLab server's security group (for the allow-list rules) and, in network mode "existing", the VPC and the
 * two subnets with the variant's CIDRs. Returns the variant's config pointing at them.
 */
export async function prepareVariant(
  ec2: EC2Client,
  base: RunnerConfig,
  v: RunnerVariant,
  stackName: string,
): Promise<RunnerConfig> {
  const config = configForVariant(base, v);
  const gitlabSg = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `${stackName}-gitlab`,
      Description: 'Stands in for the GitLab server',
    }),
  );
  let network: unknown = config.network;
  if (config.network.mode === 'existing') {
    const n = config.network;
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '192.168.0.0/16' }));
    const subnet = (cidr: string) =>
      ec2.send(
        new CreateSubnetCommand({ VpcId: vpc.Vpc?.VpcId, CidrBlock: cidr, AvailabilityZone: n.availabilityZone }),
      );
    const bastion = await subnet(n.bastionSubnetCidr);
    const runner = await subnet(n.runnerSubnetCidr);
    network = {
      ...n,
      vpcId: vpc.Vpc?.VpcId,
      bastionSubnetId: bastion.Subnet?.SubnetId,
      runnerSubnetId: runner.Subnet?.SubnetId,
    };
  }
  return parseRunnerConfig(
    { ...config, stackName, network, gitlab: { ...config.gitlab, securityGroupId: gitlabSg.GroupId } },
    `test config ${stackName}`,
  );
}

/**
 * Logical id -> physical id of a stack's resources. Stacks created through a change set on moto have no Outputs
 * (test/integration/moto-gaps.ts), so tests find what they inspect here.
 */
export async function stackResources(cfn: CloudFormationClient, stackName: string): Promise<Record<string, string>> {
  const { StackResources = [] } = await cfn.send(new DescribeStackResourcesCommand({ StackName: stackName }));
  const map: Record<string, string> = {};
  for (const r of StackResources) {
    if (r.LogicalResourceId && r.PhysicalResourceId) map[r.LogicalResourceId] = r.PhysicalResourceId;
  }
  return map;
}
