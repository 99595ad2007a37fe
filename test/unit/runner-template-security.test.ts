// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here is CloudFormation Fn::Sub syntax, not a JS template.
import { describe, expect, it } from '@jest/globals';
import { buildRunnerTemplate, runnerStackParameters } from '../../stack/runner/index.js';
import type { CfnTemplate, CfnValue } from '../../stack/shared/cfn.js';
import {
  autoscalerExecutor,
  configOf,
  existingNetwork,
  resource,
  resourcesOfType,
  variantTemplates,
} from './runner-template-support.js';

const fromBastionSg = { 'Fn::GetAtt': ['BastionSecurityGroup', 'GroupId'] };

/** Every inbound rule of the template: inline SG rules and SecurityGroupIngress resources, as [where, rule]. */
function ingressRules(template: CfnTemplate): [string, CfnValue][] {
  const inline = resourcesOfType(template, 'AWS::EC2::SecurityGroup').flatMap(([id, r]) =>
    ((r.Properties?.SecurityGroupIngress ?? []) as CfnValue[]).map((rule): [string, CfnValue] => [id, rule]),
  );
  const separate = resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress').map(([id, r]): [string, CfnValue] => [
    id,
    r.Properties,
  ]);
  return [...inline, ...separate];
}

const reaches = (rule: CfnValue, port: number) =>
  String(rule.IpProtocol) === '-1' ||
  (rule.FromPort === undefined && rule.Protocol === -1) ||
  ((rule.FromPort ?? rule.PortRange?.From) <= port && port <= (rule.ToPort ?? rule.PortRange?.To));

describe('runner template security groups', () => {
  const template = buildRunnerTemplate(configOf());

  it('admits exactly SSH and Docker TLS into the runner machines, both from the manager security group only', () => {
    // Act
    const rules = resource(template, 'RunnersSecurityGroup').Properties?.SecurityGroupIngress as CfnValue[];
    // Assess
    expect(rules.map(({ Description, ...rule }) => rule)).toEqual([
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, SourceSecurityGroupId: fromBastionSg },
      { IpProtocol: 'tcp', FromPort: 2376, ToPort: 2376, SourceSecurityGroupId: fromBastionSg },
    ]);
  });

  it('gives the runners security group the explicit name docker-machine is told', () => {
    // Act
    const name = resource(template, 'RunnersSecurityGroup').Properties?.GroupName;
    // Assess
    expect(name).toEqual({ 'Fn::Sub': '${AWS::StackName}-runners' });
  });

  it('admits nothing into the manager (Session Manager instead of SSH)', () => {
    // Act
    const bastion = resource(template, 'BastionSecurityGroup').Properties;
    const separateRules = resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress').filter(
      ([, r]) => r.Properties?.GroupId?.Ref !== 'GitLabSecurityGroupId',
    );
    // Assess
    expect(bastion?.SecurityGroupIngress).toBeUndefined();
    expect(separateRules).toEqual([]);
  });

  it('lets both groups out to all IPv4, and to all IPv6 only when IPv6 is on', () => {
    // Prepare
    const ipv4Only = buildRunnerTemplate(configOf({ network: { mode: 'create', ipv6: false } }));
    for (const group of ['BastionSecurityGroup', 'RunnersSecurityGroup']) {
      // Act
      const on = resource(template, group).Properties?.SecurityGroupEgress as CfnValue[];
      const off = resource(ipv4Only, group).Properties?.SecurityGroupEgress as CfnValue[];
      // Assess
      expect(on).toEqual([
        expect.objectContaining({ IpProtocol: '-1', CidrIp: '0.0.0.0/0' }),
        expect.objectContaining({ IpProtocol: '-1', CidrIpv6: '::/0' }),
      ]);
      expect(off).toEqual([expect.objectContaining({ IpProtocol: '-1', CidrIp: '0.0.0.0/0' })]);
    }
  });

  it('no variant admits port 22 from 0.0.0.0/0 or ::/0, in a security group or an ACL allow', () => {
    for (const { variant, template: t } of variantTemplates()) {
      // Act
      const sgOpen = ingressRules(t).filter(
        ([, rule]) => (rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0') && reaches(rule, 22),
      );
      const aclOpen = resourcesOfType(t, 'AWS::EC2::NetworkAclEntry')
        .map(([id, r]) => [id, r.Properties] as [string, CfnValue])
        .filter(
          ([, e]) =>
            !e.Egress &&
            e.RuleAction === 'allow' &&
            (e.CidrBlock === '0.0.0.0/0' || e.Ipv6CidrBlock === '::/0') &&
            reaches(e, 22),
        );
      // Assess
      expect({ variant: variant.fileName, open: [...sgOpen, ...aclOpen].map(([id]) => id) }).toEqual({
        variant: variant.fileName,
        open: [],
      });
    }
  });
});

