//! EMV BER-TLV (ISO/IEC 8825-1 as profiled by EMV Book 3 Annex B), for ISO 8583 field 55.
//!
//! Chip data travels as a list of tag-length-value objects: tags of one to four bytes, lengths
//! in short or long form, and constructed templates holding further objects. Decoding is strict
//! because field 55 comes from the network: duplicate tags at one level, padding or garbage after
//! the last object, indefinite lengths and lengths running past the end are errors, each with its
//! byte offset.
//!
//! ```
//! use poscore::tlv::{self, Tag};
//! let items = tlv::decode(&[0x9F, 0x02, 0x06, 0, 0, 0, 0, 0x10, 0, 0x82, 0x02, 0x7C, 0x00])?;
//! assert_eq!(items[0].tag, Tag(0x9F02));
//! assert_eq!(tlv::encode(&items), vec![0x9F, 0x02, 0x06, 0, 0, 0, 0, 0x10, 0, 0x82, 0x02, 0x7C, 0x00]);
//! assert_eq!(tlv::tag_info(Tag(0x9F26)).unwrap().name, "Application Cryptogram");
//! # Ok::<(), poscore::tlv::TlvError>(())
//! ```

use std::fmt;
use std::fmt::Write as _;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// Errors from decoding BER-TLV. Offsets are byte offsets in the decoded input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlvError {
    /// The input ends inside a tag or a length.
    #[error("TLV: input ends at offset {offset}, expected {expected}")]
    Truncated {
        /// Where the missing bytes would start.
        offset: usize,
        /// What was being read.
        expected: &'static str,
    },
    /// A tag longer than four bytes.
    #[error("TLV: tag at offset {offset} is longer than 4 bytes")]
    TagTooLong {
        /// Offset of the tag.
        offset: usize,
    },
    /// A length byte not allowed in EMV: 0x80 (indefinite) or more than four length bytes.
    #[error("TLV: length byte 0x{byte:02X} at offset {offset} is not a definite length of at most 4 bytes")]
    BadLength {
        /// Offset of the length byte.
        offset: usize,
        /// The byte found.
        byte: u8,
    },
    /// The value runs past the end of the input (or of the enclosing template).
    #[error("TLV: tag {tag} at offset {offset} has length {len} but only {available} bytes follow")]
    LengthOverrun {
        /// Offset of the object.
        offset: usize,
        /// Its tag.
        tag: Tag,
        /// Length announced.
        len: usize,
        /// Bytes available.
        available: usize,
    },
    /// The same tag twice at one level.
    #[error("TLV: duplicate tag {tag} at offset {offset}")]
    DuplicateTag {
        /// Offset of the second occurrence.
        offset: usize,
        /// The tag.
        tag: Tag,
    },
    /// Bytes after the last object that are not an object (00 / FF padding, garbage).
    #[error("TLV: {count} bytes of trailing garbage at offset {offset}")]
    TrailingGarbage {
        /// Offset of the first such byte.
        offset: usize,
        /// How many bytes.
        count: usize,
    },
    /// Templates nested deeper than EMV ever needs.
    #[error("TLV: templates nested more than {max} deep at offset {offset}")]
    TooDeep {
        /// Offset of the object that went too deep.
        offset: usize,
        /// The limit.
        max: usize,
    },
}

impl TlvError {
    /// Stable machine-readable code, `tlv.reason`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Truncated { .. } => "tlv.truncated",
            Self::TagTooLong { .. } => "tlv.tag_too_long",
            Self::BadLength { .. } => "tlv.bad_length",
            Self::LengthOverrun { .. } => "tlv.length_overrun",
            Self::DuplicateTag { .. } => "tlv.duplicate_tag",
            Self::TrailingGarbage { .. } => "tlv.trailing_garbage",
            Self::TooDeep { .. } => "tlv.too_deep",
        }
    }

    /// The byte offset the error points at.
    pub fn offset(&self) -> usize {
        match self {
            Self::Truncated { offset, .. }
            | Self::TagTooLong { offset }
            | Self::BadLength { offset, .. }
            | Self::LengthOverrun { offset, .. }
            | Self::DuplicateTag { offset, .. }
            | Self::TrailingGarbage { offset, .. }
            | Self::TooDeep { offset, .. } => *offset,
        }
    }
}

