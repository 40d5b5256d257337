// The demo terminal: a cashier page driving the poscore engine (Rust core in wasm) against the
// acquirer simulator through the loopback gateway (web/gateway). No framework, no bundler.
//
// What the page never does: show or log a PAN or PIN digit. PIN digits go to the core in the
// request (`pin: { type: 'clear', digits }`), which builds and enciphers the PIN block; events
// and the receipt carry the PAN masked. The pending-reversal list shows amounts and STANs only.
//
// Query parameters (tests): `transport=ws|http`, `timeout=MS` (response timeout), `tid=NNNNNNNN`.
import { init, Terminal, WebSocketTransport, HttpTransport, card, response, receipt, report } from 'poscore';
import { openStore, resetStore } from './store.js';

// Published test material only: the simulator shares this TMK; the cards are test cards
// (tests/sim/src/cards.rs). A real terminal gets its TMK from a key injection, never from code.
const TEST_TMK = '0123456789ABCDEFFEDCBA9876543210';
const CHIP_PAN = '6212345678901232';
const ICC =
  '9F26087D069678427840429F2701809F100706010A03A000009F37045A3B2C1D9F36020001950500000000009A032611239C01009F02060000000000005F2A02015682027C009F1A0201564F08A0000003330101015008556E696F6E506179';
const chipData = { pan: CHIP_PAN, track2: `${CHIP_PAN}D28122200000000000`, expiry: '2812', cardSeq: '001', iccData: ICC };
const CARDS = {
  chip: () => ({ type: 'chip', ...chipData }),
  contactless: () => ({ type: 'contactless', ...chipData }),
  magstripe: () => ({ type: 'magstripe', track2: ';4761739001010010=25121011143878089?' }),
  qr: () => ({ type: 'qrCode', code: $('#qr-code').value }),
};
const METHOD_NAMES = { chip: '插卡 Chip', contactless: '闪付 Tap', magstripe: '刷卡 Swipe', qr: '付款码 QR' };
const KIND_NAMES = { sale: '消费 Sale', sign_on: '签到 Sign-on', settle: '结算 Settlement', void: '撤销 Void', refund: '退货 Refund' };

const params = new URLSearchParams(location.search);
const config = {
  // The identity is required (no default): the demo's is the published test identity.
  terminalId: params.get('tid') || '12345678',
  merchantId: '898310048160001',
  merchantName: 'poscore 演示商户 DEMO SHOP', // printed on the receipt
  responseTimeoutMs: Number(params.get('timeout') ?? 10_000),
  reversalIdleDelayMs: 600_000, // the demo shows the pending reversal until the next request
  reversalBackoffMs: 2_000,
};

const $ = (sel) => document.querySelector(sel);
const yuan = (fen) => `¥${(fen / 100).toFixed(2)}`;
const state = { amount: 0, busy: false, terminal: null, transport: null, durable: false };

// ---- transport -----------------------------------------------------------------------------

function makeTransport(kind) {
  if (kind === 'http') return new HttpTransport({ url: new URL('/iso8583', location.href) });
  return new WebSocketTransport({ url: new URL('/ws', location.href.replace(/^http/, 'ws')) });
}

function useTransport(kind) {
  state.transport?.close();
  state.transport = makeTransport(kind);
  $('#transport').value = kind;
}

// ---- rendering -----------------------------------------------------------------------------

function setStatus(stateName, text) {
  const el = $('#status');
  el.dataset.state = stateName;
  el.textContent = text;
}

function refreshStatus() {
  const t = state.terminal;
  if (!t) return;
  if (state.busy) return setStatus('busy', '处理中 Working…');
  if (!t.isSignedOn()) return setStatus('offline', '未签到 Not signed on');
  setStatus('ready', `已签到 Signed on · 批次 Batch ${t.batch}${config.terminalId ? ` · 终端 TID ${config.terminalId}` : ''}`);
}

function refreshButtons() {
  const signedOn = state.terminal?.isSignedOn() ?? false;
  $('#pay').disabled = state.busy || !signedOn || state.amount <= 0;
  $('#settle').disabled = state.busy || !signedOn;
  $('#sign-on').disabled = state.busy;
  $('#send-pending').disabled = state.busy || !signedOn;
  $('#pay').textContent = state.amount > 0 ? `收款 Charge ${yuan(state.amount)}` : '收款 Charge';
}

