//! CA public keys: the 372 query list, the 370 download request and reply, SHA-1 verification.
//!
//! Entry tags (openpos `EMVONLINE_CAPKProcess`, `LiaoYang_POS` `SaveEmvCapkItem`, Aviapay `downEMVCapk`):
//! 9F06 RID (5 bytes), 9F22 index (1), DF05 expiry, DF06 hash algorithm indicator, DF07 public
//! key algorithm indicator, DF02 modulus, DF04 exponent, DF03 checksum. The checksum is SHA-1 over
//! RID ‖ index ‖ modulus ‖ exponent (openpos `VerifyCAPK`, which refuses the key on a mismatch;
//! the input EMV Book 2 gives for the CA public key check sum). Aviapay does not verify at
//! all; this module refuses a corrupted key, like openpos.
//!
//! DF05 is 8 ASCII digits `YYYYMMDD` in openpos (which insists on 8 bytes) and, per a `LiaoYang_POS`
//! comment, the form UnionPay's host sends (`目前CUP是按照这个ASCII数字串返回的`); `LiaoYang_POS` and
//! Aviapay also read 4 bytes of BCD `YYYYMMDD`. Both are read here; the encoders write ASCII.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::wire::{check_unique, hex, parse_tag, unhex, Obj, Reader};
use super::{Continuation, TmsError};
use crate::tlv::{self, Tag, Tlv};

const RID: Tag = Tag(0x9F06);
const INDEX: Tag = Tag(0x9F22);
const EXPIRY: Tag = Tag(0xDF05);
const HASH_ALG: Tag = Tag(0xDF06);
const PK_ALG: Tag = Tag(0xDF07);
const MODULUS: Tag = Tag(0xDF02);
const EXPONENT: Tag = Tag(0xDF04);
const CHECKSUM: Tag = Tag(0xDF03);
const KNOWN: [Tag; 8] = [RID, INDEX, EXPIRY, HASH_ALG, PK_ALG, MODULUS, EXPONENT, CHECKSUM];

/// The longest modulus EMV allows (Book 2, 1984 bits).
pub(super) const MAX_MODULUS: usize = 248;

/// One key as a query reply names it: which key, and until when it is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KeyRef {
    /// Registered application provider identifier, 5 bytes as uppercase hex (`A000000333`).
    pub rid: String,
    /// CA public key index (9F22).
    pub index: u8,
    /// Expiry `YYYYMMDD` (DF05). Every query entry carries it; a download request does not.
    pub expiry: Option<String>,
}

/// Parse the entries of a 372 query reply (field 62 after its continuation byte): for each key
/// 9F06, 9F22 and DF05, in that order, as openpos (`EMVONLINE_AddRID`, which refuses any other
/// order or length) and Aviapay (`queryEMVCapk`) read them.
pub fn parse_capk_query(body: &[u8]) -> Result<Vec<KeyRef>, TmsError> {
    let mut r = Reader::new(body);
    let mut out = Vec::new();
    while let Some(o) = r.next_obj()? {
        if o.tag != RID {
            return Err(TmsError::UnexpectedTag {
                offset: o.offset,
                tag: o.tag,
                expected: "9F06 (RID) opening a key entry",
            });
        }
        let rid = rid_of(&o)?;
        let index = index_of(&r.expect(INDEX, "9F22 (CA public key index) after the RID")?)?;
        let expiry = expiry_of(&r.expect(EXPIRY, "DF05 (expiry) after the index")?)?;
        out.push(KeyRef { rid, index, expiry: Some(expiry) });
    }
    Ok(out)
}

/// Field 62 of a 372 query reply, for the acquirer simulator: the continuation byte and each
/// key's 9F06, 9F22 and DF05 (8 ASCII digits). Every key needs its expiry.
pub fn encode_capk_query(cont: Continuation, keys: &[KeyRef]) -> Result<Vec<u8>, TmsError> {
    let mut items = Vec::with_capacity(keys.len() * 3);
    for k in keys {
        let Some(expiry) = &k.expiry else {
            return Err(TmsError::BadArgument {
                what: "key expiry",
                expected: "YYYYMMDD in a query reply",
                found: String::new(),
            });
        };
        items.push(Tlv::primitive(RID, rid_bytes(&k.rid)?));
        items.push(Tlv::primitive(INDEX, [k.index]));
        items.push(Tlv::primitive(EXPIRY, expiry_bytes(expiry)?));
    }
    let mut out = vec![cont.byte()];
    out.extend(tlv::encode(&items));
    Ok(out)
}

