import { gzipSync } from 'node:zlib';

/**
 * Cuts a log fixture into what the log shipper uploads: one gzip object per minute,
 *   runner-logs/<stack>/<instance-id>/YYYY/MM/DD/HH/<epoch>.log.gz
 * holding the lines since the previous object and ending with that minute's metrics snapshot
 * (stack/bastion/scripts/log-shipper.py). Lines after the last snapshot go into one more object.
 */
export interface ShipperObject {
  key: string;
  body: Buffer;
  lines: number;
}

const SNAPSHOT_TIME = /^\{"time":"([^"]+)","level":"info","msg":"metrics snapshot"/;

export function shipperObjects(text: string, stackName: string, instanceId: string): ShipperObject[] {
  const out: ShipperObject[] = [];
  let pending: string[] = [];
  let lastEpoch = 0;
  const flush = (epoch: number) => {
    const path = new Date(epoch * 1000).toISOString().slice(0, 13).replace(/-/g, '/').replace('T', '/');
    out.push({
      key: `runner-logs/${stackName}/${instanceId}/${path}/${epoch}.log.gz`,
      body: gzipSync(Buffer.from(`${pending.join('\n')}\n`)),
      lines: pending.length,
    });
    pending = [];
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    pending.push(line);
    const snapshot = SNAPSHOT_TIME.exec(line);
    if (snapshot) {
      lastEpoch = Math.floor(Date.parse(snapshot[1] as string) / 1000);
      flush(lastEpoch);
    }
  }
  if (pending.length > 0) flush(lastEpoch + 60);
  return out;
}