describe('runner template IMDSv2', () => {
  it('requires tokens on the manager instance', () => {
    // Act
    const options = resource(buildRunnerTemplate(configOf()), 'BastionInstance').Properties?.MetadataOptions;
    // Assess
    expect(options).toMatchObject({ HttpTokens: 'required', HttpEndpoint: 'enabled' });
  });

  it('requires tokens with hop limit 2 on the autoscaler machines (containers are one hop further)', () => {
    // Prepare
    const template = buildRunnerTemplate(configOf({ executor: autoscalerExecutor }));
    // Act
    const data = resource(template, 'RunnerLaunchTemplate').Properties?.LaunchTemplateData;
    // Assess
    expect(data.MetadataOptions).toEqual({
      HttpEndpoint: 'enabled',
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 2,
    });
  });

  it('encrypts the manager root volume', () => {
    // Act
    const mappings = resource(buildRunnerTemplate(configOf()), 'BastionInstance').Properties?.BlockDeviceMappings;
    // Assess
    expect(mappings).toEqual([expect.objectContaining({ Ebs: expect.objectContaining({ Encrypted: true }) })]);
  });
});

describe('runner template GitLab allow-list', () => {
  it('defines the AllowListGitLab condition on a non-empty GitLabSecurityGroupId', () => {
    // Act
    const template = buildRunnerTemplate(configOf());
    // Assess
    expect(template.Conditions?.AllowListGitLab).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'GitLabSecurityGroupId' }, ''] }],
    });
    expect(template.Parameters?.GitLabSecurityGroupId).toMatchObject({
      Type: 'String',
      Default: 'sg-0123456789abcdef0',
    });
  });

  it('opens 443 on the GitLab group from both EIPs /32, each rule under the condition', () => {
    // Act
    const template = buildRunnerTemplate(configOf());
    const rules = ['AllowIngressFromGitLabRunnerBastion', 'AllowIngressFromGitLabRunnerNat'].map((id) =>
      resource(template, id),
    );
    // Assess
    expect(rules.map((r) => r.Condition)).toEqual(['AllowListGitLab', 'AllowListGitLab']);
    expect(rules.map((r) => r.Properties)).toEqual([
      expect.objectContaining({
        GroupId: { Ref: 'GitLabSecurityGroupId' },
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        CidrIp: { 'Fn::Sub': '${BastionEIP}/32' },
      }),
      expect.objectContaining({ FromPort: 443, ToPort: 443, CidrIp: { 'Fn::Sub': '${NatEIP}/32' } }),
    ]);
  });

  it('every SecurityGroupIngress on the GitLab group carries the condition, in every variant', () => {
    for (const { template } of variantTemplates()) {
      // Act
      const rules = resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress');
      // Assess
      expect(rules.length).toBeGreaterThan(0);
      expect(rules.map(([, r]) => r.Condition)).toEqual(rules.map(() => 'AllowListGitLab'));
    }
  });

  it('defaults GitLabSecurityGroupId to empty (rules off) when the config names no GitLab group', () => {
    // Prepare
    const config = configOf({ gitlab: { url: 'https://gitlab.example.com', tokenParameterName: '/t' } });
    // Act
    const template = buildRunnerTemplate(config);
    // Assess
    expect(template.Parameters?.GitLabSecurityGroupId?.Default).toBe('');
  });

  it('in existing mode allow-lists the NAT only when its public IP is configured', () => {
    // Prepare
    const without = buildRunnerTemplate(configOf({ network: existingNetwork }));
    const withNat = buildRunnerTemplate(configOf({ network: { ...existingNetwork, natPublicIp: '203.0.113.7' } }));
    // Act
    const natRule = withNat.Resources.AllowIngressFromGitLabRunnerNat;
    // Assess
    expect(without.Resources.AllowIngressFromGitLabRunnerNat).toBeUndefined();
    expect(without.Resources.AllowIngressFromGitLabRunnerBastion?.Condition).toBe('AllowListGitLab');
    expect(natRule?.Condition).toBe('AllowListGitLab');
    expect(natRule?.Properties?.CidrIp).toBe('203.0.113.7/32');
  });
});