function refreshPending() {
  const list = state.terminal?.pending() ?? [];
  $('#pending').hidden = list.length === 0;
  // Amount, STAN, reason and attempts only: the record's template holds the PAN.
  $('#pending-list').replaceChildren(
    ...list.map((r) => {
      const li = document.createElement('li');
      li.dataset.stan = r.stan;
      li.dataset.status = r.status;
      li.textContent = `${KIND_NAMES[r.kind] ?? r.kind} ${yuan(r.amount ?? 0)} · 流水号 STAN ${r.stan} · 原因 reason ${r.reason ?? '-'} · ${r.status} · 已尝试 attempts ${r.attempts}`;
      if (r.status === 'exhausted') li.append(resolveButtons(r.stan));
      return li;
    }),
  );
}

// An exhausted reversal blocks payments until the operator has checked with the acquirer (T701):
// send it again, or close it because the acquirer confirms the customer was not charged.
function resolveButtons(stan) {
  const box = document.createElement('div');
  box.className = 'resolve';
  for (const [resolution, label] of [
    ['retry', '再次冲正 Reverse again'],
    ['reconciledNotCharged', '已核实未扣款 Checked: not charged'],
  ]) {
    const b = document.createElement('button');
    b.textContent = label;
    b.dataset.resolution = resolution;
    b.addEventListener('click', async () => {
      try {
        state.terminal.resolveExhaustedReversal(stan, resolution);
      } catch (err) {
        showOutcome('error', err.message);
        return;
      }
      await run(null);
    });
    box.append(b);
  }
  return box;
}

function refresh() {
  refreshStatus();
  refreshButtons();
  refreshPending();
}

function showOutcome(kind, title) {
  $('#result').hidden = false;
  if (kind !== 'busy') $('#result').scrollIntoView({ block: 'start' });
  $('#result').dataset.outcome = kind;
  $('#outcome').textContent = title;
  $('#diagnosis').hidden = true;
  $('#receipt').hidden = true;
}

/** Remedy texts in both languages, from the registry that diagnosed (ids when unknown). */
function remedies(diagnosis) {
  const { code, remedies: ids } = diagnosis.entry;
  try {
    const zh = response.explain(code, { profile: diagnosis.profile, lang: 'zh' }).remedies;
    const en = response.explain(code, { profile: diagnosis.profile, lang: 'en' }).remedies;
    if (zh.length === ids.length && en.length === ids.length) return ids.map((_, i) => [zh[i], en[i]]);
  } catch {
    // a terminal-local key the registry cannot explain by code: show the ids
  }
  return ids.map((id) => [id, '']);
}

function showDiagnosis(diagnosis) {
  const e = diagnosis.entry;
  $('#diagnosis').hidden = false;
  $('#diag-code').textContent = e.code;
  $('#diag-operator-zh').textContent = e.operator.zh;
  $('#diag-operator-en').textContent = e.operator.en;
  $('#diag-customer-zh').textContent = e.customer.zh;
  $('#diag-customer-en').textContent = e.customer.en;
  $('#diag-remedies').replaceChildren(
    ...remedies(diagnosis).map(([zh, en]) => {
      const li = document.createElement('li');
      li.append(zh);
      if (en) {
        const span = document.createElement('span');
        span.lang = 'en';
        span.textContent = en;
        li.append(document.createElement('br'), span);
      }
      return li;
    }),
  );
}

function showReceipt(record) {
  const frame = $('#receipt');
  frame.srcdoc = receipt.html(record, { lang: 'zh', copy: 'cardholder' });
  frame.hidden = false;
  frame.onload = () => {
    // Size the (script-less) frame to its content when the browser lets us read it.
    try {
      frame.style.height = `${frame.contentDocument.documentElement.scrollHeight}px`;
    } catch {
      frame.style.height = '640px';
    }
  };
}

/** Today's statistics (日报) as the core renders them: a table and an SVG chart, no script. */
function showStatistics() {
  // The terminal's day (its config's utcOffsetMinutes, default UTC+8 as the core's), not the
  // browser's: the core buckets the journal by the terminal's local date.
  const offsetMinutes = config.utcOffsetMinutes ?? 480;
  const today = new Date(Date.now() + offsetMinutes * 60_000).toISOString().slice(0, 10); // YYYY-MM-DD
  const frame = $('#stats');
  const stats = state.terminal.statistics('day', today, today);
  frame.srcdoc = report.statsHtml(stats, { lang: 'zh' });
  frame.hidden = false;
  frame.onload = () => {
    try {
      frame.style.height = `${frame.contentDocument.documentElement.scrollHeight}px`;
    } catch {
      frame.style.height = '900px';
    }
  };
}

/** A staff alert (员工提醒): shown until the page reloads, newest first. */
function onAlert(a) {
  $('#alerts').hidden = false;
  const li = document.createElement('li');
  li.dataset.alert = a.alert;
  li.textContent = `${a.alert}${a.stan ? ` · STAN ${a.stan}` : ''} · ${a.diagnosis.entry.code} ${a.diagnosis.entry.operator.zh} / ${a.diagnosis.entry.operator.en}`;
  $('#alert-list').prepend(li);
}

