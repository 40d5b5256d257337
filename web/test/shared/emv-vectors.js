// tests/vectors/emv.json through the JS API (Emv, EmvIssuer): the steps core/tests/emv_vectors.rs
// runs, in the same order, so an error vector fails at the same step on every surface.
import { equal, expectResult, ok } from './check.js';

function groups(prefix, vectors, cases) {
  return (name, fn) => {
    ok(Array.isArray(vectors[name]) && vectors[name].length > 0, `${prefix}.json has ${name}`);
    vectors[name].forEach((v, i) => cases.push({ name: `${prefix}.${name}[${i}]`, run: () => fn(v) }));
  };
}

export function emvCases(poscore, vectors) {
  const { Key, Emv, EmvIssuer } = poscore;
  const cases = [];
  const group = groups('emv', vectors, cases);
  const key = (hex, usage = 'mac_both') => Key.dangerousFromHex('tdes2', usage, hex);
  // The full key and/or its 2-byte check value, as the vector gives them.
  const checkKey = (v, field, k) => {
    if (v[field] !== undefined) equal(k.dangerousExportHex(), v[field], field);
    if (v[`${field}_kcv`] !== undefined) equal(k.kcv({ method: 'encrypt_zeros', length: 2 }), v[`${field}_kcv`], `${field}_kcv`);
  };
  const arpc = (v, k, arqc) => {
    if (v.arc !== undefined) return Emv.arpcMethod1(k, arqc, v.arc);
    if (v.csu !== undefined) return Emv.arpcMethod2(k, arqc, v.csu, { propAuthData: v.prop_auth_data });
    return undefined;
  };

  group('icc_master_keys', (v) => {
    const k = Emv.iccMasterKey(key(v.imk, 'issuer_master_key'), v.pan, v.psn, { option: v.option });
    equal(k.usage, 'mac_both', 'usage');
    checkKey(v, 'icc_master_key', k);
  });
  group('session_keys', (v) => {
    const mk = key(v.master_key);
    checkKey(v, 'session_key', v.r !== undefined ? Emv.commonSessionKey(mk, v.r) : Emv.sessionKey(mk, v.cvn, v.atc));
  });
  group('cryptograms', (v) => {
    const k = key(v.key);
    if (v.data !== undefined) equal(Emv.applicationCryptogram(k, v.data, { padding: v.padding }), v.arqc, 'arqc');
    const got = arpc(v, k, v.arqc);
    if (got !== undefined) equal(got, v.arpc, 'arpc');
  });
  group('chains', (v) => {
    const mk = Emv.iccMasterKey(key(v.imk, 'issuer_master_key'), v.pan, v.psn, { option: v.option });
    checkKey(v, 'icc_master_key', mk);
    const sk = Emv.commonSessionKey(mk, v.r);
    checkKey(v, 'session_key', sk);
    const arqc = Emv.applicationCryptogram(sk, v.data, { padding: v.padding });
    equal(arqc, v.arqc, 'arqc');
    equal(arpc(v, v.arpc_key === 'icc_master_key' ? mk : sk, arqc), v.arpc, 'arpc');
  });

  // A whole transaction through EmvIssuer; a mismatch is `false`, surfaced here as the error
  // code the other surfaces throw, so the error vectors read the same everywhere.
  const mismatch = () => {
    throw new poscore.EmvError('ARQC does not verify', { code: 'emv.arqc_mismatch', module: 'emv' });
  };
  const transaction = (v) => {
    const issuer = new EmvIssuer(key(v.imk, v.imk_usage ?? 'issuer_master_key'));
    const card = { pan: v.pan, psn: v.psn, cvn: v.cvn };
    checkKey(v, 'icc_master_key', issuer.iccMasterKey(card));
    const sk = issuer.acKey({ ...card, atc: v.atc });
    checkKey(v, 'session_key', sk);
    if (!issuer.checkArqc({ ...card, atc: v.atc, data: v.data, arqc: v.arqc })) mismatch();
    equal(Emv.arqc(sk, v.cvn, v.data), v.arqc, 'arqc');
    ok(Emv.verifyArqc(sk, v.cvn, v.data, v.arqc), 'verifyArqc');
    const r = issuer.arpc({ ...card, atc: v.atc, arqc: v.arqc, arc: v.arc, csu: v.csu, propAuthData: v.prop_auth_data });
    issuer.free();
    return r;
  };
  group('issuer', (v) => {
    const r = transaction(v);
    equal(r.arpc, v.arpc, 'arpc');
    if (v.issuer_authentication_data !== undefined) equal(r.issuerAuthenticationData, v.issuer_authentication_data, 'tag 91');
  });
  group('errors', (v) =>
    expectResult(poscore, v, () => transaction(v), () => {}),
  );
  cases.push({
    name: 'emv: errors are EmvError or KeysError, a mismatch is false, and toString shows no key',
    run: () => {
      const v = vectors.issuer[0];
      const issuer = new EmvIssuer(key(v.imk, 'issuer_master_key'));
      const card = { pan: v.pan, psn: v.psn, cvn: v.cvn, atc: v.atc, data: v.data };
      ok(issuer.checkArqc({ ...card, arqc: v.arqc }), 'verifies');
      ok(!issuer.checkArqc({ ...card, arqc: `${v.arqc.slice(0, 15)}${v.arqc[15] === '0' ? '1' : '0'}` }), 'flipped');
      let err;
      try {
        issuer.checkArqc({ ...card, atc: '1C', arqc: v.arqc });
      } catch (e) {
        err = e;
      }
      ok(err instanceof poscore.EmvError && err.code === 'emv.bad_length' && err.message.startsWith('atc'), `${err}`);
      const text = `${issuer}`;
      ok(text.includes('IssuerMasterKey') && !text.includes(v.imk), text);
      try {
        Emv.arqc(key(v.imk, 'issuer_master_key'), 10, '00');
        err = undefined;
      } catch (e) {
        err = e;
      }
      ok(err instanceof poscore.KeysError && err.code === 'keys.wrong_usage', `${err}`);
    },
  });
  return cases;
}
