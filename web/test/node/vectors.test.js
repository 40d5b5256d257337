// Runs the shared conformance vectors (tests/vectors/*.json) against the installed, packed
// poscore package under Node's test runner.
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import * as poscore from 'poscore';
import { suites } from '../shared/card-vectors.js';

const vectorsDir = new URL('../../../tests/vectors/', import.meta.url);

for (const [name, build] of Object.entries(suites)) {
  const vectors = JSON.parse(readFileSync(new URL(`${name}.json`, vectorsDir), 'utf8'));
  for (const c of build(poscore, vectors)) test(c.name, c.run);
}

test('the package reports the core version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  if (poscore.version() !== pkg.version) throw new Error(`${poscore.version()} != ${pkg.version}`);
});
