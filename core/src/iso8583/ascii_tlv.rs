//! ASCII TLV: tag-length-value entries written as text inside a character field, as UnionPay
//! terminals send field 59 "terminal information" (终端信息).
//!
//! Each entry is a two-character tag, its value's length as a fixed number of ASCII digits, then
//! the value. Some tags hold further entries in the same format: usage tag `A2` nests `01` device
//! type (2 digits: `01` ATM, `02` traditional POS, `03` mPOS, `04` smart POS ... `10` barcode
//! payment terminal, as listed in an acquirer's API doc,
//! <http://doc.xrtinfo.com/docs/trade_and_orders/trade_and_orders-1dh7d1k9lu2u3>), `02` hardware
//! serial number, `03` encryption random factor (the last 6 digits of the card number or payment
//! code), `04` the serial number ciphertext (8 characters in every source seen) and `05` the
//! application version; `A3` carries a scanned payment code. Acquirers add tags of their own at the top level (`12` SIM ICCID, `14`
//! time, `17` location in the 2019 capture below).
//!
//! How many digits carry a length differs between implementations, so it is a parameter
//! ([`LenDigits`]), set per spec in `subfields.len_digits`:
//! - three digits in terminal code that builds field 59: `A2` + `065` + `01` `002` `02` ... in
//!   alon0808/ProjectAfcApp `code/AfcCore/UnionPay/qpboc_8583.c` (`tag_A2`, commit 9b5a5d7, with
//!   a decoded log line `Bit59=(70)A2 065 01 002 02 02 016 ...`), and `A3` + `019` + a 19-digit
//!   payment code in yangyongzhen/go8583 `up8583/up8583.go` and its `log.txt` (a `ChinaUMS` link),
//!   and a 0100 capture in adam-hh/8583MSG_DEC `src/dec/test.c` (`A2` `068` ... `A3` `018`);
//! - two digits in a published capture of a 0200 sale, `A2` + `60` + `01` `02` `02` ...
//!   (<https://blog.csdn.net/MaxWoods/article/details/86490475>, 2019).
//!
//! Decoding is strict and allocates only the entry list: the text must be printable ASCII, tags
//! two letters or digits, lengths all digits, values must end inside their enclosing text, and a
//! tag may appear once per level. Errors carry the offset in the decoded text (the field's value
//! when read through [`super::Message::ascii_tlv`], which also fills in the field number).
//!
//! ```
//! use poscore::iso8583::ascii_tlv::{self, LenDigits};
//! // Build field 59 for a sale: the A2 entries first, then A2 around them.
//! let a2 = ascii_tlv::encode(&[("01", "02"), ("02", "SN000001"), ("05", "V1.0    ")], LenDigits::Three)?;
//! let f59 = ascii_tlv::encode(&[("A2", &a2)], LenDigits::Three)?;
//! assert_eq!(f59, "A2033010020202008SN00000105008V1.0    ");
//!
//! let entries = ascii_tlv::decode(&f59, LenDigits::Three, &["A2"])?;
//! assert_eq!(ascii_tlv::find(&entries, "A2.02").map(|e| e.value), Some("SN000001"));
//! assert_eq!(entries[0].children.len(), 3);
//! # Ok::<(), poscore::iso8583::Iso8583Error>(())
//! ```

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::Iso8583Error;

type Result<T> = std::result::Result<T, Iso8583Error>;

/// Characters in a tag.
pub const TAG_LEN: usize = 2;

/// How many ASCII digits state each entry's length (at every level).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum LenDigits {
    /// `LL`: values of up to 99 characters (the 2019 CSDN capture).
    Two,
    /// `LLL`: values of up to 999 characters (terminal code in the field; `cup-pos` default).
    Three,
}

impl LenDigits {
    /// The number of digits: 2 or 3.
    pub const fn digits(self) -> usize {
        match self {
            Self::Two => 2,
            Self::Three => 3,
        }
    }

