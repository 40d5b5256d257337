// Type-checked with `tsc --noEmit` against the package's hand-written index.d.ts, then compiled
// and run under Node: if the types and the runtime drift apart, one of the two steps fails.
import { init, version, card, response, receipt, ResponseRegistry, PoscoreError, CardError, ResponseError, ReceiptError, Iso8583, Iso8583Error, Frame, FrameDecoder, Tlv, hex } from 'poscore';
import type { Iso8583Message, TlvObject, DecodedFrame } from 'poscore';
import { Key, PinBlock, Mac, Data, WorkingKeys, Dukpt, DukptTerminal, Tr31, KeysError, PinError, MacError, DukptError, Tr31Error } from 'poscore';
import type { Brand, Inspection, Track2Summary, PaymentCodeKind, Explanation, Diagnosis } from 'poscore';
import * as checkout from 'poscore/checkout';
import { Terminal, MemoryStore, IndexedDbStore, StoreError, TerminalError, MAX_VALUE_LEN, HttpTransport, WebSocketTransport, TcpTransport } from 'poscore';
import type { TerminalConfig, TerminalStore, TerminalRequest, TerminalEvent, Transmit, Transport, TransportError, SettlementOwed, JournalDamage, TlsOptions, TlsFailure, CommFailure } from 'poscore';
import type { KeyAlgorithm, KeyUsage, Hex, TdesDukptKeys, DukptTransaction, Tr31Header } from 'poscore';
import { Tms, TmsError } from 'poscore';
import type { TmsCapk, TmsContinuation, TmsKeyRef } from 'poscore';
import { Emv, EmvIssuer, EmvError } from 'poscore';
import type { Cvn, EmvCard } from 'poscore';
import { PaymentOrder, OrderError } from 'poscore';
import type { OrderAction, OrderAnswer, OrderState } from 'poscore';

function assert(cond: boolean, what: string): asserts cond {
  if (!cond) throw new Error(`usage.ts: ${what}`);
}

await init();
const v: string = version();
assert(/^\d+\.\d+\.\d+$/.test(v), 'version');

const valid: boolean = card.luhnValid('4761739001010010');
assert(valid, 'luhnValid');
const digit: number = card.luhnCheckDigit('476173900101001');
assert(digit === 0, 'luhnCheckDigit');
const masked: string = card.maskPan('6212345678901232', { keepLast: 4, keepFirst: 0 });
assert(masked === '************1232', 'maskPan');
const brand: Brand = card.brand('6212345678901232');
assert(brand === 'union_pay', 'brand');
const t2: Track2Summary = card.parseTrack2('4761739001010010=25122011143878089');
assert(t2.maskedPan === '476173******0010' && t2.expiry.month === 12 && t2.chipCard, 'parseTrack2');
const wallet: PaymentCodeKind | null = card.classifyPaymentCode('134567890123456789');
assert(wallet === 'wechat_pay', 'classifyPaymentCode');
const info: Inspection = card.inspect('284567890123456789');
assert(info.kind === 'payment_code' && info.paymentCode === 'alipay' && info.expiry === null, 'inspect');

