import type { CfnResource, CfnValue } from '../shared/cfn.js';
import { getAtt, ref, select } from '../shared/cfn.js';
import { type RunnerStackContext, resourceTags } from './context.js';

/** Ports Linux and the NAT gateway use for the far end of outbound connections (return traffic lands here). */
export const EPHEMERAL = { From: 1024, To: 65535 } as const;
export const DOCKER_TLS_PORT = 2376;
export const SSH_PORT = 22;

const PROTOCOL = { all: -1, icmp: 1, tcp: 6, udp: 17, icmpv6: 58 } as const;

interface AclRule {
  id: string;
  number: number;
  egress?: boolean;
  action?: 'allow' | 'deny';
  protocol: keyof typeof PROTOCOL;
  source: { v4: string } | { v6: CfnValue };
  ports?: { From: number; To: number };
  icmp?: { Type: number; Code: number };
}

function aclEntry(acl: string, rule: AclRule): CfnResource {
  return {
    Type: 'AWS::EC2::NetworkAclEntry',
    Properties: {
      NetworkAclId: ref(acl),
      RuleNumber: rule.number,
      Egress: rule.egress ?? false,
      RuleAction: rule.action ?? 'allow',
      Protocol: PROTOCOL[rule.protocol],
      ...('v4' in rule.source ? { CidrBlock: rule.source.v4 } : { Ipv6CidrBlock: rule.source.v6 }),
      ...(rule.ports ? { PortRange: rule.ports } : {}),
      ...(rule.icmp ? { Icmp: rule.icmp } : {}),
    },
  };
}

const ANY_V4 = { v4: '0.0.0.0/0' };
const ANY_V6 = { v6: '::/0' };

/**
 * Rules both subnets share. ACLs are stateless: without the inbound ephemeral range, replies to the subnet's own
 * outbound connections (package downloads, GitLab, S3) are dropped. ICMP "fragmentation needed" / "packet too big"
 * keeps path MTU discovery working.
 */
function sharedRules(prefix: string, ipv6: boolean): AclRule[] {
  const rules: AclRule[] = [
    { id: `${prefix}InEphemeralTcpV4`, number: 200, protocol: 'tcp', source: ANY_V4, ports: EPHEMERAL },
    { id: `${prefix}InEphemeralUdpV4`, number: 210, protocol: 'udp', source: ANY_V4, ports: EPHEMERAL },
    { id: `${prefix}InPathMtuV4`, number: 300, protocol: 'icmp', source: ANY_V4, icmp: { Type: 3, Code: 4 } },
    { id: `${prefix}OutAllV4`, number: 100, egress: true, protocol: 'all', source: ANY_V4 },
  ];
  if (ipv6) {
    rules.push(
      { id: `${prefix}InEphemeralTcpV6`, number: 220, protocol: 'tcp', source: ANY_V6, ports: EPHEMERAL },
      { id: `${prefix}InEphemeralUdpV6`, number: 230, protocol: 'udp', source: ANY_V6, ports: EPHEMERAL },
      { id: `${prefix}InPathMtuV6`, number: 310, protocol: 'icmpv6', source: ANY_V6, icmp: { Type: 2, Code: 0 } },
      { id: `${prefix}OutAllV6`, number: 110, egress: true, protocol: 'all', source: ANY_V6 },
    );
  }
  return rules;
}

/** Bastion subnet: everything from the runner subnet (the NAT gateway forwards the runners' traffic). */
function bastionRules(ctx: RunnerStackContext, runnerCidr: string): AclRule[] {
  return [
    { id: 'BastionSubnetAclInFromRunnerSubnetV4', number: 100, protocol: 'all', source: { v4: runnerCidr } },
    ...sharedRules('BastionSubnetAcl', ctx.ipv6),
  ];
}

/**
 * Runner subnet: SSH and Docker TLS only from the bastion subnet. 2376 lies inside the ephemeral range, so it is
 * denied from anywhere else before the ephemeral allow (ACL rules are evaluated by number, first match wins).
 */
function runnerRules(ctx: RunnerStackContext, bastionCidr: string): AclRule[] {
  const ssh = { From: SSH_PORT, To: SSH_PORT };
  const docker = { From: DOCKER_TLS_PORT, To: DOCKER_TLS_PORT };
  const bastionV4 = { v4: bastionCidr };
  const rules: AclRule[] = [
    { id: 'RunnerSubnetAclInSshFromBastionV4', number: 100, protocol: 'tcp', source: bastionV4, ports: ssh },
    { id: 'RunnerSubnetAclInDockerFromBastionV4', number: 110, protocol: 'tcp', source: bastionV4, ports: docker },
  ];
  if (ctx.ipv6) {
    const bastionV6 = { v6: select(0, getAtt('BastionSubnet', 'Ipv6CidrBlocks')) };
    rules.push(
      { id: 'RunnerSubnetAclInSshFromBastionV6', number: 120, protocol: 'tcp', source: bastionV6, ports: ssh },
      { id: 'RunnerSubnetAclInDockerFromBastionV6', number: 130, protocol: 'tcp', source: bastionV6, ports: docker },
    );
  }
  rules.push({
    id: 'RunnerSubnetAclDenyDockerV4',
    number: 140,
    action: 'deny',
    protocol: 'tcp',
    source: ANY_V4,
    ports: docker,
  });
  if (ctx.ipv6) {
    rules.push({
      id: 'RunnerSubnetAclDenyDockerV6',
      number: 150,
      action: 'deny',
      protocol: 'tcp',
      source: ANY_V6,
      ports: docker,
    });
  }
  return [...rules, ...sharedRules('RunnerSubnetAcl', ctx.ipv6)];
}

function aclWithEntries(
  ctx: RunnerStackContext,
  prefix: 'BastionSubnet' | 'RunnerSubnet',
  role: string,
  rules: AclRule[],
): Record<string, CfnResource> {
  const acl = `${prefix}Acl`;
  const r: Record<string, CfnResource> = {
    [acl]: { Type: 'AWS::EC2::NetworkAcl', Properties: { VpcId: ref('VPC'), Tags: resourceTags(ctx.config, role) } },
  };
  const ordered = [...rules].sort(
    (a, b) => Number(a.egress ?? false) - Number(b.egress ?? false) || a.number - b.number,
  );
  for (const rule of ordered) r[rule.id] = aclEntry(acl, rule);
  r[`${acl}Association`] = {
    Type: 'AWS::EC2::SubnetNetworkAclAssociation',
    // Swap the subnet to this ACL only once all its rules exist, so no traffic is dropped in between.
    DependsOn: ordered.map((rule) => rule.id),
    Properties: { SubnetId: ref(prefix), NetworkAclId: ref(acl) },
  };
  return r;
}

/** Network ACLs of both subnets (network mode "create" only). */
export function networkAclResources(ctx: RunnerStackContext): Record<string, CfnResource> {
  const network = ctx.config.network;
  if (network.mode !== 'create') return {};
  return {
    ...aclWithEntries(ctx, 'BastionSubnet', 'bastion', bastionRules(ctx, network.runnerSubnetCidr)),
    ...aclWithEntries(ctx, 'RunnerSubnet', 'runners', runnerRules(ctx, network.bastionSubnetCidr)),
  };
}
