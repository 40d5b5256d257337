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
           "description": "ISO 8583 pack/unpack per bundled spec (message JSON <-> packed hex), malformed inputs with the expected error code/field/offset, MTI helpers, MAC block, framing. The message JSON shape is the CLI's: {\"mti\", \"fields\": {number: string}}; binary fields are uppercase hex. A pack vector's optional \"subfields\" maps \"field.path\" (60.2, 59.A2.01) to the value Message::subfield_path reads. ascii_tlv / ascii_tlv_errors decode field-59 style ASCII TLV text (iso8583::ascii_tlv, Rust API only): entries are tag, raw value, offset of the tag in the text, and children for nested tags.",
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

# ---------------- field 59: UnionPay terminal information, ASCII TLV (spec kind "ascii_tlv")
def ascii_tlv_decode(text, digits, nested=(), base=0):
    """Independent reader for the vectors: [tag 2][length `digits` ASCII digits][value]."""
    out, i = [], 0
    while i < len(text):
        tag, n = text[i:i + 2], text[i + 2:i + 2 + digits]
        assert len(tag) == 2 and tag.isalnum() and len(n) == digits and n.isdigit(), (text, i)
        v = text[i + 2 + digits:i + 2 + digits + int(n)]
        assert len(v) == int(n), (text, i)
        e = {"tag": tag, "value": v, "offset": base + i}
        if tag in nested:
            e["children"] = ascii_tlv_decode(v, digits, (), base + i + 2 + digits)
        out.append(e)
        i += 2 + digits + int(n)
    return out


def ascii_tlv_encode(entries, digits):
    return "".join(t + str(len(v)).zfill(digits) + v for t, v in entries)


SOURCES["csdn_0200_f59"] = (
    "published capture: CSDN blog 'POS调试8583报文-消费' (MaxWoods, 2019), https://blog.csdn.net/MaxWoods/article/details/86490475 "
    "(stored copy https://www.codetd.com/article/5053461): request hex as published, the 2-byte length 01AA, TPDU 6000060000 and "
    "6-byte header 603100311003 stripped; PAN (fields 2, 35) replaced by the Luhn-valid test PAN 6212340000000118, "
    "the track-2 discretionary digits by 1234567890 and field 59 A2 tag 03 (the PAN's last 6) by 000118, before committing; nothing "
    "else changed, so the field 64 MAC (8F651B26 in ASCII hex) and the A2 tag 04 ciphertext no longer verify. The page publishes the "
    "decode of the MTI, bitmap and fields 2-26 (22 shown as 0710 and 23 as 0000: n3 with their pad nibble); the rest is read here per "
    "the cup-pos field table, and field 59 (153 chars) is ASCII TLV with 2-digit lengths at both levels: acquirer tags 12 13 14 15 17 "
    "and A2 (01 device type 02, 02 serial, 03 random factor, 04 ciphertext, 05 app version)")
SOURCES["go8583_log"] = (
    "published field-by-field decode: yangyongzhen/go8583 log.txt (commit ebfe662b8d7b2aebb15a27083b34d40731d9eae5), the 0200 "
    "payment-code sale and its 0210 (Len 0069 / 0095 with TPDU 6006010000 and header 613100311108); the body is re-assembled here "
    "from the dumped field values (BCD numerics, BCD LL/LLL prefixes) and its length matches the logged frame length minus the 11 "
    "header bytes. Field 59 = 'A3' + '019' + payment code 6211111111111111111 (a test code, kept as published), 3-digit length as "
    "built by up8583/up8583.go (field[58] 'A','3','0','1','9'); field 64 MAC kept as logged")
SOURCES["afc_tag_a2"] = (
    "hand-assembled: field 59 from the decoded log comment 'Bit59=(70)A2 065 01 002 02 02 016 0000020254004318 03 006 000052 04 008 "
    "EC7CD424 05 008 321702 ' in alon0808/ProjectAfcApp code/AfcCore/UnionPay/qpboc_8583.c (commit "
    "9b5a5d710893cbdec8973fabd3353e011d2ea576, tag_A2: 3-digit lengths, BCD LLL 0070), with tag 05 space-padded to its stated 8 "
    "characters (tag_A2 pads the version with spaces) and tag 03 (last 6 of the card number) set to the test PAN's 901232; the rest "
    "of the message is the cup-pos 0200 sale above")
