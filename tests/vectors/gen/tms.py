"""Generates tests/vectors/tms.json: UnionPay TMS field 62 (60.3 360/362/370-372/380-382).

Independent of the Rust code: the TLV, BCD and item encodings are written here from the
layouts in the sources below, and every CA public key checksum is checked with hashlib before the
file is written (the script stops on a mismatch). Run: python3 tests/vectors/gen/tms.py
"""
import hashlib
import json
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tms.json")

SOURCES = {
    "visa_test_keys": "lumag/emv-tools data/visa-test.keys (file commit 9e804de16bdee88da09546833efcfab2fcf3af64): "
    "the EMVCo/Visa test CA public keys A000000003 92, 94 and 95 with their published SHA-1 checksums, checked "
    "with python hashlib. The file gives no expiry (000000); 20291231 is used here (the expiry is not hashed).",
    "cup_keys": "andrewsdg412/Aviapay assets/capk.dat (commit 110c6369dc9b775e7882ca189d6dae40cca82fcc), a saved "
    "UnionPay download: CA public keys A000000333 08 and 0B, exponent 03, expiry 301230, checksums checked with "
    "python hashlib. Encoded in the 370 reply layout (DF05 as 8 ASCII digits, DF06 01, DF07 01).",
    "aviapay_corrupt_key": "andrewsdg412/Aviapay src/com/android/aviapay/transmanager/trans/manager/DparaTrans.java "
    "SetCapk1 (commit 110c636): A000000333 index 08 hard-coded with a corrupted 216-byte modulus but the genuine "
    "checksum EE23B616...E85A; its SHA-1 does not match, so it must be refused.",
    "openpos": "dsand20142014/openpos (commit 6280780) lib258/trunk/demoApp/qt/unionpay/emv/appsrc: logon.c "
    "LOGON_Online (query request '1'+2-digit count, reply byte '0'/'1'/'2'/'3', download request TLV), "
    "LOGON_Unpack62Field / LOGON_Pack62Field (360/362 items), emvinterface.c EMVONLINE_AddRID / EMVONLINE_AddAID "
    "(query lists), EMVONLINE_CAPKProcess / VerifyCAPK (SHA-1), EMVONLINE_AIDParamProcess (AID tag formats)",
    "aviapay": "andrewsdg412/Aviapay DparaTrans.java (commit 110c636): queryEMVCapk / queryEMVParam (request "
    "'1'+padleft(count,2), reply '0' stop, '2' more), downEMVCapk / downEMVParam (9F06/9F22 request, '1'+TLV reply, "
    "DF05 8 ASCII or 4 BCD, 9F08 read as the application version), SetAidPbocApp1 (the AID values used below)",
    "liaoyang": "CaoEnXin/LiaoYang_POS (commit e6218f3) Src/tranproc.c: QueryEmvCapk / QueryEmvParam "
    "(\"1%02d\", loop while byte 0 is '2'), SaveCapkInfoItem / SaveEmvCapkItem (DF05 8 ASCII or 4 BCD), "
    "SaveAppParamItem (9F1B/DF15 binary, DF16/DF17 BCD, 9F7B/DF19/DF20/DF21 n12), UpdateParameters (360 items, "
    "tag 26 = 4 bytes), MakeTermStatusData (362: 01-05, 11-25, 27, 51 hours/dials/success %)",
    "derived": "hand-assembled from the layouts of the sources above (this script); malformed copies made by "
    "flipping one modulus byte, cutting the TLV, or changing one length or digit",
}

