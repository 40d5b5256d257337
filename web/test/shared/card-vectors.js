// tests/vectors/card.json through the JS API. Returns named cases; Node and Chromium run them all.
import { equal, expectResult, camelKeys, ok } from './check.js';

export function cardCases(poscore, vectors) {
  const { card } = poscore;
  const cases = [];
  const group = (name, fn) => {
    ok(Array.isArray(vectors[name]) && vectors[name].length > 0, `card.json has ${name}`);
    vectors[name].forEach((v, i) => cases.push({ name: `card.${name}[${i}]`, run: () => fn(v) }));
  };
  group('luhn', (v) => equal(card.luhnValid(v.input), v.valid, v.input));
  group('check_digit', (v) =>
    expectResult(poscore, v, () => card.luhnCheckDigit(v.partial), (d) => equal(d, v.digit, v.partial)),
  );
  group('mask', (v) =>
    expectResult(
      poscore,
      v,
      () => card.maskPan(v.pan, { keepFirst: v.keep_first, keepLast: v.keep_last }),
      (m) => equal(m, v.masked, v.pan),
    ),
  );
  group('brand', (v) => equal(card.brand(v.pan), v.brand, v.pan));
  group('track2', (v) =>
    expectResult(poscore, v, () => card.parseTrack2(v.input), (t) => equal(t, camelKeys(v.expect), v.input)),
  );
  group('payment_code', (v) => equal(card.classifyPaymentCode(v.code), v.kind, v.code));
  group('inspect', (v) =>
    expectResult(poscore, v, () => card.inspect(v.input), (t) => equal(t, camelKeys(v.expect), v.input)),
  );
  cases.push({
    name: 'card errors are CardError instances',
    run: () => {
      try {
        card.parseTrack2('4761739001010010X2512201');
      } catch (e) {
        ok(e instanceof poscore.CardError && e instanceof poscore.PoscoreError && e instanceof Error, 'class');
        equal([e.code, e.module, e.offset, e.name], ['card.unexpected_char', 'card', 16, 'CardError'], 'fields');
        return;
      }
      throw new Error('no error thrown');
    },
  });
  return cases;
}
