//! Terminal parameters: the 360 download reply and the 362 status upload request.
//!
//! Field 62 is a run of items, each a 2-character decimal tag and a value whose length the tag
//! fixes; there is no continuation byte and no length per item. openpos (`LOGON_Unpack62Field`,
//! lengths from `include.h`) and `LiaoYang_POS` (`UpdateParameters`) agree on the table below; Aviapay
//! has no parameter download. The meanings are the variable names of those two programs.
//!
//! | tag | length | meaning |
//! |-----|--------|---------|
//! | 11 | 2 | terminal application type (openpos uploads `60`) |
//! | 12 | 2 | receive timeout, seconds, 2 digits |
//! | 13 | 1 | dial retries, 1 digit |
//! | 14–17 | 14 each | host phone numbers 1–4, space padded |
//! | 18 | 1 | tips enabled, `1` / `0` |
//! | 19 | 2 | tip percentage, 2 digits |
//! | 20 | 1 | manual card number entry allowed, `1` / `0` |
//! | 21 | 1 | sign off automatically after settlement, `1` / `0` |
//! | 22 | 40 | merchant name (GBK, space padded) |
//! | 23 | 1 | transaction resend count, 1 digit |
//! | 24 | 1 | offline upload mode (one character; the values are not explained in the sources) |
//! | 25 | 1 | master key index, 1 digit |
//! | 26 | 2 or 4 | transaction switches, a bitmap: **2 bytes in openpos, 4 in `LiaoYang_POS`** |
//! | 27 | 2 | maximum offline transactions (only in `LiaoYang_POS`'s status upload, `%2d`) |
//! | 51 | 12 | status upload only: dial statistics, hours n4, dials n5, success % n3 |
//! | 01–05 | 1 each | status upload only: both programs send `1` for each; meaning not stated |
//! | 80–85 | 1-byte binary length + data | openpos only: EMV data (83 / 84 / 85 add, delete, re-date a CA public key) |
//!
//! What the sources leave open is kept raw rather than guessed:
//! * tag 26's length: taken as 4 when exactly 4 bytes remain or when the 2 bytes after a 2-byte
//!   value do not start a known tag, else 2; its bytes are kept as hex (the encoder writes a 2-byte
//!   value first and a 4-byte one last, where this rule reads them back);
//! * a tag outside the table: its length is unknown, so parsing stops there and the rest of the
//!   field is kept in [`TerminalParams::unparsed`] (openpos and `LiaoYang_POS` would loop on or misread
//!   it);
//! * a known item whose value is not what the table says (a letter in a digit field, a name that
//!   is not GBK): kept, as hex, in [`TerminalParams::other`], its typed field left empty.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::wire::{hex, unhex};
use super::TmsError;

/// The length rule of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Len {
    Fixed(usize),
    /// Tag 26: 2 (openpos) or 4 (`LiaoYang_POS`) bytes.
    Switches,
    /// Tags 80–85: a binary length byte, then that many bytes.
    Prefixed,
}

fn rule(tag: &[u8]) -> Option<Len> {
    let t = std::str::from_utf8(tag).ok()?;
    Some(match t {
        "01" | "02" | "03" | "04" | "05" | "13" | "18" | "20" | "21" | "23" | "24" | "25" => Len::Fixed(1),
        "11" | "12" | "19" | "27" => Len::Fixed(2),
        "14" | "15" | "16" | "17" => Len::Fixed(PHONE_LEN),
        "22" => Len::Fixed(NAME_LEN),
        "51" => Len::Fixed(12),
        "26" => Len::Switches,
        "80" | "81" | "82" | "83" | "84" | "85" => Len::Prefixed,
        _ => return None,
    })
}

const PHONE_LEN: usize = 14;
const NAME_LEN: usize = 40;

/// The items of a field 62 in order, and the offset where an unknown tag stopped the walk.
type Items<'a> = (Vec<(usize, String, &'a [u8])>, Option<usize>);

