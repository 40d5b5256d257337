import json
import os
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
D = os.path.join(ROOT, "core", "data", "response") + "/"
term = json.load(open(D+"terminal.json")); iso = json.load(open(D+"iso.json")); up = json.load(open(D+"unionpay.json"))
rem = {r["id"]: r["text"] for r in term["remedies"]}

def layer(*profiles):
    entries = {}
    for p in profiles:
        for e in p["entries"]:
            c = e["code"]
            if c in entries:
                x = dict(entries[c]); x.update(e); x["source"] = p["source"]; entries[c] = x
            else:
                x = dict(e); x["source"] = p["source"]; entries[c] = x
    return entries
REG = {"iso": layer(term, iso), "unionpay": layer(term, iso, up)}

def explain(profile, code, lang, reg=None, rem_=None, unknown_source=None):
    reg = reg or REG[profile]; rem_ = rem_ or rem
    e = reg.get(code.upper())
    if e is None:
        d = term["default"]
        return {"code": code.upper(), "source": unknown_source or profile, "outcome": d["outcome"], "cause": d["cause"],
                "operator_text": d["operator"][lang].replace("{code}", code.upper()),
                "customer_text": d["customer"][lang], "remedies": [rem_[r][lang] for r in d["remedies"]], "unknown": True}
    return {"code": e["code"], "source": e["source"], "outcome": e["outcome"], "cause": e["cause"],
            "operator_text": e["operator"][lang], "customer_text": e["customer"][lang],
            "remedies": [rem_[r][lang] for r in e["remedies"]], "unknown": False}

sources = {
 "iso8583_1987": "ISO 8583:1987 bit 39 response code table (00-99; 45-50 and 69-74 reserved for ISO use, 76-89 private use, 97-99 national use); outcome, cause and remedies are poscore's classification in core/data/response/iso.json",
 "unionpay_table": "China UnionPay POS response codes (银联 POS 终端应答码表, normative annex of the UnionPay POS terminal specification as republished in public acquirer tables); 77 from the same table's note on batch-number mismatch; texts and classification in core/data/response/unionpay.json",
 "terminal_codes": "poscore terminal-local codes (core/data/response/terminal.json); 103 and the 9997 family are the codes field terminals display",
 "reversal_rules": "UnionPay field practice (/work/shared/UNIONPAY.md, reversal rules): reversal reasons 98 timeout / 06 other / A0 response MAC failure; 00, 12 and 25 end a reversal; inquiries and advices are not reversed",
 "poscore_rules": "poscore diagnosis rules (Registry::diagnose in core/src/response/mod.rs): outcome class -> next action",
 "derived": "derived: expected values computed from the bundled JSON tables by an independent script (python, reading core/data/response/*.json), not by the Rust code",
}

lookup = []
def L(profile, code, lang, src):
    lookup.append({"profile": profile, "code": code, "lang": lang, "expect": explain(profile, code, lang), "source": src})
for c in ["00","01","04","05","12","13","14","19","25","33","34","38","41","43","45","51","54","55","57","59","61","62","65","68","75","77","90","91","94","96","97","98","99","A0"]:
    L("unionpay", c, "zh", "unionpay_table")
for c in ["00","05","41","51","55","61","91","94","96"]:
    L("unionpay", c, "en", "unionpay_table")
for c in ["00","02","08","10","19","22","30","45","51","77","86","94","96","99"]:
    L("iso", c, "en", "iso8583_1987")
for c in ["103","9997","9997-01","9997-02","9997-03","9997-04","9997-05","9997-06","T103","T301","T401","T502","T601"]:
    L("unionpay", c, "zh", "terminal_codes"); 
for c in ["103","9997","T103","T601"]:
    L("iso", c, "en", "terminal_codes")
# unknown codes and normalisation
lookup.append({"profile":"unionpay","code":"zz","lang":"en","expect":explain("unionpay","zz","en"),"source":"poscore_rules: unknown host code -> default entry, Declined, flagged unknown"})
lookup.append({"profile":"iso","code":"B7","lang":"zh","expect":explain("iso","B7","zh"),"source":"poscore_rules: unknown host code -> default entry, Declined, flagged unknown"})
lookup.append({"profile":"unionpay","code":"12345","lang":"en","expect":explain("unionpay","12345","en",unknown_source="terminal"),"source":"poscore_rules: unknown non-host code keeps the terminal source, flagged unknown"})
lookup.append({"profile":"unionpay","code":" a0 ","lang":"en","expect":explain("unionpay","A0","en"),"source":"poscore_rules: codes are trimmed and upper-cased before lookup"})

