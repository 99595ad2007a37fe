/**
 * Child process for test/integration/moto-harness.test.ts: starts moto, prints its port, then either
 * waits to be killed (`wait`) or leaves through process.exit (`exit`) without calling stop().
 */
import { startMoto } from '../../scripts/lib/moto.js';

const mode = process.argv[2] ?? 'wait';
const moto = await startMoto();
process.stdout.write(`${moto.port}\n`);
if (mode === 'exit') {
  setTimeout(() => process.exit(0), 200);
} else {
  setInterval(() => {}, 60_000);
}
