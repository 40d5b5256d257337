// tests/vectors/{pin,mac,kcv,dukpt,tr31}.json through the JS API (Key, PinBlock, Mac, Data,
// WorkingKeys, Dukpt, DukptTerminal, Tr31). Keys are built the way core/tests/*_vectors.rs builds
// them: the family from the vector, the variant from the key length.
import { equal, expectResult, camelKeys, ok, bytesOf } from './check.js';

function groups(prefix, vectors, cases) {
  return (name, fn) => {
    ok(Array.isArray(vectors[name]) && vectors[name].length > 0, `${prefix}.json has ${name}`);
    vectors[name].forEach((v, i) => cases.push({ name: `${prefix}.${name}[${i}]`, run: () => fn(v) }));
  };
}

const opt = (v) => (v === null ? undefined : v);

export function pinCases(poscore, vectors) {
  const { Key, PinBlock } = poscore;
  const cases = [];
  const group = groups('pin', vectors, cases);
  const pinKey = (format, hex) => Key.dangerousFromHex(format === 4 ? 'aes' : 'tdes', 'pin_encryption', hex);
  group('encode', (v) => {
    const options = { format: v.format, pan: opt(v.pan), seed: v.seed, fill: v.fill };
    if (v.key) {
      const key = pinKey(v.format, v.key);
      const block = PinBlock.encrypt(key, v.pin, options);
      equal(block, v.pin_block, 'encrypted block');
      equal(PinBlock.dangerousDecrypt(key, block, options), v.pin, 'decrypts back');
    } else {
      const block = PinBlock.encode(v.pin, options);
      equal(block, v.pin_block, 'clear block');
      equal(PinBlock.dangerousDecode(block, options), v.pin, 'decodes back');
    }
  });
  group('decode_errors', (v) =>
    expectResult(
      poscore,
      v,
      () =>
        v.key
          ? PinBlock.dangerousDecrypt(pinKey(v.format, v.key), v.block, { format: v.format, pan: v.pan })
          : PinBlock.dangerousDecode(v.block, { format: v.format, pan: v.pan }),
      () => {},
    ),
  );
  group('encode_errors', (v) =>
    expectResult(
      poscore,
      v,
      () =>
        v.key
          ? PinBlock.encrypt(Key.dangerousFromHex(v.key_algorithm, 'pin_encryption', v.key), v.pin, {
              format: v.format,
              pan: v.pan,
              seed: 0,
            })
          : PinBlock.encode(v.pin, { format: v.format, pan: v.pan, seed: 0 }),
      () => {},
    ),
  );
  group('translate', (v) => {
    const toKey = pinKey(v.to_format, v.to_key);
    const out = PinBlock.translate(v.block, {
      fromKey: pinKey(v.from_format, v.from_key),
      fromFormat: v.from_format,
      toKey,
      toFormat: v.to_format,
      pan: v.pan,
      seed: v.seed,
    });
    equal(out, v.pin_block, 'translated block');
    equal(PinBlock.dangerousDecrypt(toKey, out, { format: v.to_format, pan: v.pan }), v.pin, 'pin');
  });
  cases.push({
    name: 'pin: production fill is random and decodes',
    run: () => {
      const a = PinBlock.encode('1234', { format: 1 });
      const b = PinBlock.encode('1234', { format: 1 });
      ok(a !== b, 'two format 1 blocks differ');
      equal(PinBlock.dangerousDecode(a, { format: 1 }), '1234', 'decodes');
      ok(/^[0-9A-F]{16}$/.test(a), 'uppercase hex');
      const bytes = bytesOf(a);
      equal(PinBlock.dangerousDecode(bytes, { format: 1 }), '1234', 'Uint8Array input');
    },
  });
  return cases;
}

