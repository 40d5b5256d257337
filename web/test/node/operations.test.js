// Merchant and operator tools through the npm package (issue 14): the transaction log query,
// reprints, and staff alerts through `run`'s `onAlert`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Terminal, TerminalError, ReportError, TcpTransport, report } from 'poscore';
import { TMK, PAN, sale, config, of, MapStore } from '../shared/fixtures.js';
import { spawnSim } from '../../gateway/gateway.js';

let sim;
let tcp;
let terminal;
let approved;

before(async () => {
  sim = await spawnSim({ seed: 31, script: '0500:unbalanced' });
  tcp = new TcpTransport({ port: sim.port });
  terminal = new Terminal({ config, tmk: TMK, store: new MapStore(), seed: 9 });
  await terminal.run({ type: 'signOn' }, tcp);
  [approved] = of(await terminal.run(sale(1_500), tcp), 'approved');
  await terminal.run(sale(100_000_001), tcp); // declined: over the test account's balance
});

after(async () => {
  tcp?.close();
  terminal?.free();
  await sim?.close();
});

test('the log lists, filters and masks', () => {
  const all = terminal.queryLog();
  assert.equal(all.total, 2);
  assert.ok(!JSON.stringify(all).includes(PAN), 'no full card number');
  assert.equal(all.entries[1].stan, approved.stan, 'newest first');
  const declined = terminal.queryLog({ status: ['declined'] });
  assert.equal(declined.total, 1);
  assert.equal(declined.entries[0].responseCode, '51');
  assert.equal(terminal.queryLog({ minAmount: 2_000, maxAmount: 3_000 }).total, 0);
  assert.throws(() => terminal.queryLog({ fromDate: '2026-02-30' }), (e) => e instanceof TerminalError);
});

test('the audit trail notes the sign-on and each message with its times', () => {
  const trail = terminal.auditTrail();
  assert.equal(trail[0].what, 'signed_on');
  const messages = trail.filter((a) => a.what === 'message');
  assert.deepEqual(messages.map((a) => [a.mti, a.result]), [['0200', '00'], ['0200', '51']]);
  assert.ok(messages.every((a) => a.doneAt >= a.at && a.maskedPan.includes('*')));
});

test('a slip is reprinted from the journal', () => {
  const slip = terminal.reprint(approved.stan);
  assert.equal(slip.voucherNo, approved.stan);
  assert.match(slip.pan, /\*/);
});

test('an unbalanced settlement raises a staff alert through onAlert', async () => {
  const alerts = [];
  await terminal.run({ type: 'settle' }, tcp, { onAlert: (a) => alerts.push(a) });
  assert.ok(alerts.some((a) => a.alert === 'settlement_unbalanced' && a.diagnosis.entry.code === 'T702'), JSON.stringify(alerts));
});

test('terminal totals, the settlement report and statistics render on every format', () => {
  const last = terminal.lastSettlementReport();
  assert.ok(last, 'the settlement above left its report');
  assert.equal(last.domestic.result, 'unbalanced');
  const text = report.settlementText({ ...last, reprint: true }, { width: 32 });
  assert.match(text, new RegExp(last.batch));
  assert.match(text, /重打印/);
  assert.ok(report.settlementEscpos(last).length > 0);
  const totals = terminal.terminalTotalsReport();
  assert.equal(totals.kind, 'terminal_totals');
  const today = last.date;
  const stats = terminal.statistics('day', today, today);
  assert.equal(stats.rows.length, 1);
  assert.equal(stats.rows[0].gross, 1_500);
  assert.match(report.statsHtml(stats), /<svg/);
  assert.match(report.statsCsv(stats), /^period,label,count/);
  assert.throws(() => report.statsText({ ...stats, rows: [{ ...stats.rows[0], net: 1 }] }), (e) => e instanceof ReportError);
  assert.throws(() => terminal.statistics('fortnight', today, today), (e) => e instanceof TerminalError);
});
