#!/usr/bin/env python3
"""Peer timing for the ISO 8583 benchmark: pyiso8583 pack+unpack of the same 0200 chip sale and
0210 approval that core/benches/iso8583.rs uses on iso87ascii. Prints microseconds per operation.
(The lead's scripts/bench-iso8583 can run this next to `cargo bench` and print ratios.)"""
import os as _os
import sys as _sys

_sys.path = [p for p in _sys.path if _os.path.abspath(p or '.') != _os.path.dirname(_os.path.abspath(__file__))]
import timeit  # noqa: E402

import iso8583  # noqa: E402
from iso8583.specs import default_ascii as spec  # noqa: E402

ICC = "9F2608A1B2C3D4E5F607189F2701809F101307010103A0A802010A010000000000B0C1D2E39F3704DEADBEEF9F360200FF950500000000009A032611239C01009F02060000000010005F2A02015682027C009F1A0201569F03060000000000009F3303E0E1C8"
SALE = {"t": "0200", "2": "6212345678901232", "3": "000000", "4": "000000001000", "11": "000321", "14": "3012",
        "22": "051", "23": "001", "25": "00", "26": "12", "35": "6212345678901232=3012201123456789", "41": "10000001",
        "42": "898310048990001", "49": "156", "52": "1122334455667788", "53": "2600000000000000", "55": ICC,
        "60": "22000001000500", "64": "A1B2C3D4E5F60718"}
RESP = {"t": "0210", "2": "6212345678901232", "3": "000000", "4": "000000001000", "11": "000321", "12": "153045",
        "13": "1123", "14": "3012", "15": "1124", "25": "00", "32": "48020000", "37": "153045123456", "38": "654321",
        "39": "00", "41": "10000001", "42": "898310048990001", "44": "0303000003030000000000", "49": "156",
        "55": "910A1122334455667788990072", "60": "22000001", "64": "0102030405060708"}

for name, msg in (("0200 sale", SALE), ("0210 approval", RESP)):
    raw, _ = iso8583.encode(dict(msg), spec)
    raw = bytes(raw)
    n = 20000
    pack = timeit.timeit(lambda: iso8583.encode(dict(msg), spec), number=n) / n * 1e6
    unpack = timeit.timeit(lambda: iso8583.decode(raw, spec), number=n) / n * 1e6
    print(f"pyiso8583 iso87ascii {name} ({len(raw)} bytes): pack {pack:.2f} us, unpack {unpack:.2f} us, pack+unpack {pack + unpack:.2f} us")
