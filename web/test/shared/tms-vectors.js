// tests/vectors/tms.json through the JS API (Tms): the same cases as core/tests/tms_vectors.rs.
import { equal, expectResult, ok } from './check.js';

const camel = (k) => k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

// The vectors' snake_case objects as the JS API returns them: camelCase keys, except that an
// `other` map's keys are tags (data) and stay as they are.
function expected(v) {
  if (Array.isArray(v)) return v.map(expected);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), k === 'other' ? x : expected(x)]));
  }
  return v;
}

export function tmsCases(poscore, vectors) {
  const { Tms, TmsError } = poscore;
  const cases = [];
  const group = (name, fn) => {
    ok(Array.isArray(vectors[name]) && vectors[name].length > 0, `tms.json has ${name}`);
    vectors[name].forEach((v, i) => cases.push({ name: `tms.${name}[${i}]`, run: () => fn(v) }));
  };
  // An expected error is a TmsError with the vector's code (and offset).
  const failsAsTms = (v, fn) =>
    expectResult(
      poscore,
      v,
      () => {
        try {
          return fn();
        } catch (e) {
          ok(e instanceof TmsError, `${JSON.stringify(v)}: ${e} is not a TmsError`);
          throw e;
        }
      },
      () => {},
    );

  group('capk', (v) => {
    const k = Tms.parseCapk(v.hex);
    equal(k, expected(v.capk), 'capk');
    const encoded = v.encoded ?? v.hex;
    equal(Tms.capkToTlv(k), encoded, 'to_tlv');
    equal(Tms.encodeCapkDownload(k), `31${encoded}`, 'download reply');
    equal(Tms.newCapk(k).checksum, k.checksum, 'computed checksum');
  });
  group('capk_errors', (v) => failsAsTms(v, () => Tms.parseCapk(v.hex)));
  group('query_request', (v) =>
    v.error ? failsAsTms(v, () => Tms.queryRequest(v.start_index)) : equal(Tms.queryRequest(v.start_index), v.hex, 'query'),
  );
  group('split_reply', (v) =>
    v.error
      ? failsAsTms(v, () => Tms.splitReply(v.hex))
      : equal(Tms.splitReply(v.hex), { continuation: v.continuation, body: v.body }, 'split'),
  );
  group('steps', (v) => {
    const s = Tms.steps().find((x) => x.step === v.step);
    equal(s, { step: v.step, nmi: v.nmi, mti: v.mti }, 'step');
  });
  group('capk_query', (v) => {
    const { continuation, body } = Tms.splitReply(v.hex);
    equal(continuation, v.continuation, 'continuation');
    const keys = Tms.parseCapkQuery(body);
    equal(keys, expected(v.keys), 'keys');
    equal(Tms.encodeCapkQuery(continuation, keys), v.hex, 'encoded');
  });
  group('capk_query_errors', (v) => failsAsTms(v, () => Tms.parseCapkQuery(Tms.splitReply(v.hex).body)));
  group('capk_download_request', (v) =>
    v.error
      ? failsAsTms(v, () => Tms.capkDownloadRequest(expected(v.key)))
      : equal(Tms.capkDownloadRequest(expected(v.key)), v.hex, 'request'),
  );
  group('aid_query', (v) => {
    const { continuation, body } = Tms.splitReply(v.hex);
    const aids = Tms.parseAidQuery(body);
    equal([continuation, aids], [v.continuation, v.aids], 'aids');
    equal(Tms.encodeAidQuery(continuation, aids), v.hex, 'encoded');
  });
  group('aid_query_errors', (v) => failsAsTms(v, () => Tms.parseAidQuery(Tms.splitReply(v.hex).body)));
  group('aid_download_request', (v) =>
    v.error ? failsAsTms(v, () => Tms.aidDownloadRequest(v.aid)) : equal(Tms.aidDownloadRequest(v.aid), v.hex, 'request'),
  );
  group('aid', (v) => {
    const p = Tms.parseAid(v.hex);
    equal(p, expected(v.params), 'params');
    const encoded = v.encoded ?? v.hex;
    equal(Tms.aidToTlv(p), encoded, 'to_tlv');
    equal(Tms.encodeAidDownload(p), `31${encoded}`, 'download reply');
  });
  group('aid_errors', (v) => failsAsTms(v, () => Tms.parseAid(v.hex)));
  group('params', (v) => {
    const p = Tms.parseParams(v.hex);
    equal(p, expected(v.params), 'params');
    equal(Tms.encodeParams(p), v.encoded ?? v.hex, 'encoded');
  });
  group('params_raw_items', (v) => equal(Tms.rawParamItems(v.hex), v.items, 'items'));
  group('params_errors', (v) => failsAsTms(v, () => Tms.parseParams(v.hex)));
  group('status_upload', (v) => {
    const params = expected(v.params);
    const stats = v.dial_stats && expected(v.dial_stats);
    if (v.error) return failsAsTms(v, () => Tms.statusUploadRequest(params, stats));
    const hex = Tms.statusUploadRequest(params, stats);
    equal(hex, v.hex, 'status upload');
    const back = Tms.parseStatusReport(hex);
    equal(back.dialStats, stats ?? null, 'dial stats');
  });
  return cases;
}