export function macCases(poscore, vectors) {
  const { Key, Mac } = poscore;
  const cases = [];
  const group = groups('mac', vectors, cases);
  const family = { 'aes-cmac': 'aes', 'sm4-cmac': 'sm4' };
  const compute = (v) => {
    const key = Key.dangerousFromHex(family[v.algorithm] ?? 'tdes', v.key_usage ?? 'mac_both', v.key);
    const m = Mac.generate(key, v.algorithm, v.data, { padding: v.padding, length: v.length });
    ok(Mac.verify(key, v.algorithm, v.data, m, { padding: v.padding, length: v.length }), 'verifies');
    const bad = (parseInt(m.slice(0, 2), 16) ^ 1).toString(16).toUpperCase().padStart(2, '0') + m.slice(2);
    ok(!Mac.verify(key, v.algorithm, v.data, bad, { padding: v.padding, length: v.length }), 'flipped bit does not verify');
    return m;
  };
  group('mac', (v) => equal(compute(v), v.mac, `${v.algorithm} ${v.data}`));
  group('errors', (v) => expectResult(poscore, v, () => compute(v), () => {}));
  cases.push({
    name: 'mac: named helpers match generate',
    run: () => {
      const k = Key.dangerousFromHex('tdes2', 'mac_both', '0123456789ABCDEFFEDCBA9876543210');
      const data = '4E6F77206973207468652074696D6520666F7220616C6C20';
      equal(Mac.x919(k, data), Mac.generate(k, 'iso9797-1-alg3', data), 'x919');
      equal(Mac.iso9797Alg3(k, data, { padding: 2 }), Mac.generate(k, 'x9.19', data, { padding: 2 }), 'alg3');
      equal(Mac.iso9797Alg1(k, data), Mac.generate(k, 'iso9797-1-alg1', data), 'alg1');
      equal(Mac.cupEcb(k, data), Mac.generate(k, 'cup-ecb', data), 'cup-ecb');
      const a = Key.dangerousFromHex('aes128', 'mac_both', '2B7E151628AED2A6ABF7158809CF4F3C');
      equal(Mac.aesCmac(a, ''), 'BB1D6929E95937287FA37D129B756746', 'SP 800-38B example 1');
      const s = Key.dangerousFromHex('sm4', 'mac_both', '0123456789ABCDEFFEDCBA9876543210');
      equal(Mac.sm4Cmac(s, data).length, 32, 'sm4-cmac length');
    },
  });
  cases.push({
    name: 'mac: a truncated tag is refused where the full length is expected',
    run: () => {
      const k = Key.dangerousFromHex('tdes2', 'mac_both', '0123456789ABCDEFFEDCBA9876543210');
      const data = '0200302004C030C09811';
      const m = Mac.x919(k, data);
      ok(Mac.verify(k, 'x9.19', data, m), 'full 8 bytes verify by default');
      ok(Mac.verify(k, 'x9.19', data, m.slice(0, 8), { length: 4 }), 'an agreed 4-byte truncation verifies');
      for (const [tag, length] of [
        [m.slice(0, 8), undefined],
        [m.slice(0, 8), 8],
        [m, 4],
      ]) {
        let code;
        try {
          Mac.verify(k, 'x9.19', data, tag, { length });
        } catch (e) {
          ok(e instanceof poscore.MacError, `${e} is a MacError`);
          code = e.code;
        }
        equal(code, 'mac.bad_length', `${tag.length / 2}-byte tag, expected ${length ?? 'default'}`);
      }
    },
  });
  return cases;
}

export function kcvCases(poscore, vectors) {
  const { Key, Data, WorkingKeys } = poscore;
  const cases = [];
  const group = groups('kcv', vectors, cases);
  const family = { tdes: 'tdes', aes: 'aes', 'aes-legacy': 'aes', sm4: 'sm4' };
  const kcv = (v) =>
    Key.dangerousFromHex(family[v.algorithm], 'key_encryption', v.key).kcv({
      method: v.algorithm === 'aes-legacy' ? 'encrypt_zeros' : undefined,
      length: v.length,
    });
  group('kcv', (v) => equal(kcv(v), v.kcv, `${v.algorithm} ${v.key}`));
  group('errors', (v) => expectResult(poscore, v, () => kcv(v), () => {}));
  group('sm4_block', (v) =>
    equal(Data.encrypt(Key.dangerousFromHex('sm4', 'data_encryption', v.key), v.plaintext), v.ciphertext, 'SM4'),
  );
  const tmk = (v) => Key.dangerousFromHex('tdes', 'key_encryption', v.tmk);
  group('field62', (v) => {
    const wk = WorkingKeys.parseField62(tmk(v), v.field62);
    equal(wk.pik.dangerousExportHex(), v.pik, 'PIK');
    equal(wk.mak.dangerousExportHex(), v.mak, 'MAK');
    equal(wk.tdk?.dangerousExportHex() ?? null, v.tdk ?? null, 'TDK');
    equal([wk.pik.usage, wk.mak.usage], ['pin_encryption', 'mac_both'], 'usages');
    equal(WorkingKeys.buildField62(tmk(v), { pik: wk.pik, mak: wk.mak, tdk: wk.tdk }), v.field62, 'host side');
  });
  group('field62_errors', (v) =>
    expectResult(
      poscore,
      v,
      () => {
        try {
          return WorkingKeys.parseField62(tmk(v), v.field62);
        } catch (e) {
          if (v.key) ok(String(e.message).startsWith(`${v.key} check value mismatch`), `names ${v.key}: ${e.message}`);
          throw e;
        }
      },
      () => {},
    ),
  );
  return cases;
}

