#!/usr/bin/env python3
"""Differential test: poscore's iso87ascii spec against pyiso8583's specs.default_ascii.

    python3 tests/diff/iso8583.py --cli target/debug/poscore [--count 5000] [--seed 1]

Needs pyiso8583 (pip install pyiso8583, in the project's .venv). Drives the poscore CLI's
hidden batch mode (`poscore iso8583 batch --spec iso87ascii`, JSON lines on stdin).

Checks, on random valid messages:
  1. pack: pyiso8583 and poscore produce the same bytes;
  2. unpack: each decodes the other's bytes back to the original fields;
and on malformed inputs built from valid ones (truncation, trailing byte, non-digit or
over-maximum length prefix, non-hex bitmap, non-ASCII byte in a field): both must reject.
Random byte mutations are also run: if both accept they must decode identically, and poscore
must never accept what pyiso8583 rejects (poscore is stricter: it also rejects control
characters and signed/space-padded length prefixes that Python's int() accepts).
Prints "N passed, N failed"; exits 1 on any disagreement.
"""
import argparse
import os
import os as _os
import sys as _sys

# This directory holds iso8583.py (this test): import the pyiso8583 package, not it.
_sys.path = [p for p in _sys.path if _os.path.abspath(p or '.') != _os.path.dirname(_os.path.abspath(__file__))]
import json
import random
import subprocess
import sys

try:
    import iso8583
    from iso8583.specs import default_ascii as PY_SPEC
except ImportError:
    sys.exit("pyiso8583 is not installed: pip install pyiso8583")


def poscore_batch(cli, requests):
    proc = subprocess.run([cli, "iso8583", "batch", "--spec", "iso87ascii"],
                          input="".join(json.dumps(r) + "\n" for r in requests),
                          capture_output=True, text=True, check=True)
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == len(requests), (len(out), len(requests))
    return out


def load_spec(cli):
    out = subprocess.run([cli, "--json", "iso8583", "spec", "iso87ascii"], capture_output=True, text=True, check=True)
    return {int(k): v for k, v in json.loads(out.stdout)["fields"].items()}


DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz "
ALNUM = LETTERS + DIGITS
PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))
NS = "".join(c for c in PRINTABLE if not c.isalpha())


def value(f, rnd):
    max_units = f["max_len"] // 2 if f.get("length_unit") == "encoded" and f["encoding"] == "hex_ascii" else f["max_len"]
    if f["class"] == "fixed":
        n = max_units
    else:
        n = max_units if rnd.random() < 0.2 else rnd.randint(0, min(max_units, 60))
    c = f["content"]
    if c == "b":
        return "".join(rnd.choice("0123456789ABCDEF") for _ in range(2 * n))
    if c == "x+n":
        return rnd.choice("CD") + "".join(rnd.choice(DIGITS) for _ in range(n - 1))
    pool = {"n": DIGITS, "a": LETTERS, "an": ALNUM, "ans": PRINTABLE, "ns": NS, "z": DIGITS * 6 + "=D"}[c]
    return "".join(rnd.choice(pool) for _ in range(n))


def random_message(spec, rnd):
    fields = {}
    numbers = sorted(spec)
    for n in rnd.sample(numbers, rnd.randint(1, 20)):
        fields[str(n)] = value(spec[n], rnd)
    return {"mti": rnd.choice(["0100", "0110", "0200", "0210", "0400", "0420", "0800", "0810"]), "fields": fields}


def py_encode(msg):
    s, _ = iso8583.encode({"t": msg["mti"], **msg["fields"]}, PY_SPEC)
    return bytes(s)


def py_decode(b):
    d, enc = iso8583.decode(bytearray(b), PY_SPEC)
    return d, enc


def layout(b):
    """(field, offset, prefix_len, data_len) for each field of a valid message, via pyiso8583's doc_enc."""
    _, enc = py_decode(b)
    off = 0
    out = []
    for k, v in enc.items():
        out.append((k, off, len(v["len"]), len(v["data"])))
        off += len(v["len"]) + len(v["data"])
    return out


