// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${...}` here is CloudFormation Fn::Sub syntax, not a JS template.
import type { CfnResource, CfnValue } from '../shared/cfn.js';
import { ref, sub } from '../shared/cfn.js';
import type { RunnerStackContext } from './context.js';
import { ALLOW_LIST_CONDITION } from './parameters.js';

function httpsFrom(cidrIp: CfnValue, description: string): CfnResource {
  return {
    Type: 'AWS::EC2::SecurityGroupIngress',
    Condition: ALLOW_LIST_CONDITION,
    Properties: {
      GroupId: ref('GitLabSecurityGroupId'),
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      CidrIp: cidrIp,
      Description: description,
    },
  };
}

/**
 * 443 on the GitLab server's security group from the manager's Elastic IP (job requests, traces, results) and from
 * the NAT's (runner machines clone and upload directly). Only when GitLabSecurityGroupId is set. In network mode
 * "existing" the NAT is the user's: its rule exists only when config.network.natPublicIp names it.
 */
export function allowListResources(ctx: RunnerStackContext): Record<string, CfnResource> {
  const { config } = ctx;
  const r: Record<string, CfnResource> = {
    AllowIngressFromGitLabRunnerBastion: httpsFrom(
      sub('${BastionEIP}/32'),
      `GitLab Runner manager (${config.stackName})`,
    ),
  };
  if (config.network.mode === 'create') {
    r.AllowIngressFromGitLabRunnerNat = httpsFrom(
      sub('${NatEIP}/32'),
      `GitLab Runner machines via NAT (${config.stackName})`,
    );
  } else if (config.network.natPublicIp) {
    r.AllowIngressFromGitLabRunnerNat = httpsFrom(
      `${config.network.natPublicIp}/32`,
      `GitLab Runner machines via NAT (${config.stackName})`,
    );
  }
  return r;
}
