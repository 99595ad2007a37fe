import type { CfnResource, CfnValue } from '../shared/cfn.js';

/**
 * IAM building blocks of the orchestrator stack. Every statement names its actions one by one (never a `*` in an
 * action: test/unit/orchestrator-iam.test.ts checks the whole template) and the narrowest resources the action
 * supports.
 */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: CfnValue | CfnValue[];
  Condition?: Record<string, Record<string, CfnValue>>;
}

export function allow(
  sid: string,
  actions: string[],
  resource: CfnValue | CfnValue[],
  condition?: PolicyStatement['Condition'],
): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: [...actions].sort(),
    Resource: resource,
    ...(condition ? { Condition: condition } : {}),
  };
}

export interface ServiceRoleOptions {
  service: string;
  policyName: string;
  statements: PolicyStatement[];
  description: string;
  tags: { Key: string; Value: CfnValue }[];
  /**
   * Adds `aws:SourceAccount` = this account to the trust (confused-deputy guard). Only for services documented to
   * send it when they assume a role (Step Functions, EventBridge); Lambda and CloudFormation get the plain trust.
   */
  sourceAccountGuard?: boolean;
}

/** A role that the given service may assume, with one inline policy. */
export function serviceRole(opts: ServiceRoleOptions): CfnResource {
  const { service, policyName, statements, description, tags } = opts;
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: description,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: service },
            Action: 'sts:AssumeRole',
            ...(opts.sourceAccountGuard
              ? { Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }
              : {}),
          },
        ],
      },
      Policies: [{ PolicyName: policyName, PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
      Tags: tags,
    },
  };
}
