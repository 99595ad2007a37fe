import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MissingToolError } from '../../functions/shared/errors.js';
import { CFN_LINT_CONFIG, formatFindings, runCfnLint } from '../../scripts/lib/cfn-lint.js';

/** Proves that runCfnLint reports what cfn-lint finds, so a clean lint of the runner stack means something. */
describe('runCfnLint', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cfn-lint-harness-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns errors and warnings of a bad template, attributed to the file', async () => {
    // Prepare: an unknown property (error) and an unused parameter (warning)
    const file = join(dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({
        AWSTemplateFormatVersion: '2010-09-09',
        Parameters: { Unused: { Type: 'String' } },
        Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { NoSuchProperty: 1 } } },
      }),
    );
    // Act
    const findings = await runCfnLint([file], { regions: ['eu-west-1'] });
    // Assess
    expect(findings.map((f) => [f.Level, f.Rule.Id]).sort()).toEqual([
      ['Error', 'E3002'],
      ['Warning', 'W2001'],
    ]);
    expect(findings.every((f) => f.Filename === file)).toBe(true);
    expect(formatFindings(findings)).toContain('Error E3002 Resources.Bucket.Properties.NoSuchProperty');
  });

  it('returns no finding for a clean template', async () => {
    // Prepare
    const file = join(dir, 'good.json');
    await writeFile(
      file,
      JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: { Bucket: { Type: 'AWS::S3::Bucket' } } }),
    );
    // Act
    const findings = await runCfnLint([file]);
    // Assess
    expect(findings).toEqual([]);
  });

  it('applies the rc file it is given (the ignore list is really read)', async () => {
    // Prepare
    const rc = join(dir, 'ignore-w2001.yaml');
    await writeFile(rc, 'ignore_checks:\n  # the test template has an unused parameter on purpose\n  - W2001\n');
    // Act
    const findings = await runCfnLint([join(dir, 'bad.json')], { configFile: rc });
    // Assess
    expect(findings.map((f) => f.Rule.Id)).toEqual(['E3002']);
  });

  it('throws MissingToolError with the pip command when cfn-lint is not on PATH', async () => {
    // Prepare
    const path = process.env.PATH;
    process.env.PATH = dir;
    try {
      // Act
      const attempt = runCfnLint([join(dir, 'good.json')]);
      // Assess
      await expect(attempt).rejects.toBeInstanceOf(MissingToolError);
      await expect(attempt).rejects.toThrow('pip install cfn-lint');
    } finally {
      process.env.PATH = path;
    }
  });

  it('keeps .cfnlintrc.yaml the one list of disabled rules, each with a reason', async () => {
    // Prepare
    const text = await readFile(CFN_LINT_CONFIG, 'utf8');
    // Act: every `- RULE` entry needs a comment on its line or on the line above
    const lines = text.split('\n');
    const undocumented = lines.filter(
      (line, i) => /^\s*-\s*[EWI]\d{4}/.test(line) && !line.includes('#') && !/^\s*#/.test(lines[i - 1] ?? ''),
    );
    // Assess: block-list form only (an inline [..] list could not carry the reasons)
    expect(text).toMatch(/^ignore_checks:\s*(\[\]\s*)?$/m);
    expect(undocumented).toEqual([]);
  });
});