# ---------------------------------------------------------------- keys (hex as published)
VISA = {
    0x92: ("996AF56F569187D09293C14810450ED8EE3357397B18A2458EFAA92DA3B6DF6514EC060195318FD43BE9B8F0CC669E3F844057CBDDF8BDA191BB64473BC8DC9A730DB8F6B4EDE3924186FFD9B8C7735789C23A36BA0B8AF65372EB57EA5D89E7D14E9C7B6B557460F10885DA16AC923F15AF3758F0F03EBD3C5C2C949CBA306DB44E6A2C076C5F67E281D7EF56785DC4D75945E491F01918800A9E2DC66F60080566CE0DAF8D17EAD46AD8E30A247C9F",
           "429C954A3859CEF91295F663C963E582ED6EB253"),
    0x94: ("ACD2B12302EE644F3F835ABD1FC7A6F62CCE48FFEC622AA8EF062BEF6FB8BA8BC68BBF6AB5870EED579BC3973E121303D34841A796D6DCBC41DBF9E52C4609795C0CCF7EE86FA1D5CB041071ED2C51D2202F63F1156C58A92D38BC60BDF424E1776E2BC9648078A03B36FB554375FC53D57C73F5160EA59F3AFC5398EC7B67758D65C9BFF7828B6B82D4BE124A416AB7301914311EA462C19F771F31B3B57336000DFF732D3B83DE07052D730354D297BEC72871DCCF0E193F171ABA27EE464C6A97690943D59BDABB2A27EB71CEEBDAFA1176046478FD62FEC452D5CA393296530AA3F41927ADFE434A2DF2AE3054F8840657A26E0FC617",
           "C4A3C43CCF87327D136B804160E47D43B60E6E0F"),
    0x95: ("BE9E1FA5E9A803852999C4AB432DB28600DCD9DAB76DFAAA47355A0FE37B1508AC6BF38860D3C6C2E5B12A3CAAF2A7005A7241EBAA7771112C74CF9A0634652FBCA0E5980C54A64761EA101A114E0F0B5572ADD57D010B7C9C887E104CA4EE1272DA66D997B9A90B5A6D624AB6C57E73C8F919000EB5F684898EF8C3DBEFB330C62660BED88EA78E909AFF05F6DA627B",
           "EE1511CEC71020A9B90443B37B1D5F6E703030F6"),
}
CUP = {
    0x08: ("B61645EDFD5498FB246444037A0FA18C0F101EBD8EFA54573CE6E6A7FBF63ED21D66340852B0211CF5EEF6A1CD989F66AF21A8EB19DBD8DBC3706D135363A0D683D046304F5A836BC1BC632821AFE7A2F75DA3C50AC74C545A754562204137169663CFCC0B06E67E2109EBA41BC67FF20CC8AC80D7B6EE1A95465B3B2657533EA56D92D539E5064360EA4850FED2D1BF",
           "EE23B616C95C02652AD18860E48787C079E8E85A"),
    0x0B: ("CF9FDF46B356378E9AF311B0F981B21A1F22F250FB11F55C958709E3C7241918293483289EAE688A094C02C344E2999F315A72841F489E24B1BA0056CFAB3B479D0E826452375DCDBB67E97EC2AA66F4601D774FEAEF775ACCC621BFEB65FB0053FC5F392AA5E1D4C41A4DE9FFDFDF1327C4BB874F1F63A599EE3902FE95E729FD78D4234DC7E6CF1ABABAA3F6DB29B7F05D1D901D2E76A606A8CBFFFFECBD918FA2D278BDB43B0434F5D45134BE1C2781D157D501FF43E5F1C470967CD57CE53B64D82974C8275937C5D8502A1252A8A5D6088A259B694F98648D9AF2CB0EFD9D943C69F896D49FA39702162ACB5AF29B90BADE005BC157",
           "BD331F9996A490B33C13441066A09AD3FEB5F66C"),
}
AVIAPAY_CORRUPT_MODULUS = "0B60160450ED0FD0540980FB02406404400307A00F0A108C00F01001E0BD08E0FA05405703C0E60E60A70FB0F603E0D201D0660340080520B002101C0F50EE0F60A10CD09809F0660AF0210A80EB0190DB0D80DB0C307006D0130530630A00D60830D004603004F05A08306B0C10BC0630280210AF0E70A20F705D0A30C500A0C704C05405A0750450620200410370160960630CF0CC00B0060E607E0210090EB0A401B0C607F0F200C0C80AC0800D70B60EE01A09504605B03B02605705303E0A506D0920D50390E50060430600EA0480500FE0D20D10BF"


