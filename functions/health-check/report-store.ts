import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { OrchestratorError } from '../shared/errors.js';

/**
 * Writes a report to `reports/<stack>/<timestamp>.json|.html` and overwrites `reports/<stack>/latest.json|.html`
 * (the page a person bookmarks). The timestamp is the judged time, compact UTC (`20251020T095930Z`), so keys sort
 * by time and a re-run for the same `now` overwrites its own report (idempotent).
 */
export const REPORT_PREFIX = 'reports';

export interface StoredReport {
  reportKey: string;
  htmlKey: string;
  latestKey: string;
  latestHtmlKey: string;
}

export function reportKeys(stackName: string, now: number): StoredReport {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const base = `${REPORT_PREFIX}/${stackName}`;
  return {
    reportKey: `${base}/${stamp}.json`,
    htmlKey: `${base}/${stamp}.html`,
    latestKey: `${base}/latest.json`,
    latestHtmlKey: `${base}/latest.html`,
  };
}

export async function storeReport(
  s3: S3Client,
  bucket: string,
  keys: StoredReport,
  json: string,
  html: string,
): Promise<void> {
  const put = async (Key: string, Body: string, ContentType: string) => {
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ContentType, CacheControl: 'no-cache' }));
    } catch (cause) {
      throw new OrchestratorError(
        'HEALTH_REPORT_NOT_STORED',
        `Cannot write the health report to s3://${bucket}/${Key}: ${(cause as Error).name}: ${(cause as Error).message}`,
        `Give the health-check function s3:PutObject on arn:aws:s3:::${bucket}/${REPORT_PREFIX}/*, or set REPORT_BUCKET to a bucket it may write.`,
        { cause },
      );
    }
  };
  await put(keys.reportKey, json, 'application/json');
  await put(keys.htmlKey, html, 'text/html; charset=utf-8');
  await put(keys.latestKey, json, 'application/json');
  await put(keys.latestHtmlKey, html, 'text/html; charset=utf-8');
}
