//! ISO 8583 messages: specs as data, pack/unpack, framing, and a masked `describe`.
//!
//! A terminal and its acquirer exchange ISO 8583 messages: an MTI, a bitmap saying which fields
//! follow, then the fields. How each field is written differs from host to host, so the layout is
//! a [`Spec`] loaded from JSON; three are bundled (`iso87ascii`, `iso87binary`, `cup-pos`).
//!
//! ```
//! use poscore::iso8583::{Message, Mti, Spec};
//! let spec = Spec::bundled("cup-pos")?;
//! let mut m = Message::new(Mti::FINANCIAL_REQUEST);
//! m.set_str(2, "6212345678901232")?;
//! m.set_str(3, "000000")?;
//! m.set_str(4, "000000001000")?;
//! m.set_str(11, "000123")?;
//! let bytes = m.pack(spec)?;
//! let back = Message::unpack(spec, &bytes)?;
//! assert_eq!(back, m);
//! assert_eq!(back.mti().response_mti(), Some(Mti::new("0210")?));
//! assert!(back.describe(spec).contains("621234******1232"));
//! # Ok::<(), poscore::iso8583::Iso8583Error>(())
//! ```
//!
//! Structure inside a field is data too (`subfields` in a spec row): positional parts (field
//! 60), EMV TLV (field 55, [`crate::tlv`]) and ASCII TLV ([`ascii_tlv`], UnionPay field 59
//! terminal information, which the terminal builds with [`ascii_tlv::encode`]).
//!
//! Unpacking treats its input as hostile: it never panics, checks every length prefix against
//! the spec's maximum before reading, and allocates no more than the input length justifies.
//! Errors name the field, the byte offset and what was expected there.

pub mod ascii_tlv;
mod bitmap;
mod codec;
pub mod describe;
pub mod frame;
mod message;
pub mod spec;

/// Decode hex text (either case, ASCII whitespace ignored) as tools and bindings receive it.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, Iso8583Error> {
    let clean: Vec<(usize, u8)> = text.bytes().enumerate().filter(|(_, b)| !b.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(clean.len() / 2);
    for pair in clean.chunks(2) {
        let (hi_at, hi) = pair[0];
        let Some(&(lo_at, lo)) = pair.get(1) else {
            return Err(Iso8583Error::BadHex { offset: hi_at, found: "an odd final digit".into() });
        };
        match (codec::hex_val(hi), codec::hex_val(lo)) {
            (Some(h), Some(l)) => out.push((h << 4) | l),
            (None, _) => return Err(Iso8583Error::BadHex { offset: hi_at, found: codec::show_byte(hi) }),
            (_, None) => return Err(Iso8583Error::BadHex { offset: lo_at, found: codec::show_byte(lo) }),
        }
    }
    Ok(out)
}

/// Uppercase hex, as every surface prints bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    codec::hex_upper(bytes)
}

/// What the JS and Kotlin `Iso8583.pack(specNameOrJson, message)` call: pack the JSON form
/// (`{"mti": "0200", "fields": {"2": "...", "55": "9F26..."}}`) under a bundled spec name or a
/// spec's JSON text.
pub fn pack_json(spec: &str, message: &MessageJson) -> Result<Vec<u8>, Iso8583Error> {
    let spec = Spec::resolve(spec)?;
    Message::from_json(&spec, message)?.pack(&spec)
}

/// What the JS and Kotlin `Iso8583.unpack(specNameOrJson, bytes)` call: the JSON form of a
/// packed message (binary fields as uppercase hex).
pub fn unpack_json(spec: &str, bytes: &[u8]) -> Result<MessageJson, Iso8583Error> {
    let spec = Spec::resolve(spec)?;
    Ok(Message::unpack(&spec, bytes)?.to_json(&spec))
}

/// The masked, human-readable rendering of a packed message (`describe`), for logs and UIs.
pub fn describe_bytes(spec: &str, bytes: &[u8]) -> Result<String, Iso8583Error> {
    let spec = Spec::resolve(spec)?;
    Ok(Message::unpack(&spec, bytes)?.describe(&spec))
}

pub use ascii_tlv::LenDigits;
pub use frame::{CupHeader, Frame, FrameConfig, FrameDecoder, LengthHeader, Tpdu};
pub use message::{FieldRef, FieldValue, Message, MessageJson, MessageRef, Mti};
pub use spec::{
    BitmapEncoding, Content, DataEncoding, FieldSpec, LengthClass, LengthUnit, MacSpec, MtiEncoding, Pad,
    PrefixEncoding, Sensitivity, Spec, Subfield, Subfields,
};

