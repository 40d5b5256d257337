// A bare field 39 code is accepted where the types say so (`response.diagnose('51')`), as people
// type it; anything else must still be a well-formed key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { response, ResponseError } from 'poscore';

test('a bare host code diagnoses like code:NN', () => {
  const bare = response.diagnose('51', { lang: 'en' });
  const keyed = response.diagnose('code:51', { lang: 'en' });
  assert.deepEqual(bare, keyed);
  assert.equal(response.diagnose('A0').code, 'A0');
  assert.throws(() => response.diagnose('5'), (e) => e instanceof ResponseError);
  assert.throws(() => response.diagnose('comm'), (e) => e instanceof ResponseError);
});