/// A tag: its bytes read as a big-endian number (`9F26` → `Tag(0x9F26)`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(pub u32);

impl Tag {
    /// The tag's bytes (one to four).
    pub fn bytes(self) -> Vec<u8> {
        let b = self.0.to_be_bytes();
        let skip = b.iter().take(3).take_while(|&&x| x == 0).count();
        b[skip..].to_vec()
    }

    /// Constructed (a template holding objects) per bit 6 of the first byte.
    pub fn is_constructed(self) -> bool {
        self.bytes()[0] & 0x20 != 0
    }

    /// Parse uppercase or lowercase hex (`"9F26"`).
    pub fn parse(hex: &str) -> Option<Tag> {
        if hex.is_empty() || hex.len() > 8 || hex.len() % 2 == 1 {
            return None;
        }
        u32::from_str_radix(hex, 16).ok().map(Tag)
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.bytes() {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({self})")
    }
}

impl Serialize for Tag {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Tag::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not a hex tag")))
    }
}

/// A value: bytes, or the objects of a constructed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A primitive object's bytes.
    Primitive(Vec<u8>),
    /// A constructed object's children.
    Constructed(Vec<Tlv>),
}

/// One tag-length-value object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlv {
    /// Its tag.
    pub tag: Tag,
    /// Its value.
    pub value: Value,
}

impl Tlv {
    /// A primitive object.
    pub fn primitive(tag: Tag, value: impl Into<Vec<u8>>) -> Self {
        Self { tag, value: Value::Primitive(value.into()) }
    }

    /// The primitive bytes, if primitive.
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.value {
            Value::Primitive(v) => Some(v),
            Value::Constructed(_) => None,
        }
    }
}

/// Deepest template nesting accepted (EMV uses at most 3: 70 / 77 / 71-72 scripts).
pub const MAX_DEPTH: usize = 8;

