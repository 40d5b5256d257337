// Type-checked with `tsc --noEmit` against the package's hand-written index.d.ts, then compiled
// and run under Node: if the types and the runtime drift apart, one of the two steps fails.
import { init, version, card, PoscoreError, CardError } from 'poscore';
import type { Brand, Inspection, Track2Summary, PaymentCodeKind } from 'poscore';

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
console.log('usage.ts: ok');
