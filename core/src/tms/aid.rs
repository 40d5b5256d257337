//! AIDs and their EMV parameters: the 382 query list, the 380 download request and reply.
//!
//! Entry tags and formats, as openpos (`EMVONLINE_AIDParamProcess`), `LiaoYang_POS` (`SaveAppParamItem`)
//! and Aviapay (`downEMVParam`) read them:
//!
//! | tag | field | format |
//! |-----|-------|--------|
//! | 9F06 | AID | 5–16 bytes |
//! | DF01 | application selection indicator | 1 byte; 0 = partial match allowed (openpos, Aviapay) |
//! | 9F09 | application version (terminal) | 2 bytes; UnionPay hosts send it as 9F08 (below) |
//! | DF11 / DF12 / DF13 | TAC default / online / denial | 5 bytes each |
//! | 9F1B | terminal floor limit | 4 bytes binary |
//! | DF15 | threshold for biased random selection | 4 bytes binary |
//! | DF16 / DF17 | maximum target / target percentage | 1 byte BCD |
//! | DF14 | default DDOL | up to 252 bytes |
//! | DF18 | online PIN capability | 1 byte, non-zero = supported |
//! | 9F7B | electronic cash terminal transaction limit | n12, up to 6 bytes BCD |
//! | DF19 | contactless offline floor limit | n12 |
//! | DF20 | contactless transaction limit | n12 |
//! | DF21 | CVM required limit | n12 |
//!
//! Disagreements. *Application version*: openpos and `LiaoYang_POS` read 9F08; Aviapay reads both and
//! says why (`银联POSP送这个是错的，应该改为9F09`: UnionPay's host sends 9F08 where 9F09 is right).
//! Here 9F09 wins when both are present (9F08 then stays in `other`: it is the card's version
//! number); a lone 9F08 is taken as the terminal version. The encoder writes 9F09. *Floor limit
//! and threshold*: openpos (`tab_long`, exactly 4 bytes) and `LiaoYang_POS` (`Char2Long`) read binary,
//! as EMV defines 9F1B (b4); Aviapay reads BCD. Binary is used, with the length checked.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::capk::{one_byte, push_other, sized};
use super::wire::{bcd_bytes, bcd_value, check_unique, hex, unhex, Obj, Reader};
use super::{Continuation, TmsError};
use crate::tlv::{self, Tag, Tlv};

const AID: Tag = Tag(0x9F06);
const ASI: Tag = Tag(0xDF01);
const APP_VERSION: Tag = Tag(0x9F09);
const CARD_APP_VERSION: Tag = Tag(0x9F08);
const TAC_DEFAULT: Tag = Tag(0xDF11);
const TAC_ONLINE: Tag = Tag(0xDF12);
const TAC_DENIAL: Tag = Tag(0xDF13);
const FLOOR_LIMIT: Tag = Tag(0x9F1B);
const THRESHOLD: Tag = Tag(0xDF15);
const MAX_TARGET: Tag = Tag(0xDF16);
const TARGET: Tag = Tag(0xDF17);
const DDOL: Tag = Tag(0xDF14);
const ONLINE_PIN: Tag = Tag(0xDF18);
const EC_LIMIT: Tag = Tag(0x9F7B);
const CL_FLOOR: Tag = Tag(0xDF19);
const CL_TXN: Tag = Tag(0xDF20);
const CL_CVM: Tag = Tag(0xDF21);
const KNOWN: [Tag; 16] = [
    AID,
    ASI,
    APP_VERSION,
    TAC_DEFAULT,
    TAC_ONLINE,
    TAC_DENIAL,
    FLOOR_LIMIT,
    THRESHOLD,
    MAX_TARGET,
    TARGET,
    DDOL,
    ONLINE_PIN,
    EC_LIMIT,
    CL_FLOOR,
    CL_TXN,
    CL_CVM,
];

/// Parse the entries of a 382 query reply (field 62 after its continuation byte): one 9F06 per
/// AID (openpos `EMVONLINE_AddAID` and Aviapay `queryEMVParam` refuse any other tag).
pub fn parse_aid_query(body: &[u8]) -> Result<Vec<String>, TmsError> {
    let mut r = Reader::new(body);
    let mut out = Vec::new();
    while let Some(o) = r.next_obj()? {
        if o.tag != AID {
            return Err(TmsError::UnexpectedTag { offset: o.offset, tag: o.tag, expected: "9F06 (AID)" });
        }
        out.push(aid_of(&o)?);
    }
    Ok(out)
}

