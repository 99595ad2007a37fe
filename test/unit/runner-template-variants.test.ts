// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here is CloudFormation Fn::Sub syntax, not a JS template.
import { describe, expect, it } from '@jest/globals';
import {
  buildRunnerTemplate,
  composeRunnerTemplate,
  configForVariant,
  runnerVariants,
} from '../../stack/runner/index.js';
import {
  autoscalerExecutor,
  baseInput,
  configOf,
  existingNetwork,
  recordingBoot,
  resource,
  variantTemplates,
} from './runner-template-support.js';

/** Resource types whose CloudFormation schema has `Tags` (checked against cfn-lint's schemas). */
const TAGGED_TYPES = [
  'AWS::EC2::VPC',
  'AWS::EC2::InternetGateway',
  'AWS::EC2::EgressOnlyInternetGateway',
  'AWS::EC2::EIP',
  'AWS::EC2::Subnet',
  'AWS::EC2::NatGateway',
  'AWS::EC2::RouteTable',
  'AWS::EC2::NetworkAcl',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::Instance',
  'AWS::IAM::Role',
  'AWS::S3::Bucket',
  'AWS::AutoScaling::AutoScalingGroup',
];

describe('runner template variants', () => {
  it('lists the 8 variants with their file names', () => {
    // Act
    const names = runnerVariants().map((v) => v.fileName);
    // Assess
    expect(names).toEqual([
      'runner-docker-machine-create-ipv6.json',
      'runner-docker-machine-create-ipv4.json',
      'runner-docker-machine-existing-ipv6.json',
      'runner-docker-machine-existing-ipv4.json',
      'runner-docker-autoscaler-create-ipv6.json',
      'runner-docker-autoscaler-create-ipv4.json',
      'runner-docker-autoscaler-existing-ipv6.json',
      'runner-docker-autoscaler-existing-ipv4.json',
    ]);
  });

  it('turns the base config into each variant, and every variant builds', () => {
    for (const variant of runnerVariants()) {
      // Act
      const config = configForVariant(configOf(), variant);
      const template = buildRunnerTemplate(config);
      // Assess
      expect(config.executor.type).toBe(variant.executor === 'docker-machine' ? 'docker+machine' : 'docker-autoscaler');
      expect(config.network.mode).toBe(variant.network);
      expect(config.network.ipv6).toBe(variant.ipv6);
      expect(template.Resources).toHaveProperty('BastionInstance');
      expect(template.Resources).toHaveProperty('RunnersSecurityGroup');
    }
  });

  it('fills example ids when an existing-network variant comes from a create config, keeping the subnet CIDRs', () => {
    // Prepare
    const variant = runnerVariants().find((v) => v.network === 'existing' && v.ipv6);
    if (!variant) throw new Error('variant missing');
    // Act
    const config = configForVariant(configOf(), variant);
    // Assess
    expect(config.network).toEqual({
      mode: 'existing',
      vpcId: 'vpc-0123456789abcdef0',
      bastionSubnetId: 'subnet-0123456789abcdef0',
      runnerSubnetId: 'subnet-0123456789abcdef1',
      availabilityZone: 'eu-west-1a',
      bastionSubnetCidr: '192.168.0.0/27',
      runnerSubnetCidr: '192.168.1.0/24',
      ipv6: true,
    });
  });

  it('keeps an existing network as configured, and carries instance type and size across executors', () => {
    // Prepare
    const base = configOf({ network: existingNetwork, executor: { ...autoscalerExecutor, instanceType: 'm5.large' } });
    const machineVariant = runnerVariants().find((v) => v.executor === 'docker-machine' && v.network === 'existing');
    if (!machineVariant) throw new Error('variant missing');
    // Act
    const config = configForVariant(base, machineVariant);
    // Assess
    expect(config.network).toMatchObject({ vpcId: existingNetwork.vpcId, availabilityZone: 'eu-west-1b' });
    expect(config.executor).toMatchObject({
      type: 'docker+machine',
      instanceType: 'm5.large',
      rootSizeGiB: 40,
      limit: 7,
    });
  });

  it('is deterministic: the same config gives byte-identical JSON, whatever the order of the tags', () => {
    // Prepare
    const a = configOf({ tags: { team: 'platform', cost: 'ci' } });
    const b = configOf({ tags: { cost: 'ci', team: 'platform' } });
    for (const variant of runnerVariants()) {
      // Act
      const first = JSON.stringify(buildRunnerTemplate(configForVariant(a, variant)));
      const second = JSON.stringify(buildRunnerTemplate(configForVariant(b, variant)));
      // Assess
      expect(second).toBe(first);
    }
  });

  it('tags every taggable resource with Name, the stack tag and the config tags', () => {
    for (const { variant, template } of variantTemplates()) {
      // Prepare
      const tagged = Object.entries(template.Resources).filter(([, r]) => TAGGED_TYPES.includes(r.Type));
      // Act
      const missing = tagged.filter(([, r]) => {
        const keys = ((r.Properties?.Tags ?? []) as { Key: string }[]).map((t) => t.Key);
        return !['Name', 'gitlab-runner-orchestrator:stack', 'team'].every((k) => keys.includes(k));
      });
      // Assess
      expect(tagged.length).toBeGreaterThan(5);
      expect({ variant: variant.fileName, missing: missing.map(([id]) => id) }).toEqual({
        variant: variant.fileName,
        missing: [],
      });
    }
  });

  it('names resources after the stack and tags the autoscaler launch template and its machines', () => {
    // Act
    const template = buildRunnerTemplate(configOf({ executor: autoscalerExecutor }));
    const lt = resource(template, 'RunnerLaunchTemplate').Properties;
    const tags = (resource(template, 'BastionInstance').Properties?.Tags ?? []) as { Key: string; Value: unknown }[];
    const name = tags.find((t) => t.Key === 'Name');
    // Assess
    expect(name?.Value).toEqual({ 'Fn::Sub': '${AWS::StackName}-bastion' });
    expect(lt?.TagSpecifications[0].Tags).toContainEqual({
      Key: 'gitlab-runner-orchestrator:stack',
      Value: { Ref: 'AWS::StackName' },
    });
    expect(lt?.LaunchTemplateData.TagSpecifications[0].Tags).toContainEqual({ Key: 'team', Value: 'platform' });
  });
});