SOURCES["adamhh_0100_f59"] = (
    "published capture: adam-hh/8583MSG_DEC src/dec/test.c (commit 17bedfda7cf9e3521ff578f56b7c2af6f22c1e3e), a 0100 "
    "payment-code pre-authorization as hex (7-byte header, field 47 outside cup-pos, so only its field 59 is used here): LLL 0096, "
    "'A2' '068' (01 device type 02, 02 19-char TUSN, 03 random factor 000148 = the payment code's last 6, 04 ciphertext, "
    "05 version) then 'A3' '018' + an 18-digit payment code, 3-digit lengths at both levels. The payment code's digits "
    "between its prefix 13 and its last 6 are replaced by zeros (135325628417000148 -> 130000000000000148); nothing else changed")
SOURCES["ascii_tlv_hand"] = "hand-made malformation of the named field-59 text; expected error and offset follow from the ASCII TLV layout (2-character tag, N-digit length, value)"

# Capture 1: CSDN 0200 sale, hex exactly as published.
CSDN_0200 = """
01 AA 60 00 06 00 00 60 31 00 31 10 03 02 00 70 24 06 C0 20 C1 9A 31 16 62 12 34 00 00
00 01 18 00 00 00 00 00 00 00 00 01 00 04 03 28 06 07 10 00 00 00 12 34 62 12 34 00 00
00 01 18 D2 80 62 01 12 34 56 78 90 31 30 30 30 30 30 31 39 38 35 30 31 30 30 30 38 32
34 31 30 30 30 32 00 01 00 31 35 36 D1 EE F4 19 D0 AE 26 09 26 00 00 00 00 00 00 00 01
39 9F 26 08 95 BB E3 72 27 1D DA 7C 9F 27 01 80 9F 10 13 07 01 01 03 A0 00 00 01 0A 01
00 00 00 00 00 ED 53 8F E4 9F 37 04 7F 9F 34 9E 9F 36 02 01 57 95 05 00 00 00 00 00 9A
03 19 08 30 9C 01 00 9F 02 06 00 00 00 00 00 01 5F 2A 02 01 56 82 02 7C 00 9F 1A 02 01
56 9F 03 06 00 00 00 00 00 00 9F 33 03 E0 E1 C8 9F 35 01 22 9F 1E 08 31 30 30 30 30 30
31 39 84 08 A0 00 00 03 33 01 01 02 9F 09 02 00 8C 9F 41 04 00 00 04 03 01 53 31 32 32
30 38 39 38 36 30 36 31 37 30 38 30 30 30 32 35 38 33 39 39 33 31 33 31 31 48 46 54 31
37 30 38 30 33 30 31 31 34 31 34 32 30 31 39 30 38 33 30 30 39 33 34 33 35 31 35 30 32
30 30 31 37 32 32 42 44 33 30 2E 36 32 31 35 35 35 2C 31 31 34 2E 33 36 31 39 35 34 41
32 36 30 30 31 30 32 30 32 30 32 31 36 30 30 30 30 32 39 30 32 31 30 30 31 35 37 30 38
30 33 30 36 30 30 30 31 31 38 30 34 30 38 30 34 32 34 37 32 39 32 30 35 30 38 48 37 30
36 32 38 30 31 00 14 22 00 00 24 00 06 00 38 46 36 35 31 42 32 36
"""
wire = "".join(CSDN_0200.split())
assert int(wire[:4], 16) == len(wire) // 2 - 2 == 426
assert wire[4:26] == "6000060000" + "603100311003"
body = wire[26:]
# The published capture's PAN (fields 2 and 35), its track-2 discretionary digits and field 59's
# A2.03 (the PAN's last 6) were replaced by test digits of the same length in the hex above,
# before it was committed: nothing else differs from the page.
PAN_TEST = "6212340000000118"
assert body.count(PAN_TEST) == 2                      # fields 2 and 35
assert body.count("D28062011234567890") == 1
assert body.count(asc("0306000118")) == 1             # 59: A2 tag 03 = the test PAN's last 6
i55 = body.index("01399F2608")
f55 = body[i55 + 4:i55 + 4 + 2 * 139]
i59 = i55 + 4 + 2 * 139
assert body[i59:i59 + 4] == "0153"
f59 = bytes.fromhex(body[i59 + 4:i59 + 4 + 2 * 153]).decode("ascii")
f = [2, 3, 4, 11, 14, 22, 23, 25, 26, 35, 41, 42, 48, 49, 52, 53, 55, 59, 60, 64]
h = ("0200" + bitmap(f) + "16" + PAN_TEST + "000000" + "000000000001" + "000403" + "2806"
     + "0710"                                  # 22 n3 "071", right pad 0
     + "0000"                                  # 23 n3 "000", left pad
     + "00" + "12"
     + "34" + PAN_TEST + "D28062011234567890"  # 35 z34
     + asc("10000019") + asc("850100082410002")
     + "0001" + "00"                           # 48 LLL 1 digit, right pad
     + asc("156") + "D1EEF419D0AE2609" + "2600000000000000"
     + "0139" + f55 + "0153" + asc(f59)
     + "0014" + "22000024000600"               # 60 n14
     + asc("8F651B26"))                        # 64: 8 bytes (the MAC printed as ASCII hex)