fn read_items(f: &[u8]) -> Result<Items<'_>, TmsError> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < f.len() {
        let Some(tag) = f.get(pos..pos + 2) else { return Ok((out, Some(pos))) };
        let Some(len) = rule(tag) else { return Ok((out, Some(pos))) };
        let tag_text = String::from_utf8_lossy(tag).into_owned();
        let vs = pos + 2;
        let rest = f.len() - vs;
        let (start, n) = match len {
            Len::Fixed(n) => (vs, n),
            Len::Switches => {
                let n = if rest == 2 || rest == 4 {
                    rest
                } else if f.get(vs + 2..vs + 4).is_some_and(|t| rule(t).is_some()) {
                    2
                } else {
                    4
                };
                (vs, n)
            }
            Len::Prefixed => match f.get(vs) {
                Some(&l) => (vs + 1, usize::from(l)),
                None => return Err(TmsError::TruncatedParam { offset: pos, tag: tag_text, needed: 1, available: 0 }),
            },
        };
        let Some(value) = f.get(start..start + n) else {
            return Err(TmsError::TruncatedParam {
                offset: pos,
                tag: tag_text,
                needed: start + n - vs,
                available: rest,
            });
        };
        out.push((pos, tag_text, value));
        pos = start + n;
    }
    Ok((out, None))
}

/// One item as sent: its 2-character tag and its value bytes as hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamItem {
    /// The tag (`12`).
    pub tag: String,
    /// The value, hex (`3630` for `60`). For tags 80–85, without the length byte.
    pub value: String,
}

/// The parameters of a 360 reply, typed where the sources define the item. `None` means the
/// host did not send the item (or sent a value that does not fit, then kept in `other`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalParams {
    /// 11: terminal application type, 2 characters.
    pub app_type: Option<String>,
    /// 12: receive timeout in seconds (0–99).
    pub receive_timeout: Option<u8>,
    /// 13: dial retries (0–9).
    pub dial_retries: Option<u8>,
    /// 14: host phone number 1 (at most 14 characters).
    pub host_phone1: Option<String>,
    /// 15: host phone number 2.
    pub host_phone2: Option<String>,
    /// 16: host phone number 3.
    pub host_phone3: Option<String>,
    /// 17: host phone number 4.
    pub host_phone4: Option<String>,
    /// 18: tips enabled.
    pub tip_enabled: Option<bool>,
    /// 19: tip percentage (0–99).
    pub tip_percent: Option<u8>,
    /// 20: manual card number entry allowed.
    pub manual_entry: Option<bool>,
    /// 21: sign off automatically after settlement.
    pub auto_sign_off: Option<bool>,
    /// 22: merchant name (sent as 40 bytes of GBK).
    pub merchant_name: Option<String>,
    /// 23: transaction resend count (0–9).
    pub resend_count: Option<u8>,
    /// 24: offline upload mode, one character.
    pub offline_upload: Option<String>,
    /// 25: master key index (0–9).
    pub key_index: Option<u8>,
    /// 26: transaction switches, hex (2 or 4 bytes, see the module documentation).
    pub txn_switches: Option<String>,
    /// Items without a typed field, and typed items whose value did not fit: tag → value hex.
    #[serde(default)]
    pub other: BTreeMap<String, String>,
    /// The bytes from a tag outside the table to the end of the field, hex.
    #[serde(default)]
    pub unparsed: Option<String>,
}

impl TerminalParams {
    /// Parse a 360 reply's field 62.
    pub fn parse(field62: &[u8]) -> Result<TerminalParams, TmsError> {
        let (items, stop) = read_items(field62)?;
        // A tag sent twice keeps its last value, as openpos and `LiaoYang_POS` overwrite.
        let last: BTreeMap<String, &[u8]> = items.into_iter().map(|(_, tag, v)| (tag, v)).collect();
        let mut p = TerminalParams::default();
        for (tag, v) in last {
            if !p.set_typed(&tag, v) {
                p.other.insert(tag, hex(v));
            }
        }
        p.unparsed = stop.map(|at| hex(&field62[at..]));
        Ok(p)
    }

