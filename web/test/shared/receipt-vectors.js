// tests/vectors/receipts/ goldens through the JS API: every format byte for byte.
import { equal, expectResult, hexOf } from './check.js';

export async function receiptCases(poscore, load) {
  const index = JSON.parse(await load('receipts/index.json'));
  const cases = [];
  for (const c of index.cases) {
    const input = await load(`receipts/${c.input}`);
    const expected = c.expected ? await load(`receipts/${c.expected}`) : undefined;
    const { format, ...options } = c.options;
    const camel = Object.fromEntries(
      Object.entries(options).map(([k, v]) => [k.replace(/_([a-z])/g, (_, x) => x.toUpperCase()), v]),
    );
    const v = { error: c.expected_error };
    cases.push({
      name: `receipt.${c.name}`,
      run: () =>
        expectResult(
          poscore,
          v,
          () => poscore.receipt[format](input, camel),
          (out) => {
            if (format === 'escpos') {
              if (!(out instanceof Uint8Array)) throw new Error('escpos must be a Uint8Array');
              equal(hexOf(out), expected.trim(), c.name);
            } else {
              equal(out, expected, c.name);
            }
          },
        ),
    });
  }
  return cases;
}