/// Field 62 of a 370 download request: the key's 9F06 and 9F22 (openpos `LOGON_Online`, Aviapay
/// `downEMVCapk` `// 9F06 05 A000000333 9F22 01 02`, `LiaoYang_POS` `DownLoadCAPK`).
pub fn capk_download_request(key: &KeyRef) -> Result<Vec<u8>, TmsError> {
    Ok(tlv::encode(&[Tlv::primitive(RID, rid_bytes(&key.rid)?), Tlv::primitive(INDEX, [key.index])]))
}

/// Field 62 of a 370 download reply, for the acquirer simulator: `1` and the key, or `0` when
/// the host has no such key.
pub fn encode_capk_download(key: Option<&Capk>) -> Result<Vec<u8>, TmsError> {
    match key {
        None => Ok(vec![Continuation::Last.byte()]),
        Some(k) => {
            let mut out = vec![Continuation::MorePackets.byte()];
            out.extend(k.to_tlv()?);
            Ok(out)
        }
    }
}

/// A CA public key as the host sends it in a 370 reply. Byte strings are uppercase hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capk {
    /// RID (9F06), 5 bytes.
    pub rid: String,
    /// Index (9F22).
    pub index: u8,
    /// Expiry `YYYYMMDD` (DF05).
    pub expiry: String,
    /// Hash algorithm indicator (DF06): 01 SHA-1. Absent in `LiaoYang_POS`'s reading; absent means 01.
    pub hash_alg: Option<u8>,
    /// Public key algorithm indicator (DF07): 01 RSA.
    pub pk_alg: Option<u8>,
    /// Modulus (DF02), 1 to 248 bytes.
    pub modulus: String,
    /// Exponent (DF04), 1 to 3 bytes (`03`, `010001`).
    pub exponent: String,
    /// Checksum (DF03): SHA-1 over RID ‖ index ‖ modulus ‖ exponent, 20 bytes.
    pub checksum: String,
    /// Tags this module does not know (acquirers add their own), tag hex → value hex.
    #[serde(default)]
    pub other: BTreeMap<String, String>,
}

impl Capk {
    /// Parse and verify one key entry (a 370 reply's field 62 after its `1`). A key whose
    /// checksum does not match is refused ([`TmsError::ChecksumMismatch`]), as is one whose hash
    /// algorithm cannot be checked here ([`TmsError::UnsupportedHash`]).
    pub fn parse(entry: &[u8]) -> Result<Capk, TmsError> {
        let mut r = Reader::new(entry);
        let mut seen = HashSet::new();
        let (mut rid, mut index, mut expiry, mut hash_alg, mut pk_alg) = (None, None, None, None, None);
        let (mut modulus, mut exponent, mut checksum) = (None, None, None);
        let mut other = BTreeMap::new();
        while let Some(o) = r.next_obj()? {
            check_unique(&mut seen, &o)?;
            match o.tag {
                RID => rid = Some(rid_of(&o)?),
                INDEX => index = Some(index_of(&o)?),
                EXPIRY => expiry = Some(expiry_of(&o)?),
                HASH_ALG => hash_alg = Some(one_byte(&o)?),
                PK_ALG => pk_alg = Some(one_byte(&o)?),
                MODULUS => modulus = Some(sized(&o, 1, MAX_MODULUS, "1 to 248")?),
                EXPONENT => exponent = Some(sized(&o, 1, 3, "1 to 3")?),
                CHECKSUM => checksum = Some(o),
                _ => {
                    other.insert(o.tag.to_string(), hex(o.value));
                }
            }
        }
        let end = entry.len();
        let missing = |tag, expected| TmsError::MissingTag { offset: end, tag, expected };
        let rid = rid.ok_or_else(|| missing(RID, "9F06 (RID) in a CA public key"))?;
        let index = index.ok_or_else(|| missing(INDEX, "9F22 (index) in a CA public key"))?;
        let expiry = expiry.ok_or_else(|| missing(EXPIRY, "DF05 (expiry) in a CA public key"))?;
        let modulus = modulus.ok_or_else(|| missing(MODULUS, "DF02 (modulus) in a CA public key"))?;
        let exponent = exponent.ok_or_else(|| missing(EXPONENT, "DF04 (exponent) in a CA public key"))?;
        let checksum = checksum.ok_or_else(|| missing(CHECKSUM, "DF03 (checksum) in a CA public key"))?;
        let capk = Capk {
            rid,
            index,
            expiry,
            hash_alg,
            pk_alg,
            modulus: hex(modulus),
            exponent: hex(exponent),
            checksum: hex(checksum.value),
            other,
        };
        capk.check_hash_alg()?;
        if checksum.value.len() != 20 {
            return Err(TmsError::BadLength {
                offset: checksum.offset,
                tag: CHECKSUM,
                found: checksum.value.len(),
                expected: "20 (SHA-1)",
            });
        }
        capk.verify()?;
        Ok(capk)
    }