    /// The longest value the digits can state.
    pub const fn max_len(self) -> usize {
        match self {
            Self::Two => 99,
            Self::Three => 999,
        }
    }

    const fn expected(self) -> &'static str {
        match self {
            Self::Two => "a 2-digit length",
            Self::Three => "a 3-digit length",
        }
    }
}

impl TryFrom<u8> for LenDigits {
    type Error = String;

    fn try_from(n: u8) -> std::result::Result<Self, String> {
        match n {
            2 => Ok(Self::Two),
            3 => Ok(Self::Three),
            _ => Err(format!("len_digits {n}: an ASCII TLV length has 2 or 3 digits")),
        }
    }
}

impl From<LenDigits> for u8 {
    fn from(d: LenDigits) -> u8 {
        d.digits() as u8
    }
}

/// One decoded entry, borrowing from the decoded text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The two-character tag.
    pub tag: &'a str,
    /// The raw value (for a nested tag, the entries' text).
    pub value: &'a str,
    /// Offset of the tag in the decoded text.
    pub offset: usize,
    /// The entries inside the value, when the tag is one of the nested tags; else empty.
    pub children: Vec<Entry<'a>>,
}

impl<'a> Entry<'a> {
    /// The child entry with `tag`.
    pub fn child(&self, tag: &str) -> Option<&Entry<'a>> {
        self.children.iter().find(|c| c.tag == tag)
    }
}

/// Decode `text`. Entries whose tag is in `nested` have their value decoded as entries too (one
/// level; the same length width).
pub fn decode<'a>(text: &'a str, len_digits: LenDigits, nested: &[&str]) -> Result<Vec<Entry<'a>>> {
    decode_in(text, len_digits, nested, None)
}

/// [`decode`], naming `field` in errors.
pub(crate) fn decode_in<'a>(
    text: &'a str,
    len_digits: LenDigits,
    nested: &[&str],
    field: Option<u8>,
) -> Result<Vec<Entry<'a>>> {
    level(text, 0, len_digits, nested, field)
}

fn level<'a>(
    text: &'a str,
    base: usize,
    len_digits: LenDigits,
    nested: &[&str],
    field: Option<u8>,
) -> Result<Vec<Entry<'a>>> {
    let b = text.as_bytes();
    let d = len_digits.digits();
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut i = 0;
    while i < b.len() {
        let at = i;
        let truncated =
            |offset: usize, expected| Iso8583Error::AsciiTlvTruncated { field, offset: base + offset, expected };
        let tag_bytes = b.get(i..i + TAG_LEN).ok_or_else(|| truncated(i, "a two-character tag"))?;
        if !tag_bytes.iter().all(u8::is_ascii_alphanumeric) {
            return Err(Iso8583Error::AsciiTlvBadTag {
                field,
                offset: Some(base + i),
                found: String::from_utf8_lossy(tag_bytes).into_owned(),
            });
        }
        // ASCII alphanumeric bytes: on character boundaries.
        let tag = text.get(i..i + TAG_LEN).ok_or_else(|| truncated(i, "a two-character tag"))?;
        i += TAG_LEN;
        let len_bytes = b.get(i..i + d).ok_or_else(|| truncated(i, len_digits.expected()))?;
        if !len_bytes.iter().all(u8::is_ascii_digit) {
            return Err(Iso8583Error::AsciiTlvBadLength {
                field,
                offset: base + i,
                found: String::from_utf8_lossy(len_bytes).into_owned(),
                digits: d,
            });
        }
        let len = len_bytes.iter().fold(0usize, |n, &c| n * 10 + usize::from(c - b'0'));
        i += d;
        let available = b.len() - i;
        if len > available {
            return Err(Iso8583Error::AsciiTlvOverrun {
                field,
                offset: base + at,
                tag: tag.to_owned(),
                len,
                available,
            });
        }
        let value_bytes = &b[i..i + len];
        if let Some(p) = value_bytes.iter().position(|c| !(0x20..=0x7e).contains(c)) {
            return Err(Iso8583Error::AsciiTlvBadChar {
                field,
                tag: tag.to_owned(),
                offset: base + i + p,
                found: format!("0x{:02X}", value_bytes[p]),
            });
        }
        let value = text.get(i..i + len).ok_or_else(|| truncated(i, "the value"))?;
        if !seen.insert(tag) {
            return Err(Iso8583Error::AsciiTlvDuplicateTag { field, offset: Some(base + at), tag: tag.to_owned() });
        }
        let children = if nested.contains(&tag) { level(value, base + i, len_digits, &[], field)? } else { Vec::new() };
        out.push(Entry { tag, value, offset: base + at, children });
        i += len;
    }
    Ok(out)
}

