import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { GetInstanceProfileCommand, GetRoleCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetBucketEncryptionCommand, GetBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunnerConfig } from '../../functions/shared/config/index.js';
import { deployWithChangeSet } from '../../scripts/lib/change-set.js';
import { STACK_TAG_KEY } from '../../stack/runner/context.js';
import { buildRunnerTemplate, runnerStackParameters, runnerVariants } from '../../stack/runner/index.js';
import { useMoto } from '../support/moto.js';
import { loadExampleConfig, prepareVariant, stackResources, variantStackName } from '../support/runner-stack.js';
import { motoDeployBlocker } from './moto-gaps.js';

/**
 * Deploys every runner-stack variant moto can model through a CREATE change set, checks through the EC2/IAM/S3
 * APIs what moto models, then updates it through a change set. What moto does not model is listed, with the test
 * that covers it instead, in ./moto-gaps.ts.
 */
const deployable = runnerVariants().filter((v) => !motoDeployBlocker(v));
const POLL_MS = 100;

describe('runner stack on moto', () => {
  const moto = useMoto();
  let cfn: CloudFormationClient;
  let ec2: EC2Client;
  let iam: IAMClient;
  let s3: S3Client;
  let base: RunnerConfig;

  beforeAll(async () => {
    base = await loadExampleConfig();
    const config = moto.clientConfig(base.region);
    cfn = new CloudFormationClient(config);
    ec2 = new EC2Client(config);
    iam = new IAMClient(config);
    s3 = new S3Client(moto.s3ClientConfig(base.region));
    // The token parameter exists before any stack (the template knows only its name and version).
    const ssm = new SSMClient(config);
    await ssm.send(
      new PutParameterCommand({
        Name: base.gitlab.tokenParameterName,
        Value: 'glrt-integration-test-token-0000',
        Type: 'SecureString',
      }),
    );
    ssm.destroy();
  });

  afterAll(() => {
    for (const client of [cfn, ec2, iam, s3]) client?.destroy();
  });

  it('deploys at least one create-network and one existing-network variant', () => {
    // Assess: the gap list must not quietly empty this file
    expect(deployable.some((v) => v.network === 'create')).toBe(true);
    expect(deployable.some((v) => v.network === 'existing')).toBe(true);
  });

  describe.each(deployable.map((v) => [v.fileName, v] as const))('%s', (_name, variant) => {
    const stackName = variantStackName(variant);
    let config: RunnerConfig;
    let res: Record<string, string>;

    beforeAll(async () => {
      config = await prepareVariant(ec2, base, variant, stackName);
      const result = await deployWithChangeSet(cfn, {
        stackName,
        templateBody: JSON.stringify(buildRunnerTemplate(config)),
        parameters: runnerStackParameters(config, { tokenParameterVersion: 1 }),
        type: 'CREATE',
        pollIntervalMs: POLL_MS,
      });
      if (result.status !== 'CREATE_COMPLETE') throw new Error(`create ended in ${result.status}`);
      res = await stackResources(cfn, stackName);
    });

    const one = <T>(items: T[] | undefined, what: string): T => {
      if (items?.length !== 1) throw new Error(`expected exactly one ${what}, got ${items?.length ?? 0}`);
      return items[0] as T;
    };

    it('reaches CREATE_COMPLETE through the change set, with TokenParameterVersion 1', async () => {
      // Act
      const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
      // Assess
      const stack = one(Stacks, 'stack');
      expect(stack.StackStatus).toBe('CREATE_COMPLETE');
      expect(stack.Parameters).toContainEqual({ ParameterKey: 'TokenParameterVersion', ParameterValue: '1' });
    });

    it('puts the bastion and runner subnets, with their CIDRs, in the VPC', async () => {
      // Prepare: created network = the stack's resources; existing network = the ids of the config
      const n = config.network;
      const vpcId = n.mode === 'create' ? res.VPC : n.vpcId;
      const bastionId = n.mode === 'create' ? res.BastionSubnet : n.bastionSubnetId;
      const runnerId = n.mode === 'create' ? res.RunnerSubnet : n.runnerSubnetId;
      // Act
      const vpc = one((await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId as string] }))).Vpcs, 'VPC');
      const { Subnets = [] } = await ec2.send(
        new DescribeSubnetsCommand({ SubnetIds: [bastionId, runnerId] as string[] }),
      );
      const cidrOf = (id?: string) => Subnets.find((s) => s.SubnetId === id);
      // Assess
      if (n.mode === 'create') expect(vpc.CidrBlock).toBe(n.vpcCidr);
      expect(cidrOf(bastionId)).toMatchObject({ VpcId: vpcId, CidrBlock: n.bastionSubnetCidr });
      expect(cidrOf(runnerId)).toMatchObject({ VpcId: vpcId, CidrBlock: n.runnerSubnetCidr });
    });

    if (variant.network === 'create') {
      it('routes the bastion subnet to the internet gateway and the runner subnet to the NAT gateway', async () => {
        // Act
        const { RouteTables = [] } = await ec2.send(
          new DescribeRouteTablesCommand({
            RouteTableIds: [res.BastionSubnetRouteTable, res.RunnerSubnetRouteTable] as string[],
          }),
        );
        const defaultRoute = (id?: string) =>
          RouteTables.find((t) => t.RouteTableId === id)?.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0');
        // Assess
        expect(res.InternetGateway).toMatch(/^igw-/);
        expect(res.BastionSubnetNatGateway).toMatch(/^nat-/);
        expect(defaultRoute(res.BastionSubnetRouteTable)?.GatewayId).toBe(res.InternetGateway);
        expect(defaultRoute(res.RunnerSubnetRouteTable)?.NatGatewayId).toBe(res.BastionSubnetNatGateway);
      });
    }

    it('admits 22 and 2376 into the runners group from the bastion group only', async () => {
      // Act
      const { SecurityGroups = [] } = await ec2.send(
        new DescribeSecurityGroupsCommand({
          GroupIds: [res.BastionSecurityGroup, res.RunnersSecurityGroup] as string[],
        }),
      );
      const runners = SecurityGroups.find((g) => g.GroupId === res.RunnersSecurityGroup);
      const bastion = SecurityGroups.find((g) => g.GroupId === res.BastionSecurityGroup);
      const ingress = (runners?.IpPermissions ?? []).map((p) => ({
        port: [p.FromPort, p.ToPort],
        from: (p.UserIdGroupPairs ?? []).map((pair) => pair.GroupId),
        cidrs: [...(p.IpRanges ?? []), ...(p.Ipv6Ranges ?? [])].length,
      }));
      // Assess
      expect(runners?.GroupName).toBe(`${stackName}-runners`);
      expect(ingress.sort((a, b) => Number(a.port[0]) - Number(b.port[0]))).toEqual([
        { port: [22, 22], from: [res.BastionSecurityGroup], cidrs: 0 },
        { port: [2376, 2376], from: [res.BastionSecurityGroup], cidrs: 0 },
      ]);
      expect(bastion?.IpPermissions).toEqual([]);
      const vpcId = config.network.mode === 'create' ? res.VPC : config.network.vpcId;
      expect([runners?.VpcId, bastion?.VpcId]).toEqual([vpcId, vpcId]);
    });

    it("opens 443 on the GitLab server's group from the stack's Elastic IPs", async () => {
      // Act
      const gitlab = one(
        (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [config.gitlab.securityGroupId as string] })))
          .SecurityGroups,
        'GitLab security group',
      );
      const https = (gitlab.IpPermissions ?? []).filter((p) => p.FromPort === 443 && p.ToPort === 443);
      const sources = https.flatMap((p) => (p.IpRanges ?? []).map((r) => r.CidrIp)).sort();
      // Assess: the manager's EIP, and the NAT's when this stack creates the NAT
      const expected = [`${res.BastionEIP}/32`, ...(config.network.mode === 'create' ? [`${res.NatEIP}/32`] : [])];
      expect(sources).toEqual(expected.sort());
    });

    it('creates the manager and runner roles, each in its instance profile, the manager with its inline policies', async () => {
      // Act
      const managerProfile = await iam.send(
        new GetInstanceProfileCommand({ InstanceProfileName: res.BastionInstanceProfile }),
      );
      const runnerProfile = await iam.send(
        new GetInstanceProfileCommand({ InstanceProfileName: res.RunnerInstanceProfile }),
      );
      const runnerRole = await iam.send(new GetRoleCommand({ RoleName: res.RunnerRole }));
      const managerPolicies = await iam.send(new ListRolePoliciesCommand({ RoleName: res.BastionInstanceRole }));
      const runnerPolicies = await iam.send(new ListRolePoliciesCommand({ RoleName: res.RunnerRole }));
      // Assess
      expect(managerProfile.InstanceProfile?.Roles?.map((r) => r.RoleName)).toEqual([res.BastionInstanceRole]);
      expect(runnerProfile.InstanceProfile?.Roles?.map((r) => r.RoleName)).toEqual([res.RunnerRole]);
      expect(decodeURIComponent(runnerRole.Role?.AssumeRolePolicyDocument ?? '')).toContain('ec2.amazonaws.com');
      expect(managerPolicies.PolicyNames).toContain('runner-token');
      expect(runnerPolicies.PolicyNames).toEqual([]);
    });

    it.each(['CacheBucket', 'LogBucket'])('creates %s encrypted and tagged with the stack', async (id) => {
      // Act
      const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: res[id] }));
      const tagging = await s3.send(new GetBucketTaggingCommand({ Bucket: res[id] }));
      // Assess
      expect(res[id]).toBeDefined();
      const rule = encryption.ServerSideEncryptionConfiguration?.Rules?.[0];
      expect(rule?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
      expect(tagging.TagSet).toContainEqual({ Key: STACK_TAG_KEY, Value: stackName });
    });

    it('runs the manager in the bastion subnet with its instance profile', async () => {
      // Act
      const { Reservations } = await ec2.send(
        new DescribeInstancesCommand({ InstanceIds: [res.BastionInstance as string] }),
      );
      const instance = one(one(Reservations, 'reservation').Instances, 'instance');
      // Assess
      const bastionSubnet = config.network.mode === 'create' ? res.BastionSubnet : config.network.bastionSubnetId;
      expect(instance.State?.Name).toBe('running');
      expect(instance.SubnetId).toBe(bastionSubnet);
      expect(instance.InstanceType).toBe(config.manager.instanceType);
      expect(instance.IamInstanceProfile?.Arn).toMatch(new RegExp(`:instance-profile/${res.BastionInstanceProfile}$`));
      expect(instance.Tags).toContainEqual({ Key: STACK_TAG_KEY, Value: stackName });
    });

    if (variant.executor === 'docker-autoscaler') {
      it('gives the runner machines a launch template with their group, profile and IMDSv2 hop limit 2', async () => {
        // Act
        const { LaunchTemplateVersions } = await ec2.send(
          new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: res.RunnerLaunchTemplate }),
        );
        const data = one(LaunchTemplateVersions, 'launch template version').LaunchTemplateData;
        // Assess
        expect(res.RunnerAutoScalingGroup).toBeDefined();
        expect(data?.SecurityGroupIds).toEqual([res.RunnersSecurityGroup]);
        expect(data?.IamInstanceProfile?.Arn).toMatch(new RegExp(`:instance-profile/${res.RunnerInstanceProfile}$`));
        expect(data?.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
      });
    }

    it('updates through a change set (TokenParameterVersion 1 -> 2) to UPDATE_COMPLETE', async () => {
      // Act
      const result = await deployWithChangeSet(cfn, {
        stackName,
        templateBody: JSON.stringify(buildRunnerTemplate(config)),
        parameters: runnerStackParameters(config, { tokenParameterVersion: 2 }),
        type: 'UPDATE',
        pollIntervalMs: POLL_MS,
      });
      const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
      // Assess
      expect(result.status).toBe('UPDATE_COMPLETE');
      expect(one(Stacks, 'stack').Parameters).toContainEqual({
        ParameterKey: 'TokenParameterVersion',
        ParameterValue: '2',
      });
    });
  });
});