describe('runner template token handling', () => {
  it('has exactly the documented parameters: the token is never one, only its SSM version', () => {
    // Act
    const create = Object.keys(buildRunnerTemplate(configOf()).Parameters ?? {});
    const existingAutoscaler = Object.keys(
      buildRunnerTemplate(configOf({ network: existingNetwork, executor: autoscalerExecutor })).Parameters ?? {},
    );
    // Assess
    expect(create).toEqual(['TokenParameterVersion', 'GitLabSecurityGroupId', 'ManagerImageId']);
    expect(existingAutoscaler).toEqual([
      'TokenParameterVersion',
      'GitLabSecurityGroupId',
      'ManagerImageId',
      'RunnerImageId',
      'VpcId',
      'BastionSubnetId',
      'RunnerSubnetId',
    ]);
  });

  it('declares TokenParameterVersion as a number string defaulting to 1', () => {
    // Act
    const parameter = buildRunnerTemplate(configOf()).Parameters?.TokenParameterVersion;
    // Assess
    expect(parameter).toMatchObject({ Type: 'String', AllowedPattern: '^[0-9]+$', Default: '1' });
  });

  it('reads AMIs from SSM when the config gives a parameter path, else takes the id', () => {
    // Prepare
    const withAmi = configOf({ manager: { imageId: 'ami-0123456789abcdef0' }, executor: autoscalerExecutor });
    // Act
    const ssm = buildRunnerTemplate(configOf({ executor: autoscalerExecutor })).Parameters;
    const ami = buildRunnerTemplate(withAmi).Parameters;
    // Assess
    expect(ssm?.ManagerImageId?.Type).toBe('AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>');
    expect(ssm?.RunnerImageId).toMatchObject({
      Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      Default: '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
    });
    expect(ami?.ManagerImageId).toMatchObject({ Type: 'AWS::EC2::Image::Id', Default: 'ami-0123456789abcdef0' });
  });

  it('runnerStackParameters fills every template parameter, in template order', () => {
    // Prepare
    const config = configOf({ network: existingNetwork, executor: autoscalerExecutor });
    // Act
    const parameters = runnerStackParameters(config, { tokenParameterVersion: 12 });
    // Assess
    expect(parameters).toEqual([
      { ParameterKey: 'TokenParameterVersion', ParameterValue: '12' },
      { ParameterKey: 'GitLabSecurityGroupId', ParameterValue: 'sg-0123456789abcdef0' },
      {
        ParameterKey: 'ManagerImageId',
        ParameterValue: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      },
      {
        ParameterKey: 'RunnerImageId',
        ParameterValue: '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
      },
      { ParameterKey: 'VpcId', ParameterValue: existingNetwork.vpcId },
      { ParameterKey: 'BastionSubnetId', ParameterValue: existingNetwork.bastionSubnetId },
      { ParameterKey: 'RunnerSubnetId', ParameterValue: existingNetwork.runnerSubnetId },
    ]);
  });

  it('runnerStackParameters refuses a version that is not a positive integer', () => {
    // Act
    const bad = () => runnerStackParameters(configOf(), { tokenParameterVersion: 0 });
    // Assess
    expect(bad).toThrow(/positive integer/);
  });
});
