#!/usr/bin/env python3
"""Times pyemv/psec (and the Python DUKPT reference of crypto.py) for the operations that
core/benches/crypto.rs measures, so one run can put poscore's numbers next to them.

    python3 tests/diff/crypto_bench.py            # prints microseconds per operation
"""

import os
import sys
import timeit
import warnings

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import psec.des  # noqa: E402
import psec.mac  # noqa: E402
import psec.pinblock  # noqa: E402
import pyemv.mac  # noqa: E402

import crypto  # noqa: E402  (the references in crypto.py)

K = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
AES = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
DATA = b"\x5a" * 200
WORST_KSN = bytes.fromhex("FFFF9876543210FFF800")

CASES = {
    "pin format0 encrypt tdes (psec)": lambda: psec.des.encrypt_tdes_ecb(K, psec.pinblock.encode_pinblock_iso_0("1234", "4761739001010010")),
    "pin format4 encrypt aes (psec)": lambda: psec.pinblock.encipher_pinblock_iso_4(AES, "1234", "4761739001010010"),
    "x9.19 200 bytes (psec)": lambda: psec.mac.generate_retail_mac(K[:8], K[8:], DATA, 1),
    "x9.19 200 bytes (pyemv)": lambda: pyemv.mac.mac_iso9797_3(K[:8], K[8:], DATA, 1),
    "tdes dukpt worst counter (python reference)": lambda: crypto.tdes_dukpt_ref(K, WORST_KSN),
}


def main():
    for name, fn in CASES.items():
        n, total = timeit.Timer(fn).autorange()
        print(f"{name:<45} {total / n * 1e6:10.2f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
