//! Message specs as data: one row per field, loaded from JSON.
//!
//! Every acquirer speaks its own dialect of ISO 8583, so nothing about field layout lives in code:
//! a [`Spec`] says, per field, its length class, maximum length, content, wire encoding, length
//! prefix encoding and padding. The bundled specs (`core/data/specs/*.json`) are compiled in and
//! are also the templates a user copies to describe another host.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::ascii_tlv::LenDigits;
use super::Iso8583Error;

/// How a field's length is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LengthClass {
    /// Always exactly `max_len` long; no prefix.
    Fixed,
    /// Variable, two-digit length prefix (up to 99).
    Llvar,
    /// Variable, three-digit length prefix (up to 999).
    Lllvar,
    /// Variable, four-digit length prefix (up to 9999).
    Llllvar,
}

impl LengthClass {
    /// Number of decimal digits in the length prefix (0 for fixed fields).
    pub fn digits(self) -> usize {
        match self {
            Self::Fixed => 0,
            Self::Llvar => 2,
            Self::Lllvar => 3,
            Self::Llllvar => 4,
        }
    }
}

/// What characters a field may hold (ISO 8583:1987 §4.1 attribute notation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Content {
    /// Digits 0-9.
    #[serde(rename = "n")]
    N,
    /// Letters (and space: hosts space-pad alphabetic fields).
    #[serde(rename = "a")]
    A,
    /// Letters, digits (and space).
    #[serde(rename = "an")]
    An,
    /// Any printable ASCII character, 0x20-0x7E.
    #[serde(rename = "ans")]
    Ans,
    /// Digits and special (printable, non-letter) characters.
    #[serde(rename = "ns")]
    Ns,
    /// Binary: the value is bytes (shown as uppercase hex in JSON).
    #[serde(rename = "b")]
    B,
    /// Track data: digits and the separator `=` or `D`.
    #[serde(rename = "z")]
    Z,
    /// Amount with a sign: `C` (credit) or `D` (debit) followed by digits.
    #[serde(rename = "x+n")]
    Xn,
}

impl Content {
    /// Whether `c` is allowed in a value of this content (first position handled by callers for
    /// `x+n`). Binary accepts anything.
    pub(crate) fn allows(self, c: u8) -> bool {
        match self {
            Self::N | Self::Xn => c.is_ascii_digit(),
            Self::A => c.is_ascii_alphabetic() || c == b' ',
            Self::An => c.is_ascii_alphanumeric() || c == b' ',
            Self::Ans => (0x20..=0x7e).contains(&c),
            Self::Ns => (0x20..=0x7e).contains(&c) && !c.is_ascii_alphabetic(),
            Self::B => true,
            Self::Z => c.is_ascii_digit() || c == b'=' || c == b'D',
        }
    }

    /// Human description of the allowed characters, for error messages.
    pub(crate) fn expected(self) -> &'static str {
        match self {
            Self::N | Self::Xn => "a digit 0-9",
            Self::A => "a letter or space",
            Self::An => "a letter, digit or space",
            Self::Ans => "a printable ASCII character",
            Self::Ns => "a digit or special character",
            Self::B => "a byte",
            Self::Z => "a digit or track separator '=' / 'D'",
        }
    }

    /// Short attribute notation (`n`, `ans`, `x+n`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::N => "n",
            Self::A => "a",
            Self::An => "an",
            Self::Ans => "ans",
            Self::Ns => "ns",
            Self::B => "b",
            Self::Z => "z",
            Self::Xn => "x+n",
        }
    }
}

/// How a field's data is written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataEncoding {
    /// One ASCII byte per character.
    Ascii,
    /// Packed BCD, two digits per byte (`n`, `z`, and the digits of `x+n`, whose sign stays ASCII).
    Bcd,
    /// Raw bytes (`b` only).
    Binary,
    /// One EBCDIC (code page 037) byte per character.
    Ebcdic,
    /// Binary data written as two uppercase hex characters per byte (`b` only).
    HexAscii,
    /// Text in GBK (GB 18030's two-byte subset): Chinese names in UnionPay responses. The value
    /// is UTF-8 text; lengths (prefix, `max_len`) count GBK bytes on the wire.
    Gbk,
}