    /// A key with its checksum computed (DF06 and DF07 set to 01, SHA-1 and RSA): what the
    /// acquirer simulator serves.
    pub fn new(rid: &str, index: u8, expiry: &str, modulus: &str, exponent: &str) -> Result<Capk, TmsError> {
        let rid_b = rid_bytes(rid)?;
        expiry_bytes(expiry)?;
        let m = unhex("modulus", "1 to 248 bytes of hex", modulus)?;
        let e = unhex("exponent", "1 to 3 bytes of hex", exponent)?;
        if m.is_empty() || m.len() > MAX_MODULUS {
            return Err(TmsError::BadArgument {
                what: "modulus",
                expected: "1 to 248 bytes of hex",
                found: modulus.chars().take(80).collect(),
            });
        }
        if e.is_empty() || e.len() > 3 {
            return Err(TmsError::BadArgument {
                what: "exponent",
                expected: "1 to 3 bytes of hex",
                found: exponent.into(),
            });
        }
        Ok(Capk {
            rid: hex(&rid_b),
            index,
            expiry: expiry.into(),
            hash_alg: Some(1),
            pk_alg: Some(1),
            modulus: hex(&m),
            exponent: hex(&e),
            checksum: hex(&Self::compute_checksum(&rid_b, index, &m, &e)),
            other: BTreeMap::new(),
        })
    }