def sha1(rid, index, modulus, exponent):
    return hashlib.sha1(bytes.fromhex(rid) + bytes([index]) + bytes.fromhex(modulus) + bytes.fromhex(exponent)).hexdigest().upper()


for idx, (m, c) in VISA.items():
    assert sha1("A000000003", idx, m, "03") == c, f"Visa {idx:02X}"
for idx, (m, c) in CUP.items():
    assert sha1("A000000333", idx, m, "03") == c, f"CUP {idx:02X}"
assert sha1("A000000333", 0x08, AVIAPAY_CORRUPT_MODULUS, "03") != CUP[0x08][1]

# ---------------------------------------------------------------- encoders
def tlv(tag, value: bytes) -> bytes:
    t = bytes.fromhex(tag)
    n = len(value)
    if n < 0x80:
        ln = bytes([n])
    elif n < 0x100:
        ln = bytes([0x81, n])
    else:
        ln = bytes([0x82, n >> 8, n & 0xFF])
    return t + ln + value


def bcd(n, width):
    s = str(n).rjust(width * 2, "0")
    assert len(s) == width * 2
    return bytes.fromhex(s)


def H(b: bytes) -> str:
    return b.hex().upper()


def capk_entry(rid, index, expiry, modulus, checksum, exponent="03", hash_alg=1, pk_alg=1, expiry_bcd=False, extra=b""):
    out = tlv("9F06", bytes.fromhex(rid)) + tlv("9F22", bytes([index]))
    out += tlv("DF05", bytes.fromhex(expiry) if expiry_bcd else expiry.encode())
    if hash_alg is not None:
        out += tlv("DF06", bytes([hash_alg]))
    if pk_alg is not None:
        out += tlv("DF07", bytes([pk_alg]))
    out += tlv("DF02", bytes.fromhex(modulus)) + tlv("DF04", bytes.fromhex(exponent)) + tlv("DF03", bytes.fromhex(checksum))
    return out + extra


def capk_json(rid, index, expiry, modulus, checksum, exponent="03", hash_alg=1, pk_alg=1, other=None):
    return {"rid": rid, "index": index, "expiry": expiry, "hash_alg": hash_alg, "pk_alg": pk_alg,
            "modulus": modulus, "exponent": exponent, "checksum": checksum, "other": other or {}}


V = {"module": "tms",
     "description": "UnionPay TMS field 62 codecs (poscore::tms). Byte strings are uppercase hex. `capk` / `aid`: "
     "one downloaded entry (a 370/380 reply's field 62 after its '1'), parsed (and, for keys, SHA-1 verified); "
     "`encoded` is what to_tlv writes when it differs from `hex`. `*_query`: a whole query reply field 62, split "
     "into its continuation byte and entries, and encoded back; error offsets there count from the byte after the "
     "continuation byte. `params`: a 360 reply field 62. `status_upload`: a 362 request field 62. Error codes are "
     "TmsError::code(); JSON keys are the core's serde names (snake_case; JS surfaces camelCase them).",
     "sources": SOURCES}

# ---------------------------------------------------------------- capk
visa = {i: capk_entry("A000000003", i, "20291231", m, c) for i, (m, c) in VISA.items()}
cup = {i: capk_entry("A000000333", i, "20301230", m, c) for i, (m, c) in CUP.items()}
v95_variant = capk_entry("A000000003", 0x95, "20291231", VISA[0x95][0], VISA[0x95][1], hash_alg=None, pk_alg=None,
                         expiry_bcd=True, extra=tlv("DF8101", b"\x01\x02"))