diag = []
def G(profile, request, event, action, reason, src, code=None):
    if code is None:
        if event.startswith("code:"):
            code = event[5:].strip().upper()
        else:
            code = term["local"].get(event) or term["local"].get(event.rsplit(".",1)[0])
    reg = REG[profile]; e = reg.get(code)
    outcome = e["outcome"] if e else "Declined"
    diag.append({"profile": profile, "request": request, "event": event, "code": code, "outcome": outcome,
                 "unknown": e is None, "action": action, "reversal_reason": reason, "source": src})
# host responses to a sale
G("unionpay","financial","code:00","complete",None,"poscore_rules")
G("unionpay","financial","code:10","complete",None,"poscore_rules")
G("unionpay","financial","code:51","decline",None,"poscore_rules")
G("unionpay","financial","code:55","decline",None,"poscore_rules")
G("unionpay","financial","code:05","decline",None,"poscore_rules")
G("unionpay","financial","code:41","decline",None,"poscore_rules")
G("unionpay","financial","code:01","decline",None,"poscore_rules")
G("unionpay","financial","code:03","decline",None,"poscore_rules: FixTerminal from the host ends the transaction")
G("unionpay","financial","code:13","decline",None,"poscore_rules: OperatorError from the host ends the transaction")
G("unionpay","financial","code:19","retry_now",None,"poscore_rules")
G("unionpay","financial","code:90","retry_later",None,"poscore_rules")
G("unionpay","financial","code:91","retry_later",None,"poscore_rules")
G("unionpay","financial","code:96","retry_later",None,"poscore_rules")
G("unionpay","financial","code:98","retry_later",None,"unionpay_table: 98 issuer timeout is answered by the switch, which reverses with the issuer itself")
G("unionpay","financial","code:94","query",None,"poscore_rules: 94 duplicate -> look up the original, never resend")
G("iso","financial","code:94","query",None,"poscore_rules: 94 duplicate -> look up the original, never resend")
G("unionpay","financial","code:77","sign_on",None,"unionpay_table: 77 batch number mismatch -> sign on again")
G("unionpay","financial","code:99","sign_on",None,"unionpay_table")
G("unionpay","financial","code:A0","sign_on",None,"unionpay_table: A0 from the host = the host could not verify our MAC")
G("iso","financial","code:A0","decline",None,"poscore_rules: A0 is not an ISO 8583:1987 code -> unknown, Declined")
G("unionpay","financial","code:ZZ","decline",None,"poscore_rules: unknown host code")
# reversal responses
for c in ["00","12","25"]:
    G("unionpay","reversal","code:"+c,"reversal_done",None,"reversal_rules: 00, 12 and 25 end a reversal")
