// Test cards and the terminal settings the end-to-end tests share (published test data only:
// the simulator's TMK, a UnionPay test PAN and the chip data of tests/sim/src/cards.rs).
export const TMK = '0123456789ABCDEFFEDCBA9876543210'; // published test key shared with the simulator
export const PAN = '6212345678901232';
export const ICC =
  '9F26087D069678427840429F2701809F100706010A03A000009F37045A3B2C1D9F36020001950500000000009A032611239C01009F02060000000000005F2A02015682027C009F1A0201564F08A0000003330101015008556E696F6E506179';
export const chip = { type: 'chip', pan: PAN, track2: `${PAN}D28122200000000000`, expiry: '2812', cardSeq: '001', iccData: ICC };
export const sale = (amount) => ({ type: 'sale', amount, card: chip, pin: { type: 'clear', digits: '123456' } });
/** The demo/test identity (the core's `Config::demo()`): a config must name its terminal. */
export const identity = { terminalId: '12345678', merchantId: '898310048160001', merchantName: 'poscore 测试商户' };
/** Short timeouts so the fault tests run quickly; reversals wait for the next request. */
export const config = { ...identity, responseTimeoutMs: 800, reversalIdleDelayMs: 600_000, reversalBackoffMs: 200 };
export const of = (events, type) => events.filter((e) => e.type === type);
/** MTIs sent, in order. */
export const sent = (events) => of(events, 'sending').map((e) => e.mti);

/** A journal kept in a Map, as a page would keep one in IndexedDB-backed memory. */
export class MapStore {
  map = new Map();
  get(key) {
    return this.map.get(key);
  }
  list(prefix) {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix));
  }
  apply(ops) {
    for (const op of ops) {
      if (op.op === 'put') this.map.set(op.key, op.value.slice());
      else if (op.op === 'delete') this.map.delete(op.key);
      else throw new Error(`unknown op ${op.op}`);
    }
  }
}

/** A transport whose every send rejects with `error` (counted in `sends`); it never receives. */
export const failingTransport = (error) => ({
  sends: 0,
  async send() {
    this.sends += 1;
    throw error;
  },
  async receive() {
    return null;
  },
  close() {},
});