/// How a length prefix is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PrefixEncoding {
    /// Decimal digits as ASCII (`LL` = 2 bytes, `LLL` = 3, `LLLL` = 4).
    #[default]
    Ascii,
    /// Packed BCD (`LL` = 1 byte, `LLL` and `LLLL` = 2 bytes).
    Bcd,
    /// Unsigned big-endian integer (`LL` = 1 byte, `LLL` and `LLLL` = 2 bytes).
    Binary,
    /// Decimal digits as EBCDIC (0xF0-0xF9).
    Ebcdic,
}

/// Which side of an odd-length BCD value gets the pad nibble.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Pad {
    /// Right-aligned: pad nibble first (`123` → `01 23`).
    #[default]
    Left,
    /// Left-aligned: pad nibble last (`123` → `12 30`), as UnionPay packs field 2, 22, 35, 60.
    Right,
}

/// What the length prefix (and `max_len`) counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LengthUnit {
    /// Characters, digits (BCD), or bytes of binary data: the length of the value.
    #[default]
    Units,
    /// Bytes on the wire (pyiso8583 counts hex characters of hex-ASCII binary fields this way).
    Encoded,
}

/// How `describe` shows a field. When a field spec leaves it out, the ISO 8583 default for that
/// field number applies (2 PAN, 35/36/45 track, 52/62/64/96/128 secrets, 55 chip data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    /// Shown as is.
    None,
    /// A card number: first 6 / last 4.
    Pan,
    /// Track data: masked PAN, the rest redacted.
    Track,
    /// Never shown (PIN block, keys, MAC).
    Redact,
    /// EMV TLV: decoded, cryptograms and track equivalents redacted per the tag dictionary.
    Tlv,
}

/// One positional subfield of a composite field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subfield {
    /// Subfield number (60.1 → 1).
    pub id: u8,
    /// Name.
    pub name: String,
    /// Length in characters. Trailing subfields may be absent when the value is shorter.
    pub len: usize,
}

/// Structure inside a field. Keys a kind does not define are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Subfields {
    /// Fixed-width positional parts (UnionPay field 60: 60.1 n2, 60.2 n6, 60.3 n3...).
    Composite {
        /// The parts, in order.
        parts: Vec<Subfield>,
    },
    /// EMV BER-TLV (field 55). A struct variant with no keys, so that extra keys are refused.
    Tlv {},
    /// ASCII tag-length-value text (UnionPay field 59 terminal information): two-character tags,
    /// lengths of `len_digits` ASCII digits; see [`super::ascii_tlv`].
    AsciiTlv {
        /// Digits in each length (2 or 3; hosts differ, see the module docs).
        len_digits: LenDigits,
        /// Tags whose value is itself ASCII TLV (`A2`), read one level deep.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        nested: Vec<String>,
        /// Names shown by `describe`, by path: `"A2"`, `"A2.01"`.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        names: BTreeMap<String, String>,
        /// Tags (or paths) whose value `describe` masks like a card number (first 6 / last 4):
        /// a scanned payment code (`A3`). When any is set, the raw field is not shown either.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        mask: Vec<String>,
        /// Where the layout comes from.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        source: String,
    },
}

impl Subfields {
    /// Check an ASCII TLV row: text content, two-character tags, names and masks on known paths.
    fn validate(&self, f: &FieldSpec) -> Result<(), String> {
        let Self::AsciiTlv { nested, names, mask, .. } = self else { return Ok(()) };
        if !matches!(f.content, Content::An | Content::Ans)
            || !matches!(f.encoding, DataEncoding::Ascii | DataEncoding::Ebcdic)
        {
            return Err("ascii_tlv subfields need an an/ans field in ascii or ebcdic encoding".into());
        }
        for (i, t) in nested.iter().enumerate() {
            super::ascii_tlv::check_tag(t, None).map_err(|e| format!("nested: {e}"))?;
            if nested[..i].contains(t) {
                return Err(format!("nested: tag {t:?} listed twice"));
            }
        }
        for path in names.keys().chain(mask) {
            let ok = match path.split_once('.') {
                None => super::ascii_tlv::check_tag(path, None).is_ok(),
                Some((outer, inner)) => {
                    nested.contains(&outer.to_owned()) && super::ascii_tlv::check_tag(inner, None).is_ok()
                }
            };
            if !ok {
                return Err(format!(
                    "ascii_tlv path {path:?} is not a tag (\"A2\") or a nested tag under a tag listed in nested (\"A2.01\")"
                ));
            }
        }
        Ok(())
    }
}

