// The hand-written TypeScript types must match the runtime: `tsc --noEmit` checks usage.ts
// against index.d.ts, then the compiled usage.ts runs against the packed package.
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('..', import.meta.url));
const tsc = (...args) => execFileSync(`${here}/node_modules/.bin/tsc`, args, { cwd: here, stdio: 'pipe' });

test('tsc --noEmit accepts the usage file against index.d.ts', () => {
  tsc('-p', 'types', '--noEmit');
});

test('the compiled usage file runs against the package', async () => {
  tsc('-p', 'types');
  await import(new URL('../.build/usage.js', import.meta.url));
});
