// The Terminal's config: the identity is required and an unknown or misspelled key is refused,
// with an error that names the key as the caller spelled it (the core sees snake_case keys).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Terminal, TerminalError } from 'poscore';
import { TMK, identity } from '../shared/fixtures.js';

const refused = (config, pattern) =>
  assert.throws(
    () => new Terminal({ config, tmk: TMK, seed: 1 }),
    (e) => {
      assert.ok(e instanceof TerminalError, `${e}`);
      assert.equal(e.code, 'terminal.bad_config');
      assert.match(e.message, pattern);
      return true;
    },
  );

test('the demo identity is enough; camelCase and snake_case keys both reach the core', () => {
  new Terminal({ config: identity, tmk: TMK, seed: 1 }).free();
  const snake = { terminal_id: '12345678', merchant_id: '898310048160001', merchant_name: 'x', stan_block: 10 };
  new Terminal({ config: snake, tmk: TMK, seed: 1 }).free();
});

test('a misspelled key (terminalID) is refused, named as written, with the keys expected', () => {
  refused({ ...identity, terminalID: '87654321' }, /unknown field `terminalID`, expected one of `terminalId`/);
  refused({ ...identity, responseTimeout: 800 }, /unknown field `responseTimeout`.*`responseTimeoutMs`/);
  refused({ ...identity, TerminalId: '87654321' }, /unknown field `TerminalId`/);
});

test('a missing identity field is refused by name, never replaced by a test identity', () => {
  for (const key of Object.keys(identity)) {
    const config = { ...identity };
    delete config[key];
    refused(config, new RegExp(`missing field \`${key}\``));
  }
  refused({}, /missing field `terminalId`/);
  refused(undefined, /missing field `terminalId`/);
  // The misspelled identity does not fall back to defaults either: the unknown key is named.
  refused({ terminalID: '12345678', merchantId: '898310048160001', merchantName: 'x' }, /`terminalID`/);
});