assert h == body, "the field-by-field reading reproduces the published bytes"
add("cup-pos", "published 0200 sale with field 59 (2-digit ASCII TLV, acquirer tags + A2)", "0200", {
    "2": PAN_TEST, "3": "000000", "4": "000000000001", "11": "000403", "14": "2806", "22": "071", "23": "000", "25": "00",
    "26": "12", "35": PAN_TEST + "D28062011234567890", "41": "10000019", "42": "850100082410002", "48": "0", "49": "156",
    "52": "D1EEF419D0AE2609", "53": "2600000000000000", "55": f55, "59": f59, "60": "22000024000600",
    "64": asc("8F651B26")}, body, "csdn_0200_f59")
vectors["pack"][-1]["note"] = ("field 59 uses 2-digit TLV lengths; cup-pos reads 59 with 3 (the terminal-code majority), so this "
                               "host needs a profile with len_digits 2 (see ascii_tlv[0]); packing does not depend on it")
csdn59 = f59

# go8583: 0200 payment-code sale and its 0210, from the logged field dump.
GO_A3 = "A3" + "019" + "6211111111111111111"
f = [3, 4, 11, 22, 25, 41, 42, 49, 59, 60, 64]
h = ("0200" + bitmap(f) + "000000" + "000000000001" + "000001" + "0320" + "00" + asc("22003600")
     + asc("104512541110001") + asc("156") + "0024" + asc(GO_A3) + "0013" + "22006603000600" + "4535383035454342")
assert h[4:20] == "3020048000C08031" and len(h) // 2 == 0x69 - 11
add("cup-pos", "published 0200 payment-code sale, field 59 A3 (3-digit ASCII TLV)", "0200", {
    "3": "000000", "4": "000000000001", "11": "000001", "22": "032", "25": "00", "41": "22003600",
    "42": "104512541110001", "49": "156", "59": GO_A3, "60": "2200660300060", "64": "4535383035454342"}, h, "go8583_log")
vectors["pack"][-1]["subfields"] = {"59.A3": "6211111111111111111", "60.1": "22", "60.2": "006603"}
f = [3, 4, 11, 12, 13, 15, 25, 32, 37, 39, 41, 42, 44, 49, 59, 60, 63]
h = ("0210" + bitmap(f) + "000000" + "000000000001" + "000001" + "101236" + "0413" + "0413" + "00"
     + "08" + "00096500" + asc("101236061130") + asc("94") + asc("22003600") + asc("104512541110001")
     + "22" + asc("00000000   61046500   ") + asc("156") + "0024" + asc(GO_A3) + "0013" + "22006603000600"
     + "0003" + asc("   "))
assert h[4:20] == "303A00810AD08032" and len(h) // 2 == 0x95 - 11
add("cup-pos", "published 0210 to the payment-code sale (39 = 94), field 59 echoed", "0210", {
    "3": "000000", "4": "000000000001", "11": "000001", "12": "101236", "13": "0413", "15": "0413", "25": "00",
    "32": "00096500", "37": "101236061130", "39": "94", "41": "22003600", "42": "104512541110001",
    "44": "00000000   61046500   ", "49": "156", "59": GO_A3, "60": "2200660300060", "63": "   "}, h, "go8583_log")
vectors["pack"][-1]["subfields"] = {"59.A3": "6211111111111111111"}