try {
  card.inspect('4761x');
  assert(false, 'inspect should throw');
} catch (e) {
  assert(e instanceof CardError && e instanceof PoscoreError, 'error class');
  const code: string = e.code;
  const offset: number | undefined = e.offset;
  assert(code === 'card.unexpected_char' && offset === 4, 'error fields');
}
const e51: Explanation = response.explain('51', { lang: 'en' });
assert(e51.outcome === 'Declined' && e51.cause === 'account_balance', 'explain 51');
const d: Diagnosis = ResponseRegistry.bundled('unionpay').diagnose('comm.receive_timeout.after_send', { request: 'financial' });
if (d.action === 'reverse') {
  const reason: string | null = d.reversalReason;
  assert(reason === '98', 'reversal reason');
} else {
  assert(false, 'timeout after send must reverse');
}
try {
  response.parseLang('fr');
  assert(false, 'parseLang should throw');
} catch (e) {
  assert(e instanceof ResponseError && e.code === 'response.unknown_language', 'ResponseError');
}
const txn = JSON.stringify({
  merchant_name: '上海测试便利店',
  merchant_id: '898310048160001',
  terminal_id: '12345678',
  pan: '6212345678901232',
  entry_mode: 'chip',
  txn_type: 'sale',
  amount: 8800,
  currency: 'CNY',
  date: '2026-11-23',
  time: '16:21:05',
  batch_no: '000001',
  voucher_no: '000123',
});
const slip: string = receipt.text(txn, { width: 32, lang: 'zh' });
assert(slip.includes('621234******1232') && !slip.includes('6212345678901232'), 'receipt text');
const bytes: Uint8Array = receipt.escpos(JSON.parse(txn), { width: 32 });
assert(bytes[0] === 0x1b && bytes[1] === 0x40, 'ESC @');
try {
  receipt.text(txn, { width: 20 });
  assert(false, 'width 20 should throw');
} catch (e) {
  assert(e instanceof ReceiptError && e.code === 'receipt.bad_width', 'ReceiptError');
}
const sale: Iso8583Message = { mti: '0800', fields: { '11': '000001', '41': '10000001', '42': '898310048990001', '60': '00000001003' } };
const packed: Uint8Array = Iso8583.pack('cup-pos', sale);
const back: Iso8583Message = Iso8583.unpack('cup-pos', packed);
assert(back.mti === '0800' && back.fields['41'] === '10000001', 'iso8583 round trip');
assert(Iso8583.mti('0200').response === '0210', 'mti');
try {
  Iso8583.unpack('cup-pos', '0200');
  assert(false, 'short message should throw');
} catch (e) {
  assert(e instanceof Iso8583Error && typeof e.code === 'string', 'Iso8583Error');
}
const wire: Uint8Array = Frame.encode({ length: 'binary2', tpdu: '6000030000', message: packed });
const decoder = new FrameDecoder({ length: 'binary2', tpdu: true });
decoder.push(wire.subarray(0, 3));
assert(decoder.nextFrame() === null, 'partial frame');
decoder.push(wire.subarray(3));
const frame: DecodedFrame | null = decoder.nextFrame();
assert(frame !== null && frame.message === hex(packed) && frame.responseTpdu === '6000000003', 'frame');
const tlvs: TlvObject[] = Tlv.decode('9F02060000000010009F2608A1B2C3D4E5F60718');
assert(tlvs.length === 2 && tlvs[1].tag === '9F26', 'tlv');