/// One field's row in a spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSpec {
    /// Field name, shown by `describe`.
    pub name: String,
    /// Fixed or variable length.
    pub class: LengthClass,
    /// Fixed length, or the maximum for variable fields, in [`LengthUnit`]s.
    pub max_len: usize,
    /// Allowed characters.
    pub content: Content,
    /// Wire encoding of the data.
    pub encoding: DataEncoding,
    /// Wire encoding of the length prefix (ignored for fixed fields).
    #[serde(default)]
    pub prefix: PrefixEncoding,
    /// Side of the pad nibble for odd-length BCD.
    #[serde(default)]
    pub pad: Pad,
    /// Pad nibble written for odd-length BCD: `0` or `F` (either is accepted when reading).
    #[serde(default = "default_pad_char")]
    pub pad_char: char,
    /// What the prefix and `max_len` count.
    #[serde(default)]
    pub length_unit: LengthUnit,
    /// How `describe` shows the field; `None` means the default for its number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<Sensitivity>,
    /// Structure inside the field, for `describe` and [`super::Message::subfield`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subfields: Option<Subfields>,
}

fn default_pad_char() -> char {
    '0'
}

impl FieldSpec {
    /// Bytes on the wire for a value of `units` units (without the prefix).
    pub(crate) fn wire_len(&self, units: usize) -> usize {
        match (self.encoding, self.content) {
            (DataEncoding::Bcd, Content::Xn) => 1 + units.saturating_sub(1).div_ceil(2),
            (DataEncoding::Bcd, _) => units.div_ceil(2),
            (DataEncoding::HexAscii, _) => units * 2,
            _ => units,
        }
    }

    /// The number a length prefix (or `max_len`) holds for a value of `units` units.
    pub(crate) fn counted(&self, units: usize) -> usize {
        match self.length_unit {
            LengthUnit::Units => units,
            LengthUnit::Encoded => self.wire_len(units),
        }
    }

    /// Bytes of the length prefix.
    pub(crate) fn prefix_len(&self) -> usize {
        let d = self.class.digits();
        match (d, self.prefix) {
            (0, _) => 0,
            (_, PrefixEncoding::Ascii | PrefixEncoding::Ebcdic) => d,
            (2, _) => 1,
            _ => 2,
        }
    }

    /// Largest value a prefix of this class and encoding can hold.
    fn prefix_capacity(&self) -> usize {
        match (self.class, self.prefix) {
            (LengthClass::Fixed, _) => usize::MAX,
            (LengthClass::Llvar, PrefixEncoding::Binary) => 255,
            (_, PrefixEncoding::Binary) => 65_535,
            (c, _) => 10usize.pow(c.digits() as u32) - 1,
        }
    }

    /// How `describe` shows this field.
    pub fn sensitivity_for(&self, field: u8) -> Sensitivity {
        self.sensitivity.unwrap_or(match field {
            2 | 34 => Sensitivity::Pan,
            35 | 36 | 45 => Sensitivity::Track,
            52 | 62 | 64 | 96 | 128 => Sensitivity::Redact,
            55 => Sensitivity::Tlv,
            _ => Sensitivity::None,
        })
    }

    /// Attribute notation as in ISO 8583 tables: `n6`, `ans..99`, `b...255`.
    pub fn notation(&self) -> String {
        let dots = match self.class {
            LengthClass::Fixed => "",
            LengthClass::Llvar => "..",
            LengthClass::Lllvar => "...",
            LengthClass::Llllvar => "....",
        };
        format!("{}{dots}{}", self.content.as_str(), self.max_len)
    }

