import type { RunnerVariant } from '../../stack/runner/index.js';

/**
 * THE list of moto gaps that bite the runner stack: what moto does not model of our template, and which test
 * covers that part instead. Integration tests assert only what moto models and skip, by this list, what it cannot.
 * Re-check every entry when moto changes (test/integration/moto-gaps.test.ts warns when the running moto is not
 * the version below, and on that version confirms that the variants listed as not deployable still fail).
 * Background for all moto 5.2 behaviour: /work/shared/reference/moto-gaps.md.
 */
export const MOTO_GAPS_CHECKED_WITH = '5.2.1';

export interface MotoGap {
  id: string;
  /** What moto does with our template. */
  moto: string;
  /** What of ours it leaves untested on moto. */
  bites: string;
  /** Test files that cover that part instead (must exist; checked by moto-gaps.test.ts). */
  coveredBy: string[];
}

export const MOTO_GAPS: readonly MotoGap[] = [
  {
    id: 'ipv6-create-network',
    moto:
      '`Fn::GetAtt VPC.Ipv6CidrBlocks` and `Fn::Cidr` fail the deploy (ValidationError "resource VPC does not support ' +
      'attribute type Ipv6CidrBlocks"); AWS::EC2::VPCCidrBlock and AWS::EC2::EgressOnlyInternetGateway are ignored; ' +
      '`::/0` routes get no destination.',
    bites: 'Every create-network IPv6 variant: not deployed on moto. Subnet /64s, v6 routes, egress-only gateway.',
    coveredBy: ['test/integration/runner-cfn-lint.test.ts', 'test/unit/runner-template-network.test.ts'],
  },
  {
    id: 'subnet-availability-zone-getatt',
    moto:
      '`Fn::GetAtt <Subnet>.AvailabilityZone` is not implemented, so `Fn::Split` over it raises: ExecuteChangeSet ' +
      'answers HTTP 500 after creating half the stack (an SDK retry then reports CREATE_COMPLETE), and every ' +
      'DescribeStackResource(s) of that stack answers HTTP 500.',
    bites:
      'docker+machine create-network variants (the manager Metadata holds the amazonec2-zone letter cut from the ' +
      'runner subnet AZ): not deployed on moto.',
    coveredBy: [
      'test/integration/runner-cfn-lint.test.ts',
      'test/unit/runner-template-variants.test.ts',
      'test/unit/bastion-init.test.ts',
    ],
  },
  {
    id: 'network-acls',
    moto: 'AWS::EC2::NetworkAcl, NetworkAclEntry and SubnetNetworkAclAssociation are ignored (no physical id).',
    bites: 'The stateless ACLs: ephemeral return ports, 22/2376 only from the bastion subnet, deny-first rules.',
    coveredBy: ['test/unit/runner-template-network.test.ts', 'test/unit/runner-template-security.test.ts'],
  },
  {
    id: 'route-table-association',
    moto: 'AWS::EC2::SubnetRouteTableAssociation is in the stack but not visible in DescribeRouteTables.',
    bites: 'Which subnet uses which route table (tests find the tables through the stack resources instead).',
    coveredBy: ['test/unit/runner-template-network.test.ts'],
  },
  {
    id: 'eip-association',
    moto: 'AWS::EC2::EIPAssociation is not supported: BastionEIP is allocated but never associated.',
    bites: 'The manager keeping its Elastic IP (the address the GitLab allow-list knows).',
    coveredBy: ['test/unit/runner-template-network.test.ts'],
  },
  {
    id: 'instance-settings',
    moto:
      'Instance `SecurityGroupIds` and `MetadataOptions.HttpTokens` are dropped (the manager lands in the VPC default ' +
      'group with IMDSv1 allowed); cfn-init Metadata, UserData execution and CreationPolicy/cfn-signal are not run ' +
      '(the instance is "running" at once).',
    bites: "The manager's security group, IMDSv2, and its whole boot (cfn-init, config.toml, cfn-signal).",
    coveredBy: [
      'test/unit/runner-template-security.test.ts',
      'test/unit/runner-template-variants.test.ts',
      'test/unit/bastion-init.test.ts',
    ],
  },
  {
    id: 'bucket-settings',
    moto:
      'AWS::S3::BucketPolicy is not supported; bucket LifecycleConfiguration and PublicAccessBlockConfiguration are ' +
      'dropped (encryption and tags are kept).',
    bites: 'TLS-only bucket policies, expiry of cache objects and logs, public access block.',
    coveredBy: ['test/unit/runner-template-storage.test.ts'],
  },
  {
    id: 'security-group-ipv6-and-egress',
    moto: 'Inline IPv6 and egress security-group rules are dropped (moto shows its default all-IPv4 egress).',
    bites: 'The egress rules of both groups and their IPv6 variants.',
    coveredBy: ['test/unit/runner-template-security.test.ts'],
  },
  {
    id: 'availability-zones',
    moto: '`Fn::GetAZs` answers us-east-1 zones whatever the region.',
    bites: 'The zone of the created subnets (not asserted on moto).',
    coveredBy: ['test/unit/runner-template-network.test.ts'],
  },
  {
    id: 'describe-stack-resource',
    moto:
      'DescribeStackResource answers HTTP 500 for any resource listed after one moto does not support (here: ' +
      'everything after CacheBucketPolicy, so BastionInstance always); so does DescribeStackResources with a ' +
      'LogicalResourceId (LogBucket of the demo runner stack); DescribeStackResources of the whole stack, ' +
      'ListStackResources and GetTemplate work.',
    bites:
      "Reading the manager's Metadata the way cfn-init does (token-canary reads it from GetTemplate, and checks " +
      'that no dynamic reference could resolve the token into it on AWS).',
    coveredBy: [
      'test/integration/token-canary.test.ts',
      'test/unit/bastion-init.test.ts',
      'test/integration/health-check-moto.test.ts',
    ],
  },
  {
    id: 'change-set-stack-behaviour',
    moto:
      'A stack created through a change set has no Outputs; an UPDATE change set lists no Changes, an empty one ' +
      'executes as UPDATE_COMPLETE (AWS fails it: "didn\'t contain changes"); after an UPDATE the manager instance ' +
      'drops out of the stack resources; DependsOn is ignored (template order is used).',
    bites:
      'Stack outputs, replacement detection, the empty-change-set no-op, resource lookup after an update ' +
      '(tests read DescribeStackResources before updating, and assert only status and parameters after).',
    coveredBy: ['test/unit/runner-template-variants.test.ts', 'test/unit/change-set.test.ts'],
  },
  {
    id: 'update-change-set-tags',
    moto:
      "An UPDATE change set's Tags never reach the stack (DescribeChangeSet returns none, the stack keeps its " +
      'create-time tags), so after a token update every later pipeline run updates again instead of being a no-op.',
    bites:
      'The no-op-by-tags check after an update (the pipeline test asserts the tags sent in CreateChangeSet and the ' +
      'TokenParameterVersion parameter instead; the tag comparison itself is unit-tested).',
    coveredBy: ['test/integration/pipeline-moto.test.ts', 'test/unit/deploy-stack.test.ts'],
  },
  {
    id: 'stack-events',
    moto:
      'Only stack-level events are written (no per-resource CREATE_IN_PROGRESS/FAILED events), and update events ' +
      'lack the "User Initiated" reason.',
    bites: 'Root-cause extraction from failed resource events and the cfn-init log tail of a failed manager signal.',
    coveredBy: ['test/unit/await-stack.test.ts'],
  },
  {
    id: 'template-url-host',
    moto:
      'CloudFormation fetches TemplateURL from its own S3 only for AWS-style URLs (`https://<bucket>.s3.<region>.' +
      'amazonaws.com/<key>`); a URL on the moto endpoint (`http://127.0.0.1:PORT/<bucket>/<key>`) reads "127" as ' +
      'the bucket and fails with NoSuchBucket.',
    bites: 'Nothing: render-stack always returns the AWS-style URL, which works on both.',
    coveredBy: ['test/integration/render-stack.test.ts'],
  },
  {
    id: 'events-test-event-pattern',
    moto: 'EventBridge TestEventPattern is not implemented: it answers HTTP 200 with no Result.',
    bites:
      "Checking the SSM rule's pattern with TestEventPattern (the moto test routes real events through the deployed " +
      'pattern on a probe bus into an SQS queue instead: moto matches patterns when it delivers).',
    coveredBy: ['test/integration/orchestrator-moto.test.ts', 'test/unit/orchestrator-template.test.ts'],
  },
  {
    id: 'events-state-machine-target',
    moto:
      'PutEvents answers HTTP 500 when a matching rule targets a Step Functions state machine (NotImplementedError ' +
      'in target delivery), like a Lambda target.',
    bites:
      'Delivering a "Parameter Store Change" event through the deployed token rule to the state machine (the probe ' +
      'bus carries the same pattern; the target and its role are read back with ListTargetsByRule).',
    coveredBy: ['test/integration/orchestrator-moto.test.ts', 'test/unit/orchestrator-iam.test.ts'],
  },
  {
    id: 'cfn-import-change-set',
    moto:
      'An IMPORT change set (ResourcesToImport) is executed as a CREATE: importing an existing bucket fails with ' +
      'BucketAlreadyExists.',
    bites:
      '`npm run deploy` adopting an artifact bucket that already exists (created by `npm run pipeline`): the moto ' +
      'test starts without the bucket; the IMPORT request is unit-tested.',
    coveredBy: ['test/unit/orchestrator-deploy.test.ts'],
  },
  {
    id: 'stepfunctions-definition',
    moto:
      "CloudFormation's AWS::StepFunctions::StateMachine reads only DefinitionString (a Definition object gives an " +
      'empty definition); no definition is validated and executions are recorded but never run.',
    bites:
      'ASL validation and running the pipeline on moto (the template uses DefinitionString; cfn-lint checks the same ' +
      'ASL as a Definition object; the state transitions are unit-tested, state-machine-walk.test.ts walks the ' +
      "template's definition with the real steps in-process, and the demo runs the steps in-process).",
    coveredBy: [
      'test/integration/orchestrator-cfn-lint.test.ts',
      'test/unit/orchestrator-state-machine.test.ts',
      'test/integration/state-machine-walk.test.ts',
    ],
  },
  {
    id: 'lambda-function-settings',
    moto:
      "CloudFormation's AWS::Lambda::Function passes on only Code, Handler, Role, Runtime, Description, MemorySize, " +
      'Timeout, Environment and a few more: Architectures, LoggingConfig and Tags are dropped; no function runs ' +
      '(invocation needs Docker).',
    bites: 'The arm64 architecture, the per-function log groups and the function tags of the orchestrator stack.',
    coveredBy: ['test/unit/orchestrator-template.test.ts'],
  },
];

/** Variants moto cannot deploy, each with the gap that stops it. */
export function motoDeployBlocker(v: RunnerVariant): MotoGap | undefined {
  const gap = (id: string) => MOTO_GAPS.find((g) => g.id === id);
  if (v.network === 'create' && v.ipv6) return gap('ipv6-create-network');
  if (v.network === 'create' && v.executor === 'docker-machine') return gap('subnet-availability-zone-getatt');
  return undefined;
}