export function dukptCases(poscore, vectors) {
  const { Key, Dukpt, DukptTerminal, PinBlock, Mac, Data } = poscore;
  const cases = [];
  const group = groups('dukpt', vectors, cases);
  const bdk = (v) => {
    const tenByteKsn = [v.ksn, v.start_ksn].some((k) => typeof k === 'string' && k.length === 20);
    const tdes = v.scheme === 'tdes' || (tenByteKsn && v.scheme === undefined);
    return Key.dangerousFromHex(tdes ? 'tdes2' : 'aes', 'bdk', v.bdk);
  };
  const fields = {
    ipek: 'ipek',
    transaction_key: 'transactionKey',
    pin_key: 'pinKey',
    mac_request_key: 'macRequestKey',
    mac_response_key: 'macResponseKey',
    data_request_key: 'dataRequestKey',
    data_response_key: 'dataResponseKey',
  };
  group('tdes', (v) => {
    const k = Dukpt.derive(bdk(v), v.ksn);
    for (const [field, name] of Object.entries(fields)) {
      if (v[field]) equal(k[name].dangerousExportHex(), v[field], field);
    }
    equal(Dukpt.deriveTransactionKey(bdk(v), v.ksn).dangerousExportHex(), k.transactionKey.dangerousExportHex(), 'tk');
  });
  group('tdes_pin_blocks', (v) => {
    const { pinKey } = Dukpt.derive(bdk(v), v.ksn);
    equal(PinBlock.dangerousDecrypt(pinKey, v.pin_block, { format: v.format, pan: v.pan }), v.pin, 'pin');
    equal(PinBlock.encrypt(pinKey, v.pin, { format: v.format, pan: v.pan, seed: 0 }), v.pin_block, 'block');
  });
  group('tdes_data', (v) => {
    const k = Dukpt.derive(bdk(v), v.ksn);
    const padded = v.data.padEnd(Math.ceil(v.data.length / 16) * 16, '0');
    equal(Data.encrypt(k.dataRequestKey, padded), v.request_encrypted, 'request data');
    equal(Data.encrypt(k.dataResponseKey, padded), v.response_encrypted, 'response data');
    equal(Data.decrypt(k.dataRequestKey, v.request_encrypted), padded, 'decrypts');
    equal(Mac.x919(k.macRequestKey, v.data), v.request_mac, 'request MAC');
    equal(Mac.x919(k.macResponseKey, v.data), v.response_mac, 'response MAC');
  });
  group('aes', (v) => {
    const options = { keyUsage: v.key_usage, keyType: v.key_type };
    const k = Dukpt.aesDerive(bdk(v), v.ksn, options);
    equal(k.initialKey.dangerousExportHex(), v.initial_key, 'initial key');
    if (v.derivation_key) equal(k.derivationKey.dangerousExportHex(), v.derivation_key, 'derivation key');
    equal(k.workingKey.dangerousExportHex(), v.working_key, 'working key');
    const fromIk = Dukpt.aesDerive(k.initialKey, v.ksn, options);
    equal(fromIk.workingKey.dangerousExportHex(), v.working_key, 'from the initial key');
  });
  group('errors', (v) =>
    expectResult(
      poscore,
      v,
      () =>
        v.scheme === 'tdes'
          ? Dukpt.derive(bdk(v), v.ksn)
          : Dukpt.aesDerive(bdk(v), v.ksn, { keyUsage: v.key_usage, keyType: v.key_type }),
      () => {},
    ),
  );
  group('tdes_terminal', (v) => {
    const ipek = Dukpt.ipek(bdk(v), v.start_ksn);
    const counter = parseInt(v.start_ksn.slice(12), 16) & 0x1fffff;
    const t = DukptTerminal.tdes(ipek, v.start_ksn, { resume: counter !== 0 });
    for (const tx of v.transactions) {
      const got = t.nextTransaction();
      equal(got.ksn, tx.ksn, 'ksn');
      equal(PinBlock.encrypt(got.pinKey, v.pin, { format: 0, pan: v.pan, seed: 0 }), tx.pin_block, tx.ksn);
    }
  });
  group('aes_terminal', (v) => {
    const ik = Dukpt.aesInitialKey(bdk(v), v.initial_key_id);
    const t = DukptTerminal.aes(ik, v.initial_key_id);
    for (const tx of v.transactions) {
      const got = t.nextTransaction();
      equal(got.ksn, tx.ksn, 'ksn');
      const wk = got.workingKey({ keyUsage: v.key_usage, keyType: v.key_type });
      equal(wk.dangerousExportHex(), tx.working_key, tx.ksn);
    }
  });
  cases.push({
    name: 'dukpt: terminal state survives export and import',
    run: () => {
      const b = Key.dangerousFromHex('tdes2', 'bdk', '0123456789ABCDEFFEDCBA9876543210');
      const t = DukptTerminal.tdes(Dukpt.ipek(b, 'FFFF9876543210E00000'), 'FFFF9876543210E00000');
      t.nextTransaction();
      const back = DukptTerminal.dangerousImportState(t.dangerousExportState());
      equal([back.scheme, back.counter, back.exhausted], ['tdes', 2, false], 'state');
      equal(back.nextTransaction().ksn, 'FFFF9876543210E00002', 'next ksn');
      const aesBdk = Key.dangerousFromHex('aes128', 'bdk', 'FEDCBA9876543210F1F1F1F1F1F1F1F1');
      const a = DukptTerminal.aes(Dukpt.aesInitialKey(aesBdk, '1234567890123456'), '1234567890123456');
      a.nextTransaction();
      const aesBack = DukptTerminal.dangerousImportState(a.dangerousExportState());
      const tx = aesBack.nextTransaction();
      equal([aesBack.scheme, tx.scheme, tx.ksn], ['aes', 'aes', '123456789012345600000002'], 'aes state');
      const expected = Dukpt.aesDerive(aesBdk, tx.ksn).workingKey.dangerousExportHex();
      equal(tx.workingKey().dangerousExportHex(), expected, 'default working key: PIN, the terminal AES length');
    },
  });
  return cases;
}