    /// Every item of a 360 reply (or 362 request) as received, in order (a tag sent twice appears
    /// twice; [`TerminalParams::parse`] keeps the last). What follows an unknown tag is not
    /// included (see [`TerminalParams::unparsed`]).
    pub fn raw_items(field62: &[u8]) -> Result<Vec<ParamItem>, TmsError> {
        Ok(read_items(field62)?.0.into_iter().map(|(_, tag, v)| ParamItem { tag, value: hex(v) }).collect())
    }

    /// Field 62 of a 360 reply, for the acquirer simulator: the items in tag order, then
    /// `unparsed`.
    pub fn encode(&self) -> Result<Vec<u8>, TmsError> {
        let mut out = write_items(&self.item_map()?);
        if let Some(u) = &self.unparsed {
            out.extend(unhex("unparsed", "hex", u)?);
        }
        Ok(out)
    }

    /// The items this struct encodes, tag → value bytes.
    fn item_map(&self) -> Result<BTreeMap<String, Vec<u8>>, TmsError> {
        let mut m: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        let mut put = |tag: &str, v: Option<Vec<u8>>| {
            if let Some(v) = v {
                m.insert(tag.into(), v);
            }
        };
        put("11", self.app_type.as_deref().map(|t| ascii("app_type", t, 2, 2, false)).transpose()?);
        put("12", digits("receive_timeout", self.receive_timeout, 2)?);
        put("13", digits("dial_retries", self.dial_retries, 1)?);
        for (tag, what, phone) in [
            ("14", "host_phone1", &self.host_phone1),
            ("15", "host_phone2", &self.host_phone2),
            ("16", "host_phone3", &self.host_phone3),
            ("17", "host_phone4", &self.host_phone4),
        ] {
            put(tag, phone.as_deref().map(|t| ascii(what, t, 0, PHONE_LEN, true)).transpose()?);
        }
        put("18", self.tip_enabled.map(flag));
        put("19", digits("tip_percent", self.tip_percent, 2)?);
        put("20", self.manual_entry.map(flag));
        put("21", self.auto_sign_off.map(flag));
        put("22", self.merchant_name.as_deref().map(merchant_name_bytes).transpose()?);
        put("23", digits("resend_count", self.resend_count, 1)?);
        put("24", self.offline_upload.as_deref().map(|t| ascii("offline_upload", t, 1, 1, false)).transpose()?);
        put("25", digits("key_index", self.key_index, 1)?);
        let switches =
            self.txn_switches.as_deref().map(|t| unhex("txn_switches", "2 or 4 bytes of hex", t)).transpose()?;
        if let Some(s) = &switches {
            if s.len() != 2 && s.len() != 4 {
                return Err(TmsError::BadArgument {
                    what: "txn_switches",
                    expected: "2 or 4 bytes of hex",
                    found: hex(s),
                });
            }
        }
        put("26", switches);
        for (tag, v) in &self.other {
            let bytes = unhex("other value", "hex", v)?;
            let fits = match rule(tag.as_bytes()) {
                Some(Len::Fixed(n)) => bytes.len() == n,
                Some(Len::Switches) => bytes.len() == 2 || bytes.len() == 4,
                Some(Len::Prefixed) => bytes.len() <= 255,
                None => false,
            };
            if !fits {
                return Err(TmsError::BadArgument {
                    what: "other item",
                    expected: "a tag of the table with a value of its length",
                    found: format!("{tag}={v}"),
                });
            }
            if m.contains_key(tag) {
                return Err(TmsError::BadArgument {
                    what: "other item",
                    expected: "a tag without a typed value",
                    found: tag.clone(),
                });
            }
            m.insert(tag.clone(), bytes);
        }
        Ok(m)
    }

