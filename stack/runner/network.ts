import type { CfnResource, CfnValue } from '../shared/cfn.js';
import { getAtt, ref, select } from '../shared/cfn.js';
import { type RunnerStackContext, resourceTags } from './context.js';
import { networkAclResources } from './network-acl.js';

/**
 * IPv6 block of subnet `index` (0 bastion, 1 runner): a /64 out of the VPC's Amazon-provided /56.
 * Only valid in resources that DependsOn Ipv6VPCCidrBlock (the VPC has no IPv6 block before that).
 */
const subnetIpv6Block = (index: 0 | 1): CfnValue =>
  select(index, { 'Fn::Cidr': [select(0, getAtt('VPC', 'Ipv6CidrBlocks')), 2, 64] });

function subnet(ctx: RunnerStackContext, which: 'bastion' | 'runner'): CfnResource {
  const { config, ipv6 } = ctx;
  if (config.network.mode !== 'create') throw new Error('subnets are only created in network mode "create"');
  const bastion = which === 'bastion';
  return {
    Type: 'AWS::EC2::Subnet',
    ...(ipv6 ? { DependsOn: 'Ipv6VPCCidrBlock' } : {}),
    Properties: {
      VpcId: ref('VPC'),
      // Both subnets in one zone: docker-machine is given one zone letter (amazonec2-zone).
      AvailabilityZone: select(config.network.availabilityZoneIndex, { 'Fn::GetAZs': '' }),
      CidrBlock: bastion ? config.network.bastionSubnetCidr : config.network.runnerSubnetCidr,
      // The manager needs a public IPv4 while cfn-init runs: its Elastic IP is attached only after it signals.
      MapPublicIpOnLaunch: bastion,
      ...(ipv6
        ? {
            Ipv6CidrBlock: subnetIpv6Block(bastion ? 0 : 1),
            // Runner machines leave over IPv6 through the egress-only gateway. The manager stays IPv4-only so that
            // it always reaches GitLab from its Elastic IP, the address the GitLab allow-list knows.
            AssignIpv6AddressOnCreation: !bastion,
          }
        : {}),
      Tags: resourceTags(config, bastion ? 'bastion' : 'runners'),
    },
  };
}

function route(
  table: string,
  destination: 'v4' | 'v6',
  target: Record<string, CfnValue>,
  dependsOn?: string,
): CfnResource {
  return {
    Type: 'AWS::EC2::Route',
    ...(dependsOn ? { DependsOn: dependsOn } : {}),
    Properties: {
      RouteTableId: ref(table),
      ...(destination === 'v4' ? { DestinationCidrBlock: '0.0.0.0/0' } : { DestinationIpv6CidrBlock: '::/0' }),
      ...target,
    },
  };
}

/**
 * VPC, gateways, NAT, subnets and routes of network mode "create"; nothing in mode "existing" (the user's network).
 * Bastion subnet: public (internet gateway), holds the manager and the NAT gateway. Runner subnet: private,
 * IPv4 out through the NAT, IPv6 out through the egress-only internet gateway.
 */
export function networkResources(ctx: RunnerStackContext): Record<string, CfnResource> {
  const { config, ipv6 } = ctx;
  if (config.network.mode !== 'create') return {};
  const r: Record<string, CfnResource> = {};

  r.VPC = {
    Type: 'AWS::EC2::VPC',
    Properties: {
      CidrBlock: config.network.vpcCidr,
      EnableDnsSupport: true,
      EnableDnsHostnames: true,
      Tags: resourceTags(config, 'vpc'),
    },
  };
  if (ipv6) {
    r.Ipv6VPCCidrBlock = {
      Type: 'AWS::EC2::VPCCidrBlock',
      Properties: { VpcId: ref('VPC'), AmazonProvidedIpv6CidrBlock: true },
    };
  }
  r.InternetGateway = { Type: 'AWS::EC2::InternetGateway', Properties: { Tags: resourceTags(config, 'igw') } };
  r.GatewayAttachment = {
    Type: 'AWS::EC2::VPCGatewayAttachment',
    Properties: { VpcId: ref('VPC'), InternetGatewayId: ref('InternetGateway') },
  };
  if (ipv6) {
    r.EgressOnlyInternetGateway = {
      Type: 'AWS::EC2::EgressOnlyInternetGateway',
      Properties: { VpcId: ref('VPC'), Tags: resourceTags(config, 'eigw') },
    };
  }
  r.NatEIP = {
    Type: 'AWS::EC2::EIP',
    DependsOn: 'GatewayAttachment',
    Properties: { Domain: 'vpc', Tags: resourceTags(config, 'nat') },
  };

  r.BastionSubnet = subnet(ctx, 'bastion');
  r.BastionSubnetNatGateway = {
    Type: 'AWS::EC2::NatGateway',
    Properties: {
      AllocationId: getAtt('NatEIP', 'AllocationId'),
      SubnetId: ref('BastionSubnet'),
      Tags: resourceTags(config, 'nat'),
    },
  };
  r.BastionSubnetRouteTable = {
    Type: 'AWS::EC2::RouteTable',
    Properties: { VpcId: ref('VPC'), Tags: resourceTags(config, 'bastion') },
  };
  r.BastionSubnetRouteV4 = route(
    'BastionSubnetRouteTable',
    'v4',
    { GatewayId: ref('InternetGateway') },
    'GatewayAttachment',
  );
  if (ipv6) {
    r.BastionSubnetRouteV6 = route(
      'BastionSubnetRouteTable',
      'v6',
      { GatewayId: ref('InternetGateway') },
      'GatewayAttachment',
    );
  }
  r.BastionSubnetRouteTableAssociation = {
    Type: 'AWS::EC2::SubnetRouteTableAssociation',
    Properties: { SubnetId: ref('BastionSubnet'), RouteTableId: ref('BastionSubnetRouteTable') },
  };

  r.RunnerSubnet = subnet(ctx, 'runner');
  r.RunnerSubnetRouteTable = {
    Type: 'AWS::EC2::RouteTable',
    Properties: { VpcId: ref('VPC'), Tags: resourceTags(config, 'runners') },
  };
  r.RunnerSubnetRouteV4 = route('RunnerSubnetRouteTable', 'v4', { NatGatewayId: ref('BastionSubnetNatGateway') });
  if (ipv6) {
    r.RunnerSubnetRouteV6 = route('RunnerSubnetRouteTable', 'v6', {
      EgressOnlyInternetGatewayId: ref('EgressOnlyInternetGateway'),
    });
  }
  r.RunnerSubnetRouteTableAssociation = {
    Type: 'AWS::EC2::SubnetRouteTableAssociation',
    Properties: { SubnetId: ref('RunnerSubnet'), RouteTableId: ref('RunnerSubnetRouteTable') },
  };

  Object.assign(r, networkAclResources(ctx));
  return r;
}

/**
 * What the manager must not start before: routes out of both subnets and the ACLs in place (the manager polls
 * GitLab at once and may start a runner machine for the first job). Empty in mode "existing".
 */
export function networkReadyDependencies(ctx: RunnerStackContext): string[] {
  if (!ctx.createNetwork) return [];
  return [
    'BastionSubnetRouteV4',
    ...(ctx.ipv6 ? ['BastionSubnetRouteV6'] : []),
    'BastionSubnetRouteTableAssociation',
    'BastionSubnetAclAssociation',
    'RunnerSubnetRouteV4',
    ...(ctx.ipv6 ? ['RunnerSubnetRouteV6'] : []),
    'RunnerSubnetRouteTableAssociation',
    'RunnerSubnetAclAssociation',
  ];
}