describe('runner template manager instance', () => {
  it("puts the bastion builder's Metadata, UserData and CreationPolicy on BastionInstance", () => {
    // Prepare
    const boot = recordingBoot();
    // Act
    const instance = resource(composeRunnerTemplate(configOf(), boot.build), 'BastionInstance');
    // Assess
    expect(instance.Metadata).toEqual({
      'AWS::CloudFormation::Init': { config: { commands: { marker: { command: 'true' } } } },
    });
    expect(instance.Properties?.UserData).toEqual({ 'Fn::Base64': 'user-data-marker' });
    expect(instance.CreationPolicy).toEqual({ ResourceSignal: { Count: 1, Timeout: 'PT5M' } });
  });

  it("hands the bastion builder the stack's refs, of the token only its parameter's version", () => {
    // Prepare
    const boot = recordingBoot();
    // Act
    composeRunnerTemplate(configOf(), boot.build);
    composeRunnerTemplate(configOf({ network: existingNetwork, executor: autoscalerExecutor }), boot.build);
    // Assess
    const [created, existing] = boot.refs;
    expect(created).toEqual({
      instanceLogicalId: 'BastionInstance',
      cacheBucketName: { Ref: 'CacheBucket' },
      logBucketName: { Ref: 'LogBucket' },
      vpcId: { Ref: 'VPC' },
      runnerSubnetId: { Ref: 'RunnerSubnet' },
      runnerZoneLetter: {
        'Fn::Select': [1, { 'Fn::Split': ['eu-west-1', { 'Fn::GetAtt': ['RunnerSubnet', 'AvailabilityZone'] }] }],
      },
      runnersSecurityGroupName: { 'Fn::Sub': '${AWS::StackName}-runners' },
      runnerInstanceProfileName: { Ref: 'RunnerInstanceProfile' },
      tokenParameterVersion: { Ref: 'TokenParameterVersion' },
    });
    expect(existing).toMatchObject({
      vpcId: { Ref: 'VpcId' },
      runnerSubnetId: { Ref: 'RunnerSubnetId' },
      runnerZoneLetter: 'b',
      autoscalingGroupName: { Ref: 'RunnerAutoScalingGroup' },
    });
  });

  it('boots from ManagerImageId in the bastion subnet with its profile and group; a key pair only when configured', () => {
    // Prepare
    const withKey = buildRunnerTemplate(configOf({ manager: { keyPairName: 'ops' } }));
    // Act
    const plain = resource(buildRunnerTemplate(configOf()), 'BastionInstance').Properties;
    const keyed = resource(withKey, 'BastionInstance').Properties;
    // Assess
    expect(plain).toMatchObject({
      ImageId: { Ref: 'ManagerImageId' },
      InstanceType: 't3.micro',
      IamInstanceProfile: { Ref: 'BastionInstanceProfile' },
      SubnetId: { Ref: 'BastionSubnet' },
      SecurityGroupIds: [{ 'Fn::GetAtt': ['BastionSecurityGroup', 'GroupId'] }],
    });
    expect(plain).not.toHaveProperty('KeyName');
    expect(keyed?.KeyName).toBe('ops');
  });

  it('starts the manager only once routes and ACLs of both subnets are in place', () => {
    // Act
    const dependsOn = resource(buildRunnerTemplate(configOf()), 'BastionInstance').DependsOn;
    // Assess
    expect(dependsOn).toEqual(
      expect.arrayContaining([
        'BastionSubnetRouteV4',
        'BastionSubnetAclAssociation',
        'RunnerSubnetRouteV4',
        'RunnerSubnetAclAssociation',
      ]),
    );
  });
});