G("iso","reversal","code:25","reversal_done",None,"reversal_rules")
G("unionpay","reversal","code:96","reverse",None,"reversal_rules: any other answer -> send the reversal again (recorded reason stays)")
G("unionpay","reversal","code:51","reverse",None,"reversal_rules")
G("unionpay","reversal","code:ZZ","reverse",None,"reversal_rules: unknown answer to a reversal -> send it again")
G("unionpay","reversal","code:A0","sign_on",None,"reversal_rules: MAC failed at the host -> sign on, then resend the reversal")
G("unionpay","reversal","comm.receive_timeout.after_send","reverse",None,"reversal_rules: a timed-out reversal is retried")
G("unionpay","reversal","comm.connect_failed.before_send","reverse",None,"reversal_rules")
# local failures during a sale
G("unionpay","financial","comm.receive_timeout.after_send","reverse","98","reversal_rules: timeout after the request left -> reverse, reason 98")
G("unionpay","financial","comm.line_dropped.after_send","reverse","98","reversal_rules")
G("unionpay","financial","comm.send_failed.after_send","reverse","98","reversal_rules: a partly sent request may have reached the host")
G("unionpay","financial","comm.receive_timeout.before_send","retry_now",None,"reversal_rules: nothing left the terminal -> safe to retry")
G("unionpay","financial","comm.connect_failed.before_send","retry_now",None,"reversal_rules")
G("unionpay","financial","comm.send_failed.before_send","retry_now",None,"reversal_rules")
G("unionpay","financial","comm.line_dropped.before_send","retry_now",None,"reversal_rules")
G("unionpay","financial","response.mac_failed","reverse","A0","reversal_rules: response MAC failure -> reverse with reason A0")
G("unionpay","financial","response.mismatch","reverse","06","reversal_rules: response does not match the request (STAN/TID/amount)")
G("unionpay","financial","response.malformed","reverse","06","reversal_rules")
G("unionpay","financial","card.card_removed.after_approval","reverse","06","reversal_rules: terminal failure after approval, before completion")
G("unionpay","financial","card.chip_declined.after_approval","reverse","06","reversal_rules: card declines at the second GENERATE AC after host approval")
G("unionpay","financial","card.card_removed.before_send","attend",None,"poscore_rules")
G("unionpay","financial","card.chip_declined.before_send","decline",None,"poscore_rules")
G("unionpay","financial","card.chip_fallback.before_send","attend",None,"poscore_rules")
G("unionpay","financial","card.magstripe_bad_read.before_send","attend",None,"poscore_rules")
G("unionpay","financial","printer.out_of_paper","attend",None,"poscore_rules: a printer fault never reverses an approved sale")
G("unionpay","financial","printer.cover_open","attend",None,"poscore_rules")
G("unionpay","financial","printer.overheat","attend",None,"poscore_rules")
G("unionpay","financial","keys.not_signed_on","sign_on",None,"poscore_rules")
G("unionpay","financial","keys.kcv_mismatch","sign_on",None,"poscore_rules")
G("unionpay","financial","keys.master_key_missing","attend",None,"poscore_rules")
G("unionpay","financial","host.maintenance","retry_later",None,"poscore_rules")
G("unionpay","financial","verify.unknown","decline",None,"terminal_codes")
G("unionpay","financial","verify.pin","decline",None,"terminal_codes")
G("unionpay","financial","verify.network","retry_now",None,"terminal_codes")
G("unionpay","financial","verify.hardware","attend",None,"terminal_codes")
G("unionpay","financial","general","decline",None,"terminal_codes")
G("unionpay","financial","reversal.exhausted","attend",None,"reversal_rules: poscore keeps an exhausted reversal and refuses further sales until it is resolved")
# non-reversible requests: nothing to reverse
G("unionpay","inquiry","comm.receive_timeout.after_send","retry_now",None,"reversal_rules: balance inquiry is not reversed")
G("unionpay","advice","comm.receive_timeout.after_send","retry_now",None,"reversal_rules: refund (0220) is an advice, resent as a repeat")
G("unionpay","sign_on","comm.receive_timeout.after_send","retry_now",None,"reversal_rules")
G("unionpay","settlement","comm.line_dropped.after_send","retry_now",None,"reversal_rules")
G("unionpay","sign_on","code:00","complete",None,"poscore_rules")
G("unionpay","sign_on","keys.kcv_mismatch","sign_on",None,"poscore_rules")
G("unionpay","settlement","code:96","retry_later",None,"poscore_rules")
G("unionpay","inquiry","code:51","decline",None,"poscore_rules")

# acquirer profiles loaded at run time
acme = {
 "name": "acme-bank", "base": "unionpay",
 "description": "example acquirer profile",
 "remedies": [{"id": "call_acme", "text": {"zh": "致电 ACME 银行 95500", "en": "Call ACME Bank on 95500"}}],
 "reversal_done_codes": ["00", "12", "25", "94"],
 "local": {"comm.receive_timeout.after_send": "X01"},
 "entries": [
   {"code": "51", "remedies": ["lower_amount", "call_acme"]},
   {"code": "96", "outcome": "RetryNow", "operator": {"zh": "ACME 系统繁忙，立即重试", "en": "ACME busy, retry now"}},
   {"code": "N5", "outcome": "Declined", "cause": "card", "operator": {"zh": "卡片未开通境内交易", "en": "Card not enabled for domestic use"},
    "customer": {"zh": "此卡无法受理，请换卡", "en": "This card cannot be accepted, please use another card"}, "remedies": ["another_card"]},
   {"code": "X01", "outcome": "ReverseThenRetry", "cause": "network", "operator": {"zh": "ACME 接收超时", "en": "ACME receive timeout"},
    "customer": {"zh": "交易结果未知，正在自动撤销", "en": "Result unknown, cancelling"}, "remedies": ["wait_reversal", "call_acme"], "reversal_reason": "98"}
 ]}
acme_json = json.dumps(acme, ensure_ascii=False)
reg = layer(term, iso, up, dict(acme, source="acquirer", entries=[e for e in acme["entries"]]))
rem2 = dict(rem); rem2["call_acme"] = acme["remedies"][0]["text"]
plook = []
for code, lang, src in [("51","en","derived: partial override keeps outcome and texts, replaces remedies; source becomes acquirer"),
                        ("96","zh","derived: partial override of outcome and operator text"),
                        ("N5","en","derived: new code from the profile"),
                        ("55","en","derived: untouched code keeps its UnionPay meaning"),
                        ("X01","zh","derived: new terminal-side code"),
                        ("QQ","en","derived: unknown code, source of the acquirer profile")]:
    plook.append({"profile_json": acme_json, "code": code, "lang": lang,
                  "expect": explain(None, code, lang, reg=reg, rem_=rem2, unknown_source="acquirer"), "source": src})