export function tr31Cases(poscore, vectors) {
  const { Key, Tr31 } = poscore;
  const cases = [];
  const group = groups('tr31', vectors, cases);
  const kbpk = (version, hex) => Key.dangerousFromHex(version === 'D' ? 'aes' : 'tdes', 'key_encryption', hex);
  group('unwrap', (v) => {
    const { header, key } = Tr31.unwrap(kbpk(v.block[0], v.kbpk), v.block);
    equal(key.dangerousExportHex(), v.key, 'key');
    equal(header, camelKeys(v.header), 'header');
  });
  group('unwrap_errors', (v) => expectResult(poscore, v, () => Tr31.unwrap(kbpk(v.block[0], v.kbpk), v.block), () => {}));
  group('wrap', (v) => {
    const kb = kbpk(v.header[0], v.kbpk);
    const key = Key.dangerousFromHex(v.header[7] === 'A' ? 'aes' : 'tdes', 'data_encryption', v.key);
    const out = Tr31.wrap(kb, key, v.header, { maskedKeyLen: v.masked_key_len, seed: v.seed });
    equal(out, v.key_block, 'key block');
    const back = Tr31.unwrap(kb, out);
    equal(back.key.dangerousExportHex(), v.key, 'round trip');
    const h = back.header;
    equal(
      [h.version, h.keyUsage, h.algorithm, h.modeOfUse, h.keyVersion, h.exportability].join(''),
      v.header[0] + v.header.slice(5, 12),
      'header',
    );
  });
  cases.push({
    name: 'tr31: wrap takes a header object too',
    run: () => {
      const kb = kbpk('B', 'DD7515F2BFC17F85CE48F3CA25CB21F6');
      const key = Key.dangerousFromHex('tdes2', 'pin_encryption', '3F419E1CB7079442AA37474C2EFBF8B8');
      const header = { version: 'B', keyUsage: 'P0', algorithm: 'T', modeOfUse: 'E', keyVersion: '00', exportability: 'E' };
      equal(Tr31.wrap(kb, key, header, { seed: 0 }), Tr31.wrap(kb, key, 'B0000P0TE00E0000', { seed: 0 }), 'same block');
      const { key: back } = Tr31.unwrap(kb, Tr31.wrap(kb, key, header));
      equal([back.algorithm, back.usage, back.kcv()], ['tdes2', 'pin_encryption', key.kcv()], 'typed from the header');
    },
  });
  return cases;
}