def malformed(b, spec, rnd):
    """A list of (kind, bytes) that both implementations must reject."""
    lay = layout(b)
    cases = [("truncated", b[:rnd.randrange(0, len(b))]), ("trailing byte", b + bytes([rnd.choice(b"0A ")]))]
    var = [x for x in lay if x[0] not in ("t", "p", "1", "h") and x[2] > 0]
    if var:
        k, off, plen, _ = rnd.choice(var)
        i = off + rnd.randrange(plen)
        cases.append(("length prefix not a digit", b[:i] + bytes([rnd.choice(b"ABCXYZ/:")]) + b[i + 1:]))
        f = spec[int(k)]
        over = f["max_len"] + 1
        if over < 10 ** plen:
            cases.append(("length prefix over maximum", b[:off] + str(over).zfill(plen).encode() + b[off + plen:]))
    bm = [x for x in lay if x[0] == "p"][0]
    i = bm[1] + rnd.randrange(16)
    cases.append(("bitmap not hex", b[:i] + bytes([rnd.choice(b"GHXYZ")]) + b[i + 1:]))
    data = [x for x in lay if x[0] not in ("h", "p", "1") and x[3] > 0]
    k, off, plen, dlen = rnd.choice(data)
    i = off + plen + rnd.randrange(dlen)
    cases.append(("non-ASCII byte", b[:i] + bytes([rnd.randrange(0x80, 0x100)]) + b[i + 1:]))
    return cases


def same_fields(py, ours, spec):
    pf = {k: v for k, v in py.items() if k not in ("t", "p", "1", "h")}
    if set(pf) != set(ours["fields"]) or py["t"] != ours["mti"]:
        return False
    for k, v in pf.items():
        o = ours["fields"][k]
        if spec[int(k)]["content"] == "b":
            v, o = v.upper(), o.upper()
        if v != o:
            return False
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=8583)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    spec = load_spec(a.cli)
    passed = failed = 0
    fails = []

    def fail(what):
        nonlocal failed
        failed += 1
        if len(fails) < 10:
            fails.append(what)

    msgs = [random_message(spec, rnd) for _ in range(a.count)]
    py_bytes = [py_encode(m) for m in msgs]
    ours = poscore_batch(a.cli, [{"op": "encode", "message": m} for m in msgs])
    # 1 + 2: pack agreement, and each side decodes the other's bytes.
    decoded = poscore_batch(a.cli, [{"op": "decode", "hex": b.hex().upper()} for b in py_bytes])
    for m, pb, o, d in zip(msgs, py_bytes, ours, decoded):
        if o.get("hex") != pb.hex().upper():
            fail(f"pack differs for {m}: pyiso8583 {pb.hex().upper()} poscore {o}")
            continue
        if d.get("message") != m:
            fail(f"poscore decode of pyiso8583 bytes {pb.hex().upper()}: {d}")
            continue
        try:
            pd, _ = py_decode(bytes.fromhex(o["hex"]))
        except Exception as e:  # noqa: BLE001
            fail(f"pyiso8583 rejects poscore bytes {o['hex']}: {e}")
            continue
        if not same_fields(pd, m, spec):
            fail(f"pyiso8583 decode of poscore bytes differs: {pd} vs {m}")
            continue
        passed += 1

    # 3: malformed inputs, both must reject.
    bad = []
    for b in py_bytes[: max(1, a.count // 2)]:
        bad.extend(malformed(b, spec, rnd))
    results = poscore_batch(a.cli, [{"op": "decode", "hex": b.hex().upper()} for _, b in bad])
    for (kind, b), r in zip(bad, results):
        try:
            py_decode(b)
            py_ok = True
        except Exception:  # noqa: BLE001
            py_ok = False
        ours_ok = "message" in r
        if py_ok or ours_ok:
            fail(f"{kind}: {b.hex().upper()} accepted by {'pyiso8583' if py_ok else ''} {'poscore' if ours_ok else ''}")
        else:
            passed += 1

    # 4: random mutations.
    muts = []
    for b in py_bytes[: max(1, a.count // 2)]:
        b = bytearray(b)
        for _ in range(rnd.randint(1, 3)):
            b[rnd.randrange(len(b))] = rnd.randrange(256) if rnd.random() < 0.3 else rnd.choice(b"0123456789ABCDEF ")
        muts.append(bytes(b))
    results = poscore_batch(a.cli, [{"op": "decode", "hex": b.hex().upper()} for b in muts])
    stricter = 0
    kinds = {}
    for b, r in zip(muts, results):
        try:
            pd, _ = py_decode(b)
        except Exception:  # noqa: BLE001
            pd = None
        if "message" in r and pd is None:
            fail(f"mutation accepted by poscore only: {b.hex().upper()} -> {r}")
        elif "message" in r and not same_fields(pd, r["message"], spec):
            fail(f"mutation decoded differently: {b.hex().upper()}: {pd} vs {r}")
        else:
            if pd is not None and "message" not in r:
                stricter += 1
                kinds[r.get("error")] = kinds.get(r.get("error"), 0) + 1
                if os.environ.get("SHOW_STRICTER"):
                    print("stricter:", r.get("detail"), b[max(0, r.get("offset", 0) - 4):r.get("offset", 0) + 4])
            passed += 1

    for f in fails:
        print("FAIL:", f)
    print(f"(mutations poscore rejects but pyiso8583 accepts, by design stricter: {stricter} {kinds})")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
