// tests/vectors/iso8583.json and tlv.json through the JS API (Iso8583, Frame, FrameDecoder, Tlv).
import { equal, expectResult, ok } from './check.js';

export function iso8583Cases(poscore, vectors) {
  const { Iso8583, Frame, FrameDecoder, hex } = poscore;
  const cases = [];
  const group = (name, fn) => {
    ok(Array.isArray(vectors[name]) && vectors[name].length > 0, `iso8583.json has ${name}`);
    vectors[name].forEach((v, i) => cases.push({ name: `iso8583.${name}[${i}]`, run: () => fn(v) }));
  };
  // A vector's spec: bundled by name, or defined in the file's `specs` map.
  const spec = (v) => (vectors.specs?.[v.spec] ? JSON.stringify(vectors.specs[v.spec]) : v.spec);
  const withField = (v) => ({ ...v, offset: v.offset });
  const checkField = (v, fn) => {
    try {
      fn();
    } catch (e) {
      if (v.field !== undefined) equal(e.field, v.field, `${v.name} field`);
      throw e;
    }
  };

  group('pack', (v) => {
    equal(hex(Iso8583.pack(spec(v), v.message)), v.hex, `pack ${v.name}`);
    equal(Iso8583.unpack(spec(v), v.hex), v.message, `unpack ${v.name}`);
  });
  group('unpack_errors', (v) =>
    expectResult(poscore, withField(v), () => checkField(v, () => Iso8583.unpack(spec(v), v.hex)), () => {}),
  );
  group('pack_errors', (v) =>
    expectResult(poscore, v, () => checkField(v, () => Iso8583.pack(spec(v), v.message)), () => {}),
  );
  group('mti', (v) =>
    equal(
      (({ response, isRequest, isReversal, isRepeat }) => ({ response, isRequest, isReversal, isRepeat }))(
        Iso8583.mti(v.mti),
      ),
      { response: v.response ?? null, isRequest: v.is_request, isReversal: v.is_reversal, isRepeat: v.is_repeat },
      v.mti,
    ),
  );
  group('mac_block', (v) => equal(hex(Iso8583.macBlock(spec(v), v.message)), v.mac_block, 'mac block'));
  group('frame', (v) => {
    const header = v.header ?? '';
    const wire = Frame.encode({ length: v.length, tpdu: v.tpdu ?? null, header, message: v.message });
    equal(hex(wire), v.hex, 'frame encode');
    const config = { length: v.length, tpdu: typeof v.tpdu === 'string', headerLen: header.length / 2 };
    const f = Frame.decode(wire, config);
    equal([f.tpdu, f.header, f.message], [v.tpdu ?? null, header, v.message], 'frame decode');
    if (v.response_tpdu) equal(f.responseTpdu, v.response_tpdu, 'response TPDU');
    const d = new FrameDecoder(config);
    const got = [];
    for (const b of [...wire, ...wire]) {
      d.push(Uint8Array.of(b));
      for (let g = d.nextFrame(); g; g = d.nextFrame()) got.push(g.message);
    }
    equal(got, [v.message, v.message], 'streaming decoder, byte by byte');
  });
  group('frame_errors', (v) =>
    expectResult(
      poscore,
      v,
      () =>
        Frame.decode(v.hex, {
          length: v.length,
          tpdu: typeof v.tpdu === 'string',
          headerLen: v.header_len,
          maxFrame: v.max_frame,
        }),
      () => {},
    ),
  );
  return cases;
}

export function tlvCases(poscore, vectors) {
  const { Tlv } = poscore;
  const cases = [];
  for (const name of ['decode', 'errors']) {
    ok(Array.isArray(vectors[name]) && vectors[name].length > 0, `tlv.json has ${name}`);
    vectors[name].forEach((v, i) =>
      cases.push({
        name: `tlv.${name}[${i}]`,
        run: () => expectResult(poscore, v, () => Tlv.decode(v.hex), (items) => equal(items, v.tlv, v.hex)),
      }),
    );
  }
  return cases;
}