describe('runner template outputs', () => {
  it('reports the addresses, buckets, network and manager, and the IPv6 allow-list note only with IPv6', () => {
    // Prepare
    const ipv4 = buildRunnerTemplate(configOf({ network: { mode: 'create', ipv6: false } }));
    // Act
    const withV6 = Object.keys(buildRunnerTemplate(configOf()).Outputs ?? {});
    const withoutV6 = Object.keys(ipv4.Outputs ?? {});
    // Assess
    const always = [
      'BastionPublicIp',
      'NatPublicIp',
      'CacheBucketName',
      'LogBucketName',
      'VpcId',
      'RunnerSubnetId',
      'BastionInstanceId',
      'RunnersSecurityGroupId',
    ];
    expect(withV6).toEqual([...always, 'GitLabAllowListNote']);
    expect(withoutV6).toEqual(always);
  });

  it('says in the note that IPv6 traffic bypasses the NAT EIP and names the runner subnet IPv6 CIDR', () => {
    // Act
    const note = buildRunnerTemplate(configOf()).Outputs?.GitLabAllowListNote?.Value;
    // Assess
    const text = JSON.stringify(note);
    expect(text).toMatch(/bypassing the NAT Elastic IP/);
    expect(text).toMatch(/IPv4-only/);
    expect(note['Fn::Join'][1]).toContainEqual({
      'Fn::Select': [0, { 'Fn::GetAtt': ['RunnerSubnet', 'Ipv6CidrBlocks'] }],
    });
  });

  it("has no NAT output in existing mode (the NAT is the user's)", () => {
    // Act
    const outputs = buildRunnerTemplate(configOf({ network: existingNetwork })).Outputs ?? {};
    // Assess
    expect(outputs).not.toHaveProperty('NatPublicIp');
    expect(outputs.VpcId?.Value).toEqual({ Ref: 'VpcId' });
  });
});

describe('runner template description', () => {
  it('names stack, executor and network', () => {
    // Act
    const description = buildRunnerTemplate(configOf()).Description;
    // Assess
    expect(description).toContain(baseInput.stackName);
    expect(description).toContain('docker+machine');
  });
});