/// Field 62 of a 382 query reply, for the acquirer simulator.
pub fn encode_aid_query(cont: Continuation, aids: &[String]) -> Result<Vec<u8>, TmsError> {
    let items = aids.iter().map(|a| Ok(Tlv::primitive(AID, aid_bytes(a)?))).collect::<Result<Vec<_>, TmsError>>()?;
    let mut out = vec![cont.byte()];
    out.extend(tlv::encode(&items));
    Ok(out)
}

/// Field 62 of a 380 download request: the AID's 9F06 (openpos `LOGON_Online`, Aviapay
/// `downEMVParam`, `LiaoYang_POS` `DownLoadEmvParam`).
pub fn aid_download_request(aid: &str) -> Result<Vec<u8>, TmsError> {
    Ok(tlv::encode(&[Tlv::primitive(AID, aid_bytes(aid)?)]))
}

/// Field 62 of a 380 download reply, for the acquirer simulator: `1` and the entry, or `0`.
pub fn encode_aid_download(params: Option<&AidParams>) -> Result<Vec<u8>, TmsError> {
    match params {
        None => Ok(vec![Continuation::Last.byte()]),
        Some(p) => {
            let mut out = vec![Continuation::MorePackets.byte()];
            out.extend(p.to_tlv()?);
            Ok(out)
        }
    }
}

/// One AID's EMV parameters as the host sends them in a 380 reply. Byte strings are uppercase
/// hex; amounts are in the currency's minor unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AidParams {
    /// AID (9F06), 5 to 16 bytes.
    pub aid: String,
    /// Application selection indicator (DF01): 0 lets a longer card AID match (partial match).
    pub asi: Option<u8>,
    /// Terminal application version number (9F09, or 9F08 as UnionPay hosts send it), 2 bytes.
    pub app_version: Option<String>,
    /// Terminal action code, default (DF11), 5 bytes.
    pub tac_default: Option<String>,
    /// Terminal action code, online (DF12), 5 bytes.
    pub tac_online: Option<String>,
    /// Terminal action code, denial (DF13), 5 bytes.
    pub tac_denial: Option<String>,
    /// Terminal floor limit (9F1B).
    pub floor_limit: Option<u32>,
    /// Threshold value for biased random selection (DF15).
    pub threshold: Option<u32>,
    /// Maximum target percentage for biased random selection (DF16), 0–99.
    pub max_target_percent: Option<u8>,
    /// Target percentage for random selection (DF17), 0–99.
    pub target_percent: Option<u8>,
    /// Default DDOL (DF14).
    pub default_ddol: Option<String>,
    /// Online PIN supported (DF18).
    pub online_pin: Option<bool>,
    /// Electronic cash terminal transaction limit (9F7B).
    pub ec_limit: Option<u64>,
    /// Contactless offline floor limit (DF19).
    pub cl_floor_limit: Option<u64>,
    /// Contactless transaction limit (DF20): at or above it, the contactless transaction stops.
    pub cl_txn_limit: Option<u64>,
    /// Contactless CVM required limit (DF21).
    pub cl_cvm_limit: Option<u64>,
    /// Tags this module does not type (acquirers add their own), tag hex → value hex.
    #[serde(default)]
    pub other: BTreeMap<String, String>,
}

impl AidParams {
    /// Parse one AID entry (a 380 reply's field 62 after its `1`). Lengths and BCD digits are
    /// checked; a malformed value is refused with its tag and offset.
    pub fn parse(entry: &[u8]) -> Result<AidParams, TmsError> {
        let mut r = Reader::new(entry);
        let mut seen = HashSet::new();
        let mut p = AidParams::default();
        let mut aid = None;
        let mut card_version = None;
        while let Some(o) = r.next_obj()? {
            check_unique(&mut seen, &o)?;
            match o.tag {
                AID => aid = Some(aid_of(&o)?),
                ASI => p.asi = Some(one_byte(&o)?),
                APP_VERSION => p.app_version = Some(hex(sized(&o, 2, 2, "2")?)),
                CARD_APP_VERSION => card_version = Some(o),
                TAC_DEFAULT => p.tac_default = Some(tac(&o)?),
                TAC_ONLINE => p.tac_online = Some(tac(&o)?),
                TAC_DENIAL => p.tac_denial = Some(tac(&o)?),
                FLOOR_LIMIT => p.floor_limit = Some(binary4(&o)?),
                THRESHOLD => p.threshold = Some(binary4(&o)?),
                MAX_TARGET => p.max_target_percent = Some(percent(&o)?),
                TARGET => p.target_percent = Some(percent(&o)?),
                DDOL => p.default_ddol = Some(hex(sized(&o, 0, 252, "at most 252")?)),
                ONLINE_PIN => p.online_pin = Some(one_byte(&o)? != 0),
                EC_LIMIT => p.ec_limit = Some(amount(&o)?),
                CL_FLOOR => p.cl_floor_limit = Some(amount(&o)?),
                CL_TXN => p.cl_txn_limit = Some(amount(&o)?),
                CL_CVM => p.cl_cvm_limit = Some(amount(&o)?),
                _ => {
                    p.other.insert(o.tag.to_string(), hex(o.value));
                }
            }
        }
        p.aid =
            aid.ok_or(TmsError::MissingTag { offset: entry.len(), tag: AID, expected: "9F06 (AID) in an AID entry" })?;
        if let Some(o) = card_version {
            if p.app_version.is_none() {
                p.app_version = Some(hex(sized(&o, 2, 2, "2")?));
            } else {
                p.other.insert(o.tag.to_string(), hex(o.value));
            }
        }
        Ok(p)
    }

