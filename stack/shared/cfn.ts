/**
 * Minimal typed helpers for CloudFormation JSON. Templates are plain objects so that tests can read them
 * and cfn-lint can check the very file that is deployed.
 */

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation values are arbitrary JSON.
export type CfnValue = any;

export interface CfnResource {
  Type: string;
  Properties?: Record<string, CfnValue>;
  Condition?: string;
  DependsOn?: string | string[];
  Metadata?: Record<string, CfnValue>;
  CreationPolicy?: Record<string, CfnValue>;
  UpdatePolicy?: Record<string, CfnValue>;
  DeletionPolicy?: 'Delete' | 'Retain' | 'Snapshot' | 'RetainExceptOnCreate';
  UpdateReplacePolicy?: 'Delete' | 'Retain' | 'Snapshot';
}

export interface CfnParameter {
  Type: string;
  Description?: string;
  Default?: string | number;
  AllowedValues?: (string | number)[];
  AllowedPattern?: string;
  ConstraintDescription?: string;
  MinLength?: number;
  MaxLength?: number;
  NoEcho?: boolean;
}

export interface CfnOutput {
  Description?: string;
  Value: CfnValue;
  Condition?: string;
  Export?: { Name: CfnValue };
}

export interface CfnTemplate {
  AWSTemplateFormatVersion: '2010-09-09';
  Description: string;
  Metadata?: Record<string, CfnValue>;
  Parameters?: Record<string, CfnParameter>;
  Conditions?: Record<string, CfnValue>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, CfnOutput>;
}

export const ref = (name: string): CfnValue => ({ Ref: name });
export const getAtt = (resource: string, attribute: string): CfnValue => ({ 'Fn::GetAtt': [resource, attribute] });
export const sub = (text: string, vars?: Record<string, CfnValue>): CfnValue =>
  vars && Object.keys(vars).length > 0 ? { 'Fn::Sub': [text, vars] } : { 'Fn::Sub': text };
export const join = (sep: string, parts: CfnValue[]): CfnValue => ({ 'Fn::Join': [sep, parts] });
export const select = (index: number, list: CfnValue): CfnValue => ({ 'Fn::Select': [index, list] });
export const ifCond = (condition: string, whenTrue: CfnValue, whenFalse: CfnValue): CfnValue => ({
  'Fn::If': [condition, whenTrue, whenFalse],
});
export const noValue: CfnValue = { Ref: 'AWS::NoValue' };

/** Tags as CloudFormation wants them, sorted by key so templates are byte-stable. */
export const tagList = (tags: Record<string, CfnValue>): { Key: string; Value: CfnValue }[] =>
  Object.keys(tags)
    .sort()
    .map((Key) => ({ Key, Value: tags[Key] }));

/** Escapes a literal text for use inside Fn::Sub (`${` becomes `${!`). */
export const escapeSub = (text: string): string => text.replaceAll('${', '${!');