# alon0808/ProjectAfcApp tag_A2 log line, 3-digit lengths, in the cup-pos sale.
a2 = [("01", "02"), ("02", "0000020254004318"), ("03", "901232"), ("04", "EC7CD424"), ("05", "321702  ")]
AFC59 = ascii_tlv_encode([("A2", ascii_tlv_encode(a2, 3))], 3)
assert AFC59.startswith("A2065") and len(AFC59) == 70
fields = dict(sale["message"]["fields"])
fields["59"] = AFC59
f = sorted(int(k) for k in fields)
i60 = sale["hex"].index("0014" + "22000001000500")
h = "0200" + bitmap(f) + sale["hex"][20:i60] + "0070" + asc(AFC59) + sale["hex"][i60:]
add("cup-pos", "0200 chip sale with field 59 A2 (3-digit ASCII TLV)", "0200", fields, h, "afc_tag_a2")
vectors["pack"][-1]["subfields"] = {"59.A2": AFC59[5:], "59.A2.01": "02", "59.A2.02": "0000020254004318",
                                    "59.A2.03": "901232", "59.A2.04": "EC7CD424", "59.A2.05": "321702  ", "60.1": "22"}

# ascii_tlv: the field-59 texts decoded on their own (tag, raw value, offset, children).
vectors["ascii_tlv"] = []
vectors["ascii_tlv_errors"] = []


def tlv_ok(name, text, digits, nested, source):
    vectors["ascii_tlv"].append({"name": name, "text": text, "len_digits": digits, "nested": nested,
                                 "entries": ascii_tlv_decode(text, digits, nested), "source": source})


def tlv_bad(name, text, digits, nested, error, offset, source="ascii_tlv_hand"):
    vectors["ascii_tlv_errors"].append({"name": name, "text": text, "len_digits": digits, "nested": nested,
                                        "error": error, "offset": offset, "source": source})


tlv_ok("published field 59, 2-digit lengths, acquirer tags and A2", csdn59, 2, ["A2"], "csdn_0200_f59")
assert [e["tag"] for e in vectors["ascii_tlv"][-1]["entries"]] == ["12", "13", "14", "15", "17", "A2"]
assert [c["value"] for c in vectors["ascii_tlv"][-1]["entries"][-1]["children"]] == [
    "02", "0000290210015708", "000118", "04247292", "H7062801"]
ADAMHH59 = ("A2068" + "01002" + "02" + "02019" + "00000402G2100100048" + "03006" + "000148" + "04008" + "D0A6AA4D"
            + "05008" + "320004  " + "A3018" + "130000000000000148")
assert len(ADAMHH59) == 96
tlv_ok("published field 59 A2 + A3 (payment-code pre-authorization), 3-digit lengths", ADAMHH59, 3, ["A2"], "adamhh_0100_f59")
tlv_ok("published field 59 A3 payment code, 3-digit length", GO_A3, 3, ["A2"], "go8583_log")
tlv_ok("field 59 A2 from the tag_A2 log line, 3-digit lengths", AFC59, 3, ["A2"], "afc_tag_a2")
tlv_ok("A2 not listed as nested: its value stays raw", AFC59, 3, [], "afc_tag_a2")
tlv_ok("empty text", "", 3, ["A2"], "ascii_tlv_hand")
tlv_bad("2-digit text read with 3 digits: tag 12 announces 208", csdn59, 3, ["A2"], "iso8583.ascii_tlv_overrun", 0, "csdn_0200_f59")
tlv_bad("3-digit text read with 2 digits: A2 announces 06, its nested tag 50 announces 10", AFC59, 2, ["A2"], "iso8583.ascii_tlv_overrun", 4, "afc_tag_a2")
tlv_bad("cut inside a tag", AFC59[:1], 3, ["A2"], "iso8583.ascii_tlv_truncated", 0)
tlv_bad("cut inside a length", AFC59[:4], 3, ["A2"], "iso8583.ascii_tlv_truncated", 2)
tlv_bad("cut inside the value", AFC59[:40], 3, ["A2"], "iso8583.ascii_tlv_overrun", 0)
tlv_bad("length not digits", "A2" + "06A" + AFC59[5:], 3, ["A2"], "iso8583.ascii_tlv_bad_length", 2)
tlv_bad("nested length not digits", AFC59[:7] + "0x2" + AFC59[10:], 3, ["A2"], "iso8583.ascii_tlv_bad_length", 7)
tlv_bad("nested value runs past A2", "A2" + "010" + "01" + "009" + "02" + "XYZ", 3, ["A2"], "iso8583.ascii_tlv_overrun", 5)
tlv_bad("tag not letters or digits", GO_A3 + "*1" + "001" + "x", 3, [], "iso8583.ascii_tlv_bad_tag", 24)
tlv_bad("same tag twice", GO_A3 + GO_A3, 3, [], "iso8583.ascii_tlv_duplicate_tag", 24)
tlv_bad("control character in a value", "A3" + "003" + "1\t2", 3, [], "iso8583.ascii_tlv_bad_char", 6)

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