    /// The entry as TLV, in the table's order, then the other tags. Amounts are written as 6
    /// bytes of BCD, the floor limit and threshold as 4 bytes binary.
    pub fn to_tlv(&self) -> Result<Vec<u8>, TmsError> {
        let mut items = vec![Tlv::primitive(AID, aid_bytes(&self.aid)?)];
        let mut put = |tag, v: Option<Vec<u8>>| {
            if let Some(v) = v {
                items.push(Tlv::primitive(tag, v));
            }
        };
        put(ASI, self.asi.map(|a| vec![a]));
        put(APP_VERSION, fixed_hex("app_version", self.app_version.as_deref(), 2, 2)?);
        put(TAC_DEFAULT, fixed_hex("tac_default", self.tac_default.as_deref(), 5, 5)?);
        put(TAC_ONLINE, fixed_hex("tac_online", self.tac_online.as_deref(), 5, 5)?);
        put(TAC_DENIAL, fixed_hex("tac_denial", self.tac_denial.as_deref(), 5, 5)?);
        put(FLOOR_LIMIT, self.floor_limit.map(|v| v.to_be_bytes().to_vec()));
        put(THRESHOLD, self.threshold.map(|v| v.to_be_bytes().to_vec()));
        put(MAX_TARGET, percent_bytes("max_target_percent", self.max_target_percent)?);
        put(TARGET, percent_bytes("target_percent", self.target_percent)?);
        put(DDOL, fixed_hex("default_ddol", self.default_ddol.as_deref(), 0, 252)?);
        put(ONLINE_PIN, self.online_pin.map(|b| vec![u8::from(b)]));
        put(EC_LIMIT, amount_bytes("ec_limit", self.ec_limit)?);
        put(CL_FLOOR, amount_bytes("cl_floor_limit", self.cl_floor_limit)?);
        put(CL_TXN, amount_bytes("cl_txn_limit", self.cl_txn_limit)?);
        put(CL_CVM, amount_bytes("cl_cvm_limit", self.cl_cvm_limit)?);
        push_other(&mut items, &self.other, &KNOWN)?;
        Ok(tlv::encode(&items))
    }

    /// DF01 allows a longer card AID to match this one (ASI 0, per openpos and Aviapay).
    pub fn partial_match(&self) -> Option<bool> {
        self.asi.map(|a| a == 0)
    }
}

fn aid_of(o: &Obj<'_>) -> Result<String, TmsError> {
    Ok(hex(sized(o, 5, 16, "5 to 16")?))
}

fn tac(o: &Obj<'_>) -> Result<String, TmsError> {
    Ok(hex(sized(o, 5, 5, "5")?))
}

