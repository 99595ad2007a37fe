import { describe, expect, it } from '@jest/globals';
import { buildRunnerTemplate } from '../../stack/runner/index.js';
import type { CfnTemplate, CfnValue } from '../../stack/shared/cfn.js';
import { configOf, existingNetwork, resource, resourcesOfType, variantTemplates } from './runner-template-support.js';

/** Properties of the entries of one network ACL. */
function aclEntries(template: CfnTemplate, acl: string): Record<string, CfnValue>[] {
  return resourcesOfType(template, 'AWS::EC2::NetworkAclEntry')
    .map(([, r]) => r.Properties as Record<string, CfnValue>)
    .filter((p) => p.NetworkAclId?.Ref === acl);
}

const inbound = (entries: Record<string, CfnValue>[]) => entries.filter((e) => e.Egress === false);
const covers = (e: Record<string, CfnValue>, port: number) =>
  e.Protocol === -1 || (e.PortRange && e.PortRange.From <= port && port <= e.PortRange.To);
/**
 * The entry that decides inbound TCP on `port` for a packet whose source matches the given CIDRs (a packet from the
 * bastion subnet matches the bastion CIDR and 0.0.0.0/0): the lowest rule number among the matching entries.
 */
function decidingEntry(entries: Record<string, CfnValue>[], port: number, matchingCidrs: CfnValue[]) {
  const key = (v: CfnValue) => JSON.stringify(v);
  const cidrs = new Set(matchingCidrs.map(key));
  const matching = inbound(entries)
    .filter((e) => e.Protocol === 6 || e.Protocol === -1)
    .filter((e) => covers(e, port))
    .filter((e) => cidrs.has(key(e.CidrBlock ?? e.Ipv6CidrBlock)));
  return matching.sort((a, b) => a.RuleNumber - b.RuleNumber)[0];
}