function log(e) {
  const li = document.createElement('li');
  li.dataset.type = e.type;
  if (e.mti) li.dataset.mti = e.mti;
  if (e.stan) li.dataset.stan = e.stan;
  const parts = [new Date().toLocaleTimeString('zh-CN', { hour12: false }), e.type];
  if (e.mti) parts.push(e.mti);
  if (e.kind) parts.push(e.kind);
  if (e.stan) parts.push(`STAN ${e.stan}`);
  if (e.diagnosis) parts.push(`${e.diagnosis.entry.code} ${e.diagnosis.entry.operator.en}`);
  if (e.code && !e.diagnosis) parts.push(e.code);
  li.textContent = parts.join(' · ');
  $('#log').prepend(li);
}

// Rendering must never break the engine's loop: a throw here would abandon `Terminal.run`.
function onEvent(e) {
  try {
    render(e);
  } catch (err) {
    console.error('render', e.type, err);
    log({ type: 'render_error', code: err.code ?? err.name });
  }
}

function render(e) {
  log(e);
  switch (e.type) {
    case 'approved':
      showOutcome('approved', `交易成功 Approved ${yuan(e.amount)}${e.authCode ? ` · 授权码 Auth ${e.authCode}` : ''}`);
      if (e.receipt) showReceipt(e.receipt);
      break;
    case 'declined':
      showOutcome('declined', `交易拒绝 Declined (${e.diagnosis.entry.code})`);
      showDiagnosis(e.diagnosis);
      break;
    case 'failed':
      showOutcome('failed', e.reversalPending ? '结果未知，已登记冲正 Unknown result: reversal pending' : '交易失败 Failed');
      showDiagnosis(e.diagnosis);
      break;
    case 'reversal_exhausted':
      showOutcome('failed', '冲正多次失败 Reversal retries exhausted');
      showDiagnosis(e.diagnosis);
      break;
    case 'signed_on':
      showOutcome('signed_on', `签到成功 Signed on · 批次 Batch ${e.batch}`);
      break;
    case 'settlement_balanced':
    case 'settlement_unbalanced': {
      const t = e.totals;
      showOutcome(
        'settled',
        `${e.type === 'settlement_balanced' ? '结算平账 Settlement balanced' : '结算不平，上送明细 Unbalanced: uploading'} · 批次 Batch ${e.batch} · ` +
          `借记 Debits ${t.debitCount} / ${yuan(t.debitAmount)} · 贷记 Credits ${t.creditCount} / ${yuan(t.creditAmount)}`,
      );
      if (e.type === 'settlement_balanced') showStatistics();
      break;
    }
    default:
  }
  refreshPending();
}

// ---- actions -------------------------------------------------------------------------------

async function run(request) {
  state.busy = true;
  refresh();
  try {
    return await state.terminal.run(request, state.transport, { onEvent, onAlert });
  } catch (err) {
    // Refused before anything was sent (not signed on, reversal unresolved, bad input).
    showOutcome('error', `无法开始 Cannot start: ${err.message}`);
    if (err.diagnosis) showDiagnosis(err.diagnosis);
    log({ type: 'error', code: err.code ?? err.name });
    return [];
  } finally {
    state.busy = false;
    refresh();
  }
}

/** Collects PIN digits on the on-screen PIN pad; resolves them, or null when cancelled. */
function askPin(amount) {
  const dialog = $('#pin-dialog');
  let digits = '';
  const dots = () => {
    $('#pin-dots').textContent = '●'.repeat(digits.length) || '\u00a0';
    $('#pin-ok').disabled = digits.length < 4;
  };
  $('#pin-amount').textContent = `金额 Amount ${yuan(amount)}`;
  dots();
  const press = (key) => {
    if (key === 'back') digits = digits.slice(0, -1);
    else if (/^\d$/.test(key) && digits.length < 12) digits += key;
    dots();
  };
  const onClick = (ev) => {
    const key = ev.target.closest('[data-pin]')?.dataset.pin;
    if (key) press(key);
  };
  const onKey = (ev) => {
    if (/^\d$/.test(ev.key)) press(ev.key);
    else if (ev.key === 'Backspace') press('back');
    else return;
    ev.preventDefault();
  };
  $('#pin-keypad').addEventListener('click', onClick);
  dialog.addEventListener('keydown', onKey);
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        $('#pin-keypad').removeEventListener('click', onClick);
        dialog.removeEventListener('keydown', onKey);
        const out = dialog.returnValue === 'ok' && digits.length >= 4 ? digits : null;
        digits = '';
        dots();
        resolve(out);
      },
      { once: true },
    );
  });
}