// Payment cryptography: keys are handles, bytes go in as hex or Uint8Array, come out as hex.
const pik: Key = Key.dangerousFromHex('tdes2', 'pin_encryption', '0123456789ABCDEFFEDCBA9876543210');
const alg: KeyAlgorithm = pik.algorithm;
const use: KeyUsage = pik.usage;
assert(alg === 'tdes2' && use === 'pin_encryption' && pik.kcv() === '08D7B4', 'key');
assert(String(pik) === 'Tdes2 PinEncryption key (KCV 08D7B4)' && !JSON.stringify(pik).includes('0123'), 'no key bytes');
const field52: Hex = PinBlock.encrypt(pik, '1234', { format: 0, pan: '4761739001010010' });
assert(/^[0-9A-F]{16}$/.test(field52), 'pin block');
const clear: Hex = PinBlock.encode('1234', { format: 0, pan: '5432101234567890' });
assert(clear === '041215FEDCBA9876', 'ISO 9564 format 0 example');
const pin: string = PinBlock.dangerousDecrypt(pik, field52, { pan: '4761739001010010' });
assert(pin === '1234', 'dangerousDecrypt');
const aesPik = Key.generate('aes128', 'pin_encryption');
const translated: Hex = PinBlock.translate(field52, { fromKey: pik, toKey: aesPik, toFormat: 4, pan: '4761739001010010' });
assert(PinBlock.dangerousDecrypt(aesPik, translated, { format: 4, pan: '4761739001010010' }) === '1234', 'translate');
const mak = Key.dangerousFromBytes('tdes', 'mac_both', new Uint8Array(16).fill(0x11));
const mac: Hex = Mac.x919(mak, 'AABBCC', { padding: 2 });
assert(Mac.verify(mak, 'x9.19', 'AABBCC', mac, { padding: 2 }) && !Mac.verify(mak, 'x9.19', 'AABBCD', mac, { padding: 2 }), 'verify');
assert(Mac.verify(mak, 'x9.19', 'AABBCC', mac.slice(0, 8), { padding: 2, length: 4 }), 'verify an agreed truncation');
const cup: Hex = Mac.cupEcb(Key.dangerousFromHex('des', 'mac_both', '0123456789ABCDEF'), new Uint8Array([1, 2, 3]));
assert(cup.length === 16, 'cup-ecb');
const tdk = Key.dangerousFromHex('tdes2', 'data_encryption', '0123456789ABCDEFFEDCBA9876543210');
assert(Data.decrypt(tdk, Data.encrypt(tdk, '0011223344556677')) === '0011223344556677', 'data');
const tmk = Key.dangerousFromHex('tdes2', 'key_encryption', '0123456789ABCDEFFEDCBA9876543210');
const f62: Hex = WorkingKeys.buildField62(tmk, { pik, mak: Key.generate('des', 'mac_both') });
const wk: WorkingKeys = WorkingKeys.parseField62(tmk, f62);
const tdkOrNull: Key | null = wk.tdk;
assert(wk.pik.kcv() === pik.kcv() && tdkOrNull === null, 'field 62');
const bdk = Key.dangerousFromHex('tdes2', 'bdk', '0123456789ABCDEFFEDCBA9876543210');
const keys: TdesDukptKeys = Dukpt.derive(bdk, 'FFFF9876543210E00001');
assert(Dukpt.deriveTransactionKey(bdk, 'FFFF9876543210E00001').kcv() === keys.transactionKey.kcv(), 'dukpt');
const terminal = DukptTerminal.tdes(Dukpt.ipek(bdk, 'FFFF9876543210E00000'), 'FFFF9876543210E00000');
const tx: DukptTransaction = terminal.nextTransaction();
if (tx.scheme === 'tdes') {
  assert(tx.ksn === 'FFFF9876543210E00001' && tx.pinKey.kcv() === keys.pinKey.kcv(), 'terminal');
} else {
  assert(false, 'tdes terminal');
}
const aesBdk = Key.dangerousFromHex('aes128', 'bdk', 'FEDCBA9876543210F1F1F1F1F1F1F1F1');
const { workingKey } = Dukpt.aesDerive(aesBdk, '123456789012345600000001', { keyUsage: 'pin', keyType: 'aes128' });
assert(workingKey.dangerousExportHex() === 'AF8CB133A78F8DC2D1359F18527593FB', 'AES DUKPT');
const kbpk = Key.dangerousFromHex('tdes2', 'key_encryption', 'DD7515F2BFC17F85CE48F3CA25CB21F6');
const header: Tr31Header = { version: 'B', keyUsage: 'P0', algorithm: 'T', modeOfUse: 'E', keyVersion: '00', exportability: 'E' };
const block: string = Tr31.wrap(kbpk, pik, header);
const unwrapped = Tr31.unwrap(kbpk, block);
assert(unwrapped.header.optionalBlocks.length === 0 && unwrapped.key.kcv() === pik.kcv(), 'TR-31');
for (const [fn, Cls, code] of [
  [() => Key.dangerousFromHex('tdes2', 'bdk', 'XY'), KeysError, 'keys.bad_hex'],
  [() => PinBlock.encode('12'), PinError, 'pin.pin_length'],
  [() => Mac.x919(mak, '00', { length: 3 }), MacError, 'mac.bad_length'],
  [() => Dukpt.derive(bdk, 'FFFF9876543210E00000'), DukptError, 'dukpt.invalid_counter'],
  [() => Tr31.unwrap(kbpk, block.slice(0, -1) + (block.endsWith('0') ? '1' : '0')), Tr31Error, 'tr31.mac_mismatch'],
] as const) {
  try {
    fn();
    assert(false, `${code} expected`);
  } catch (e) {
    assert(e instanceof Cls && e instanceof PoscoreError && e.code === code, code);
  }
}
// EMV issuer cryptograms: pyemv's HSM-checked Visa CVN 10 transaction (tests/vectors/emv.json).
const issuer = new EmvIssuer(Key.dangerousFromHex('tdes2', 'issuer_master_key', '0123456789ABCDEFFEDCBA9876543210'));
const cvn: Cvn = 10;
const emvCard: EmvCard = { pan: '1234567890123456', psn: '00', cvn };
const arqcData = '0000000040000000000000000124800004800001241911050152BF45851800001C03A06010';
assert(issuer.checkArqc({ ...emvCard, atc: '001C', data: arqcData, arqc: '29CCA15AE665FA2E' }), 'ARQC verifies');
assert(Emv.arqc(issuer.acKey({ ...emvCard, atc: '001C' }), cvn, arqcData) === '29CCA15AE665FA2E', 'ARQC');
const { arpc, issuerAuthenticationData } = issuer.arpc({ ...emvCard, atc: '001C', arqc: '29CCA15AE665FA2E', arc: '3030' });
assert(arpc === '28993816AFAE4AEB' && issuerAuthenticationData === arpc + '3030', 'ARPC and tag 91');
// @ts-expect-error poscore computes Visa CVN 10 and 18 only
const cvn22: Cvn = 22;
try {
  issuer.iccMasterKey({ ...emvCard, cvn: cvn22 });
  assert(false, 'emv.unsupported_cvn expected');
} catch (e) {
  assert(e instanceof EmvError && e.code === 'emv.unsupported_cvn', 'EmvError');
}
issuer.free();
// A payment-code order: the schedule narrows on `state`.
const order = new PaymentOrder('wechat', 0);
const first: OrderAction | null = order.poll(0);
assert(first === 'pay', 'pay first');
const userPaying: OrderAnswer = 'in_progress';
order.handle(userPaying, 400);
const open: OrderState = order.state;
if (open.state === 'querying') assert(open.at === order.nextTimeout(), 'query due at nextTimeout');
else assert(false, `querying expected, got ${open.state}`);
try {
  order.retryCancel(500);
  assert(false, 'order.unexpected_answer expected');
} catch (e) {
  assert(e instanceof OrderError && e.code === 'order.unexpected_answer', 'OrderError');
}
// The engine, without a network: sign-on hands out an 0800 frame; events narrow on `type`.
const PAN_NEVER = '6212345678901232';
const store: TerminalStore = new MemoryStore();
const identity = { terminalId: '12345678', merchantId: '898310048160001', merchantName: 'poscore 测试商户' };
const term = new Terminal({ config: { ...identity, responseTimeoutMs: 5000 }, tmk: '0123456789ABCDEFFEDCBA9876543210', store, seed: 1 });
// @ts-expect-error the identity is required: no test identity stands in for it
const noIdentity: TerminalConfig = { responseTimeoutMs: 5000 };
assert(noIdentity !== undefined, 'TerminalConfig requires the identity');
const signOn: TerminalRequest = { type: 'signOn' };
const id: number = term.start(signOn);
const out0800: Transmit | undefined = term.pollTransmit();
assert(out0800 !== undefined && out0800.mti === '0800' && out0800.bytes instanceof Uint8Array && term.awaitingResponse(), 'Terminal.start');
const saleReq: TerminalRequest = { type: 'sale', amount: 100, card: { type: 'magstripe', track2: '4761739001010010=25122011143878089' } };
assert(saleReq.type === 'sale' && id >= 1, 'saleReq request');
for (let e: TerminalEvent | undefined = term.pollEvent(); e; e = term.pollEvent()) {
  if (e.type === 'sending') assert(e.mti === '0800', 'sending event');
  if (e.type === 'approved') assert(e.receipt.pan !== PAN_NEVER, 'approved');
}
// Refusals carry the diagnosis an operator sees; store errors are StoreError.
try {
  term.start(saleReq);
  assert(false, 'not signed on expected');
} catch (e) {
  assert(e instanceof TerminalError && e.code === 'terminal.not_signed_on', 'TerminalError');
  const zh: string | undefined = e.diagnosis?.entry.operator.zh;
  assert(typeof zh === 'string', 'diagnosis attached');
}
// Nothing owed on a fresh journal; recovery opens a journal and says what was wrong with it.
const owed: SettlementOwed | undefined = term.settlementOwed();
assert(owed === undefined, 'settlementOwed');
const recovered: { terminal: Terminal; damage: JournalDamage[] } = Terminal.recover({
  config: identity,
  tmk: '0123456789ABCDEFFEDCBA9876543210',
  store: new MemoryStore(),
  seed: 2,
});
assert(recovered.damage.length === 0 && !recovered.terminal.isSignedOn(), 'Terminal.recover');
try {
  store.get('a//b');
} catch (e) {
  assert(e instanceof StoreError && e.code === 'store.invalid_key', 'StoreError');
}
const mem = new MemoryStore();
mem.put('txn/000001', 'CAFE');
mem.delete('txn/000001');
await mem.flush();
assert(MAX_VALUE_LEN === 1048576 && mem.list().length === 0, 'MemoryStore');
// IndexedDB exists only in browsers: the types are checked here, the store runs in Chromium.
const openIdb: (name: string) => Promise<IndexedDbStore> = (name) => IndexedDbStore.open(name, { sealingKey: new Uint8Array(32) });
const openUnsealed = (name: string) => IndexedDbStore.open(name, { insecureUnsealed: true });
// @ts-expect-error a store is sealed unless insecureUnsealed says otherwise
const openDefault = (name: string) => IndexedDbStore.open(name, {});
assert(typeof openUnsealed === 'function' && typeof openDefault === 'function', 'IndexedDbStore.open options');
assert(typeof openIdb === 'function', 'IndexedDbStore.open');
const engine: Terminal = term;
assert(typeof engine.resolveExhaustedReversal === "function" && typeof engine.cardFailedAfterApproval === "function", "engine operator calls");
term.free();
// Browser transports: constructed without a network; a send to a closed port is connect_failed.
const http: Transport = new HttpTransport({ url: 'http://127.0.0.1:9/iso8583', gatewayTimeoutMs: 1000, sendGraceMs: 5000 });
const ws: Transport = new WebSocketTransport({ url: 'ws://127.0.0.1:9/ws', WebSocket: class {
  binaryType = '';
  onopen: ((e: any) => void) | null = null;
  onerror: ((e: any) => void) | null = null;
  onclose: ((e: any) => void) | null = null;
  onmessage: ((e: { data: any }) => void) | null = null;
  constructor(_url: string) {
    setTimeout(() => this.onerror?.({}), 0);
  }
  send(_b: Uint8Array) {}
  close() {}
} });
for (const t of [http, ws]) {
  await t.send(new Uint8Array([0, 0])).then(
    () => assert(false, 'send to a closed port'),
    (e: TransportError) => assert(e.commFailure === 'connect_failed', 'connect_failed'),
  );
  t.close?.();
}