/// Errors from specs, packing, unpacking and framing. Each names the field (when there is one),
/// the byte offset in the input (when reading) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Iso8583Error {
    /// No bundled spec has that name.
    #[error("no bundled spec named {name:?} (bundled: iso87ascii, iso87binary, cup-pos)")]
    UnknownSpec {
        /// The name asked for.
        name: String,
    },
    /// A spec is not valid JSON or is inconsistent.
    #[error("bad spec{}: {reason}", field.map(|f| format!(", field {f}")).unwrap_or_default())]
    BadSpec {
        /// The field row at fault, if any.
        field: Option<u8>,
        /// What is wrong.
        reason: String,
    },
    /// A field number outside 2-128 was set, or a field the spec does not define was used.
    #[error("field {field}: not defined by spec {spec}{}", at(*offset))]
    UnknownField {
        /// The field number.
        field: u8,
        /// The spec's name.
        spec: String,
        /// Offset of the bitmap that announced it, when unpacking.
        offset: Option<usize>,
    },
    /// The MTI is not four digits.
    #[error("MTI: {found:?} is not four digits{}", at(*offset))]
    BadMti {
        /// What was found (hex for binary input).
        found: String,
        /// Offset in the input, when unpacking.
        offset: Option<usize>,
    },
    /// A bitmap is not valid for its encoding.
    #[error("bitmap: {found:?} is not {expected} at offset {offset}")]
    BadBitmap {
        /// What was found.
        found: String,
        /// Offset of the bitmap.
        offset: usize,
        /// What was expected.
        expected: &'static str,
    },
    /// The input ended inside the MTI, a bitmap, a length prefix or a field.
    #[error("{}: input ends at offset {offset}, expected {needed} more bytes of {expected}", what(*field))]
    Truncated {
        /// Field number; 0 for the MTI, 1 for a bitmap.
        field: u8,
        /// Offset where the missing bytes would start.
        offset: usize,
        /// Bytes needed.
        needed: usize,
        /// What was being read.
        expected: &'static str,
    },
    /// A length prefix is not a number in its encoding.
    #[error("field {field}: length prefix {found:?} is not {expected} at offset {offset}")]
    BadLengthPrefix {
        /// Field number.
        field: u8,
        /// Offset of the prefix.
        offset: usize,
        /// The prefix as found (hex for BCD and binary prefixes).
        found: String,
        /// The encoding expected.
        expected: &'static str,
    },
    /// A value (or announced length) exceeds the field's maximum.
    #[error("field {field}: length {len} exceeds maximum {max}{}", at(*offset))]
    TooLong {
        /// Field number.
        field: u8,
        /// Offset of the length prefix, when unpacking.
        offset: Option<usize>,
        /// Length found, in the spec's units.
        len: usize,
        /// Spec maximum.
        max: usize,
    },
    /// A fixed-length field's value has the wrong length.
    #[error("field {field}: length {len}, expected exactly {expected}")]
    WrongLength {
        /// Field number.
        field: u8,
        /// Length of the value given.
        len: usize,
        /// The fixed length.
        expected: usize,
    },
    /// A character or nibble not allowed by the field's content or encoding.
    #[error("field {field}: {found} at {} is not {expected}", match offset { Some(o) => format!("offset {o}"), None => format!("position {position}") })]
    BadContent {
        /// Field number.
        field: u8,
        /// Byte offset in the input, when unpacking.
        offset: Option<usize>,
        /// Position within the value, when packing.
        position: usize,
        /// What was found (quoted character, or `0xNN` / nibble).
        found: String,
        /// What was expected.
        expected: &'static str,
    },
    /// Bytes remain after the last field the bitmap announced.
    #[error("{count} bytes of trailing data at offset {offset} after the last field")]
    TrailingData {
        /// Offset of the first extra byte.
        offset: usize,
        /// How many bytes remain.
        count: usize,
    },
    /// A JSON message could not be read (`{"mti": "0200", "fields": {"2": "..."}}`).
    #[error("message JSON: {reason}")]
    BadJson {
        /// What is wrong.
        reason: String,
    },
    /// The spec has no MAC, or the message cannot carry one.
    #[error("MAC: {reason}")]
    NoMac {
        /// Why no MAC block can be built.
        reason: &'static str,
    },
    /// Hex text given to a tool or binding is not hex.
    #[error("hex input: {found} at offset {offset} is not a hex digit (or the length is odd)")]
    BadHex {
        /// Character offset.
        offset: usize,
        /// What was found.
        found: String,
    },
    /// A frame announced (or was given) more bytes than allowed.
    #[error("frame: length {len} exceeds maximum {max}{}", at(*offset))]
    FrameTooLarge {
        /// Announced or actual length.
        len: usize,
        /// The configured maximum (or the header's capacity).
        max: usize,
        /// Offset of the length header, when decoding.
        offset: Option<usize>,
    },
    /// A frame layout that no frame can have: the TPDU and terminal header alone exceed what the
    /// length header (65535 bytes binary, 9999 BCD or ASCII) and the size limit allow.
    #[error(
        "frame config: header_len {header_len} plus {tpdu} TPDU bytes is more than the {max} bytes a frame can \
         hold (the length header's capacity or max_frame)"
    )]
    BadFrameConfig {
        /// The configured terminal header length.
        header_len: usize,
        /// TPDU bytes in front of it (0 or 5).
        tpdu: usize,
        /// The most a frame can hold: the length header's capacity or `max_frame`, the smaller.
        max: usize,
    },
    /// A frame's length header or TPDU is malformed.
    #[error("frame: {found:?} is not {expected} at offset {offset}")]
    BadFrame {
        /// What was found (hex).
        found: String,
        /// Offset in the stream/frame.
        offset: usize,
        /// What was expected.
        expected: &'static str,
    },
    /// ASCII TLV text (UnionPay field 59) ends inside a tag or a length.
    #[error("{}ASCII TLV: text ends at offset {offset}, expected {expected}", in_field(*field))]
    AsciiTlvTruncated {
        /// The field whose value was read, when reading a message.
        field: Option<u8>,
        /// Offset in the TLV text where the missing characters would start.
        offset: usize,
        /// What was being read.
        expected: &'static str,
    },
    /// An ASCII TLV length is not all ASCII digits.
    #[error("{}ASCII TLV: length {found:?} at offset {offset} is not {digits} ASCII digits", in_field(*field))]
    AsciiTlvBadLength {
        /// The field whose value was read, when reading a message.
        field: Option<u8>,
        /// Offset of the length in the TLV text.
        offset: usize,
        /// The length characters as found.
        found: String,
        /// Digits expected (the spec's `len_digits`).
        digits: usize,
    },
    /// An ASCII TLV value runs past the end of the text (or of its enclosing entry).
    #[error("{}ASCII TLV: tag {tag} at offset {offset} has length {len} but only {available} characters follow", in_field(*field))]
    AsciiTlvOverrun {
        /// The field whose value was read, when reading a message.
        field: Option<u8>,
        /// Offset of the entry's tag in the TLV text.
        offset: usize,
        /// The tag.
        tag: String,
        /// Length announced.
        len: usize,
        /// Characters available.
        available: usize,
    },
    /// An ASCII TLV tag is not two ASCII letters or digits.
    #[error("{}ASCII TLV: tag {found:?}{} is not two ASCII letters or digits", in_field(*field), at(*offset))]
    AsciiTlvBadTag {
        /// The field whose value was read, when reading a message.
        field: Option<u8>,
        /// Offset of the tag in the TLV text, when decoding.
        offset: Option<usize>,
        /// The tag as found.
        found: String,
    },
    /// An ASCII TLV value holds a character outside printable ASCII (0x20-0x7E).
    #[error("{}ASCII TLV: {found} in the value of tag {tag} at offset {offset} is not printable ASCII", in_field(*field))]
    AsciiTlvBadChar {
        /// The field whose value was read, when reading a message.
        field: Option<u8>,
        /// The entry's tag.
        tag: String,
        /// Offset in the TLV text when decoding; byte position in the value when encoding.
        offset: usize,
        /// The character (or byte, as `0xNN`).
        found: String,
    },
    /// The same ASCII TLV tag twice at one level.
    #[error("{}ASCII TLV: duplicate tag {tag}{}", in_field(*field), at(*offset))]
    AsciiTlvDuplicateTag {
        /// The field whose value was read, when reading a message.
        field: Option<u8>,
        /// Offset of the second occurrence in the TLV text, when decoding.
        offset: Option<usize>,
        /// The tag.
        tag: String,
    },
    /// An ASCII TLV value is longer than its length digits can state.
    #[error("{}ASCII TLV: value of tag {tag} has {len} characters, more than {max}", in_field(*field))]
    AsciiTlvValueTooLong {
        /// The field being built, when there is one.
        field: Option<u8>,
        /// The tag.
        tag: String,
        /// Length of the value.
        len: usize,
        /// The most the length digits can state (99 or 999).
        max: usize,
    },
}

