#!/usr/bin/env python3
"""Differential test: poscore's EMV issuer cryptograms (`poscore emv`) against pyemv (PyPI).

    python3 tests/diff/emv.py --cli target/debug/poscore [--n 500] [--seed 1]

Random issuer master keys, PANs of 1 to 19 digits, PSNs, ATCs, transaction data, ARCs, CSUs and
proprietary authentication data (seeded, so a failure reproduces), each case compared with:

  - pyemv.kd.derive_icc_mk_a (EMV Book 2 A1.4.1 Option A) and, for CVN 18, pyemv.kd.derive_icc_mk_b
    (A1.4.2 Option B, which pyemv.cvn.VisaCVN18 uses);
  - pyemv.kd.derive_common_sk with R = ATC || 00..00 (A1.3.1) for the CVN 18 session key;
  - pyemv.ac.generate_ac with Visa (CVN 10) and EMV (CVN 18) padding, and the whole transaction
    through pyemv.cvn.VisaCVN10 / VisaCVN18 generate_ac;
  - `--arqc` verification: pyemv's ARQC verifies, a flipped bit exits with emv.arqc_mismatch;
  - pyemv.ac.generate_arpc_1 / VisaCVN10.generate_arpc (method 1) and pyemv.ac.generate_arpc_2 /
    VisaCVN18.generate_arpc (method 2).

Every case is run through the CLI's hidden `batch` mode (one process, one JSON line per case).
Prints `N passed, N failed` and exits non-zero on any disagreement.
"""

import sys
import warnings

import batch  # noqa: E402  (tests/diff/batch.py)
from batch import Cases  # noqa: E402

warnings.filterwarnings("ignore")  # cryptography's TripleDES deprecation notices, from inside pyemv

import pyemv.ac  # noqa: E402
import pyemv.cvn  # noqa: E402
import pyemv.kd  # noqa: E402

H = lambda b: b.hex().upper()  # noqa: E731
B = bytes.fromhex

# The data a Visa card MACs: 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 82 9F36, then the CVR (CVN 10,
# 4 bytes) or the whole 9F10 (CVN 18).
TAGS = [("tag_9f02", 6), ("tag_9f03", 6), ("tag_9f1a", 2), ("tag_95", 5), ("tag_5f2a", 2), ("tag_9a", 3),
        ("tag_9c", 1), ("tag_9f37", 4), ("tag_82", 2)]


def expect(**want):
    def check(ans):
        bad = [f"{k}: poscore {ans.get(k)!r}, pyemv {v!r}" for k, v in want.items() if ans.get(k) != v]
        if bad and "error" in ans:
            bad.append(f"error {ans['error']}")
        return "; ".join(bad) or None
    return check


def expect_error(code):
    def check(ans):
        got = (ans.get("error") or {}).get("code")
        return None if got == code else f"expected error {code}, got {ans}"
    return check


