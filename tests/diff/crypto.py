#!/usr/bin/env python3
"""Differential test: poscore's payment cryptography against pyemv and psec (PyPI) and, where
those have no implementation, against small references written here from the standards.

    python3 tests/diff/crypto.py --cli target/debug/poscore [--n 400] [--seed 1]

Every case is run through the CLI's hidden `batch` mode (one process, one JSON line per case) so a
run takes seconds. Prints `N passed, N failed` and exits non-zero on any disagreement.

Peers: psec (PIN blocks 0/2/3/4, ISO 9797-1 MACs, TR-31), pyemv (KCV, X9.19), cryptography
(AES/SM4 CMAC, DES for the references). References here: UnionPay POS ECB MAC (UNIONPAY.md
steps), TDES DUKPT (ANSI X9.24-1) and AES DUKPT (ANSI X9.24-3-2017).
"""

import sys
import warnings

import batch  # noqa: E402  (tests/diff/batch.py)
from batch import Cases  # noqa: E402

warnings.filterwarnings("ignore")

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES  # noqa: E402
from cryptography.hazmat.primitives import cmac  # noqa: E402
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402
import psec.mac  # noqa: E402
import psec.pinblock  # noqa: E402
import psec.tr31  # noqa: E402
import pyemv.mac  # noqa: E402
import pyemv.tools  # noqa: E402

H = lambda b: b.hex().upper()  # noqa: E731
B = bytes.fromhex


def ecb(alg, key, data, decrypt=False):
    c = Cipher(alg(key), modes.ECB())
    op = c.decryptor() if decrypt else c.encryptor()
    return op.update(data) + op.finalize()


def tdes(key):
    return TripleDES(key * 3 if len(key) == 8 else key)


def cmac_of(alg, key, data):
    c = cmac.CMAC(alg(key))
    c.update(data)
    return c.finalize()


def xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b))


# ---- references written from the standards (no pyemv/psec equivalent) ----

def cup_ecb_ref(key, data):
    """UNIONPAY.md, MAC steps 1-7."""
    d = data + bytes((-len(data)) % 8)
    x = bytes(8)
    for i in range(0, len(d), 8):
        x = xor(x, d[i:i + 8])
    hx = H(x).encode()
    e = ecb(tdes, key, hx[:8])
    e = ecb(tdes, key, xor(e, hx[8:]))
    return H(e)[:8].encode()


C0 = B("C0C0C0C000000000C0C0C0C000000000")


def tdes_dukpt_ref(bdk, ksn):
    """ANSI X9.24-1-2009: IPEK, then one non-reversible step per counter bit, then variants."""
    base = bytearray(ksn)
    base[7] &= 0xE0
    base[8] = base[9] = 0
    ipek = ecb(tdes, bdk, bytes(base[:8])) + ecb(tdes, xor(bdk, C0), bytes(base[:8]))
    counter = int.from_bytes(ksn[7:], "big") & 0x1FFFFF
    reg = int.from_bytes(bytes(base[2:]), "big")
    key = ipek
    for bit in range(20, -1, -1):
        if counter & (1 << bit):
            reg |= 1 << bit
            msg = reg.to_bytes(8, "big")

            def half(k):
                return xor(ecb(tdes, k[:8], xor(msg, k[8:])), k[8:])  # single DES: K1 = K2 = K3
            right = half(key)
            left = half(xor(key, C0))
            key = left + right

    def var(byte):
        m = bytearray(16)
        m[byte] = m[byte + 8] = 0xFF
        return xor(key, m)
    data_req = var(5)
    data_req = ecb(tdes, data_req, data_req)
    return {"ipek": H(ipek), "transaction_key": H(key), "pin_key": H(var(7)), "mac_key": H(var(6)),
            "mac_response_key": H(var(4)), "data_key": H(data_req)}


AES_USAGE = {"kek": 0x0002, "pin": 0x1000, "mac-generate": 0x2000, "mac-verify": 0x2001, "mac-both": 0x2002,
             "data-encrypt": 0x3000, "data-decrypt": 0x3001, "data-both": 0x3002}
AES_TYPE = {"2tdea": (0, 16), "3tdea": (1, 24), "aes128": (2, 16), "aes192": (3, 24), "aes256": (4, 32)}


def aes_dukpt_ref(bdk, ksn, usage, key_type):
    """ANSI X9.24-3-2017 section 6: DeriveKey over derivation data, MSB-first counter walk."""
    bdk_type = {16: "aes128", 24: "aes192", 32: "aes256"}[len(bdk)]

    def derive(k, ktype, usage_code, tail):
        code, n = AES_TYPE[ktype]
        out = b""
        i = 1
        while len(out) < n:
            d = bytes([1, i]) + usage_code.to_bytes(2, "big") + code.to_bytes(2, "big") + (n * 8).to_bytes(2, "big") + tail
            out += ecb(algorithms.AES, k, d)
            i += 1
        return out[:n]
    ik = derive(bdk, bdk_type, 0x8001, ksn[:8])
    counter = int.from_bytes(ksn[8:], "big")
    k = ik
    working = 0
    for bit in range(31, -1, -1):
        if counter & (1 << bit):
            working |= 1 << bit
            k = derive(k, bdk_type, 0x8000, ksn[4:8] + working.to_bytes(4, "big"))
    wk = derive(k, key_type, AES_USAGE[usage], ksn[4:8] + counter.to_bytes(4, "big"))
    return {"initial_key": H(ik), "transaction_key": H(k), "working_key": H(wk)}