v95_variant_encoded = (tlv("9F06", bytes.fromhex("A000000003")) + tlv("9F22", b"\x95") + tlv("DF05", b"20291231")
                       + tlv("DF02", bytes.fromhex(VISA[0x95][0])) + tlv("DF04", b"\x03")
                       + tlv("DF03", bytes.fromhex(VISA[0x95][1])) + tlv("DF8101", b"\x01\x02"))
V["capk"] = [
    {"hex": H(visa[0x92]), "capk": capk_json("A000000003", 0x92, "20291231", *VISA[0x92]), "source": "visa_test_keys"},
    {"hex": H(visa[0x94]), "capk": capk_json("A000000003", 0x94, "20291231", *VISA[0x94]), "source": "visa_test_keys"},
    {"hex": H(cup[0x08]), "capk": capk_json("A000000333", 0x08, "20301230", *CUP[0x08]), "source": "cup_keys"},
    {"hex": H(cup[0x0B]), "capk": capk_json("A000000333", 0x0B, "20301230", *CUP[0x0B]), "source": "cup_keys"},
    {"hex": H(v95_variant), "encoded": H(v95_variant_encoded),
     "capk": capk_json("A000000003", 0x95, "20291231", *VISA[0x95], hash_alg=None, pk_alg=None, other={"DF8101": "0102"}),
     "note": "DF05 as 4 BCD bytes (Aviapay, LiaoYang), no DF06/DF07, an acquirer tag kept in other",
     "source": "visa_test_keys"},
]


def flip_modulus(entry: bytes, modulus_hex: str) -> bytes:
    m = bytes.fromhex(modulus_hex)
    at = entry.index(m) + len(m) // 2
    b = bytearray(entry)
    b[at] ^= 0x01
    return bytes(b)


def without(entry_parts):
    return b"".join(entry_parts)


cut94 = visa[0x94][:-1]
df03_at = len(visa[0x94]) - 23  # DF03 14 <20 bytes>
rid4 = tlv("9F06", bytes.fromhex("A0000000")) + visa[0x92][8:]
no_df03 = visa[0x92][:-23]
sm = capk_entry("A000000333", 0x08, "20301230", CUP[0x08][0], CUP[0x08][1], hash_alg=7)
bad_date = capk_entry("A000000003", 0x92, "2029AB31", *VISA[0x92])
dup = visa[0x92] + tlv("DF02", b"\x00")
V["capk_errors"] = [
    {"hex": H(flip_modulus(visa[0x92], VISA[0x92][0])), "error": "tms.checksum_mismatch",
     "note": "Visa 92 with one modulus byte flipped", "source": "visa_test_keys"},
    {"hex": H(flip_modulus(cup[0x08], CUP[0x08][0])), "error": "tms.checksum_mismatch",
     "note": "UnionPay 08 with one modulus byte flipped", "source": "cup_keys"},
    {"hex": H(capk_entry("A000000333", 0x08, "20151231", AVIAPAY_CORRUPT_MODULUS, CUP[0x08][1])),
     "error": "tms.checksum_mismatch", "note": "the key Aviapay hard-codes: corrupted modulus, genuine checksum",
     "source": "aviapay_corrupt_key"},
    {"hex": H(cut94), "error": "tms.bad_tlv", "offset": df03_at, "note": "Visa 94 cut short by one byte: DF03 overruns",
     "source": "visa_test_keys"},
    {"hex": H(no_df03), "error": "tms.missing_tag", "offset": len(no_df03), "tag": "DF03", "source": "derived"},
    {"hex": H(rid4), "error": "tms.bad_length", "offset": 0, "tag": "9F06", "note": "a 4-byte RID", "source": "derived"},
    {"hex": H(sm), "error": "tms.unsupported_hash", "note": "DF06 = 07 (SM3, an SM2 key): not verifiable with SHA-1",
     "source": "derived"},
    {"hex": H(bad_date), "error": "tms.bad_value", "offset": bad_date.index(bytes.fromhex("DF05")), "tag": "DF05",
     "source": "derived"},
    {"hex": H(dup), "error": "tms.bad_tlv", "offset": len(visa[0x92]), "note": "DF02 twice in one entry",
     "source": "derived"},
]