def build(n, rnd):
    c = Cases()
    rb = lambda k: bytes(rnd.randrange(256) for _ in range(k))  # noqa: E731
    digits = lambda k: "".join(rnd.choice("0123456789") for _ in range(k))  # noqa: E731

    for _ in range(n):
        imk = rb(16)
        pan = digits(rnd.choice([rnd.randint(1, 19), 16, 16, 17, 18, 19]))
        psn = digits(2)
        atc = rb(2)
        card = ["--imk", H(imk), "--pan", pan, "--psn", psn, "--atc", H(atc)]

        # CVN 10: Option A, the ICC master key is the AC key, Visa padding, ARPC method 1.
        tags = {name: rb(size) for name, size in TAGS}
        cvr = rb(4)
        c10 = pyemv.cvn.VisaCVN10(iss_mk_ac=imk, iss_mk_smi=imk, iss_mk_smc=imk, pan=pan, psn=psn)
        mk_a = pyemv.kd.derive_icc_mk_a(imk, pan, psn)
        arqc10 = c10.generate_ac(**tags, tag_9f36=atc, cvr=cvr)
        data10 = b"".join(tags.values()) + atc + cvr
        assert arqc10 == pyemv.ac.generate_ac(mk_a, data10, pyemv.ac.PaddingType.VISA)
        c.add("cvn10 icc mk (A), arqc", ["emv", "arqc", *card, "--data", H(data10), "--cvn", 10],
              expect(icc_master_key=H(mk_a), session_key=H(mk_a), arqc=H(arqc10)))
        # Any data length, not only the Visa layout.
        free = rb(rnd.choice([0, 1, 7, 8, 9, 16, 33, rnd.randrange(120)]))
        c.add("cvn10 arqc, any data", ["emv", "arqc", *card, "--data", H(free), "--cvn", 10],
              expect(arqc=H(pyemv.ac.generate_ac(mk_a, free, pyemv.ac.PaddingType.VISA))))
        c.add("cvn10 verify pyemv arqc", ["emv", "arqc", *card, "--data", H(data10), "--cvn", 10, "--arqc", H(arqc10)],
              expect(verified=True))
        flipped = bytearray(arqc10)
        bit = rnd.randrange(64)
        flipped[bit // 8] ^= 1 << (bit % 8)
        c.add("cvn10 flipped arqc refused",
              ["emv", "arqc", *card, "--data", H(data10), "--cvn", 10, "--arqc", H(bytes(flipped))],
              expect_error("emv.arqc_mismatch"))
        arc = rnd.choice([b"00", b"05", b"51", b"Z3", rb(2)])
        arpc1 = c10.generate_arpc(tag_9f26=arqc10, arpc_rc=arc)
        assert arpc1 == pyemv.ac.generate_arpc_1(mk_a, arqc10, arc)
        c.add("cvn10 arpc method 1", ["emv", "arpc", *card, "--arqc", H(arqc10), "--cvn", 10, "--arc", H(arc)],
              expect(arpc=H(arpc1)))

        # CVN 18: Option B, common session key from the ATC, EMV padding, ARPC method 2.
        tags = {name: rb(size) for name, size in TAGS}
        iad = bytes([6, 1, 0x12]) + rb(4) if rnd.random() < 0.7 else rb(rnd.randrange(0, 33))
        c18 = pyemv.cvn.VisaCVN18(iss_mk_ac=imk, iss_mk_smi=imk, iss_mk_smc=imk, pan=pan, psn=psn)
        mk_b = pyemv.kd.derive_icc_mk_b(imk, pan, psn)
        sk = pyemv.kd.derive_common_sk(mk_b, atc + bytes(6))
        arqc18 = c18.generate_ac(**tags, tag_9f36=atc, tag_9f10=iad)
        data18 = b"".join(tags.values()) + atc + iad
        assert arqc18 == pyemv.ac.generate_ac(sk, data18, pyemv.ac.PaddingType.EMV)
        c.add("cvn18 icc mk (B), session key, arqc", ["emv", "arqc", *card, "--data", H(data18), "--cvn", 18],
              expect(icc_master_key=H(mk_b), session_key=H(sk), arqc=H(arqc18)))
        free = rb(rnd.choice([0, 1, 7, 8, 9, 16, 33, rnd.randrange(120)]))
        c.add("cvn18 arqc, any data", ["emv", "arqc", *card, "--data", H(free), "--cvn", 18],
              expect(arqc=H(pyemv.ac.generate_ac(sk, free, pyemv.ac.PaddingType.EMV))))
        c.add("cvn18 verify pyemv arqc", ["emv", "arqc", *card, "--data", H(data18), "--cvn", 18, "--arqc", H(arqc18)],
              expect(verified=True))
        other_atc = bytes([atc[0], atc[1] ^ (1 << rnd.randrange(8))])
        c.add("cvn18 other atc refused",
              ["emv", "arqc", "--imk", H(imk), "--pan", pan, "--psn", psn, "--atc", H(other_atc), "--data", H(data18),
               "--cvn", 18, "--arqc", H(arqc18)],
              expect_error("emv.arqc_mismatch"))
        csu = rb(4)
        prop = rb(rnd.randrange(0, 9)) if rnd.random() < 0.6 else None
        arpc2 = c18.generate_arpc(tag_9f26=arqc18, tag_9f36=atc, csu=csu, proprietary_auth_data=prop)
        assert arpc2 == pyemv.ac.generate_arpc_2(sk, arqc18, csu, prop)
        argv = ["emv", "arpc", *card, "--arqc", H(arqc18), "--cvn", 18, "--csu", H(csu)]
        if prop is not None:
            argv += ["--prop-auth-data", H(prop)]
        c.add("cvn18 arpc method 2", argv, expect(arpc=H(arpc2)))

        # Option A for every PAN length through CVN 10 (pyemv's Option B equals it up to 16 digits).
        if len(pan) <= 16:
            c.add("option A == option B (pan <= 16)", ["emv", "arqc", *card, "--data", "", "--cvn", 18],
                  expect(icc_master_key=H(mk_a)))
    return c


if __name__ == "__main__":
    sys.exit(batch.main(build, 500, "random rounds (each is ~10 cases)", 38))
