// The acquirer simulator (tests/sim, binary `poscore-sim`) as the Node end-to-end tests start it:
// on a free loopback port, living as long as its stdin; resolves once it printed its port.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { simBinary } from '../../gateway/gateway.js';

/** Starts the simulator with `args` (`--seed`, `--script`...); returns `{ child, port }`. */
export async function startSim(args) {
  const child = spawn(simBinary(), ['--port', '0', '--stdin-lifetime', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`poscore-sim exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  return { child, port: JSON.parse(line).port };
}

/** Stops a simulator started by `startSim`. */
export function stopSim(sim) {
  sim?.child.stdin.end();
  sim?.child.kill();
}