    fn validate(&self, field: u8) -> Result<(), String> {
        use DataEncoding as E;
        if self.max_len == 0 || self.max_len > 65_535 {
            return Err("max_len must be 1-65535".into());
        }
        let ok = match self.encoding {
            E::Bcd => matches!(self.content, Content::N | Content::Z | Content::Xn),
            E::Binary | E::HexAscii => self.content == Content::B,
            E::Ascii | E::Ebcdic => self.content != Content::B,
            E::Gbk => self.content == Content::Ans,
        };
        if !ok {
            return Err(format!("content {} cannot use {:?} encoding", self.content.as_str(), self.encoding));
        }
        if self.encoding == E::Bcd && self.length_unit == LengthUnit::Encoded && self.class != LengthClass::Fixed {
            return Err("a variable BCD field must count digits (length_unit \"units\")".into());
        }
        if self.length_unit == LengthUnit::Encoded && self.encoding == E::HexAscii && self.max_len % 2 == 1 {
            return Err("hex-ASCII max_len counted in characters must be even".into());
        }
        if self.class == LengthClass::Fixed
            && self.encoding == E::Bcd
            && self.length_unit == LengthUnit::Encoded
            && self.content == Content::Xn
        {
            return Err("x+n BCD fields must count units".into());
        }
        if !matches!(self.pad_char, '0'..='9' | 'F') {
            return Err(format!("pad_char {:?} must be 0-9 or F", self.pad_char));
        }
        if self.max_len > self.prefix_capacity() {
            return Err(format!("max_len {} does not fit a {:?} {:?} prefix", self.max_len, self.prefix, self.class));
        }
        if self.content == Content::Xn && self.max_len < 2 && self.class == LengthClass::Fixed {
            return Err("x+n needs a sign and at least one digit".into());
        }
        if let Some(sub) = &self.subfields {
            sub.validate(self)?;
        }
        let _ = field;
        Ok(())
    }
}

/// How the MTI is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MtiEncoding {
    /// Four ASCII digits.
    Ascii,
    /// Two bytes of packed BCD.
    Bcd,
    /// Four EBCDIC digits.
    Ebcdic,
}

/// How bitmaps are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BitmapEncoding {
    /// Eight raw bytes per bitmap.
    Binary,
    /// Sixteen hex characters per bitmap (uppercase when writing, either case when reading).
    HexAscii,
}

/// The MAC this dialect uses. poscore's `mac` module computes it; the codec only knows where it
/// goes and which bytes it covers ([`super::Message::mac_block`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MacSpec {
    /// Algorithm name, interpreted by the crypto module: `cup-ecb`, `x9.19`, `iso9797-1-alg1`...
    pub algorithm: String,
    /// Field carrying the MAC: 64 (or 128 when the message has a secondary bitmap).
    #[serde(default = "default_mac_field")]
    pub field: u8,
}

fn default_mac_field() -> u8 {
    64
}

/// A complete message spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spec {
    /// Short name (`iso87ascii`, `cup-pos`...).
    pub name: String,
    /// What this spec is for.
    #[serde(default)]
    pub description: String,
    /// Where the layout comes from.
    #[serde(default)]
    pub source: String,
    /// MTI encoding.
    pub mti: MtiEncoding,
    /// Bitmap encoding.
    pub bitmap: BitmapEncoding,
    /// The MAC, when the dialect carries one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<MacSpec>,
    /// Field rows by number (2-128; field 1, the secondary bitmap, is handled automatically).
    pub fields: BTreeMap<u8, FieldSpec>,
}

/// Names of the specs compiled into poscore.
pub const BUNDLED: [&str; 3] = ["iso87ascii", "iso87binary", "cup-pos"];

const ISO87ASCII: &str = include_str!("../../data/specs/iso87ascii.json");
const ISO87BINARY: &str = include_str!("../../data/specs/iso87binary.json");
const CUP_POS: &str = include_str!("../../data/specs/cup-pos.json");