# ---------------------------------------------------------------- query requests, split, steps
V["query_request"] = [
    {"start_index": 0, "hex": H(b"100"), "source": "openpos"},
    {"start_index": 7, "hex": H(b"107"), "source": "aviapay"},
    {"start_index": 21, "hex": H(b"121"), "source": "liaoyang"},
    {"start_index": 100, "error": "tms.bad_argument", "note": "the count is two digits in every source",
     "source": "derived"},
]
V["split_reply"] = [
    {"hex": "30", "continuation": "last", "body": "", "source": "aviapay"},
    {"hex": "31" + H(visa[0x92]), "continuation": "more_packets", "body": H(visa[0x92]), "source": "openpos"},
    {"hex": "32", "continuation": "more_query", "body": "", "source": "liaoyang"},
    {"hex": "33", "continuation": "more_packets", "body": "", "note": "openpos treats '3' as '1'", "source": "openpos"},
    {"hex": "", "error": "tms.empty", "source": "derived"},
    {"hex": "39", "error": "tms.bad_continuation", "offset": 0, "source": "derived"},
]
V["steps"] = [
    {"step": s, "nmi": n, "mti": m, "source": src}
    for s, n, m, src in [
        ("param_download", "360", "0800", "openpos"), ("status_upload", "362", "0820", "openpos"),
        ("capk_query", "372", "0820", "aviapay"), ("capk_download", "370", "0800", "aviapay"),
        ("capk_end", "371", "0800", "aviapay"), ("aid_query", "382", "0820", "liaoyang"),
        ("aid_download", "380", "0800", "liaoyang"), ("aid_end", "381", "0800", "liaoyang"),
    ]
]

# ---------------------------------------------------------------- capk query / download request
def keyref(rid, index, expiry):
    return {"rid": rid, "index": index, "expiry": expiry}


def query_entry(rid, index, expiry):
    return tlv("9F06", bytes.fromhex(rid)) + tlv("9F22", bytes([index])) + tlv("DF05", expiry.encode())


k92, k94 = keyref("A000000003", 0x92, "20291231"), keyref("A000000003", 0x94, "20291231")
k08, k0b = keyref("A000000333", 0x08, "20301230"), keyref("A000000333", 0x0B, "20301230")
qe = lambda k: query_entry(k["rid"], k["index"], k["expiry"])  # noqa: E731
bad_order = tlv("9F06", bytes.fromhex("A000000333")) + tlv("DF05", b"20301230") + tlv("9F22", b"\x08")
short_expiry = tlv("9F06", bytes.fromhex("A000000333")) + tlv("9F22", b"\x08") + tlv("DF05", b"203")
V["capk_query"] = [
    {"hex": H(b"2" + qe(k92) + qe(k94)), "continuation": "more_query", "keys": [k92, k94], "source": "openpos"},
    {"hex": H(b"1" + qe(k08) + qe(k0b)), "continuation": "more_packets", "keys": [k08, k0b], "source": "aviapay"},
    {"hex": H(b"0"), "continuation": "last", "keys": [], "source": "aviapay"},
]
V["capk_query_errors"] = [
    {"hex": H(b"1" + bad_order), "error": "tms.unexpected_tag", "offset": 8, "tag": "DF05", "source": "openpos"},
    {"hex": H(b"1" + short_expiry), "error": "tms.bad_length", "offset": 12, "tag": "DF05", "source": "openpos"},
    {"hex": H(b"1" + qe(k08)[:-2]), "error": "tms.bad_tlv", "offset": 12, "source": "derived"},
    {"hex": H(b"1" + qe(k08)[:12]), "error": "tms.missing_tag", "offset": 12, "tag": "DF05", "source": "derived"},
]
V["capk_download_request"] = [
    {"key": keyref("A000000333", 0x02, None), "hex": "9F0605A0000003339F220102",
     "note": "Aviapay's comment: 9F06 05 A000000333 9F22 01 02", "source": "aviapay"},
    {"key": k92, "hex": "9F0605A0000000039F220192", "note": "the expiry is not sent", "source": "openpos"},
    {"key": keyref("A0000003", 0x02, None), "error": "tms.bad_argument", "source": "derived"},
]

