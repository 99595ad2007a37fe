import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MissingToolError } from '../../functions/shared/errors.js';
import { REPO_ROOT } from './repo-root.js';
import { findOnPath } from './which.js';

/** One cfn-lint finding, as `cfn-lint --format json` prints it (fields we use). */
export interface CfnLintFinding {
  Filename: string | null;
  Level: 'Error' | 'Warning' | 'Informational';
  Message: string;
  Rule: { Id: string; ShortDescription: string; Description: string; Source: string };
  Location: {
    Start: { LineNumber: number; ColumnNumber: number };
    End: { LineNumber: number; ColumnNumber: number };
    Path: (string | number)[] | null;
  };
}

export interface RunCfnLintOptions {
  /** Regions to validate against (instance types, AZ names, ...); cfn-lint's default is us-east-1. */
  regions?: string[];
  /** The rc file that lists every disabled rule; default `.cfnlintrc.yaml` at the repository root. */
  configFile?: string;
}

export const CFN_LINT_INSTALL_HINT = 'pip install cfn-lint';
export const CFN_LINT_CONFIG = join(REPO_ROOT, '.cfnlintrc.yaml');

/**
 * Lints CloudFormation templates with cfn-lint (one process for all files) and returns every finding.
 * Findings are data, not failures: the caller decides which levels fail. Throws only when cfn-lint is
 * missing or crashes (its output is not a JSON list).
 */
export async function runCfnLint(files: string[], opts: RunCfnLintOptions = {}): Promise<CfnLintFinding[]> {
  if (files.length === 0) return [];
  const executable = findOnPath('cfn-lint');
  if (!executable) throw new MissingToolError('cfn-lint', CFN_LINT_INSTALL_HINT);
  const configFile = opts.configFile ?? CFN_LINT_CONFIG;
  if (!existsSync(configFile)) {
    throw new Error(
      `cfn-lint config ${configFile} does not exist.\n  -> Restore .cfnlintrc.yaml at the repository root.`,
    );
  }

  const args = ['--config-file', configFile, '--format', 'json'];
  if (opts.regions && opts.regions.length > 0) args.push('--regions', ...opts.regions);
  args.push('--', ...files);

  const { stdout, stderr, code } = await run(executable, args);
  let findings: unknown;
  try {
    findings = JSON.parse(stdout);
  } catch {
    findings = undefined;
  }
  if (!Array.isArray(findings)) {
    throw new Error(
      `cfn-lint failed (exit ${code}) without a JSON report:\n${(stderr || stdout).trim().slice(-4000)}\n` +
        `  -> Run \`cfn-lint ${args.join(' ')}\` to see the error; reinstall with ${CFN_LINT_INSTALL_HINT}.`,
    );
  }
  return findings as CfnLintFinding[];
}

/** `E3002 Resources.B.Properties.Foo (file.json:1:141) Additional properties are not allowed`, one per line. */
export function formatFindings(findings: readonly CfnLintFinding[]): string {
  return findings
    .map((f) => {
      const path = f.Location.Path ? f.Location.Path.join('.') : '(template)';
      const where = `${f.Filename ?? '?'}:${f.Location.Start.LineNumber}:${f.Location.Start.ColumnNumber}`;
      return `${f.Level} ${f.Rule.Id} ${path} (${where}) ${f.Message}`;
    })
    .join('\n');
}

function run(file: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolvePromise, reject) => {
    // cfn-lint exits with a bit mask (2 error, 4 warning, 8 informational): a non-zero exit is not a crash.
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error && typeof error.code === 'number' ? error.code : 0;
      if (error && typeof error.code !== 'number') {
        reject(new Error(`could not run cfn-lint: ${error.message}`));
        return;
      }
      resolvePromise({ stdout, stderr, code });
    });
  });
}
