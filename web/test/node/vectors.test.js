// Runs the shared conformance vectors (tests/vectors/) against the installed, packed poscore
// package under Node's test runner.
import { test } from 'node:test';
import { readFile } from 'node:fs/promises';
import * as poscore from 'poscore';
import { allCases } from '../shared/suites.js';

const vectorsDir = new URL('../../../tests/vectors/', import.meta.url);
const load = (path) => readFile(new URL(path, vectorsDir), 'utf8');

for (const c of await allCases(poscore, load)) test(c.name, c.run);

test('the package reports the core version', async () => {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
  if (poscore.version() !== pkg.version) throw new Error(`${poscore.version()} != ${pkg.version}`);
});