    /// SHA-1 over RID ‖ index ‖ modulus ‖ exponent.
    pub fn compute_checksum(rid: &[u8], index: u8, modulus: &[u8], exponent: &[u8]) -> [u8; 20] {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY);
        ctx.update(rid);
        ctx.update(&[index]);
        ctx.update(modulus);
        ctx.update(exponent);
        let mut out = [0u8; 20];
        out.copy_from_slice(ctx.finish().as_ref());
        out
    }

    /// Check the checksum against the other fields.
    pub fn verify(&self) -> Result<(), TmsError> {
        self.check_hash_alg()?;
        let rid = rid_bytes(&self.rid)?;
        let m = unhex("modulus", "hex", &self.modulus)?;
        let e = unhex("exponent", "hex", &self.exponent)?;
        let computed = Self::compute_checksum(&rid, self.index, &m, &e);
        if !self.checksum.eq_ignore_ascii_case(&hex(&computed)) {
            return Err(TmsError::ChecksumMismatch {
                rid: hex(&rid),
                index: self.index,
                found: self.checksum.to_ascii_uppercase(),
                computed: hex(&computed),
            });
        }
        Ok(())
    }

    fn check_hash_alg(&self) -> Result<(), TmsError> {
        match self.hash_alg {
            None | Some(1) => Ok(()),
            Some(h) => Err(TmsError::UnsupportedHash { rid: self.rid.clone(), index: self.index, hash_alg: h }),
        }
    }

    /// Which key this is, with its expiry: what a query reply lists.
    pub fn key_ref(&self) -> KeyRef {
        KeyRef { rid: self.rid.clone(), index: self.index, expiry: Some(self.expiry.clone()) }
    }

    /// The entry as TLV: 9F06 9F22 DF05 (ASCII) DF06 DF07 DF02 DF04 DF03, then the other tags. The
    /// checksum is written as it stands (the simulator sends corrupted keys on purpose).
    pub fn to_tlv(&self) -> Result<Vec<u8>, TmsError> {
        let mut items = vec![
            Tlv::primitive(RID, rid_bytes(&self.rid)?),
            Tlv::primitive(INDEX, [self.index]),
            Tlv::primitive(EXPIRY, expiry_bytes(&self.expiry)?),
        ];
        if let Some(h) = self.hash_alg {
            items.push(Tlv::primitive(HASH_ALG, [h]));
        }
        if let Some(p) = self.pk_alg {
            items.push(Tlv::primitive(PK_ALG, [p]));
        }
        items.push(Tlv::primitive(MODULUS, unhex("modulus", "hex", &self.modulus)?));
        items.push(Tlv::primitive(EXPONENT, unhex("exponent", "hex", &self.exponent)?));
        items.push(Tlv::primitive(CHECKSUM, unhex("checksum", "hex", &self.checksum)?));
        push_other(&mut items, &self.other, &KNOWN)?;
        Ok(tlv::encode(&items))
    }
}

/// Append caller-supplied tags, refusing malformed ones and the ones the struct already writes.
pub(super) fn push_other(
    items: &mut Vec<Tlv>,
    other: &BTreeMap<String, String>,
    known: &[Tag],
) -> Result<(), TmsError> {
    for (t, v) in other {
        let tag = parse_tag("other tag", t)?;
        if known.contains(&tag) {
            return Err(TmsError::BadArgument {
                what: "other tag",
                expected: "a tag the struct has no field for",
                found: t.clone(),
            });
        }
        items.push(Tlv::primitive(tag, unhex("other value", "hex", v)?));
    }
    Ok(())
}

fn rid_of(o: &Obj<'_>) -> Result<String, TmsError> {
    Ok(hex(sized(o, 5, 5, "5")?))
}

fn index_of(o: &Obj<'_>) -> Result<u8, TmsError> {
    one_byte(o)
}

pub(super) fn one_byte(o: &Obj<'_>) -> Result<u8, TmsError> {
    Ok(sized(o, 1, 1, "1")?[0])
}

pub(super) fn sized<'a>(o: &Obj<'a>, min: usize, max: usize, expected: &'static str) -> Result<&'a [u8], TmsError> {
    if (min..=max).contains(&o.value.len()) {
        Ok(o.value)
    } else {
        Err(TmsError::BadLength { offset: o.offset, tag: o.tag, found: o.value.len(), expected })
    }
}

fn expiry_of(o: &Obj<'_>) -> Result<String, TmsError> {
    let text = match o.value.len() {
        8 if o.value.iter().all(u8::is_ascii_digit) => o.value.iter().map(|&b| char::from(b)).collect::<String>(),
        4 => o
            .value
            .iter()
            .flat_map(|&b| [b >> 4, b & 0x0f])
            .map(|n| char::from_digit(u32::from(n), 10).unwrap_or('?'))
            .collect(),
        8 => String::new(),
        n => {
            return Err(TmsError::BadLength {
                offset: o.offset,
                tag: o.tag,
                found: n,
                expected: "8 (ASCII YYYYMMDD) or 4 (BCD YYYYMMDD)",
            })
        }
    };
    if valid_date(&text) {
        Ok(text)
    } else {
        Err(TmsError::BadValue { offset: o.offset, tag: o.tag, found: hex(o.value), expected: "a date YYYYMMDD" })
    }
}

fn valid_date(d: &str) -> bool {
    let b = d.as_bytes();
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let n = |s: &[u8]| s.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'));
    (1..=12).contains(&n(&b[4..6])) && (1..=31).contains(&n(&b[6..8]))
}

