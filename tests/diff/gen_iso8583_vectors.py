#!/usr/bin/env python3
"""Regenerates tests/vectors/iso8583.json and tests/vectors/tlv.json.

iso87ascii vectors are packed by pyiso8583 (default_ascii spec). iso87binary and cup-pos
vectors are assembled here byte by byte from the field tables (BCD, prefixes and padding
written out by hand below), independently of poscore's codec. Run with the venv python:
    .venv/bin/python tests/diff/gen_iso8583_vectors.py
"""
import os as _os
import sys as _sys

# This directory holds iso8583.py (this test): import the pyiso8583 package, not it.
_sys.path = [p for p in _sys.path if _os.path.abspath(p or '.') != _os.path.dirname(_os.path.abspath(__file__))]
import json
import os

import iso8583
from iso8583.specs import default_ascii

ROOT = os.path.join(os.path.dirname(__file__), "..", "vectors")


def bitmap(fields):
    """Primary (+ secondary) bitmap bytes for a set of field numbers, bit 1 set when needed."""
    fields = set(fields)
    if any(f > 64 for f in fields):
        fields.add(1)
    n = 16 if 1 in fields else 8
    b = bytearray(n)
    for f in fields:
        b[(f - 1) // 8] |= 0x80 >> ((f - 1) % 8)
    return bytes(b).hex().upper()


def asc(s):
    return s.encode("ascii").hex().upper()


SOURCES = {
    "pyiso8583": "derived: packed by pyiso8583 4.0.1 iso8583.encode() with specs.default_ascii; poscore agrees byte for byte",
    "pyiso8583_doc": "pyiso8583 4.0.1 documentation, iso8583.decode() example (b\"02004010100000000000161234567890123456123456111\")",
    "iso87b_hand": "hand-assembled per ISO 8583:1987 data element table with jPOS ISO87BPackager encodings (IFB_NUMERIC left-padded BCD, IFB_LLNUM BCD prefix + right-padded BCD, IF_CHAR ASCII, IFB_BINARY, IFB_AMOUNT sign + BCD, BCD LLL prefix); bytes written out field by field in tests/diff/gen_iso8583_vectors.py; jPOS 2.1.9 ISO87BPackager (field 55 IFB_LLLBINARY, track 2 given with '=') packs the same bytes (tests/diff/iso8583_jpos.py)",
    "cup_hand": "hand-assembled per the China UnionPay POS field table (shared/UNIONPAY.md: BCD MTI, binary bitmap, BCD numerics left-aligned/right-padded where noted, BCD LL/LLL prefixes, ASCII an/ans, binary 52/55/62/64); bytes written out in tests/diff/gen_iso8583_vectors.py",
    "malformed": "hand-made malformation of the named valid vector (one byte changed, cut or appended); expected error derived from the field table",
    "iso8583_mti": "ISO 8583:1987 section 4.1.1: MTI digits version/class/function/origin; response = function + 1, repeat = odd origin",
    "frame_hand": "hand-assembled per shared/UNIONPAY.md framing ([2-byte length][TPDU 60 DDDD SSSS][6-byte header][message], jPOS NACChannel layout); length counts the bytes after itself",
}

vectors = {"module": "iso8583",
           "description": "ISO 8583 pack/unpack per bundled spec (message JSON <-> packed hex), malformed inputs with the expected error code/field/offset, MTI helpers, MAC block, framing. The message JSON shape is the CLI's: {\"mti\", \"fields\": {number: string}}; binary fields are uppercase hex.",
           "sources": SOURCES, "pack": [], "unpack_errors": [], "pack_errors": [], "mti": [], "mac_block": [], "frame": [], "frame_errors": []}


def add(spec, name, mti, fields, hexstr, source):
    vectors["pack"].append({"name": name, "spec": spec, "message": {"mti": mti, "fields": fields}, "hex": hexstr, "source": source})


def py_ascii(name, mti, fields):
    d = {"t": mti, **fields}
    s, _ = iso8583.encode(d, default_ascii)
    add("iso87ascii", name, mti, {k: v for k, v in fields.items()}, s.hex().upper(), "pyiso8583")


# ---------------- iso87ascii via pyiso8583
py_ascii("ascii 0200 chip sale", "0200", {
    "2": "4761739001010010", "3": "000000", "4": "000000001000", "7": "1123162100", "11": "000123",
    "12": "162100", "13": "1123", "14": "2512", "22": "051", "25": "00",
    "35": "4761739001010010=25122011143878089", "37": "123456789012", "41": "TERM0001",
    "42": "MERCHANT0000001", "49": "840", "52": "0123456789ABCDEF",
    "55": "9F02060000000010009F2608A1B2C3D4E5F60718"})
py_ascii("ascii 0210 approval", "0210", {
    "2": "4761739001010010", "3": "000000", "4": "000000001000", "11": "000123", "37": "123456789012",
    "38": "A1B2C3", "39": "00", "41": "TERM0001", "44": "APPROVED", "64": "89ABCDEF01234567"})
py_ascii("ascii 0800 echo with secondary bitmap", "0800", {"7": "1123162100", "11": "000124", "70": "301"})
py_ascii("ascii amounts, LLL and 128", "0220", {
    "4": "000000000500", "28": "C00000100", "48": "merchant data: table 7, seat 3", "97": "D0000000000001234",
    "104": "", "128": "0011223344556677"})
add("iso87ascii", "pyiso8583 documentation example", "0200", {"2": "1234567890123456", "12": "123456", "20": "111"},
    asc("02004010100000000000161234567890123456123456111"), "pyiso8583_doc")

# ---------------- iso87binary by hand
tlv55 = "9F02060000000010009F2608A1B2C3D4E5F60718"
f = [2, 3, 4, 11, 14, 22, 35, 41, 42, 49, 52, 55]
h = ("0200" + bitmap(f)
     + "16" + "4761739001010010"          # 2  LLNUM: BCD length 16, 8 bytes
     + "000000"                           # 3  n6
     + "000000001000"                     # 4  n12
     + "000123"                           # 11 n6
     + "2512"                             # 14 n4
     + "0051"                             # 22 n3 left-padded
     + "34" + "4761739001010010D25122011143878089"  # 35 LLNUM 34 digits, 'D' separator nibble
     + asc("TERM0001") + asc("MERCHANT0000001") + asc("840")  # 41, 42, 49 IF_CHAR
     + "0123456789ABCDEF"                 # 52 IFB_BINARY 8
     + "0020" + tlv55)                    # 55 LLLBINARY: BCD 020 bytes
add("iso87binary", "binary 0200 chip sale", "0200", {
    "2": "4761739001010010", "3": "000000", "4": "000000001000", "11": "000123", "14": "2512", "22": "051",
    "35": "4761739001010010D25122011143878089", "41": "TERM0001", "42": "MERCHANT0000001", "49": "840",
    "52": "0123456789ABCDEF", "55": tlv55}, h, "iso87b_hand")
f = [2, 3, 4, 11, 37, 38, 39, 41]
h = ("0210" + bitmap(f) + "19" + "62123456789012345670" + "000000" + "000000001000" + "000123"
     + asc("123456789012") + asc("A1B2C3") + asc("00") + asc("TERM0001"))
add("iso87binary", "binary 0210, odd PAN right-padded", "0210", {
    "2": "6212345678901234567", "3": "000000", "4": "000000001000", "11": "000123", "37": "123456789012",
    "38": "A1B2C3", "39": "00", "41": "TERM0001"}, h, "iso87b_hand")
f = [7, 11, 28, 32, 44, 70, 128]
h = ("0800" + bitmap(f) + "1123162100" + "000124"
     + asc("D") + "00000150"              # 28 IFB_AMOUNT: ASCII sign + BCD 8 digits
     + "11" + "123456789010"              # 32 LLNUM 11 digits right-padded
     + "05" + asc("HELLO")                # 44 LLCHAR BCD length
     + "0301"                             # 70 n3 left-padded
     + "0011223344556677")                # 128 binary
add("iso87binary", "binary 0800 with amount, LLCHAR and secondary bitmap", "0800", {
    "7": "1123162100", "11": "000124", "28": "D00000150", "32": "12345678901", "44": "HELLO", "70": "301",
    "128": "0011223344556677"}, h, "iso87b_hand")

# ---------------- cup-pos by hand
cup55 = "9F2608A1B2C3D4E5F607189F2701809F101307010103A0A802010A010000000000B0C1D2E39F3704DEADBEEF9F360200FF950500000000009A032611239C01009F02060000000010005F2A02015682027C009F1A0201569F03060000000000009F3303E0E1C8"
f = [2, 3, 4, 11, 14, 22, 23, 25, 26, 35, 41, 42, 49, 52, 53, 55, 60, 64]
n55 = len(cup55) // 2
h = ("0200" + bitmap(f)
     + "16" + "6212345678901232"           # 2  LLVAR BCD, even
     + "000000" + "000000001000" + "000321" + "3012"
     + "0510"                              # 22 n3 left-aligned, right pad 0
     + "0001"                              # 23 n3 right-aligned
     + "00" + "12"
     + "33" + "6212345678901232D3012201123456789" + "0"  # 35 z33 right-padded
     + asc("10000001") + asc("898310048990001") + asc("156")
     + "1122334455667788"                  # 52
     + "2600000000000000"                  # 53 n16
     + "%04d" % n55 + cup55                # 55 LLLVAR BCD byte count
     + "0014" + "22000001000500"           # 60 n14: "22" "000001" "000" "5" "0" "0"
     + "A1B2C3D4E5F60718")                 # 64
add("cup-pos", "cup 0200 chip sale (消费)", "0200", {
    "2": "6212345678901232", "3": "000000", "4": "000000001000", "11": "000321", "14": "3012", "22": "051",
    "23": "001", "25": "00", "26": "12", "35": "6212345678901232D3012201123456789", "41": "10000001",
    "42": "898310048990001", "49": "156", "52": "1122334455667788", "53": "2600000000000000", "55": cup55,
    "60": "22000001000500", "64": "A1B2C3D4E5F60718"}, h, "cup_hand")
f = [2, 3, 4, 11, 12, 13, 14, 15, 25, 32, 37, 38, 39, 41, 42, 44, 49, 60, 63, 64]
h = ("0210" + bitmap(f) + "16" + "6212345678901232" + "000000" + "000000001000" + "000321" + "153045" + "1123"
     + "3012" + "1124" + "00" + "08" + "48020000" + asc("153045123456") + asc("654321") + asc("00")
     + asc("10000001") + asc("898310048990001") + "22" + asc("0303000003030000000000") + asc("156")
     + "0008" + "22000001" + "0003" + asc("CUP") + "0102030405060708")
add("cup-pos", "cup 0210 approval", "0210", {
    "2": "6212345678901232", "3": "000000", "4": "000000001000", "11": "000321", "12": "153045", "13": "1123",
    "14": "3012", "15": "1124", "25": "00", "32": "48020000", "37": "153045123456", "38": "654321", "39": "00",
    "41": "10000001", "42": "898310048990001", "44": "0303000003030000000000", "49": "156", "60": "22000001",
    "63": "CUP", "64": "0102030405060708"}, h, "cup_hand")
gbk63 = "CUP" + "中国银联测试行"
f = [3, 4, 11, 39, 41, 63]
g = gbk63.encode("gbk")
h = ("0210" + bitmap(f) + "000000" + "000000001000" + "000322" + asc("00") + asc("10000001")
     + "%04d" % len(g) + g.hex().upper())   # 63 LLLVAR BCD prefix counts GBK bytes
add("cup-pos", "cup 0210 with a Chinese issuer name in field 63 (GBK)", "0210", {
    "3": "000000", "4": "000000001000", "11": "000322", "39": "00", "41": "10000001", "63": gbk63}, h, "cup_gbk")
SOURCES["cup_gbk"] = "hand-assembled: field 63 text encoded with Python's gbk codec, BCD LLL prefix counting GBK bytes (UnionPay hosts return issuer names in GBK, field practice)"
f = [11, 41, 42, 60, 63]
h = ("0800" + bitmap(f) + "000001" + asc("10000001") + asc("898310048990001") + "0011" + "00000001003" + "0"
     + "0003" + asc("001"))
add("cup-pos", "cup 0800 sign-on (签到), odd field 60", "0800", {
    "11": "000001", "41": "10000001", "42": "898310048990001", "60": "00000001003", "63": "001"}, h, "cup_hand")
keys62 = "0123456789ABCDEFFEDCBA987654321082E13665" + "0123456789ABCDEF" + "D5D44FF7"
f = [11, 12, 13, 32, 37, 39, 41, 42, 60, 62]
h = ("0810" + bitmap(f) + "000001" + "153000" + "1123" + "08" + "48020000" + asc("153000000001") + asc("00")
     + asc("10000001") + asc("898310048990001") + "0011" + "00000002003" + "0" + "%04d" % (len(keys62) // 2) + keys62)
add("cup-pos", "cup 0810 sign-on response with keys in 62", "0810", {
    "11": "000001", "12": "153000", "13": "1123", "32": "48020000", "37": "153000000001", "39": "00",
    "41": "10000001", "42": "898310048990001", "60": "00000002003", "62": keys62}, h, "cup_hand")
f = [2, 3, 4, 11, 14, 22, 23, 25, 38, 39, 41, 42, 49, 55, 60, 61, 64]
h = ("0400" + bitmap(f) + "16" + "6212345678901232" + "000000" + "000000001000" + "000321" + "3012" + "0510" + "0001"
     + "00" + asc("      ") + asc("98") + asc("10000001") + asc("898310048990001") + asc("156")
     )
# 55 in a reversal: 9F27 and 9F36 only
r55 = "9F2701809F360200FF"
h = ("0400" + bitmap(f) + "16" + "6212345678901232" + "000000" + "000000001000" + "000321" + "3012" + "0510" + "0001"
     + "00" + asc("      ") + asc("98") + asc("10000001") + asc("898310048990001") + asc("156")
     + "%04d" % (len(r55) // 2) + r55 + "0008" + "22000001" + "0016" + "0000010003211123"
     + "0000000000000000")
add("cup-pos", "cup 0400 reversal (冲正) reason 98, field 61 composite", "0400", {
    "2": "6212345678901232", "3": "000000", "4": "000000001000", "11": "000321", "14": "3012", "22": "051",
    "23": "001", "25": "00", "38": "      ", "39": "98", "41": "10000001", "42": "898310048990001", "49": "156",
    "55": r55, "60": "22000001", "61": "0000010003211123", "64": "0000000000000000"}, h, "cup_hand")


# ---------------- a custom spec exercising EBCDIC, binary/EBCDIC prefixes, LLLL, F padding
def ebc(t):
    return t.encode("cp037").hex().upper()


TEST_SPEC = {
    "name": "test-ebcdic-mixed", "description": "Test-only spec covering encodings the bundled specs do not use.",
    "source": "poscore test vectors", "mti": "ebcdic", "bitmap": "binary",
    "fields": {
        "2": {"name": "PAN", "class": "llvar", "max_len": 19, "content": "n", "encoding": "ebcdic", "prefix": "ebcdic"},
        "3": {"name": "Processing code", "class": "fixed", "max_len": 6, "content": "n", "encoding": "ebcdic"},
        "4": {"name": "Amount", "class": "fixed", "max_len": 12, "content": "n", "encoding": "bcd"},
        "22": {"name": "Entry mode", "class": "fixed", "max_len": 3, "content": "n", "encoding": "bcd", "pad": "right", "pad_char": "F"},
        "28": {"name": "Fee", "class": "fixed", "max_len": 9, "content": "x+n", "encoding": "ascii"},
        "35": {"name": "Track 2", "class": "llvar", "max_len": 37, "content": "z", "encoding": "bcd", "prefix": "binary", "pad": "right", "pad_char": "F"},
        "43": {"name": "Acceptor name", "class": "fixed", "max_len": 10, "content": "ans", "encoding": "ebcdic"},
        "48": {"name": "Private", "class": "llllvar", "max_len": 2000, "content": "ans", "encoding": "ascii", "prefix": "binary"},
        "52": {"name": "PIN block", "class": "fixed", "max_len": 8, "content": "b", "encoding": "hex_ascii"},
        "55": {"name": "ICC", "class": "lllvar", "max_len": 255, "content": "b", "encoding": "binary", "prefix": "binary"},
        "60": {"name": "Numeric LLLL", "class": "llllvar", "max_len": 20, "content": "n", "encoding": "bcd", "prefix": "bcd"},
        "62": {"name": "Hex bytes", "class": "lllvar", "max_len": 100, "content": "b", "encoding": "hex_ascii", "prefix": "ascii"},
        "63": {"name": "EBCDIC LLL", "class": "lllvar", "max_len": 50, "content": "ans", "encoding": "ebcdic", "prefix": "ebcdic"},
    },
}
vectors["specs"] = {"test-ebcdic-mixed": TEST_SPEC}
SOURCES["custom_hand"] = "hand-assembled for the test-only spec in this file's \"specs\" map; EBCDIC bytes from Python's cp037 codec (IBM code page 037), BCD and prefixes written out in tests/diff/gen_iso8583_vectors.py"
f = [2, 3, 4, 22, 28, 35, 43, 48, 52, 55, 60, 62, 63]
h = (ebc("0200") + bitmap(f)
     + ebc("16") + ebc("4761739001010010")        # 2 EBCDIC prefix and digits
     + ebc("000000")                               # 3
     + "000000001000"                              # 4 BCD
     + "051F"                                      # 22 right-padded with F
     + asc("C00000100")                            # 28 x+n ASCII
     + "15" + "4761739001010010D2512F"             # 35 binary LL prefix 21, '=' -> D, pad F
     + ebc("Cafe Paris")                           # 43
     + "0005" + asc("hello")                       # 48 binary LLLL prefix
     + asc("0123456789ABCDEF")                     # 52 hex-ASCII
     + "0004" + "9F270180"                         # 55 binary LLL prefix (2 bytes)
     + "0005" + "012345"                           # 60 BCD LLLL prefix, left pad
     + asc("002") + asc("AABB")                    # 62 ASCII prefix counts bytes
     + ebc("002") + ebc("ok"))                     # 63 EBCDIC LLL
add("test-ebcdic-mixed", "custom spec: EBCDIC MTI/data/prefix, binary LL/LLL/LLLL prefixes, F padding", "0200", {
    "2": "4761739001010010", "3": "000000", "4": "000000001000", "22": "051", "28": "C00000100",
    "35": "4761739001010010D2512", "43": "Cafe Paris", "48": "hello", "52": "0123456789ABCDEF", "55": "9F270180",
    "60": "12345", "62": "AABB", "63": "ok"}, h, "custom_hand")
vectors["pack"][-1]["note"] = "field 35 packs '=' and 'D' alike (nibble D) and reads back as 'D'"

# MAC block of the 0200 sale: everything before field 64.
sale = vectors["pack"][8]
assert sale["spec"] == "cup-pos" and sale["message"]["mti"] == "0200"
vectors["mac_block"].append({"spec": "cup-pos", "message": sale["message"], "mac_block": sale["hex"][:-16],
                             "source": "cup_hand"})
nomac = {"mti": "0200", "fields": {k: v for k, v in sale["message"]["fields"].items() if k != "64"}}
vectors["mac_block"].append({"spec": "cup-pos", "message": nomac, "mac_block": sale["hex"][:-16],
                             "source": "cup_hand", "note": "MAC field absent: its bitmap bit is still set in the block"})


# ---------------- malformed inputs
def bad(spec, name, hexstr, error, field=None, offset=None, source="malformed"):
    v = {"name": name, "spec": spec, "hex": hexstr, "error": error, "source": source}
    if field is not None:
        v["field"] = field
    if offset is not None:
        v["offset"] = offset
    vectors["unpack_errors"].append(v)


cup = sale["hex"]
# offset of field 35's prefix in the sale: MTI 2 + bitmap 8 + 2:9 + 3:3 + 4:6 + 11:3 + 14:2 + 22:2 + 23:2 + 25:1 + 26:1
off35 = 2 + 8 + 9 + 3 + 6 + 3 + 2 + 2 + 2 + 1 + 1
assert cup[off35 * 2:off35 * 2 + 2] == "33"
bad("cup-pos", "cup sale, field 35 prefix not BCD", cup[:off35 * 2] + "9A" + cup[off35 * 2 + 2:],
    "iso8583.bad_length_prefix", 35, off35)
bad("cup-pos", "cup sale, field 2 prefix 20 > 19", cup[:20] + "20" + cup[22:], "iso8583.too_long", 2, 10)
bad("cup-pos", "cup sale cut inside field 55", cup[:200], "iso8583.truncated", 55, 100)
bad("cup-pos", "cup sale with a trailing byte", cup + "00", "iso8583.trailing_data", None, len(cup) // 2)
bad("cup-pos", "cup sale, field 3 nibble A", cup[:38] + "0A" + cup[40:], "iso8583.bad_content", 3, 19)
bad("cup-pos", "cup sale, bitmap announces field 5 (not in cup-pos)", cup[:4] + "78" + cup[6:], "iso8583.unknown_field", 5, 2)
bad("cup-pos", "MTI not BCD", "0A00" + cup[4:], "iso8583.bad_mti", 0, 0)
bad("cup-pos", "empty input", "", "iso8583.truncated", 0, 0)
bad("cup-pos", "bitmap cut short", "0200702406", "iso8583.truncated", 1, 5)
asc_sale = vectors["pack"][0]["hex"]
bad("iso87ascii", "ascii bitmap with a non-hex character", asc_sale[:8] + asc("G") + asc_sale[10:], "iso8583.bad_bitmap", 1, 4)
# field 2 prefix at offset 20 (MTI 4 + bitmap 16)
bad("iso87ascii", "ascii field 2 prefix '1A'", asc_sale[:40] + asc("1A") + asc_sale[44:], "iso8583.bad_length_prefix", 2, 20)
bad("iso87ascii", "ascii field 2 prefix 20 > 19", asc_sale[:40] + asc("20") + asc_sale[44:], "iso8583.too_long", 2, 20)
bad("iso87ascii", "ascii byte 0x80 in field 3", asc_sale[:76] + "80" + asc_sale[78:], "iso8583.bad_content", 3, 38)
bad("iso87ascii", "ascii sale with a trailing byte", asc_sale + "30", "iso8583.trailing_data", None, len(asc_sale) // 2)
bad("iso87ascii", "ascii sale cut in field 55", asc_sale[:-10], "iso8583.truncated", 55, len(asc_sale) // 2 - 5)
bin_sale = vectors["pack"][5]["hex"]
assert bin_sale[2 * 35:2 * 36] == "34"
bad("iso87binary", "binary sale, field 35 prefix nibble F", bin_sale[:2 * 35] + "3F" + bin_sale[2 * 36:], "iso8583.bad_length_prefix", 35, 35)
bad("iso87binary", "binary sale, PAN digit nibble C", bin_sale[:2 * 11] + "C7" + bin_sale[2 * 12:], "iso8583.bad_content", 2, 11)


def pbad(spec, name, mti, fields, error, field=None):
    v = {"name": name, "spec": spec, "message": {"mti": mti, "fields": fields}, "error": error, "source": "malformed"}
    if field is not None:
        v["field"] = field
    vectors["pack_errors"].append(v)


cus = vectors["pack"][-1]["hex"]
bad("test-ebcdic-mixed", "EBCDIC length prefix with a letter", cus[:24] + ebc("1A") + cus[28:], "iso8583.bad_length_prefix", 2, 12)
bad("test-ebcdic-mixed", "byte 0xFF (not EBCDIC printable) in field 43", cus.replace(ebc("Cafe Paris"), "FF" + ebc("afe Paris")), "iso8583.bad_content", 43, cus.index(ebc("Cafe Paris")) // 2)
bad("test-ebcdic-mixed", "binary LLLL prefix over maximum", cus.replace("0005" + asc("hello"), "07D1" + asc("hello")), "iso8583.too_long", 48, cus.index("0005" + asc("hello")) // 2)


pbad("cup-pos", "fixed n6 given 5 digits", "0200", {"3": "00000"}, "iso8583.wrong_length", 3)
pbad("cup-pos", "letter in a numeric field", "0200", {"4": "00000000100A"}, "iso8583.bad_content", 4)
pbad("cup-pos", "PAN of 20 digits", "0200", {"2": "62123456789012345678"}, "iso8583.too_long", 2)
pbad("cup-pos", "field 5 not in cup-pos", "0200", {"5": "000000000001"}, "iso8583.unknown_field", 5)
pbad("cup-pos", "field 1 is automatic", "0200", {"1": "0000000000000000"}, "iso8583.unknown_field", 1)
pbad("cup-pos", "binary field not hex", "0200", {"52": "XYZ"}, "iso8583.bad_json")
pbad("cup-pos", "MTI of three digits", "200", {"3": "000000"}, "iso8583.bad_mti", 0)
pbad("iso87ascii", "x+n without sign", "0200", {"28": "000000100"}, "iso8583.bad_content", 28)
pbad("iso87ascii", "non-ASCII in ans", "0200", {"43": "Caf\u00e9" + " " * 36}, "iso8583.bad_content", 43)

for m, resp, req, rev, rep in [("0100", "0110", True, False, False), ("0200", "0210", True, False, False),
                               ("0220", "0230", True, False, False), ("0400", "0410", True, True, False),
                               ("0401", "0410", True, True, True), ("0420", "0430", True, True, False),
                               ("0210", None, False, False, False), ("0800", "0810", True, False, False),
                               ("0201", "0210", True, False, True), ("0500", "0510", True, False, False)]:
    vectors["mti"].append({"mti": m, "response": resp, "is_request": req, "is_reversal": rev, "is_repeat": rep,
                           "source": "iso8583_mti"})

msg = vectors["pack"][10]["hex"]  # cup 0800 sign-on
tpdu = "6000030000"
hdr = "613100000000"
body = tpdu + hdr + msg
vectors["frame"].append({"length": "binary2", "tpdu": tpdu, "header": hdr, "message": msg,
                         "hex": "%04X" % (len(body) // 2) + body, "response_tpdu": "6000000003", "source": "frame_hand"})
vectors["frame"].append({"length": "bcd2", "tpdu": tpdu, "header": "", "message": msg,
                         "hex": "%04d" % ((len(msg) + 10) // 2) + tpdu + msg, "response_tpdu": "6000000003", "source": "frame_hand"})
vectors["frame"].append({"length": "ascii4", "tpdu": None, "header": "", "message": msg,
                         "hex": asc("%04d" % (len(msg) // 2)) + msg, "source": "frame_hand"})
vectors["frame_errors"].append({"length": "bcd2", "tpdu": tpdu, "header_len": 0, "max_frame": 8192,
                                "hex": "0A12" + tpdu, "error": "iso8583.bad_frame", "offset": 0, "source": "frame_hand"})
vectors["frame_errors"].append({"length": "binary2", "tpdu": tpdu, "header_len": 6, "max_frame": 100,
                                "hex": "0065" + "00" * 101, "error": "iso8583.frame_too_large", "offset": 0, "source": "frame_hand"})
vectors["frame_errors"].append({"length": "binary2", "tpdu": tpdu, "header_len": 6, "max_frame": 8192,
                                "hex": "0004" + "60000300", "error": "iso8583.bad_frame", "offset": 2, "source": "frame_hand"})

with open(os.path.join(ROOT, "iso8583.json"), "w") as fh:
    json.dump(vectors, fh, indent=1, ensure_ascii=False)
    fh.write("\n")
print("iso8583.json:", {k: len(v) for k, v in vectors.items() if isinstance(v, list)})


# ---------------- tlv.json
TS = {
    "emv_b": "hand-assembled per EMV 4.4 Book 3 Annex B (B1 tag coding: b5-b1 = 11111 means more tag bytes, b8 = 1 means another follows; b6 = 1 constructed; B2 length coding: short form < 128, long form 81 xx / 82 xx xx)",
    "emv_a1": "EMV 4.4 Book 3 Annex A1 data element names and tags; values hand-assembled (test card 6212345678901232)",
    "malformed": "hand-made malformation; expected error and offset follow from Annex B",
}
tv = {"module": "tlv", "description": "EMV BER-TLV decode/encode for ISO 8583 field 55. `tlv` is the CLI's `poscore --json tlv decode` output (raw values, uppercase hex); `encoded` is poscore's minimal re-encoding when it differs from the input.",
      "sources": TS, "decode": [], "errors": []}


def prim(tag, val, name=None):
    d = {"len": len(val) // 2, "tag": tag, "value": val}
    if name:
        d["name"] = name
    return d


def cons(tag, children, name, ln):
    return {"children": children, "len": ln, "name": name, "tag": tag}


tv["decode"].append({"hex": "9F02060000000010009F2608A1B2C3D4E5F60718", "tlv": [
    prim("9F02", "000000001000", "Amount, Authorised (Numeric)"), prim("9F26", "A1B2C3D4E5F60718", "Application Cryptogram")],
    "source": "emv_a1"})
tv["decode"].append({"hex": "700E5A0862123456789012325F340101", "tlv": [cons("70", [
    prim("5A", "6212345678901232", "Application Primary Account Number (PAN)"),
    prim("5F34", "01", "Application PAN Sequence Number")], "READ RECORD Response Message Template", 14)], "source": "emv_a1"})
big = "11" * 128
tv["decode"].append({"hex": "9F1081" + "80" + big, "tlv": [prim("9F10", big, "Issuer Application Data")], "source": "emv_b"})
big2 = "22" * 300
tv["decode"].append({"hex": "DF31820" + "12C" + big2, "tlv": [prim("DF31", big2, "Issuer Script Results (UnionPay)")], "source": "emv_b"})
tv["decode"].append({"hex": "5F2A81020156", "tlv": [prim("5F2A", "0156", "Transaction Currency Code")], "encoded": "5F2A020156",
                     "source": "emv_b"})
tv["decode"].append({"hex": "9F7F00DF810101AB", "tlv": [prim("9F7F", ""), prim("DF8101", "AB")], "source": "emv_b"})
tv["decode"].append({"hex": "", "tlv": [], "source": "emv_b"})
tv["decode"].append({"hex": "7208860612345678ABCD", "tlv": [cons("72", [prim("86", "12345678ABCD", "Issuer Script Command")],
                     "Issuer Script Template 2", 8)], "source": "emv_b"})


def terr(hexstr, error, offset):
    tv["errors"].append({"hex": hexstr, "error": error, "offset": offset, "source": "malformed"})


terr("9F", "tlv.truncated", 1)
terr("9F02", "tlv.truncated", 2)
terr("9F0206000000", "tlv.length_overrun", 0)
terr("9F02060000000010009F020100", "tlv.duplicate_tag", 9)
terr("9F0206000000001000" + "0000", "tlv.trailing_garbage", 9)
terr("9F0206000000001000" + "FF", "tlv.trailing_garbage", 9)
terr("9F2680", "tlv.bad_length", 2)
terr("9F2685000000000000", "tlv.bad_length", 2)
terr("9F2682", "tlv.truncated", 3)
terr("9FFFFFFF01", "tlv.tag_too_long", 0)
terr("70065A03621234", "tlv.length_overrun", 0)
terr("70045A03621234", "tlv.length_overrun", 2)
terr("7003820100" + "82", "tlv.truncated", 6)
terr("E000" + "E000", "tlv.duplicate_tag", 2)
nest = ""
for _ in range(10):
    nest = "E0" + "%02X" % (len(nest) // 2) + nest
terr(nest, "tlv.too_deep", 16)
with open(os.path.join(ROOT, "tlv.json"), "w") as fh:
    json.dump(tv, fh, indent=1, ensure_ascii=False)
    fh.write("\n")
print("tlv.json:", {k: len(v) for k, v in tv.items() if isinstance(v, list)})