    /// Store a typed item; false when the tag has no typed field or the value does not fit it.
    fn set_typed(&mut self, tag: &str, v: &[u8]) -> bool {
        fn num(v: &[u8]) -> Option<u8> {
            (v.iter().all(u8::is_ascii_digit)).then(|| v.iter().fold(0u8, |a, &d| a * 10 + (d - b'0')))
        }
        fn text(v: &[u8]) -> Option<String> {
            v.iter().all(|b| (0x20..0x7F).contains(b)).then(|| v.iter().map(|&b| char::from(b)).collect())
        }
        fn boolean(v: &[u8]) -> Option<bool> {
            match v {
                b"1" => Some(true),
                b"0" => Some(false),
                _ => None,
            }
        }
        fn phone(v: &[u8]) -> Option<String> {
            let end = v.iter().position(|&b| b == b' ' || b == 0).unwrap_or(v.len());
            let (num, pad) = v.split_at(end);
            (pad.iter().all(|&b| b == b' ' || b == 0)).then(|| text(num)).flatten()
        }
        fn name(v: &[u8]) -> Option<String> {
            let end = v.iter().rposition(|&b| b != b' ' && b != 0).map_or(0, |i| i + 1);
            crate::gbk::decode(&v[..end]).ok()
        }
        macro_rules! set {
            ($field:ident, $value:expr) => {
                match $value {
                    Some(x) => {
                        self.$field = Some(x);
                        true
                    }
                    None => false,
                }
            };
        }
        match tag {
            "11" => set!(app_type, text(v)),
            "12" => set!(receive_timeout, num(v)),
            "13" => set!(dial_retries, num(v)),
            "14" => set!(host_phone1, phone(v)),
            "15" => set!(host_phone2, phone(v)),
            "16" => set!(host_phone3, phone(v)),
            "17" => set!(host_phone4, phone(v)),
            "18" => set!(tip_enabled, boolean(v)),
            "19" => set!(tip_percent, num(v)),
            "20" => set!(manual_entry, boolean(v)),
            "21" => set!(auto_sign_off, boolean(v)),
            "22" => set!(merchant_name, name(v)),
            "23" => set!(resend_count, num(v)),
            "24" => set!(offline_upload, text(v)),
            "25" => set!(key_index, num(v)),
            "26" => set!(txn_switches, Some(hex(v))),
            _ => false,
        }
    }
}

/// The items in tag order, except tag 26: a 2-byte value goes first (a known tag follows it) and
/// a 4-byte one last (nothing or the unparsed tail follows it), the places where the parser's
/// length rule reads each back as it was.
fn write_items(m: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    let switches = m.get("26");
    if let Some(v) = switches.filter(|v| v.len() == 2) {
        put_item(&mut out, "26", v);
    }
    for (tag, v) in m.iter().filter(|(t, _)| *t != "26") {
        put_item(&mut out, tag, v);
    }
    if let Some(v) = switches.filter(|v| v.len() != 2) {
        put_item(&mut out, "26", v);
    }
    out
}

fn put_item(out: &mut Vec<u8>, tag: &str, v: &[u8]) {
    out.extend_from_slice(tag.as_bytes());
    if rule(tag.as_bytes()) == Some(Len::Prefixed) {
        out.push(v.len() as u8);
    }
    out.extend_from_slice(v);
}

fn flag(b: bool) -> Vec<u8> {
    vec![if b { b'1' } else { b'0' }]
}

fn digits(what: &'static str, v: Option<u8>, width: usize) -> Result<Option<Vec<u8>>, TmsError> {
    let Some(n) = v else { return Ok(None) };
    let text = format!("{n:0width$}");
    if text.len() == width {
        Ok(Some(text.into_bytes()))
    } else {
        Err(TmsError::BadArgument {
            what,
            expected: if width == 1 { "0 to 9" } else { "0 to 99" },
            found: n.to_string(),
        })
    }
}

