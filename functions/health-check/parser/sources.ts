import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { constants, createGunzip } from 'node:zlib';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { defaultS3Client } from '../../shared/aws-clients.js';
import { OrchestratorError } from '../../shared/errors.js';

/**
 * Where log bytes come from: a local file, every file under a folder (recursive, by name), the objects under an
 * `s3://bucket/prefix` (ListObjectsV2, by key: the shipper's keys sort by time), an in-memory buffer or a stream.
 * Each source is read as a stream; gzip is recognised by its magic bytes (1f 8b), not by the name, and
 * concatenated gzip members (`cat a.gz b.gz`) are read through.
 */
export type LogSource =
  | { kind: 'file'; path: string }
  | { kind: 's3'; bucket: string; key: string }
  | { kind: 'bytes'; name: string; data: Uint8Array }
  | { kind: 'stream'; name: string; open: () => AsyncIterable<Uint8Array> };

export interface SourceOptions {
  /** S3 client for `s3://` sources; default: the shared client (AWS_REGION, AWS_ENDPOINT_URL). */
  s3?: S3Client;
  /** Only S3 keys for which this returns true are read (e.g. the health-check window). */
  s3KeyFilter?: (key: string) => boolean;
  signal?: AbortSignal;
}

/** A source that cannot be listed or found: the input is wrong, not a line in it. */
export class LogSourceError extends OrchestratorError {
  constructor(message: string, hint: string, cause?: unknown) {
    super('LOG_SOURCE_UNREADABLE', message, hint, { cause });
  }
}

const READ_CHUNK = 64 * 1024;
const GUNZIP_CHUNK = 256 * 1024;
const READ_AHEAD = 4 * GUNZIP_CHUNK;
const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

export function describeSource(source: LogSource): string {
  switch (source.kind) {
    case 'file':
      return source.path;
    case 's3':
      return `s3://${source.bucket}/${source.key}`;
    default:
      return source.name;
  }
}

/** `s3://bucket/prefix` → bucket and prefix, or undefined when the text is not such a URL. */
export function parseS3Url(text: string): { bucket: string; prefix: string } | undefined {
  const m = S3_URL.exec(text);
  return m ? { bucket: m[1] as string, prefix: m[2] ?? '' } : undefined;
}

/** Expands paths, folders and S3 prefixes into sources, in reading order, as they are listed. */
export async function* expandSources(
  specs: readonly (string | LogSource)[],
  opts: SourceOptions = {},
): AsyncGenerator<LogSource> {
  for (const spec of specs) {
    if (typeof spec !== 'string') {
      yield spec;
    } else if (spec.startsWith('s3://')) {
      yield* listS3(spec, opts);
    } else {
      yield* walkPath(spec);
    }
  }
}

async function* walkPath(path: string): AsyncGenerator<LogSource> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw new LogSourceError(`Cannot read the log path ${path}.`, 'Pass an existing file or folder to --logs.', error);
  }
  if (info.isFile()) {
    yield { kind: 'file', path };
    return;
  }
  if (!info.isDirectory()) {
    throw new LogSourceError(`${path} is neither a file nor a folder.`, 'Pass a log file or a folder of log files.');
  }
  const names = (await readdir(path)).sort();
  for (const name of names) {
    const child = join(path, name);
    const childInfo = await stat(child).catch(() => undefined);
    if (childInfo?.isDirectory()) yield* walkPath(child);
    else if (childInfo?.isFile()) yield { kind: 'file', path: child };
  }
}