describe('runner template network (create mode)', () => {
  const ipv6 = buildRunnerTemplate(configOf());
  const ipv4 = buildRunnerTemplate(configOf({ network: { mode: 'create', ipv6: false } }));

  it.each(['BastionSubnetAcl', 'RunnerSubnetAcl'])(
    '%s admits return traffic on 1024-65535 TCP and UDP, v4 and v6',
    (acl) => {
      // Act
      const entries = inbound(aclEntries(ipv6, acl));
      // Assess
      for (const [protocol, source] of [
        [6, { CidrBlock: '0.0.0.0/0' }],
        [17, { CidrBlock: '0.0.0.0/0' }],
        [6, { Ipv6CidrBlock: '::/0' }],
        [17, { Ipv6CidrBlock: '::/0' }],
      ] as const) {
        expect(entries).toContainEqual(
          expect.objectContaining({
            Protocol: protocol,
            RuleAction: 'allow',
            PortRange: { From: 1024, To: 65535 },
            ...source,
          }),
        );
      }
    },
  );

  it.each(['BastionSubnetAcl', 'RunnerSubnetAcl'])(
    '%s has no IPv6 entries when IPv6 is off, but keeps the v4 ones',
    (acl) => {
      // Act
      const entries = aclEntries(ipv4, acl);
      // Assess
      expect(entries.filter((e) => 'Ipv6CidrBlock' in e)).toEqual([]);
      expect(inbound(entries)).toContainEqual(
        expect.objectContaining({ Protocol: 6, CidrBlock: '0.0.0.0/0', PortRange: { From: 1024, To: 65535 } }),
      );
    },
  );

  it('admits SSH and Docker TLS to the runner subnet only from the bastion subnet; 2376 from elsewhere is denied first', () => {
    // Prepare
    const entries = aclEntries(ipv6, 'RunnerSubnetAcl');
    const bastionV6 = { 'Fn::Select': [0, { 'Fn::GetAtt': ['BastionSubnet', 'Ipv6CidrBlocks'] }] };
    // Act
    const fromBastion = [22, 2376].map((port) => decidingEntry(entries, port, ['192.168.0.0/27', '0.0.0.0/0']));
    const fromBastionV6 = [22, 2376].map((port) => decidingEntry(entries, port, [bastionV6, '::/0']));
    const fromInternet = [22, 2376].map((port) => decidingEntry(entries, port, ['0.0.0.0/0']));
    const fromInternetV6 = [22, 2376].map((port) => decidingEntry(entries, port, ['::/0']));
    // Assess
    expect([...fromBastion, ...fromBastionV6].map((e) => e?.RuleAction)).toEqual(['allow', 'allow', 'allow', 'allow']);
    // 22 from anywhere matches no entry (default deny); 2376 lies in the ephemeral range, so it needs the deny.
    expect(fromInternet.map((e) => e?.RuleAction)).toEqual([undefined, 'deny']);
    expect(fromInternetV6.map((e) => e?.RuleAction)).toEqual([undefined, 'deny']);
    const ephemeralAllow = decidingEntry(entries, 1024, ['0.0.0.0/0']);
    expect(fromInternet[1]?.RuleNumber).toBeGreaterThan(fromBastion[1]?.RuleNumber);
    expect(fromInternet[1]?.RuleNumber).toBeLessThan(ephemeralAllow?.RuleNumber);
  });

  it('admits all traffic from the runner subnet into the bastion subnet (the NAT gateway lives there)', () => {
    // Act
    const entries = inbound(aclEntries(ipv6, 'BastionSubnetAcl'));
    // Assess
    expect(entries).toContainEqual(
      expect.objectContaining({ Protocol: -1, RuleAction: 'allow', CidrBlock: '192.168.1.0/24' }),
    );
  });

  it.each(['BastionSubnetAcl', 'RunnerSubnetAcl'])('%s lets everything out, v4 and v6', (acl) => {
    // Act
    const egress = aclEntries(ipv6, acl).filter((e) => e.Egress === true);
    // Assess
    expect(egress).toContainEqual(
      expect.objectContaining({ Protocol: -1, RuleAction: 'allow', CidrBlock: '0.0.0.0/0' }),
    );
    expect(egress).toContainEqual(
      expect.objectContaining({ Protocol: -1, RuleAction: 'allow', Ipv6CidrBlock: '::/0' }),
    );
  });

  it('associates each ACL only after all of its entries exist', () => {
    // Act
    const association = resource(ipv6, 'RunnerSubnetAclAssociation');
    const entryIds = resourcesOfType(ipv6, 'AWS::EC2::NetworkAclEntry')
      .filter(([, r]) => r.Properties?.NetworkAclId?.Ref === 'RunnerSubnetAcl')
      .map(([id]) => id);
    // Assess
    expect(association.DependsOn).toEqual(expect.arrayContaining(entryIds));
  });

  it('rule numbers are unique per ACL and direction', () => {
    for (const acl of ['BastionSubnetAcl', 'RunnerSubnetAcl']) {
      // Act
      const entries = aclEntries(ipv6, acl);
      // Assess
      for (const egress of [true, false]) {
        const numbers = entries.filter((e) => e.Egress === egress).map((e) => e.RuleNumber);
        expect(new Set(numbers).size).toBe(numbers.length);
      }
    }
  });

  it('gives the bastion subnet a public IPv4 on launch (cfn-init runs before the EIP is attached), the runner subnet none', () => {
    // Act
    const bastion = resource(ipv6, 'BastionSubnet').Properties;
    const runner = resource(ipv6, 'RunnerSubnet').Properties;
    // Assess
    expect(bastion?.MapPublicIpOnLaunch).toBe(true);
    expect(runner?.MapPublicIpOnLaunch).toBe(false);
  });

  it('attaches the bastion EIP to the manager instance', () => {
    // Act
    const association = resource(ipv6, 'BastionEIPAssociation').Properties;
    // Assess
    expect(association).toEqual({
      AllocationId: { 'Fn::GetAtt': ['BastionEIP', 'AllocationId'] },
      InstanceId: { Ref: 'BastionInstance' },
    });
  });

  it('cuts the subnets IPv6 /64s from the VPC block with Fn::Cidr, after the block is associated', () => {
    // Prepare
    const vpcBlock = { 'Fn::Select': [0, { 'Fn::GetAtt': ['VPC', 'Ipv6CidrBlocks'] }] };
    // Act
    const subnets = ['BastionSubnet', 'RunnerSubnet'].map((id) => resource(ipv6, id));
    // Assess
    subnets.forEach((subnet, index) => {
      expect(subnet.DependsOn).toBe('Ipv6VPCCidrBlock');
      expect(subnet.Properties?.Ipv6CidrBlock).toEqual({ 'Fn::Select': [index, { 'Fn::Cidr': [vpcBlock, 2, 64] }] });
    });
    expect(resource(ipv6, 'RunnerSubnet').Properties?.AssignIpv6AddressOnCreation).toBe(true);
  });

  it('puts both subnets in the configured zone', () => {
    // Prepare
    const template = buildRunnerTemplate(configOf({ network: { mode: 'create', availabilityZoneIndex: 2 } }));
    // Act
    const zones = ['BastionSubnet', 'RunnerSubnet'].map((id) => resource(template, id).Properties?.AvailabilityZone);
    // Assess
    expect(zones).toEqual([{ 'Fn::Select': [2, { 'Fn::GetAZs': '' }] }, { 'Fn::Select': [2, { 'Fn::GetAZs': '' }] }]);
  });

  it('routes the runner subnet out through the NAT (v4) and the egress-only gateway (v6)', () => {
    // Act
    const v4 = resource(ipv6, 'RunnerSubnetRouteV4').Properties;
    const v6 = resource(ipv6, 'RunnerSubnetRouteV6').Properties;
    // Assess
    expect(v4).toMatchObject({ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: { Ref: 'BastionSubnetNatGateway' } });
    expect(v6).toMatchObject({
      DestinationIpv6CidrBlock: '::/0',
      EgressOnlyInternetGatewayId: { Ref: 'EgressOnlyInternetGateway' },
    });
  });

  it('creates no IPv6 resources when IPv6 is off', () => {
    // Act
    const ids = Object.keys(ipv4.Resources);
    // Assess
    expect(ids).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/Ipv6VPCCidrBlock|EgressOnlyInternetGateway|RouteV6$/)]),
    );
    expect(ids).toEqual(expect.arrayContaining(['VPC', 'NatEIP', 'BastionSubnetRouteV4', 'RunnerSubnetRouteV4']));
  });
});