// TLS to the acquirer: a configuration that cannot verify it is refused at construction.
{
  const noTrust: TlsOptions = { servername: 'acquirer.example' };
  try {
    new TcpTransport({ port: 9, tls: noTrust });
    assert(false, 'a tls without ca or pins is refused');
  } catch (e) {
    assert(e instanceof TypeError && /verification cannot be turned off/.test(e.message), 'no trust refused');
  }
  const pinned: Transport = new TcpTransport({ port: 9, tls: { pins: ['sha256/' + 'A'.repeat(43) + '='] }, connectTimeoutMs: 1000 });
  pinned.close?.();
  const refused: TlsFailure = 'tls_pin_mismatch';
  const kind: CommFailure = refused;
  const probe = new Terminal({ config: { terminalId: '12345678', merchantId: '898310048160001', merchantName: 'types' }, tmk: '0123456789ABCDEFFEDCBA9876543210' });
  probe.handleCommError(kind); // nothing in flight: ignored, but the kind parses
  probe.free();
}

// UnionPay TMS field 62: a key query reply, its entries, a refused corrupted key.
{
  const q: string = Tms.queryRequest(0);
  const reply = Tms.splitReply('31' + '9F0605A0000003339F220108DF05083230333031323330');
  const keys: TmsKeyRef[] = Tms.parseCapkQuery(reply.body);
  const c: TmsContinuation = reply.continuation;
  assert(q === '313030' && c === 'more_packets' && keys[0].index === 8 && keys[0].expiry === '20301230', 'Tms query');
  const key: TmsCapk = Tms.newCapk({ rid: 'A000000333', index: 8, expiry: '20301230', modulus: 'C0FFEE', exponent: '03' });
  try {
    Tms.parseCapk(Tms.capkToTlv({ ...key, modulus: 'C0FFEF' }));
    assert(false, 'a corrupted key is refused');
  } catch (e) {
    assert(e instanceof TmsError && e.code === 'tms.checksum_mismatch', 'TmsError');
  }
}

// The checkout entry: same card/response API and types on the small wasm module.
await checkout.init();
const checkoutMasked: string = checkout.card.maskPan('6212345678901232');
const why: Explanation = checkout.response.explain('51', { lang: 'en' });
assert(checkoutMasked === '621234******1232' && why.code === '51' && checkout.version() === v, 'poscore/checkout');

console.log('usage.ts: ok');