/// The entry at `path`: a tag (`"A2"`) or a nested tag under it (`"A2.01"`).
pub fn find<'e, 'a>(entries: &'e [Entry<'a>], path: &str) -> Option<&'e Entry<'a>> {
    let (outer, inner) = match path.split_once('.') {
        Some((o, i)) => (o, Some(i)),
        None => (path, None),
    };
    let e = entries.iter().find(|e| e.tag == outer)?;
    match inner {
        None => Some(e),
        Some(t) => e.child(t),
    }
}

/// Encode `(tag, value)` entries in order. Tags are two ASCII letters or digits, each used once;
/// values are printable ASCII of at most [`LenDigits::max_len`] characters. A nested entry is the
/// encoded text of its children, built first with this function.
pub fn encode(entries: &[(&str, &str)], len_digits: LenDigits) -> Result<String> {
    let d = len_digits.digits();
    let mut out = String::with_capacity(entries.iter().map(|(_, v)| TAG_LEN + d + v.len()).sum());
    let mut seen = BTreeSet::new();
    for &(tag, value) in entries {
        check_tag(tag, None)?;
        if !seen.insert(tag) {
            return Err(Iso8583Error::AsciiTlvDuplicateTag { field: None, offset: None, tag: tag.to_owned() });
        }
        if let Some((p, c)) = value.char_indices().find(|&(_, c)| !(' '..='~').contains(&c)) {
            return Err(Iso8583Error::AsciiTlvBadChar {
                field: None,
                tag: tag.to_owned(),
                offset: p,
                found: format!("{c:?}"),
            });
        }
        if value.len() > len_digits.max_len() {
            return Err(Iso8583Error::AsciiTlvValueTooLong {
                field: None,
                tag: tag.to_owned(),
                len: value.len(),
                max: len_digits.max_len(),
            });
        }
        out.push_str(tag);
        let _ = write!(out, "{:0d$}", value.len());
        out.push_str(value);
    }
    Ok(out)
}