impl Spec {
    /// Parse and check a spec from JSON.
    pub fn from_json(json: &str) -> Result<Self, Iso8583Error> {
        let spec: Spec =
            serde_json::from_str(json).map_err(|e| Iso8583Error::BadSpec { field: None, reason: e.to_string() })?;
        spec.validate()?;
        Ok(spec)
    }

    /// The spec as pretty JSON (the same format [`Spec::from_json`] reads).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a spec serializes")
    }

    /// A bundled spec by name. Parsed once, then shared.
    pub fn bundled(name: &str) -> Result<&'static Spec, Iso8583Error> {
        static CACHE: [OnceLock<Spec>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let (i, json) = match name {
            "iso87ascii" => (0, ISO87ASCII),
            "iso87binary" => (1, ISO87BINARY),
            "cup-pos" => (2, CUP_POS),
            _ => return Err(Iso8583Error::UnknownSpec { name: name.to_owned() }),
        };
        Ok(CACHE[i].get_or_init(|| Spec::from_json(json).expect("bundled spec is valid")))
    }

    /// The raw JSON of a bundled spec, to copy and edit for another host.
    pub fn bundled_json(name: &str) -> Option<&'static str> {
        match name {
            "iso87ascii" => Some(ISO87ASCII),
            "iso87binary" => Some(ISO87BINARY),
            "cup-pos" => Some(CUP_POS),
            _ => None,
        }
    }

    /// A bundled spec name, or a spec's JSON text (anything starting with `{`): what the JS and
    /// Kotlin `Iso8583.pack(specNameOrJson, ...)` accept.
    pub fn resolve(name_or_json: &str) -> Result<std::borrow::Cow<'static, Spec>, Iso8583Error> {
        let t = name_or_json.trim_start();
        if t.starts_with('{') {
            Ok(std::borrow::Cow::Owned(Spec::from_json(t)?))
        } else {
            Ok(std::borrow::Cow::Borrowed(Spec::bundled(name_or_json)?))
        }
    }

    /// The row for `field`.
    pub fn field(&self, field: u8) -> Option<&FieldSpec> {
        self.fields.get(&field)
    }

    /// Check internal consistency: field numbers, encodings against content, prefix capacity.
    pub fn validate(&self) -> Result<(), Iso8583Error> {
        for (&n, f) in &self.fields {
            if !(2..=128).contains(&n) {
                return Err(Iso8583Error::BadSpec {
                    field: Some(n),
                    reason: "field numbers run 2-128 (field 1 is the secondary bitmap, set automatically)".into(),
                });
            }
            f.validate(n).map_err(|reason| Iso8583Error::BadSpec { field: Some(n), reason })?;
        }
        if let Some(m) = &self.mac {
            if m.field != 64 && m.field != 128 {
                return Err(Iso8583Error::BadSpec {
                    field: Some(m.field),
                    reason: "the MAC goes in field 64 or 128".into(),
                });
            }
            if self.fields.get(&m.field).is_none_or(|f| f.content != Content::B || f.class != LengthClass::Fixed) {
                return Err(Iso8583Error::BadSpec {
                    field: Some(m.field),
                    reason: "the MAC field must be a fixed binary field".into(),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_field(row: &str) -> Result<Spec, Iso8583Error> {
        Spec::from_json(&format!(r#"{{"name": "t", "mti": "ascii", "bitmap": "binary", "fields": {{"2": {row}}}}}"#))
    }

    #[test]
    fn bundled_specs_load_and_serialize_back() {
        for name in BUNDLED {
            let s = Spec::bundled(name).unwrap();
            assert_eq!(&Spec::from_json(&s.to_json()).unwrap(), s);
        }
        assert_eq!(Spec::bundled("nope").unwrap_err().code(), "iso8583.unknown_spec");
        assert!(Spec::bundled("cup-pos").unwrap().mac.is_some());
    }

    #[test]
    fn inconsistent_rows_are_rejected() {
        let bad = [
            r#"{"name": "x", "class": "llvar", "max_len": 100, "content": "n", "encoding": "ascii"}"#,
            r#"{"name": "x", "class": "fixed", "max_len": 8, "content": "b", "encoding": "bcd"}"#,
            r#"{"name": "x", "class": "fixed", "max_len": 8, "content": "ans", "encoding": "binary"}"#,
            r#"{"name": "x", "class": "llvar", "max_len": 9, "content": "n", "encoding": "bcd", "length_unit": "encoded"}"#,
            r#"{"name": "x", "class": "fixed", "max_len": 0, "content": "n", "encoding": "ascii"}"#,
            r#"{"name": "x", "class": "fixed", "max_len": 3, "content": "n", "encoding": "bcd", "pad_char": "X"}"#,
            r#"{"name": "x", "class": "fixed", "max_len": 7, "content": "b", "encoding": "hex_ascii", "length_unit": "encoded"}"#,
            r#"{"name": "x", "class": "llvar", "max_len": 300, "content": "b", "encoding": "binary", "prefix": "binary"}"#,
            r#"{"name": "x", "class": "weird", "max_len": 3, "content": "n", "encoding": "ascii"}"#,
        ];
        for row in bad {
            assert_eq!(one_field(row).unwrap_err().code(), "iso8583.bad_spec", "{row}");
        }
        let ok = r#"{"name": "x", "class": "llvar", "max_len": 255, "content": "b", "encoding": "binary", "prefix": "binary"}"#;
        assert!(one_field(ok).is_ok());
        let field1 = r#"{"name": "t", "mti": "ascii", "bitmap": "binary", "fields": {"1": {"name": "x", "class": "fixed", "max_len": 8, "content": "b", "encoding": "binary"}}}"#;
        assert_eq!(Spec::from_json(field1).unwrap_err().field(), Some(1));
    }

    #[test]
    fn ascii_tlv_rows_are_checked() {
        let row = |sub: &str| {
            format!(
                r#"{{"name": "x", "class": "lllvar", "max_len": 999, "content": "ans", "encoding": "ascii", "subfields": {sub}}}"#
            )
        };
        let ok = r#"{"kind": "ascii_tlv", "len_digits": 2, "nested": ["A2"], "names": {"A2": "a", "A2.01": "b", "12": "c"}, "mask": ["A3", "A2.03"]}"#;
        let s = one_field(&row(ok)).unwrap();
        assert_eq!(Spec::from_json(&s.to_json()).unwrap(), s);
        let bad = [
            r#"{"kind": "ascii_tlv", "len_digits": 4}"#,
            r#"{"kind": "ascii_tlv"}"#,
            r#"{"kind": "ascii_tlv", "len_digits": 3, "tag_len": 2}"#,
            r#"{"kind": "ascii_tlv", "len_digits": 3, "nested": ["A"]}"#,
            r#"{"kind": "ascii_tlv", "len_digits": 3, "nested": ["A2", "A2"]}"#,
            r#"{"kind": "ascii_tlv", "len_digits": 3, "names": {"A2.01": "not nested"}}"#,
            r#"{"kind": "ascii_tlv", "len_digits": 3, "nested": ["A2"], "names": {"A2.01.1": "too deep"}}"#,
            r#"{"kind": "ascii_tlv", "len_digits": 3, "mask": ["A-"]}"#,
            r#"{"kind": "tlv", "extra": 1}"#,
            r#"{"kind": "composite", "parts": [], "extra": 1}"#,
        ];
        for sub in bad {
            assert_eq!(one_field(&row(sub)).unwrap_err().code(), "iso8583.bad_spec", "{sub}");
        }
        let binary = r#"{"name": "x", "class": "lllvar", "max_len": 99, "content": "b", "encoding": "binary", "subfields": {"kind": "ascii_tlv", "len_digits": 3}}"#;
        assert_eq!(one_field(binary).unwrap_err().field(), Some(2));
    }

    #[test]
    fn notation() {
        let s = Spec::bundled("cup-pos").unwrap();
        assert_eq!(s.field(2).unwrap().notation(), "n..19");
        assert_eq!(s.field(55).unwrap().notation(), "b...255");
        assert_eq!(s.field(3).unwrap().notation(), "n6");
    }
}
