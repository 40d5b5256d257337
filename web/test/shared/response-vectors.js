// tests/vectors/response.json through the JS API (ResponseRegistry, response.*).
import { equal, expectResult, camelKeys, ok } from './check.js';

export function responseCases(poscore, vectors) {
  const { ResponseRegistry, response } = poscore;
  const cases = [];
  const group = (name, fn) => {
    ok(Array.isArray(vectors[name]) && vectors[name].length > 0, `response.json has ${name}`);
    vectors[name].forEach((v, i) => cases.push({ name: `response.${name}[${i}]`, run: () => fn(v) }));
  };
  const diagnosisFields = (d) => ({
    code: d.code,
    outcome: d.outcome,
    unknown: d.unknown,
    action: d.action,
    reversal_reason: d.reversalReason,
  });
  const expectedDiagnosis = (v) => ({
    code: v.code,
    outcome: v.outcome,
    unknown: v.unknown,
    action: v.action,
    reversal_reason: v.reversal_reason,
  });
  group('lookup', (v) =>
    equal(ResponseRegistry.bundled(v.profile).explain(v.code, { lang: v.lang }), camelKeys(v.expect), v.code),
  );
  group('diagnose', (v) =>
    equal(
      diagnosisFields(ResponseRegistry.bundled(v.profile).diagnose(v.event, { request: v.request })),
      expectedDiagnosis(v),
      `${v.request} ${v.event}`,
    ),
  );
  group('profile_lookup', (v) =>
    equal(ResponseRegistry.fromProfile(v.profile_json).explain(v.code, { lang: v.lang }), camelKeys(v.expect), v.code),
  );
  group('profile_diagnose', (v) =>
    equal(
      diagnosisFields(ResponseRegistry.fromProfile(v.profile_json).diagnose(v.event, { request: v.request })),
      expectedDiagnosis(v),
      `${v.request} ${v.event}`,
    ),
  );
  group('profile_errors', (v) => expectResult(poscore, v, () => ResponseRegistry.fromProfile(v.profile_json), () => {}));
  group('lang', (v) => expectResult(poscore, v, () => response.parseLang(v.input), (l) => equal(l, v.lang, v.input)));
  group('event_keys', (v) =>
    expectResult(poscore, v, () => response.parseEvent(v.key), (k) => ok(!v.error, `${v.key} should be rejected`)),
  );
  cases.push({
    name: 'diagnosis carries texts in both languages',
    run: () => {
      const zh = response.diagnose('comm.receive_timeout.after_send');
      const en = response.diagnose('comm.receive_timeout.after_send', { lang: 'en' });
      equal([zh.action, zh.reversalReason], ['reverse', '98'], 'timeout after send reverses with 98');
      ok(/[\u4e00-\u9fff]/.test(zh.operatorText) && /^[\x20-\x7e]+$/.test(en.operatorText), 'zh/en texts');
      ok(zh.remedies.length > 0, 'remedies');
    },
  });
  return cases;
}