# ---- cases ----

def expect(field, want):
    def check(ans):
        got = ans.get(field)
        return None if got == want else f"{field}: poscore {got!r}, peer {want!r} ({ans.get('error') or ans.get('usage_error')})"
    return check


def build(n, rnd):
    c = Cases()
    rb = lambda k: bytes(rnd.randrange(256) for _ in range(k))  # noqa: E731
    digits = lambda k: "".join(rnd.choice("0123456789") for _ in range(k))  # noqa: E731

    for _ in range(n):
        pin = digits(rnd.randint(4, 12))
        pan = digits(rnd.randint(13, 19))
        k2 = rb(rnd.choice([16, 24]))
        # Format 0 and 2: deterministic, compare bytes with psec.
        c.add("pin0 encode", ["pin", "encode", "--format", 0, "--pin", pin, "--pan", pan],
              expect("pin_block", H(psec.pinblock.encode_pinblock_iso_0(pin, pan))))
        c.add("pin0 encrypt", ["pin", "encode", "--format", 0, "--pin", pin, "--pan", pan, "--key", H(k2)],
              expect("pin_block", H(ecb(tdes, k2, psec.pinblock.encode_pinblock_iso_0(pin, pan)))))
        c.add("pin2 encode", ["pin", "encode", "--format", 2, "--pin", pin],
              expect("pin_block", H(psec.pinblock.encode_pinblock_iso_2(pin))))
        # Format 3 and 4 have random fill: each side decodes the other's block.
        blk3 = psec.pinblock.encode_pinblock_iso_3(pin, pan)
        c.add("pin3 decode psec block", ["pin", "decode", "--format", 3, "--block", H(blk3), "--pan", pan], expect("pin", pin))

        def psec_decodes3(ans, pin=pin, pan=pan):
            try:
                got = psec.pinblock.decode_pinblock_iso_3(B(ans["pin_block"]), pan)
            except Exception as e:  # noqa: BLE001
                return f"psec rejects poscore block {ans}: {e}"
            return None if got == pin else f"psec decoded {got}, want {pin}"
        c.add("pin3 encode, psec decodes", ["pin", "encode", "--format", 3, "--pin", pin, "--pan", pan, "--seed", rnd.randrange(1 << 32)], psec_decodes3)
        ka = rb(rnd.choice([16, 24, 32]))
        blk4 = psec.pinblock.encipher_pinblock_iso_4(ka, pin, pan)
        c.add("pin4 decrypt psec block", ["pin", "decode", "--format", 4, "--block", H(blk4), "--pan", pan, "--key", H(ka)], expect("pin", pin))

        def psec_decodes4(ans, pin=pin, pan=pan, ka=ka):
            try:
                got = psec.pinblock.decipher_pinblock_iso_4(ka, B(ans["pin_block"]), pan)
            except Exception as e:  # noqa: BLE001
                return f"psec rejects poscore block {ans}: {e}"
            return None if got == pin else f"psec decoded {got}, want {pin}"
        c.add("pin4 encrypt, psec decrypts", ["pin", "encode", "--format", 4, "--pin", pin, "--pan", pan, "--key", H(ka), "--seed", rnd.randrange(1 << 32)], psec_decodes4)

        # MACs.
        data = rb(rnd.choice([0, 1, 7, 8, 9, 16, 31, 64, 200, rnd.randrange(300)]))
        pad = rnd.randint(1, 3)
        kd = rb(rnd.choice([8, 16, 24]))
        c.add("iso9797-1 alg1", ["mac", "--algorithm", "iso9797-1-alg1", "--key", H(kd), "--data", H(data), "--padding", pad],
              expect("mac", H(psec.mac.generate_cbc_mac(kd, data, pad))))
        km = rb(16)
        c.add("x9.19 (psec)", ["mac", "--algorithm", "x9.19", "--key", H(km), "--data", H(data), "--padding", pad],
              expect("mac", H(psec.mac.generate_retail_mac(km[:8], km[8:], data, pad))))
        if pad in (1, 2):
            c.add("x9.19 (pyemv)", ["mac", "--algorithm", "iso9797-1-alg3", "--key", H(km), "--data", H(data), "--padding", pad],
                  expect("mac", H(pyemv.mac.mac_iso9797_3(km[:8], km[8:], data, pad))))
        kc = rb(rnd.choice([8, 16]))
        c.add("cup-ecb (reference)", ["mac", "--algorithm", "cup-ecb", "--key", H(kc), "--data", H(data)],
              expect("mac", H(cup_ecb_ref(kc, data))))
        kaes = rb(rnd.choice([16, 24, 32]))
        c.add("aes-cmac (cryptography)", ["mac", "--algorithm", "aes-cmac", "--key", H(kaes), "--data", H(data)],
              expect("mac", H(cmac_of(algorithms.AES, kaes, data))))
        ks = rb(16)
        c.add("sm4-cmac (cryptography)", ["mac", "--algorithm", "sm4-cmac", "--key", H(ks), "--data", H(data)],
              expect("mac", H(cmac_of(algorithms.SM4, ks, data))))

        # KCVs.
        c.add("kcv tdes (pyemv)", ["kcv", "--key", H(kd)], expect("kcv", H(pyemv.tools.key_check_digits(kd, 3))))
        c.add("kcv aes cmac", ["kcv", "--key", H(kaes), "--algorithm", "aes"], expect("kcv", H(cmac_of(algorithms.AES, kaes, bytes(16))[:5])))
        c.add("kcv sm4", ["kcv", "--key", H(ks), "--algorithm", "sm4"], expect("kcv", H(ecb(algorithms.SM4, ks, bytes(16))[:3])))

        # TDES DUKPT: random BDK and KSN with a valid counter.
        bdk = rb(16)
        counter = 0
        while not 1 <= bin(counter).count("1") <= 10:
            counter = rnd.randrange(1, 1 << 21) if rnd.random() < 0.7 else rnd.choice([1, 0x1FF800, 0x0FFC00, 0x100000, 0x1FFC00 & 0x1FF800])
        ksn = bytearray(rb(10))
        ksn[7] = (ksn[7] & 0xE0) | (counter >> 16)
        ksn[8] = (counter >> 8) & 0xFF
        ksn[9] = counter & 0xFF
        want = tdes_dukpt_ref(bdk, bytes(ksn))

        def dukpt_check(ans, want=want):
            bad = [f"{k}: {ans.get(k)} != {v}" for k, v in want.items() if ans.get(k) != v]
            return "; ".join(bad) or None
        c.add("tdes dukpt (reference)", ["dukpt", "derive", "--bdk", H(bdk), "--ksn", H(bytes(ksn))], dukpt_check)

        # AES DUKPT.
        abdk = rb(rnd.choice([16, 24, 32]))
        acounter = 0
        while not 1 <= bin(acounter).count("1") <= 16:
            acounter = rnd.randrange(1, 1 << 32)
        aksn = rb(8) + acounter.to_bytes(4, "big")
        usage = rnd.choice(list(AES_USAGE))
        strength = {16: 128, 24: 192, 32: 256}[len(abdk)]
        ktype = rnd.choice([t for t, s in [("2tdea", 80), ("3tdea", 112), ("aes128", 128), ("aes192", 192), ("aes256", 256)] if s <= strength])
        awant = aes_dukpt_ref(abdk, aksn, usage, ktype)
        c.add("aes dukpt (reference)", ["dukpt", "derive", "--aes", "--bdk", H(abdk), "--ksn", H(aksn), "--key-type", usage, "--working-key", ktype],
              lambda ans, w=awant: "; ".join(f"{k}: {ans.get(k)} != {v}" for k, v in w.items() if ans.get(k) != v) or None)

        # TR-31: psec wraps, poscore unwraps; poscore wraps, psec unwraps.
        version = rnd.choice("BD")
        if version == "B":
            kbpk = rb(rnd.choice([16, 24]))
            key = rb(rnd.choice([8, 16, 24][: 2 if len(kbpk) == 16 else 3]))
            alg = "T"
        else:
            kbpk = rb(rnd.choice([16, 24, 32]))
            key = rb(rnd.choice([k for k in (16, 24, 32) if k <= len(kbpk)]))
            alg = "A"
        usage31, mode = rnd.choice([("P0", "E"), ("M3", "C"), ("K0", "B"), ("D0", "B"), ("B0", "X"), ("M6", "G")])
        h = psec.tr31.Header(version, usage31, alg, mode, "%02d" % rnd.randrange(100), rnd.choice("ENS"))
        if rnd.random() < 0.4:
            h.blocks["KS"] = "00604B120F9292800000"[: rnd.randrange(2, 21)]
        if rnd.random() < 0.2:
            h.blocks["T1"] = "Z" * rnd.randrange(0, 300)
        kb = psec.tr31.KeyBlock(kbpk, h).wrap(key)
        c.add(f"tr31 {version} unwrap psec block", ["tr31", "unwrap", "--kbpk", H(kbpk), "--block", kb], expect("key", H(key)))

        def psec_unwraps(ans, kbpk=kbpk, key=key):
            try:
                _, got = psec.tr31.unwrap(kbpk, ans["key_block"])
            except Exception as e:  # noqa: BLE001
                return f"psec rejects poscore block {ans}: {e}"
            return None if got == key else f"psec unwrapped {H(got)}, want {H(key)}"
        c.add(f"tr31 {version} wrap, psec unwraps", ["tr31", "wrap", "--kbpk", H(kbpk), "--key", H(key), "--header", str(h) + "", "--seed", rnd.randrange(1 << 32)], psec_unwraps)
    return c


if __name__ == "__main__":
    sys.exit(batch.main(build, 250, "random rounds (each is ~25 cases)", 34))