fn ascii(what: &'static str, t: &str, min: usize, max: usize, pad: bool) -> Result<Vec<u8>, TmsError> {
    let ok = t.bytes().all(|b| (0x20..0x7F).contains(&b)) && (min..=max).contains(&t.len());
    if !ok {
        return Err(TmsError::BadArgument {
            what,
            expected: "printable ASCII of the item's length",
            found: t.chars().take(80).collect(),
        });
    }
    let mut b = t.as_bytes().to_vec();
    if pad {
        b.resize(max, b' ');
    }
    Ok(b)
}

fn merchant_name_bytes(name: &str) -> Result<Vec<u8>, TmsError> {
    let bad = || TmsError::BadArgument {
        what: "merchant_name",
        expected: "at most 40 bytes of GBK",
        found: name.chars().take(80).collect(),
    };
    let mut b = crate::gbk::encode(name).map_err(|_| bad())?;
    if b.len() > NAME_LEN {
        return Err(bad());
    }
    b.resize(NAME_LEN, b' ');
    Ok(b)
}

/// Dial statistics of a status upload (item 51): `LiaoYang_POS` `MakeTermStatusData`
/// `"51%04d%05d%03d", hours, dials, suc_rate` (openpos: total dial time n4, dial count n5,
/// connect rate n3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DialStats {
    /// Hours the statistics cover (0–9999).
    pub hours: u16,
    /// Dials (0–99999).
    pub dials: u32,
    /// Percentage of dials that connected (0–100).
    pub success_percent: u16,
}

impl DialStats {
    fn encode(self) -> Result<Vec<u8>, TmsError> {
        if self.hours > 9999 || self.dials > 99_999 || self.success_percent > 999 {
            return Err(TmsError::BadArgument {
                what: "dial statistics",
                expected: "hours n4, dials n5, success_percent n3",
                found: format!("{}/{}/{}", self.hours, self.dials, self.success_percent),
            });
        }
        Ok(format!("{:04}{:05}{:03}", self.hours, self.dials, self.success_percent).into_bytes())
    }

    fn parse(v: &[u8]) -> Option<DialStats> {
        let n = |s: &[u8]| {
            s.iter().all(u8::is_ascii_digit).then(|| s.iter().fold(0u32, |a, &d| a * 10 + u32::from(d - b'0')))
        };
        Some(DialStats { hours: n(&v[..4])? as u16, dials: n(&v[4..9])?, success_percent: n(&v[9..12])? as u16 })
    }
}

/// What a 362 status upload reports: the terminal's current parameters and dial statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    /// The parameters (items 01–05 and 27, when sent, are in `params.other`).
    pub params: TerminalParams,
    /// Item 51.
    pub dial_stats: Option<DialStats>,
}

impl StatusReport {
    /// Parse a 362 request's field 62 (for the acquirer simulator).
    pub fn parse(field62: &[u8]) -> Result<StatusReport, TmsError> {
        let mut params = TerminalParams::parse(field62)?;
        let dial_stats = match params.other.get("51").map(|h| unhex("51", "hex", h)) {
            Some(Ok(v)) => DialStats::parse(&v),
            _ => None,
        };
        if dial_stats.is_some() {
            params.other.remove("51");
        }
        Ok(StatusReport { params, dial_stats })
    }

    /// Field 62 of the 362 request; see [`status_upload_request`].
    pub fn encode(&self) -> Result<Vec<u8>, TmsError> {
        status_upload_request(&self.params, self.dial_stats.as_ref())
    }
}