async function* listS3(url: string, opts: SourceOptions): AsyncGenerator<LogSource> {
  const parsed = parseS3Url(url);
  if (!parsed) {
    throw new LogSourceError(`${url} is not an S3 URL.`, 'Use s3://<bucket>/<prefix>, e.g. s3://my-logs/runner-logs/.');
  }
  const s3 = await s3Client(opts);
  let token: string | undefined;
  do {
    let page: ListObjectsV2CommandOutput;
    try {
      page = await s3.send(
        new ListObjectsV2Command({ Bucket: parsed.bucket, Prefix: parsed.prefix, ContinuationToken: token }),
        { abortSignal: opts.signal },
      );
    } catch (error) {
      throw new LogSourceError(
        `Cannot list ${url}: ${(error as Error).name ?? 'error'}.`,
        'Check the bucket name and that the caller may s3:ListBucket on it.',
        error,
      );
    }
    for (const object of page.Contents ?? []) {
      const key = object.Key;
      if (key === undefined || key.endsWith('/')) continue;
      if (opts.s3KeyFilter && !opts.s3KeyFilter(key)) continue;
      yield { kind: 's3', bucket: parsed.bucket, key };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

async function s3Client(opts: SourceOptions): Promise<S3Client> {
  if (opts.s3) return opts.s3;
  return defaultS3Client();
}

/** The raw byte stream of one source. Errors (missing file, GetObject denied) surface as stream errors. */
export async function openRaw(source: LogSource, opts: SourceOptions = {}): Promise<Readable> {
  switch (source.kind) {
    case 'file':
      return createReadStream(source.path, { highWaterMark: READ_CHUNK, signal: opts.signal });
    case 'bytes':
      return Readable.from([Buffer.from(source.data.buffer, source.data.byteOffset, source.data.byteLength)], {
        objectMode: false,
      });
    case 'stream':
      return Readable.from(source.open(), { objectMode: false });
    case 's3': {
      const s3 = await s3Client(opts);
      const out = await s3.send(new GetObjectCommand({ Bucket: source.bucket, Key: source.key }), {
        abortSignal: opts.signal,
      });
      const body = out.Body;
      // An object-mode stream (a test double, a custom handler) is re-read as bytes: readHead/unshift need bytes.
      if (body instanceof Readable && !body.readableObjectMode) return body;
      return Readable.from((body ?? []) as AsyncIterable<Uint8Array>, { objectMode: false });
    }
  }
}

/**
 * The decompressed bytes: gzip (by its magic bytes; members concatenated) or the input as it is. The input is
 * piped straight into gunzip (no per-chunk hop through async generators).
 * A truncated gzip must still yield everything before the cut: zlib inflates the last chunk of an ending input
 * with Z_FINISH, and when that fails its whole output is dropped. So the input is piped without ending gunzip,
 * then a Z_SYNC_FLUSH hands over all decodable output, and only then `end()` raises the truncation error.
 */
export async function decoded(input: Readable): Promise<Readable> {
  const head = await readHead(input, 2);
  if (head.length < 2) return Readable.from(head.length > 0 ? [head] : [], { objectMode: false }); // whole input
  input.unshift(head);
  if (head[0] !== 0x1f || head[1] !== 0x8b) return input;
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK });
  input.pipe(gunzip, { end: false });
  input.once('end', () => gunzip.flush(constants.Z_SYNC_FLUSH, () => gunzip.end()));
  input.once('error', (error) => gunzip.destroy(error));
  gunzip.once('close', () => input.destroy());
  return gunzip;
}

/**
 * The chunks of a stream, read up to READ_AHEAD bytes ahead of the consumer: gunzip works on the libuv pool, so it
 * decompresses the next chunks while the parser works on this one. The queue is ours, not the stream's, so a
 * stream error (truncated gzip) is thrown only after every byte decoded before it has been handed over.
 */
export async function* chunksOf(stream: Readable): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  stream.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= READ_AHEAD) stream.pause();
    signal();
  });
  stream.on('end', () => {
    ended = true;
    signal();
  });
  stream.on('error', (error: Error) => {
    failure = error;
    ended = true;
    signal();
  });
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk !== undefined) {
        queued -= chunk.length;
        if (queued < READ_AHEAD / 2 && stream.isPaused() && !ended) stream.resume();
        yield chunk;
      } else if (ended) {
        break;
      } else {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    }
    if (failure) throw failure;
  } finally {
    if (!ended) stream.destroy();
  }
}

/**
 * The first `n` bytes, taken off the stream; fewer when the stream holds fewer (then it has ended and they are all
 * of it). Rejects on a stream error.
 */
function readHead(input: Readable, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (result: Buffer | Error) => {
      input.off('readable', onReadable);
      input.off('end', onEnd);
      input.off('error', done);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onReadable = () => {
      const chunk = (input.read(n) ?? (input.readableEnded ? input.read() : null)) as Buffer | null;
      if (chunk !== null) done(chunk);
    };
    const onEnd = () => done(Buffer.alloc(0));
    input.on('readable', onReadable);
    input.on('end', onEnd);
    input.on('error', done);
  });
}