# ---------------------------------------------------------------- AIDs
AID_CUP = "A000000333010101"
V["aid_query"] = [
    {"hex": H(b"1" + tlv("9F06", bytes.fromhex(AID_CUP)) + tlv("9F06", bytes.fromhex("A000000333010102"))),
     "continuation": "more_packets", "aids": [AID_CUP, "A000000333010102"], "source": "openpos"},
    {"hex": H(b"2" + tlv("9F06", bytes.fromhex("A0000000031010"))), "continuation": "more_query",
     "aids": ["A0000000031010"], "source": "aviapay"},
]
V["aid_query_errors"] = [
    {"hex": H(b"1" + tlv("9F22", b"\x01")), "error": "tms.unexpected_tag", "offset": 0, "tag": "9F22", "source": "openpos"},
    {"hex": H(b"1" + tlv("9F06", bytes.fromhex("A0000003"))), "error": "tms.bad_length", "offset": 0, "tag": "9F06",
     "source": "derived"},
]
V["aid_download_request"] = [
    {"aid": AID_CUP, "hex": "9F0608" + AID_CUP, "source": "openpos"},
    {"aid": "A0000000031010", "hex": "9F0607A0000000031010", "source": "liaoyang"},
    {"aid": "A00000", "error": "tms.bad_argument", "source": "derived"},
]


def aid_json(**kw):
    base = {"aid": None, "asi": None, "app_version": None, "tac_default": None, "tac_online": None, "tac_denial": None,
            "floor_limit": None, "threshold": None, "max_target_percent": None, "target_percent": None,
            "default_ddol": None, "online_pin": None, "ec_limit": None, "cl_floor_limit": None, "cl_txn_limit": None,
            "cl_cvm_limit": None, "other": {}}
    base.update(kw)
    return base


# The values Aviapay's SetAidPbocApp1 loads for A000000333010101, in the 380 reply layout.
aviapay_aid = (tlv("9F06", bytes.fromhex(AID_CUP)) + tlv("DF01", b"\x00") + tlv("9F09", bytes.fromhex("0020"))
               + tlv("DF11", bytes.fromhex("FCF0E40800")) + tlv("DF12", bytes.fromhex("FCF8E4F880"))
               + tlv("DF13", bytes.fromhex("0010000000")) + tlv("9F1B", (10000).to_bytes(4, "big"))
               + tlv("DF15", (0).to_bytes(4, "big")) + tlv("DF16", bcd(0, 1)) + tlv("DF17", bcd(0, 1))
               + tlv("DF14", bytes.fromhex("9F3704")) + tlv("DF18", b"\x01") + tlv("9F7B", bcd(100, 6))
               + tlv("DF19", bcd(20000, 6)) + tlv("DF20", bcd(100000, 6)) + tlv("DF21", bcd(1000, 6)))
aviapay_aid_json = aid_json(aid=AID_CUP, asi=0, app_version="0020", tac_default="FCF0E40800", tac_online="FCF8E4F880",
                            tac_denial="0010000000", floor_limit=10000, threshold=0, max_target_percent=0,
                            target_percent=0, default_ddol="9F3704", online_pin=True, ec_limit=100,
                            cl_floor_limit=20000, cl_txn_limit=100000, cl_cvm_limit=1000)