/// Field 62 of a 362 status upload: items 01–05 (`1` each unless `params.other` says otherwise),
/// the parameters the terminal runs with, and item 51, in tag order. The merchant name (22) is
/// left out: neither openpos (`LOGON_Pack62Field`) nor `LiaoYang_POS` (`MakeTermStatusData`) uploads it.
/// Both send `11` = `60`, 12, 13, 14–17, 18, 19, 20, 21, 23, 25 and 51; openpos adds 24,
/// `LiaoYang_POS` 27. Whatever `params` holds is sent.
pub fn status_upload_request(params: &TerminalParams, dial_stats: Option<&DialStats>) -> Result<Vec<u8>, TmsError> {
    let mut m: BTreeMap<String, Vec<u8>> =
        ["01", "02", "03", "04", "05"].iter().map(|t| ((*t).to_string(), b"1".to_vec())).collect();
    m.extend(params.item_map()?);
    m.remove("22");
    if let Some(d) = dial_stats {
        m.insert("51".into(), d.encode()?);
    }
    let mut out = write_items(&m);
    if let Some(u) = &params.unparsed {
        out.extend(unhex("unparsed", "hex", u)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TerminalParams {
        TerminalParams {
            app_type: Some("60".into()),
            receive_timeout: Some(60),
            dial_retries: Some(3),
            host_phone1: Some("02150501234".into()),
            tip_enabled: Some(false),
            tip_percent: Some(15),
            manual_entry: Some(true),
            auto_sign_off: Some(true),
            merchant_name: Some("测试商户 Test Shop".into()),
            resend_count: Some(3),
            offline_upload: Some("0".into()),
            key_index: Some(1),
            txn_switches: Some("FF7F0000".into()),
            ..TerminalParams::default()
        }
    }

    #[test]
    fn round_trip() {
        let p = sample();
        let f = p.encode().unwrap();
        assert!(f.starts_with(b"11601260133"));
        assert_eq!(TerminalParams::parse(&f).unwrap(), p);
        let raw = TerminalParams::raw_items(&f).unwrap();
        assert_eq!(raw[1], ParamItem { tag: "12".into(), value: "3630".into() });
    }

    #[test]
    fn switches_length_follows_the_next_tag() {
        // openpos: 2 bytes, then item 80 (length-prefixed).
        let f = b"25126AB80\x02xy";
        let p = TerminalParams::parse(f).unwrap();
        assert_eq!(p.txn_switches.as_deref(), Some("4142"));
        assert_eq!(p.other["80"], "7879");
        // LiaoYang: 4 bytes, last item.
        let p = TerminalParams::parse(b"26\x01\x02\x03\x04").unwrap();
        assert_eq!(p.txn_switches.as_deref(), Some("01020304"));
    }

    #[test]
    fn unknown_tags_and_bad_values_are_kept() {
        let f = b"12x513199ZZ";
        let p = TerminalParams::parse(f).unwrap();
        assert_eq!(p.receive_timeout, None);
        assert_eq!(p.other["12"], "7835");
        assert_eq!(p.dial_retries, Some(1));
        assert_eq!(p.unparsed.as_deref(), Some("39395A5A"));
        assert_eq!(p.encode().unwrap(), f);
        let e = TerminalParams::parse(b"1412345").unwrap_err();
        assert_eq!((e.code(), e.offset(), e.tag().as_deref()), ("tms.truncated_param", Some(0), Some("14")));
    }

    #[test]
    fn status_upload() {
        let stats = DialStats { hours: 72, dials: 999, success_percent: 98 };
        let params = TerminalParams { txn_switches: None, ..sample() };
        let f = status_upload_request(&params, Some(&stats)).unwrap();
        assert!(f.starts_with(b"011021031041051116012601331402150501234   "));
        assert!(f.ends_with(b"51007200999098"));
        let r = StatusReport::parse(&f).unwrap();
        assert_eq!(r.dial_stats, Some(stats));
        assert_eq!(r.params.merchant_name, None);
        assert_eq!(r.params.other["01"], "31");
        assert_eq!(r.encode().unwrap(), f);
    }
}