fn binary4(o: &Obj<'_>) -> Result<u32, TmsError> {
    let b = sized(o, 4, 4, "4 (binary)")?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn percent(o: &Obj<'_>) -> Result<u8, TmsError> {
    let b = one_byte(o)?;
    bcd_value(&[b]).map(|v| v as u8).ok_or_else(|| bad_bcd(o))
}

fn amount(o: &Obj<'_>) -> Result<u64, TmsError> {
    bcd_value(sized(o, 1, 6, "1 to 6 (BCD n12)")?).ok_or_else(|| bad_bcd(o))
}

fn bad_bcd(o: &Obj<'_>) -> TmsError {
    TmsError::BadValue { offset: o.offset, tag: o.tag, found: hex(o.value), expected: "BCD digits" }
}

fn aid_bytes(aid: &str) -> Result<Vec<u8>, TmsError> {
    let b = unhex("AID", "5 to 16 bytes of hex", aid)?;
    if (5..=16).contains(&b.len()) {
        Ok(b)
    } else {
        Err(TmsError::BadArgument {
            what: "AID",
            expected: "5 to 16 bytes of hex",
            found: aid.chars().take(80).collect(),
        })
    }
}

fn fixed_hex(what: &'static str, v: Option<&str>, min: usize, max: usize) -> Result<Option<Vec<u8>>, TmsError> {
    let Some(text) = v else { return Ok(None) };
    let b = unhex(what, "hex of the tag's length", text)?;
    if (min..=max).contains(&b.len()) {
        Ok(Some(b))
    } else {
        Err(TmsError::BadArgument { what, expected: "hex of the tag's length", found: text.chars().take(80).collect() })
    }
}

fn percent_bytes(what: &'static str, v: Option<u8>) -> Result<Option<Vec<u8>>, TmsError> {
    v.map(|p| {
        bcd_bytes(u64::from(p), 1).ok_or(TmsError::BadArgument { what, expected: "0 to 99", found: p.to_string() })
    })
    .transpose()
}

fn amount_bytes(what: &'static str, v: Option<u64>) -> Result<Option<Vec<u8>>, TmsError> {
    v.map(|a| {
        bcd_bytes(a, 6).ok_or(TmsError::BadArgument { what, expected: "at most 12 digits", found: a.to_string() })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AidParams {
        AidParams {
            aid: "A000000333010101".into(),
            asi: Some(0),
            app_version: Some("0030".into()),
            tac_default: Some("D84000A800".into()),
            tac_online: Some("D84004F800".into()),
            tac_denial: Some("0010000000".into()),
            floor_limit: Some(0),
            threshold: Some(0),
            max_target_percent: Some(99),
            target_percent: Some(99),
            default_ddol: Some("9F3704".into()),
            online_pin: Some(true),
            ec_limit: Some(100_000),
            cl_floor_limit: Some(0),
            cl_txn_limit: Some(999_999_999_999),
            cl_cvm_limit: Some(30_000),
            other: BTreeMap::from([("9F33".into(), "E0F8C8".into())]),
        }
    }

    #[test]
    fn round_trip() {
        let p = sample();
        assert_eq!(AidParams::parse(&p.to_tlv().unwrap()).unwrap(), p);
        assert_eq!(p.partial_match(), Some(true));
        let mut bad = sample();
        bad.other.insert("9F3303".into(), "00".into()); // not one BER tag
        assert_eq!(bad.to_tlv().unwrap_err().code(), "tms.bad_argument");
    }

    #[test]
    fn card_version_9f08() {
        let only_08 = tlv::encode(&[
            Tlv::primitive(AID, [0xA0, 0, 0, 3, 0x33, 1, 1, 1]),
            Tlv::primitive(CARD_APP_VERSION, [0, 0x30]),
        ]);
        let p = AidParams::parse(&only_08).unwrap();
        assert_eq!(p.app_version.as_deref(), Some("0030"));
        assert!(p.other.is_empty());
        let both = tlv::encode(&[
            Tlv::primitive(AID, [0xA0, 0, 0, 3, 0x33, 1, 1, 1]),
            Tlv::primitive(APP_VERSION, [0, 0x30]),
            Tlv::primitive(CARD_APP_VERSION, [0, 0x8C]),
        ]);
        let p = AidParams::parse(&both).unwrap();
        assert_eq!((p.app_version.as_deref(), p.other.get("9F08").map(String::as_str)), (Some("0030"), Some("008C")));
        assert_eq!(AidParams::parse(&p.to_tlv().unwrap()).unwrap(), p);
    }

    #[test]
    fn refusals() {
        let e = AidParams::parse(&[0x9F, 0x06, 5, 0xA0, 0, 0, 3, 0x33, 0xDF, 0x11, 4, 0, 0, 0, 0]).unwrap_err();
        assert_eq!((e.code(), e.offset(), e.tag().as_deref()), ("tms.bad_length", Some(8), Some("DF11")));
        let e = AidParams::parse(&[0x9F, 0x06, 5, 0xA0, 0, 0, 3, 0x33, 0xDF, 0x21, 1, 0x1A]).unwrap_err();
        assert_eq!(e.code(), "tms.bad_value");
        assert_eq!(AidParams::parse(&[0xDF, 0x01, 1, 0]).unwrap_err().code(), "tms.missing_tag");
        assert_eq!(parse_aid_query(&[0x9F, 0x22, 1, 0]).unwrap_err().code(), "tms.unexpected_tag");
    }

    #[test]
    fn query_list() {
        let aids = vec!["A000000333010101".to_string(), "A0000000031010".to_string()];
        let f = encode_aid_query(Continuation::MorePackets, &aids).unwrap();
        assert_eq!(parse_aid_query(&f[1..]).unwrap(), aids);
        assert_eq!(aid_download_request("A0000000031010").unwrap(), [0x9F, 0x06, 7, 0xA0, 0, 0, 0, 3, 0x10, 0x10]);
        assert_eq!(aid_download_request("A000").unwrap_err().code(), "tms.bad_argument");
    }
}