# As UnionPay hosts send it (9F08 for the version, short BCD amounts) plus an acquirer tag.
host_aid = (tlv("9F06", bytes.fromhex("A000000333010102")) + tlv("DF01", b"\x01") + tlv("9F08", bytes.fromhex("0030"))
            + tlv("DF21", bytes.fromhex("0300")) + tlv("9F33", bytes.fromhex("E0F8C8")))
host_aid_encoded = (tlv("9F06", bytes.fromhex("A000000333010102")) + tlv("DF01", b"\x01") + tlv("9F09", bytes.fromhex("0030"))
                    + tlv("DF21", bcd(300, 6)) + tlv("9F33", bytes.fromhex("E0F8C8")))
both_versions = (tlv("9F06", bytes.fromhex(AID_CUP)) + tlv("9F08", bytes.fromhex("008C")) + tlv("9F09", bytes.fromhex("0030")))
both_versions_encoded = (tlv("9F06", bytes.fromhex(AID_CUP)) + tlv("9F09", bytes.fromhex("0030")) + tlv("9F08", bytes.fromhex("008C")))
V["aid"] = [
    {"hex": H(aviapay_aid), "params": aviapay_aid_json, "source": "aviapay"},
    {"hex": H(host_aid), "encoded": H(host_aid_encoded),
     "params": aid_json(aid="A000000333010102", asi=1, app_version="0030", cl_cvm_limit=300, other={"9F33": "E0F8C8"}),
     "note": "9F08 taken as the terminal version when 9F09 is absent; a 2-byte n12 amount", "source": "aviapay"},
    {"hex": H(both_versions), "encoded": H(both_versions_encoded),
     "params": aid_json(aid=AID_CUP, app_version="0030", other={"9F08": "008C"}),
     "note": "9F09 wins; 9F08 (the card's version) kept in other", "source": "aviapay"},
]
V["aid_errors"] = [
    {"hex": H(tlv("9F06", bytes.fromhex(AID_CUP)) + tlv("DF11", bytes.fromhex("FCF0E408"))), "error": "tms.bad_length",
     "offset": 11, "tag": "DF11", "source": "openpos"},
    {"hex": H(tlv("9F06", bytes.fromhex(AID_CUP)) + tlv("DF21", bytes.fromhex("00000000100A"))), "error": "tms.bad_value",
     "offset": 11, "tag": "DF21", "source": "liaoyang"},
    {"hex": H(tlv("9F06", bytes.fromhex(AID_CUP)) + tlv("9F1B", bcd(10000, 6))), "error": "tms.bad_length",
     "offset": 11, "tag": "9F1B", "note": "a BCD n12 floor limit (Aviapay's reading) is refused: EMV, openpos and "
     "LiaoYang have 4 bytes binary", "source": "openpos"},
    {"hex": H(tlv("DF01", b"\x00")), "error": "tms.missing_tag", "offset": 4, "tag": "9F06", "source": "derived"},
]

# ---------------------------------------------------------------- 360 parameters / 362 status
def params_json(**kw):
    base = {"app_type": None, "receive_timeout": None, "dial_retries": None, "host_phone1": None, "host_phone2": None,
            "host_phone3": None, "host_phone4": None, "tip_enabled": None, "tip_percent": None, "manual_entry": None,
            "auto_sign_off": None, "merchant_name": None, "resend_count": None, "offline_upload": None,
            "key_index": None, "txn_switches": None, "other": {}, "unparsed": None}
    base.update(kw)
    return base


NAME = "银联测试商户"
name40 = NAME.encode("gbk").ljust(40, b" ")
phone = lambda s: s.encode().ljust(14, b" ")  # noqa: E731
liaoyang_reply = (b"11" + b"60" + b"12" + b"60" + b"13" + b"3" + b"14" + phone("02150501234") + b"15" + phone("")
                  + b"18" + b"0" + b"19" + b"10" + b"20" + b"1" + b"21" + b"1" + b"22" + name40 + b"23" + b"3"
                  + b"24" + b"0" + b"25" + b"1" + b"26" + bytes.fromhex("FF7F0000"))