/// Check that `tag` is two ASCII letters or digits.
pub(crate) fn check_tag(tag: &str, field: Option<u8>) -> Result<()> {
    if tag.len() == TAG_LEN && tag.bytes().all(|c| c.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(Iso8583Error::AsciiTlvBadTag { field, offset: None, found: tag.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T3: LenDigits = LenDigits::Three;

    #[test]
    fn round_trip_and_nesting() {
        let text = "A2065010020202016000002025400431803006000052040080C7CD42405008321702  ";
        let e = decode(text, T3, &["A2"]).unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].tag, "A2");
        let kids: Vec<_> = e[0].children.iter().map(|c| (c.tag, c.value, c.offset)).collect();
        assert_eq!(
            kids,
            [
                ("01", "02", 5),
                ("02", "0000020254004318", 12),
                ("03", "000052", 33),
                ("04", "0C7CD424", 44),
                ("05", "321702  ", 57)
            ]
        );
        let inner: Vec<_> = e[0].children.iter().map(|c| (c.tag, c.value)).collect();
        assert_eq!(encode(&[("A2", &encode(&inner, T3).unwrap())], T3).unwrap(), text);
        // Not nested: the value stays raw.
        assert!(decode(text, T3, &[]).unwrap()[0].children.is_empty());
        assert_eq!(find(&e, "A2.04").unwrap().value, "0C7CD424");
        assert!(find(&e, "A2.06").is_none() && find(&e, "A3").is_none() && find(&e, "A2.04.1").is_none());
        assert_eq!(decode("", T3, &["A2"]).unwrap(), []);
        assert_eq!(decode("0100", LenDigits::Two, &[]).unwrap()[0].value, "");
    }

    #[test]
    fn malformed_text_is_an_error_with_its_offset() {
        let cases: [(&str, &str, usize); 10] = [
            ("A", "iso8583.ascii_tlv_truncated", 0),
            ("A20", "iso8583.ascii_tlv_truncated", 2),
            ("A2006x", "iso8583.ascii_tlv_overrun", 0),
            ("A2 05abcde", "iso8583.ascii_tlv_bad_length", 2),
            ("A2-05abcde", "iso8583.ascii_tlv_bad_length", 2),
            ("01001x*2001y", "iso8583.ascii_tlv_bad_tag", 6),
            ("01001x01001y", "iso8583.ascii_tlv_duplicate_tag", 6),
            ("01002x\u{7f}", "iso8583.ascii_tlv_bad_char", 6),
            ("01002x\u{e9}", "iso8583.ascii_tlv_bad_char", 6),
            ("A2008010050000", "iso8583.ascii_tlv_overrun", 5),
        ];
        for (text, code, offset) in cases {
            let e = decode(text, T3, &["A2"]).unwrap_err();
            assert_eq!((e.code(), e.offset(), e.field()), (code, Some(offset), None), "{text:?}: {e}");
        }
        // A non-ASCII tag is a bad tag, not a panic on a character boundary.
        assert_eq!(decode("\u{e9}1001x", T3, &[]).unwrap_err().code(), "iso8583.ascii_tlv_bad_tag");
        assert_eq!(decode("0\u{e9}001x", T3, &[]).unwrap_err().code(), "iso8583.ascii_tlv_bad_tag");
        assert_eq!(decode("010\u{e9}x", T3, &[]).unwrap_err().code(), "iso8583.ascii_tlv_bad_length");
    }

    #[test]
    fn encode_refuses_what_decode_would() {
        let bad: [(&[(&str, &str)], &str); 5] = [
            (&[("A", "x")], "iso8583.ascii_tlv_bad_tag"),
            (&[("A-", "x")], "iso8583.ascii_tlv_bad_tag"),
            (&[("01", "x"), ("01", "y")], "iso8583.ascii_tlv_duplicate_tag"),
            (&[("01", "caf\u{e9}")], "iso8583.ascii_tlv_bad_char"),
            (&[("01", "\n")], "iso8583.ascii_tlv_bad_char"),
        ];
        for (entries, code) in bad {
            assert_eq!(encode(entries, T3).unwrap_err().code(), code, "{entries:?}");
        }
        let long = "x".repeat(100);
        let e = encode(&[("01", &long)], LenDigits::Two).unwrap_err();
        assert_eq!(e.code(), "iso8583.ascii_tlv_value_too_long");
        assert_eq!(encode(&[("01", &long)], T3).unwrap(), format!("01100{long}"));
        assert_eq!(encode(&[], T3).unwrap(), "");
    }

    #[test]
    fn len_digits_reads_2_or_3() {
        assert_eq!(serde_json::from_str::<LenDigits>("2").unwrap(), LenDigits::Two);
        assert_eq!(serde_json::to_string(&LenDigits::Three).unwrap(), "3");
        assert!(serde_json::from_str::<LenDigits>("4").is_err());
        assert!(serde_json::from_str::<LenDigits>("\"3\"").is_err());
    }
}