fn at(offset: Option<usize>) -> String {
    offset.map(|o| format!(" at offset {o}")).unwrap_or_default()
}

fn in_field(field: Option<u8>) -> String {
    field.map(|f| format!("field {f}: ")).unwrap_or_default()
}

fn what(field: u8) -> String {
    match field {
        0 => "MTI".into(),
        1 => "bitmap".into(),
        f => format!("field {f}"),
    }
}

impl Iso8583Error {
    /// Stable machine-readable code, `iso8583.reason`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownSpec { .. } => "iso8583.unknown_spec",
            Self::BadSpec { .. } => "iso8583.bad_spec",
            Self::UnknownField { .. } => "iso8583.unknown_field",
            Self::BadMti { .. } => "iso8583.bad_mti",
            Self::BadBitmap { .. } => "iso8583.bad_bitmap",
            Self::Truncated { .. } => "iso8583.truncated",
            Self::BadLengthPrefix { .. } => "iso8583.bad_length_prefix",
            Self::TooLong { .. } => "iso8583.too_long",
            Self::WrongLength { .. } => "iso8583.wrong_length",
            Self::BadContent { .. } => "iso8583.bad_content",
            Self::TrailingData { .. } => "iso8583.trailing_data",
            Self::BadJson { .. } => "iso8583.bad_json",
            Self::NoMac { .. } => "iso8583.no_mac",
            Self::BadHex { .. } => "iso8583.bad_hex",
            Self::FrameTooLarge { .. } => "iso8583.frame_too_large",
            Self::BadFrame { .. } => "iso8583.bad_frame",
            Self::BadFrameConfig { .. } => "iso8583.bad_frame_config",
            Self::AsciiTlvTruncated { .. } => "iso8583.ascii_tlv_truncated",
            Self::AsciiTlvBadLength { .. } => "iso8583.ascii_tlv_bad_length",
            Self::AsciiTlvOverrun { .. } => "iso8583.ascii_tlv_overrun",
            Self::AsciiTlvBadTag { .. } => "iso8583.ascii_tlv_bad_tag",
            Self::AsciiTlvBadChar { .. } => "iso8583.ascii_tlv_bad_char",
            Self::AsciiTlvDuplicateTag { .. } => "iso8583.ascii_tlv_duplicate_tag",
            Self::AsciiTlvValueTooLong { .. } => "iso8583.ascii_tlv_value_too_long",
        }
    }

    /// The field at fault (0 = MTI, 1 = bitmap), when there is one.
    pub fn field(&self) -> Option<u8> {
        match self {
            Self::BadSpec { field, .. }
            | Self::AsciiTlvTruncated { field, .. }
            | Self::AsciiTlvBadLength { field, .. }
            | Self::AsciiTlvOverrun { field, .. }
            | Self::AsciiTlvBadTag { field, .. }
            | Self::AsciiTlvBadChar { field, .. }
            | Self::AsciiTlvDuplicateTag { field, .. }
            | Self::AsciiTlvValueTooLong { field, .. } => *field,
            Self::UnknownField { field, .. }
            | Self::Truncated { field, .. }
            | Self::BadLengthPrefix { field, .. }
            | Self::TooLong { field, .. }
            | Self::WrongLength { field, .. }
            | Self::BadContent { field, .. } => Some(*field),
            Self::BadMti { .. } => Some(0),
            Self::BadBitmap { .. } => Some(1),
            _ => None,
        }
    }

    /// The byte offset in the input the error points at, when reading. For the `AsciiTlv*`
    /// errors it is the offset in the TLV text (the field's value), not in the packed message.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Self::BadBitmap { offset, .. }
            | Self::Truncated { offset, .. }
            | Self::BadLengthPrefix { offset, .. }
            | Self::TrailingData { offset, .. }
            | Self::BadFrame { offset, .. }
            | Self::BadHex { offset, .. }
            | Self::AsciiTlvTruncated { offset, .. }
            | Self::AsciiTlvBadLength { offset, .. }
            | Self::AsciiTlvOverrun { offset, .. }
            | Self::AsciiTlvBadChar { offset, .. } => Some(*offset),
            Self::UnknownField { offset, .. }
            | Self::BadMti { offset, .. }
            | Self::TooLong { offset, .. }
            | Self::BadContent { offset, .. }
            | Self::FrameTooLarge { offset, .. }
            | Self::AsciiTlvBadTag { offset, .. }
            | Self::AsciiTlvDuplicateTag { offset, .. } => *offset,
            _ => None,
        }
    }
}