async function pay() {
  const method = document.querySelector('input[name=method]:checked').value;
  const amount = state.amount;
  const request = { type: 'sale', amount, card: CARDS[method]() };
  if (method !== 'qr') {
    const digits = await askPin(amount);
    if (digits === null) return;
    request.pin = { type: 'clear', digits };
  }
  showOutcome('busy', `${METHOD_NAMES[method]} ${yuan(amount)} · 处理中 Working…`);
  const events = await run(request);
  delete request.pin; // drop the page's reference to the digits as soon as the request is done
  if (events.some((e) => e.type === 'approved')) setAmount(0);
}

async function scriptNextAnswer(line) {
  const out = $('#dev-reply');
  try {
    const res = await fetch('/sim/script', { method: 'POST', body: line });
    const reply = await res.json();
    out.textContent = reply.ok ? `已设置 Set: ${line} (queued ${reply.queued})` : `错误 Error: ${reply.error}`;
    out.dataset.ok = String(reply.ok);
  } catch (e) {
    out.textContent = `网关不可用 Gateway unavailable: ${e.message}`;
    out.dataset.ok = 'false';
  }
}

function setAmount(fen) {
  state.amount = fen;
  $('#amount').textContent = yuan(fen);
  refreshButtons();
}

function pressAmount(key) {
  if (key === 'C') return setAmount(0);
  const next = Number(`${state.amount}${key}`);
  if (next <= 99_999_999) setAmount(next);
}

// ---- start ---------------------------------------------------------------------------------

async function start() {
  await init();
  const { store, durable } = await openStore();
  state.durable = durable;
  // A store that does not survive a reload starts a new terminal each time: give it its own
  // terminal id, or the acquirer would see STAN 000001 again and answer 94 (duplicate).
  if (!durable && !config.terminalId) config.terminalId = String(10_000_000 + Math.floor(Math.random() * 89_999_999));
  state.terminal = new Terminal({ config, tmk: TEST_TMK, store });
  state.store = store;
  useTransport(params.get('transport') === 'http' ? 'http' : 'ws');

  $('#keypad').addEventListener('click', (ev) => {
    const key = ev.target.closest('[data-key]')?.dataset.key;
    if (key) pressAmount(key);
  });
  document.addEventListener('keydown', (ev) => {
    if ($('#pin-dialog').open || ev.target.closest?.('input, select, textarea')) return;
    if (/^\d$/.test(ev.key)) pressAmount(ev.key);
    else if (ev.key === 'Backspace') setAmount(Math.floor(state.amount / 10));
  });
  for (const radio of document.querySelectorAll('input[name=method]')) {
    radio.addEventListener('change', () => ($('#qr').hidden = radio.value !== 'qr' || !radio.checked));
  }
  const showKind = () => ($('#qr-kind').textContent = `识别为 Recognised: ${card.classifyPaymentCode($('#qr-code').value) ?? '未知 unknown'}`);
  $('#qr-code').addEventListener('change', showKind);
  showKind();
  $('#transport').addEventListener('change', (ev) => useTransport(ev.target.value));
  $('#pay').addEventListener('click', pay);
  $('#settle').addEventListener('click', () => run({ type: 'settle' }));
  $('#sign-on').addEventListener('click', () => run({ type: 'signOn' }));
  $('#send-pending').addEventListener('click', () => {
    state.terminal.flushPending();
    run(null);
  });
  for (const b of document.querySelectorAll('[data-script]')) b.addEventListener('click', () => scriptNextAnswer(b.dataset.script));
  $('#reset').addEventListener('click', async () => {
    const pending = state.terminal.pending().length;
    if (pending && !confirm(`${pending} 笔待冲正将被丢弃 pending reversal(s) will be lost. 继续 Continue?`)) return;
    state.terminal.free();
    await resetStore(state.store);
    location.reload();
  });
  $('#journal').textContent = durable ? '日志加密保存在本机 IndexedDB Journal: IndexedDB, sealed (survives reload)' : '日志仅在内存 Journal: memory only (lost on reload)';

  refresh();
  // Sign on at start, unless the journal says this terminal is already signed on.
  if (!state.terminal.isSignedOn()) await run({ type: 'signOn' });
}

start().catch((e) => {
  if (e?.code === 'store.in_use') {
    // One journal, one engine: a second tab would reuse STANs and race the reversals.
    setStatus('in_use', '此终端已在另一个标签页打开 This terminal is open in another tab');
    return;
  }
  setStatus('error', `启动失败 Start failed: ${e.message}`);
  console.error(e);
});
