#!/usr/bin/env python3
"""Differential test of `poscore receipt` against independent Python implementations.

For every case in tests/vectors/receipts/index.json:
- escpos: the CLI's ESC/POS bytes are parsed command by command; every QR code block must equal
  what python-escpos (3.x, `Dummy().qr(..., native=True)`) emits for the same link, module size,
  error-correction level M and model 2; the text between commands, decoded with CPython's own
  `gbk` codec, must equal the CLI's text rendering line for line; the amount line must be printed
  bold and double height.
- text: every line fits the width by `wcwidth` (an independent UAX #11 implementation).
- html: parses with html.parser; no external resources (no src=, no <link>, no <script>).

Usage: python3 tests/diff/receipt.py --cli target/debug/poscore
Peers: pip install python-escpos wcwidth   (scripts/test installs them into .venv)
Prints "N passed, N failed"; exits 1 on any disagreement.
"""
import argparse
import html.parser
import json
import os
import subprocess
import sys

from escpos.printer import Dummy
from wcwidth import wcswidth

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "vectors", "receipts")


def cli_args(case, fmt):
    o = case["options"]
    args = ["receipt", "--from-json", os.path.join(VECTORS, case["input"]), "--format", fmt,
            "--width", str(o["width"]), "--lang", o["lang"], "--copy", o["copy"],
            "--no-signature-limit", str(o["no_signature_limit"])]
    if o["reprint"]:
        args.append("--reprint")
    return args


def run(cli, args):
    r = subprocess.run([cli] + args, capture_output=True)
    if r.returncode != 0:
        raise RuntimeError(f"poscore {' '.join(args)}: {r.stderr.decode(errors='replace')}")
    return r.stdout


def parse_escpos(b):
    """Yields ('text', str, bold, big) per line and ('qr', block_bytes, data, module) per QR code."""
    assert b[:4] == b"\x1b@\x1c&", "starts with ESC @ then FS &"
    i, bold, big, line = 4, False, False, bytearray()
    qr = {}
    out = []
    while i < len(b):
        c = b[i]
        if c == 0x1B:
            cmd, n = b[i + 1], b[i + 2]
            if cmd == ord("E"):
                bold = n == 1
            elif cmd not in (ord("a"), ord("d")):
                raise ValueError(f"unknown ESC {cmd:#x} at {i}")
            i += 3
        elif c == 0x1D and b[i + 1] == ord("!"):
            big = b[i + 2] == 0x01
            i += 3
        elif c == 0x1C and b[i + 1] == ord("!"):
            assert (b[i + 2] == 0x08) == big, "FS ! agrees with GS !"
            i += 3
        elif c == 0x1D and b[i + 1] == ord("V"):
            assert b[i:i + 4] == b"\x1dVB\x00", "GS V 66 0 cut"
            assert i + 4 == len(b), "cut is last"
            i += 4
        elif c == 0x1D and b[i + 1] == ord("("):
            n = b[i + 3] | (b[i + 4] << 8)
            block = b[i:i + 5 + n]
            fn = block[6]
            if fn == 0x41:
                qr = {"start": i}
            elif fn == 0x43:
                qr["module"] = block[7]
            elif fn == 0x50:
                qr["data"] = bytes(block[8:])
            elif fn == 0x51:
                out.append(("qr", bytes(b[qr["start"]:i + 5 + n]), qr["data"], qr["module"]))
            i += 5 + n
        elif c == 0x0A:
            if not (len(out) and out[-1][0] == "qr" and not line and b[i - 1] == 0x30):
                out.append(("text", line.decode("gbk"), bold, big))
            line = bytearray()
            i += 1
        else:
            line.append(c)
            i += 1
    return out


class Checker(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "link", "img", "iframe"):
            self.problems.append(f"<{tag}>")
        for k, v in attrs:
            if k == "src" or (k == "href" and tag != "a"):
                self.problems.append(f"{tag} {k}={v}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    cli = ap.parse_args().cli
    index = json.load(open(os.path.join(VECTORS, "index.json"), encoding="utf-8"))
    passed = failed = 0
    for case in index["cases"]:
        if "expected" not in case:
            continue
        fmt = case["options"]["format"]
        name = case["name"]
        try:
            if fmt == "escpos":
                raw = bytes.fromhex(run(cli, cli_args(case, "escpos")).decode().strip())
                text = run(cli, cli_args(case, "text")).decode("utf-8").splitlines()
                items = parse_escpos(raw)
                lines = [t[1] for t in items if t[0] == "text"]
                assert lines == text, f"escpos text differs from text layout:\n{lines}\n{text}"
                for t in items:
                    if t[0] == "text" and "RMB" in t[1]:
                        assert t[2] and t[3], f"amount line not bold double height: {t[1]!r}"
                    if t[0] == "qr":
                        d = Dummy()
                        d.qr(t[2].decode("ascii"), ec=1, size=t[3], model=2, native=True)
                        assert t[1] == d.output, f"QR block differs from python-escpos:\n{t[1].hex()}\n{d.output.hex()}"
            elif fmt == "text":
                w = case["options"]["width"]
                for line in run(cli, cli_args(case, "text")).decode("utf-8").splitlines():
                    assert 0 <= wcswidth(line) <= w, f"{line!r}: wcwidth {wcswidth(line)} > {w}"
            elif fmt == "html":
                c = Checker()
                c.feed(run(cli, cli_args(case, "html")).decode("utf-8"))
                assert not c.problems, f"external resources: {c.problems}"
            passed += 1
        except Exception as e:  # noqa: BLE001 - report every disagreement
            failed += 1
            print(f"FAIL {name}: {e}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