pdiag = [
 {"profile_json": acme_json, "request": "financial", "event": "code:96", "code": "96", "outcome": "RetryNow", "unknown": False, "action": "retry_now", "reversal_reason": None, "source": "derived: overridden outcome drives the action"},
 {"profile_json": acme_json, "request": "reversal", "event": "code:94", "code": "94", "outcome": "Declined", "unknown": False, "action": "reversal_done", "reversal_reason": None, "source": "derived: profile adds 94 to the codes that end a reversal"},
 {"profile_json": acme_json, "request": "financial", "event": "comm.receive_timeout.after_send", "code": "X01", "outcome": "ReverseThenRetry", "unknown": False, "action": "reverse", "reversal_reason": "98", "source": "derived: profile remaps a local failure"},
]
bad = lambda **kw: json.dumps(dict({"name": "bad", "base": "unionpay"}, **kw), ensure_ascii=False)
perr = [
 {"profile_json": "{\"name\": \"x\", \"base\": ", "error": "response.bad_json", "source": "edge case: truncated JSON"},
 {"profile_json": json.dumps({"name": "x"}), "error": "response.missing_base", "source": "edge case: a run-time profile names its base"},
 {"profile_json": json.dumps({"name": "x", "base": "visa"}), "error": "response.unknown_profile", "source": "edge case"},
 {"profile_json": bad(entries=[{"code": "51", "remedies": ["no_such_remedy"]}]), "error": "response.unknown_remedy", "source": "edge case"},
 {"profile_json": bad(entries=[{"code": "N9", "outcome": "Declined"}]), "error": "response.incomplete_entry", "source": "edge case: a new code must have every field"},
 {"profile_json": bad(entries=[{"code": "5 1"}]), "error": "response.bad_code", "source": "edge case"},
 {"profile_json": bad(entries=[{"code": "51"}, {"code": "51"}]), "error": "response.duplicate_code", "source": "edge case"},
 {"profile_json": bad(entries=[{"code": "51", "operator": {"zh": "", "en": "x"}}]), "error": "response.empty_text", "source": "edge case: both languages are required"},
 {"profile_json": bad(local={"comm.receive_timeout.after_send": "NOPE"}), "error": "response.unknown_local_target", "source": "edge case"},
 {"profile_json": bad(local={"comm.timeout.after_send": "T103"}), "error": "response.bad_key", "source": "edge case: a misspelt local failure key would never match"},
 {"profile_json": bad(entries=[{"code": "T103", "reversal_reason": "098"}]), "error": "response.bad_reversal_reason", "source": "edge case: field 39 is two characters"},
 {"profile_json": bad(entries=[{"code": "51", "outcome": "Maybe"}]), "error": "response.bad_json", "source": "edge case: outcome must be one of the ten classes"},
]
langs = [
 {"input": "zh", "lang": "zh", "source": "poscore_rules"}, {"input": "zh-CN", "lang": "zh", "source": "poscore_rules"},
 {"input": "zh_Hans", "lang": "zh", "source": "poscore_rules"}, {"input": "en", "lang": "en", "source": "poscore_rules"},
 {"input": "en-US", "lang": "en", "source": "poscore_rules"}, {"input": "fr", "error": "response.unknown_language", "source": "edge case"},
 {"input": "", "error": "response.unknown_language", "source": "edge case"},
]
keys = [{"key": k, "valid": True, "source": "poscore_rules"} for k in ["code:51", "comm.receive_timeout.after_send", "card.card_removed.after_approval", "printer.out_of_paper", "keys.kcv_mismatch", "response.mac_failed", "host.maintenance", "verify.pin", "general"]]
keys += [{"key": k, "error": "response.bad_key", "source": "edge case"} for k in ["comm.receive_timeout", "comm.timeout.after_send", "printer", "printer.jam", "general.x", "", "unknown.thing"]]

out = {
 "module": "response",
 "description": "Response-code registry and failure diagnosis. lookup: explain CODE under a bundled profile in a language. diagnose: a request kind plus an event key (code:XX for a host response, or a local failure key) -> code, outcome, next action and reversal reason. profile_*: acquirer profiles given as JSON text (load with Registry.fromProfileJson / from_profile_json). Every surface runs these vectors.",
 "sources": sources,
 "lookup": lookup,
 "diagnose": diag,
 "profile_lookup": plook,
 "profile_diagnose": pdiag,
 "profile_errors": perr,
 "lang": langs,
 "event_keys": keys,
}
with open(os.path.join(ROOT, "tests", "vectors", "response.json"), "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1); f.write("\n")
print({k: len(v) for k, v in out.items() if isinstance(v, list)})