openpos_reply = (b"12" + b"45" + b"25" + b"2" + b"26" + bytes.fromhex("FFFF") + b"83" + bytes([12])
                 + tlv("9F06", bytes.fromhex("A000000333")) + tlv("9F22", b"\x08"))
odd_reply = b"12" + b"6O" + b"13" + b"2" + b"99" + b"ZZZZ"
V["params"] = [
    {"hex": H(liaoyang_reply), "params": params_json(
        app_type="60", receive_timeout=60, dial_retries=3, host_phone1="02150501234", host_phone2="", tip_enabled=False,
        tip_percent=10, manual_entry=True, auto_sign_off=True, merchant_name=NAME, resend_count=3, offline_upload="0",
        key_index=1, txn_switches="FF7F0000"),
     "note": "every typed item; tag 26 as 4 bytes, the last item", "source": "liaoyang"},
    {"hex": H(openpos_reply), "encoded": H(b"26" + bytes.fromhex("FFFF") + b"12" + b"45" + b"25" + b"2" + openpos_reply[11:]),
     "params": params_json(
        receive_timeout=45, key_index=2, txn_switches="FFFF", other={"83": "9F0605A0000003339F220108"}),
     "note": "tag 26 as 2 bytes, followed by item 83 (length byte + CAPK TLV to add); the encoder writes a "
     "2-byte 26 first, where the length rule reads it back", "source": "openpos"},
    {"hex": H(odd_reply), "params": params_json(dial_retries=2, other={"12": H(b"6O")}, unparsed=H(b"99ZZZZ")),
     "note": "a letter in a digit item stays raw; an unknown tag stops the walk and the rest stays raw",
     "source": "derived"},
]
V["params_raw_items"] = [
    {"hex": H(openpos_reply), "items": [{"tag": "12", "value": H(b"45")}, {"tag": "25", "value": H(b"2")},
                                         {"tag": "26", "value": "FFFF"},
                                         {"tag": "83", "value": "9F0605A0000003339F220108"}], "source": "openpos"},
]
V["params_errors"] = [
    {"hex": H(b"12" + b"60" + b"14" + b"0215"), "error": "tms.truncated_param", "offset": 4, "tag": "14",
     "source": "openpos"},
    {"hex": H(b"83"), "error": "tms.truncated_param", "offset": 0, "tag": "83", "source": "openpos"},
]

stats = {"hours": 72, "dials": 999, "success_percent": 98}
status_params = params_json(app_type="60", receive_timeout=60, dial_retries=3, host_phone1="02150501234",
                            tip_enabled=False, tip_percent=0, manual_entry=True, auto_sign_off=True, merchant_name=NAME,
                            resend_count=3, key_index=1)
status_hex = (b"011021031041051" + b"1160" + b"1260" + b"133" + b"14" + phone("02150501234") + b"180" + b"1900"
              + b"201" + b"211" + b"233" + b"251" + b"51" + b"0072" + b"00999" + b"098")
V["status_upload"] = [
    {"params": status_params, "dial_stats": stats, "hex": H(status_hex),
     "note": "01-05 '1' each, then the items in tag order; the merchant name (22) is not uploaded",
     "source": "liaoyang"},
    {"params": params_json(), "dial_stats": None, "hex": H(b"011021031041051"), "source": "openpos"},
    {"params": params_json(receive_timeout=100), "dial_stats": None, "error": "tms.bad_argument", "source": "derived"},
]

with open(OUT, "w", encoding="utf-8") as f:
    json.dump(V, f, ensure_ascii=False, indent=1)
    f.write("\n")
print("wrote", os.path.relpath(OUT))