describe('runner template network (existing mode)', () => {
  const template = buildRunnerTemplate(configOf({ network: { ...existingNetwork, ipv6: true } }));

  it("creates no VPC, subnet, route, ACL, gateway or NAT (the network is the user's)", () => {
    // Act
    const types = new Set(Object.values(template.Resources).map((r) => r.Type));
    // Assess
    for (const type of [
      'AWS::EC2::VPC',
      'AWS::EC2::VPCCidrBlock',
      'AWS::EC2::Subnet',
      'AWS::EC2::RouteTable',
      'AWS::EC2::Route',
      'AWS::EC2::SubnetRouteTableAssociation',
      'AWS::EC2::NetworkAcl',
      'AWS::EC2::NetworkAclEntry',
      'AWS::EC2::SubnetNetworkAclAssociation',
      'AWS::EC2::InternetGateway',
      'AWS::EC2::VPCGatewayAttachment',
      'AWS::EC2::EgressOnlyInternetGateway',
      'AWS::EC2::NatGateway',
    ]) {
      expect(types).not.toContain(type);
    }
    expect(Object.keys(template.Resources)).not.toContain('NatEIP');
  });

  it('still creates the security groups, roles, buckets, manager and its EIP, in the parameter VPC and subnets', () => {
    // Act
    const ids = Object.keys(template.Resources);
    // Assess
    expect(ids).toEqual(
      expect.arrayContaining([
        'BastionSecurityGroup',
        'RunnersSecurityGroup',
        'BastionInstanceRole',
        'RunnerRole',
        'CacheBucket',
        'LogBucket',
        'BastionInstance',
        'BastionEIP',
        'AllowIngressFromGitLabRunnerBastion',
      ]),
    );
    expect(resource(template, 'RunnersSecurityGroup').Properties?.VpcId).toEqual({ Ref: 'VpcId' });
    expect(resource(template, 'BastionInstance').Properties?.SubnetId).toEqual({ Ref: 'BastionSubnetId' });
    expect(template.Parameters).toMatchObject({
      VpcId: { Type: 'AWS::EC2::VPC::Id', Default: existingNetwork.vpcId },
      BastionSubnetId: { Type: 'AWS::EC2::Subnet::Id', Default: existingNetwork.bastionSubnetId },
      RunnerSubnetId: { Type: 'AWS::EC2::Subnet::Id', Default: existingNetwork.runnerSubnetId },
    });
  });

  it('no variant in existing mode creates a VPC or subnet', () => {
    // Act
    const existing = variantTemplates().filter(({ variant }) => variant.network === 'existing');
    // Assess
    expect(existing).toHaveLength(4);
    for (const { template: t } of existing) {
      expect(resourcesOfType(t, 'AWS::EC2::VPC')).toEqual([]);
      expect(resourcesOfType(t, 'AWS::EC2::Subnet')).toEqual([]);
    }
  });
});