/** Secrets and error classes: no key bytes in any printed form of a handle. */
export function cryptoApiCases(poscore) {
  const { Key, PinBlock, Mac, Dukpt, Tr31, WorkingKeys } = poscore;
  const hex = '0123456789ABCDEFFEDCBA9876543210';
  const leaks = (s) => /0123456789ABCDEF|FEDCBA9876543210/i.test(s);
  const fails = (fn, Cls, code) => {
    try {
      fn();
    } catch (e) {
      ok(e instanceof Cls && e instanceof poscore.PoscoreError, `${e} is a ${Cls.name}`);
      equal(e.code, code, 'code');
      return;
    }
    throw new Error(`no ${Cls.name} thrown`);
  };
  return [
    {
      name: 'crypto: a Key handle shows no key bytes',
      run: () => {
        const k = Key.dangerousFromHex('tdes2', 'pin_encryption', hex);
        const shown = [
          String(k),
          `${k}`,
          JSON.stringify(k),
          JSON.stringify({ k }),
          k[Symbol.for('nodejs.util.inspect.custom')](),
          Object.prototype.toString.call(k),
          JSON.stringify(Object.getOwnPropertyNames(k).map((n) => k[n])),
        ];
        for (const s of shown) ok(!leaks(s), `leaked in ${s}`);
        equal(String(k), 'Tdes2 PinEncryption key (KCV 08D7B4)', 'describes by KCV');
        equal(JSON.parse(JSON.stringify(k)), { algorithm: 'tdes2', usage: 'pin_encryption', kcv: '08D7B4' }, 'JSON');
        const f62 = WorkingKeys.buildField62(Key.dangerousFromHex('tdes2', 'key_encryption', hex), {
          pik: Key.dangerousFromHex('tdes2', 'pin_encryption', '11111111111111112222222222222222'),
          mak: Key.dangerousFromHex('des', 'mac_both', '3333333333333333'),
        });
        const wk = WorkingKeys.parseField62(Key.dangerousFromHex('tdes2', 'key_encryption', hex), f62);
        ok(!/1111111111111111|3333333333333333/.test(String(wk) + JSON.stringify(wk)), 'working keys');
        k.free();
        equal(String(k), 'freed key', 'freed');
        let refused = false;
        try {
          k.kcv();
        } catch (e) {
          refused = e instanceof TypeError;
        }
        ok(refused, 'a freed key cannot be used');
      },
    },
    {
      name: 'crypto: keys cannot be forged or mixed up',
      run: () => {
        let threw = false;
        try {
          new Key();
        } catch (e) {
          threw = e instanceof TypeError;
        }
        ok(threw, 'new Key() is refused');
        const pik = Key.dangerousFromHex('tdes2', 'pin_encryption', hex);
        fails(() => Mac.x919(pik, '00'), poscore.KeysError, 'keys.wrong_usage');
      },
    },
    {
      name: 'crypto: errors are module subclasses with stable codes',
      run: () => {
        fails(() => Key.dangerousFromHex('tdes2', 'bdk', '0G'), poscore.KeysError, 'keys.bad_hex');
        fails(() => Key.dangerousFromHex('tdes9', 'bdk', hex), poscore.KeysError, 'keys.unknown_name');
        fails(() => PinBlock.encode('12', { pan: '4761739001010010' }), poscore.PinError, 'pin.pin_length');
        const mak = Key.dangerousFromHex('tdes2', 'mac_both', hex);
        fails(() => Mac.x919(mak, '00', { length: 2 }), poscore.MacError, 'mac.bad_length');
        const bdk = Key.dangerousFromHex('tdes2', 'bdk', hex);
        fails(() => Dukpt.derive(bdk, 'FFFF9876543210E00000'), poscore.DukptError, 'dukpt.invalid_counter');
        const kbpk = Key.dangerousFromHex('tdes2', 'key_encryption', hex);
        fails(() => Tr31.unwrap(kbpk, 'B0040P0TE00N0000'), poscore.Tr31Error, 'tr31.length_mismatch');
      },
    },
  ];
}