fn rid_bytes(rid: &str) -> Result<Vec<u8>, TmsError> {
    let b = unhex("RID", "5 bytes of hex (A000000333)", rid)?;
    if b.len() == 5 {
        Ok(b)
    } else {
        Err(TmsError::BadArgument {
            what: "RID",
            expected: "5 bytes of hex (A000000333)",
            found: rid.chars().take(80).collect(),
        })
    }
}

fn expiry_bytes(expiry: &str) -> Result<Vec<u8>, TmsError> {
    if valid_date(expiry) {
        Ok(expiry.as_bytes().to_vec())
    } else {
        Err(TmsError::BadArgument {
            what: "expiry",
            expected: "a date YYYYMMDD",
            found: expiry.chars().take(80).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Capk {
        Capk::new("A000000333", 0x08, "20301231", "C0FFEE", "03").unwrap()
    }

    #[test]
    fn round_trip_and_verify() {
        let k = toy();
        let t = k.to_tlv().unwrap();
        assert_eq!(Capk::parse(&t).unwrap(), k);
        let mut bad = t.clone();
        let at = bad.len() - 24; // the exponent's byte, just before DF03 14 <20 bytes>
        assert_eq!(bad[at], 0x03);
        bad[at] ^= 1;
        let e = Capk::parse(&bad).unwrap_err();
        assert_eq!(e.code(), "tms.checksum_mismatch", "{e}");
        assert_eq!(Capk::parse(&t[..t.len() - 1]).unwrap_err().code(), "tms.bad_tlv");
    }

    #[test]
    fn bcd_expiry_and_unknown_tags_are_kept() {
        let mut items = tlv::decode(&toy().to_tlv().unwrap()).unwrap();
        items[2] = Tlv::primitive(EXPIRY, [0x20, 0x30, 0x12, 0x31]);
        items.push(Tlv::primitive(Tag(0x00DF_8101), [1, 2]));
        let k = Capk::parse(&tlv::encode(&items)).unwrap();
        assert_eq!(k.expiry, "20301231");
        assert_eq!(k.other["DF8101"], "0102");
        assert_eq!(Capk::parse(&k.to_tlv().unwrap()).unwrap(), k);
    }

    #[test]
    fn refusals() {
        let mut items = tlv::decode(&toy().to_tlv().unwrap()).unwrap();
        items[3] = Tlv::primitive(HASH_ALG, [7]);
        assert_eq!(Capk::parse(&tlv::encode(&items)).unwrap_err().code(), "tms.unsupported_hash");
        items.remove(3);
        items.remove(0);
        let e = Capk::parse(&tlv::encode(&items)).unwrap_err();
        assert_eq!((e.code(), e.tag().as_deref()), ("tms.missing_tag", Some("9F06")));
        let mut k = toy();
        k.other.insert("DF02".into(), "00".into());
        assert_eq!(k.to_tlv().unwrap_err().code(), "tms.bad_argument");
        k.other.clear();
        k.other.insert("9F".into(), "00".into());
        assert_eq!(k.to_tlv().unwrap_err().code(), "tms.bad_argument");
    }

    #[test]
    fn query_list() {
        let keys = [toy().key_ref(), Capk::new("A000000003", 0x92, "20291231", "AB", "03").unwrap().key_ref()];
        let f = encode_capk_query(Continuation::MoreQuery, &keys).unwrap();
        let (c, body) = super::super::split_reply(&f).unwrap();
        assert_eq!(c, Continuation::MoreQuery);
        assert_eq!(parse_capk_query(body).unwrap(), keys);
        // DF05 before 9F22: refused with the tag and what was expected.
        let bad = [0x9F, 0x06, 5, 0xA0, 0, 0, 3, 0x33, 0xDF, 0x05, 1, 0];
        let e = parse_capk_query(&bad).unwrap_err();
        assert_eq!((e.code(), e.offset()), ("tms.unexpected_tag", Some(8)));
        assert_eq!(parse_capk_query(&bad[..8]).unwrap_err().code(), "tms.missing_tag");
    }
}