/// Reads the tag and length of the object at `start` of `input` (EMV Book 3 Annex B: tags of up
/// to 4 bytes, definite lengths of at most 4 bytes, no 00/FF padding before an object) and checks
/// that its value fits. Returns the tag, where the value starts and its length. Error offsets
/// are `base` plus the offset in `input`. Shared by [`decode`] and the flat lists of TMS
/// downloads (`crate::tms`), so both fail alike on the same bytes.
pub(crate) fn read_header(input: &[u8], start: usize, base: usize) -> Result<(Tag, usize, usize), TlvError> {
    let mut pos = start;
    if matches!(input.get(pos), Some(0x00 | 0xFF)) {
        return Err(TlvError::TrailingGarbage { offset: base + pos, count: input.len() - pos });
    }
    let Some(&first) = input.get(pos) else {
        return Err(TlvError::Truncated { offset: base + pos, expected: "a tag" });
    };
    pos += 1;
    let mut tag = u32::from(first);
    if first & 0x1f == 0x1f {
        loop {
            let Some(&b) = input.get(pos) else {
                return Err(TlvError::Truncated { offset: base + pos, expected: "the next tag byte" });
            };
            if pos - start >= 4 {
                return Err(TlvError::TagTooLong { offset: base + start });
            }
            tag = tag << 8 | u32::from(b);
            pos += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let tag = Tag(tag);
    let Some(&l0) = input.get(pos) else {
        return Err(TlvError::Truncated { offset: base + pos, expected: "a length" });
    };
    let len_off = pos;
    pos += 1;
    let len = if l0 < 0x80 {
        usize::from(l0)
    } else {
        let n = usize::from(l0 & 0x7f);
        if n == 0 || n > 4 {
            return Err(TlvError::BadLength { offset: base + len_off, byte: l0 });
        }
        let Some(lb) = input.get(pos..pos + n) else {
            return Err(TlvError::Truncated { offset: base + input.len(), expected: "long-form length bytes" });
        };
        pos += n;
        lb.iter().fold(0usize, |acc, &b| acc << 8 | usize::from(b))
    };
    let available = input.len() - pos;
    if len > available {
        return Err(TlvError::LengthOverrun { offset: base + start, tag, len, available });
    }
    Ok((tag, pos, len))
}

/// Decode a list of objects filling the whole input.
pub fn decode(input: &[u8]) -> Result<Vec<Tlv>, TlvError> {
    decode_level(input, 0, 0)
}

fn decode_level(input: &[u8], base: usize, depth: usize) -> Result<Vec<Tlv>, TlvError> {
    let mut out: Vec<Tlv> = Vec::new();
    // A set, not a scan of `out`: a hostile input of thousands of two-byte objects must not cost
    // quadratic time.
    let mut seen = std::collections::HashSet::new();
    let mut pos = 0;
    while pos < input.len() {
        let start = pos;
        let (tag, value_at, len) = read_header(input, start, base)?;
        pos = value_at;
        let body = &input[pos..pos + len];
        let value = if tag.is_constructed() {
            if depth + 1 > MAX_DEPTH {
                return Err(TlvError::TooDeep { offset: base + start, max: MAX_DEPTH });
            }
            Value::Constructed(decode_level(body, base + pos, depth + 1)?)
        } else {
            Value::Primitive(body.to_vec())
        };
        pos += len;
        if !seen.insert(tag) {
            return Err(TlvError::DuplicateTag { offset: base + start, tag });
        }
        out.push(Tlv { tag, value });
    }
    Ok(out)
}

/// Encode objects with minimal (DER-style) lengths.
pub fn encode(items: &[Tlv]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(items, &mut out);
    out
}

fn encode_into(items: &[Tlv], out: &mut Vec<u8>) {
    for t in items {
        out.extend_from_slice(&t.tag.bytes());
        let body = match &t.value {
            Value::Primitive(v) => std::borrow::Cow::Borrowed(v.as_slice()),
            Value::Constructed(c) => std::borrow::Cow::Owned(encode(c)),
        };
        let n = body.len();
        if n < 0x80 {
            out.push(n as u8);
        } else {
            let b = (n as u32).to_be_bytes();
            let skip = b.iter().take_while(|&&x| x == 0).count();
            out.push(0x80 | (4 - skip) as u8);
            out.extend_from_slice(&b[skip..]);
        }
        out.extend_from_slice(&body);
    }
}

/// Find the first object with `tag`, searching templates depth first.
pub fn find(items: &[Tlv], tag: Tag) -> Option<&Tlv> {
    for t in items {
        if t.tag == tag {
            return Some(t);
        }
        if let Value::Constructed(c) = &t.value {
            if let Some(f) = find(c, tag) {
                return Some(f);
            }
        }
    }
    None
}

/// How an EMV data element may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagSensitivity {
    /// Shown.
    None,
    /// A PAN: first 6 / last 4.
    Pan,
    /// Track 2 equivalent: masked PAN, rest redacted.
    Track,
    /// Length only.
    Redact,
}

/// A dictionary entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagInfo {
    /// The tag.
    pub tag: Tag,
    /// EMV name.
    pub name: String,
    /// EMV format (`b`, `n`, `an`, `ans`, `cn`, `a`).
    pub format: String,
    /// How it may be shown.
    pub sensitivity: TagSensitivity,
}

#[derive(Deserialize)]
struct Dictionary {
    tags: Vec<TagInfo>,
}

/// The bundled dictionary of common EMV tags (`core/data/emv_tags.json`).
pub fn dictionary() -> &'static [TagInfo] {
    static D: OnceLock<Vec<TagInfo>> = OnceLock::new();
    D.get_or_init(|| {
        let d: Dictionary =
            serde_json::from_str(include_str!("../data/emv_tags.json")).expect("bundled EMV tags parse");
        d.tags
    })
}

/// Dictionary entry for `tag`.
pub fn tag_info(tag: Tag) -> Option<&'static TagInfo> {
    dictionary().iter().find(|t| t.tag == tag)
}

/// The JSON/display form of one object: tag, name, and either a hex value (masked or
/// redacted per the dictionary when `masked`) or children.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlvJson {
    /// Tag in hex.
    pub tag: String,
    /// Dictionary name, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Value length in bytes.
    pub len: usize,
    /// Uppercase hex value (primitive objects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Children (constructed objects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children: Option<Vec<TlvJson>>,
}

/// JSON form of decoded objects; with `masked`, sensitive values are shown per the dictionary.
pub fn to_json(items: &[Tlv], masked: bool) -> Vec<TlvJson> {
    items
        .iter()
        .map(|t| {
            let info = tag_info(t.tag);
            match &t.value {
                Value::Primitive(v) => TlvJson {
                    tag: t.tag.to_string(),
                    name: info.map(|i| i.name.clone()),
                    len: v.len(),
                    value: Some(if masked { show_value(t.tag, v) } else { hex(v) }),
                    children: None,
                },
                Value::Constructed(c) => {
                    let len = encode(c).len();
                    TlvJson {
                        tag: t.tag.to_string(),
                        name: info.map(|i| i.name.clone()),
                        len,
                        value: None,
                        children: Some(to_json(c, masked)),
                    }
                }
            }
        })
        .collect()
}

fn hex(v: &[u8]) -> String {
    crate::iso8583::to_hex(v)
}

/// A primitive value as `describe` shows it: hex, masked PAN / track, or `<N bytes redacted>`.
pub fn show_value(tag: Tag, v: &[u8]) -> String {
    let s = tag_info(tag).map_or(TagSensitivity::None, |i| i.sensitivity);
    match s {
        TagSensitivity::None => hex(v),
        TagSensitivity::Redact => format!("<{} bytes redacted>", v.len()),
        TagSensitivity::Pan | TagSensitivity::Track => {
            let h = hex(v);
            let digits: String = h.chars().take_while(char::is_ascii_digit).collect();
            match crate::card::mask_pan(&digits, &crate::card::MaskPolicy::default()) {
                Ok(m) if s == TagSensitivity::Pan && digits.len() + 1 >= h.len() => m,
                Ok(m) => format!("{m} <{} more nibbles redacted>", h.len() - digits.len()),
                Err(_) => format!("<{} bytes redacted>", v.len()),
            }
        }
    }
}

/// Text rendering with names, one object per line, children indented.
pub fn describe(items: &[Tlv]) -> String {
    let mut s = String::new();
    describe_into(items, 0, &mut s);
    s
}

fn describe_into(items: &[Tlv], depth: usize, s: &mut String) {
    for t in items {
        let name = tag_info(t.tag).map_or("(unknown tag)", |i| i.name.as_str());
        let pad = "  ".repeat(depth);
        match &t.value {
            Value::Primitive(v) => {
                let _ = writeln!(s, "{pad}{:<6} {name:<48} {}", t.tag.to_string(), show_value(t.tag, v));
            }
            Value::Constructed(c) => {
                let _ = writeln!(s, "{pad}{:<6} {name}", t.tag.to_string());
                describe_into(c, depth + 1, s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_loads_and_has_unique_tags() {
        let d = dictionary();
        assert!(d.len() > 50);
        for (i, t) in d.iter().enumerate() {
            assert!(d[i + 1..].iter().all(|u| u.tag != t.tag), "{t:?}");
        }
    }

    #[test]
    fn long_form_and_constructed() {
        let mut v = vec![0x70, 0x81, 0x83, 0x5A, 0x81, 0x80];
        v.extend(std::iter::repeat_n(0x11, 0x80));
        let items = decode(&v).unwrap();
        assert_eq!(encode(&items), v);
        assert_eq!(find(&items, Tag(0x5A)).unwrap().bytes().unwrap().len(), 0x80);
    }

    #[test]
    fn errors() {
        assert_eq!(decode(&[0x9F]).unwrap_err().code(), "tlv.truncated");
        assert_eq!(decode(&[0x82, 0x02, 0x7C]).unwrap_err().code(), "tlv.length_overrun");
        assert_eq!(decode(&[0x82, 0x01, 0x7C, 0x82, 0x01, 0x7C]).unwrap_err().code(), "tlv.duplicate_tag");
        assert_eq!(decode(&[0x82, 0x01, 0x7C, 0x00]).unwrap_err().code(), "tlv.trailing_garbage");
        assert_eq!(decode(&[0x82, 0x80]).unwrap_err().code(), "tlv.bad_length");
        assert_eq!(decode(&[0x9F, 0x81, 0x81, 0x81, 0x01, 0x00]).unwrap_err().code(), "tlv.tag_too_long");
    }
}
