//! Field-level wire codec: length prefixes, BCD, EBCDIC, hex-ASCII, content checks.
//!
//! Everything here reads from a borrowed input and a cursor, checks lengths before slicing and
//! returns errors carrying the field number and absolute offset: no panics, no allocation larger
//! than the bytes actually present.

use std::borrow::Cow;

use super::spec::{Content, DataEncoding, FieldSpec, LengthClass, LengthUnit, Pad, PrefixEncoding};
use super::Iso8583Error;

type Result<T> = core::result::Result<T, Iso8583Error>;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// ASCII (0x20-0x7E) to EBCDIC code page 037; 0 marks "not mapped".
const TO_EBCDIC: [u8; 128] = [
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x5A, 0x7F, 0x7B, 0x5B, 0x6C,
    0x50, 0x7D, 0x4D, 0x5D, 0x5C, 0x4E, 0x6B, 0x60, 0x4B, 0x61, 0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8,
    0xF9, 0x7A, 0x5E, 0x4C, 0x7E, 0x6E, 0x6F, 0x7C, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xD1, 0xD2,
    0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xBA, 0xE0, 0xBB, 0xB0,
    0x6D, 0x79, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
    0x99, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xC0, 0x4F, 0xD0, 0xA1, 0x00,
];
/// EBCDIC code page 037 to printable ASCII; 0 marks "not mapped".
const FROM_EBCDIC: [u8; 256] = [
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2E,
    0x3C, 0x28, 0x2B, 0x7C, 0x26, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x24, 0x2A, 0x29, 0x3B,
    0x00, 0x2D, 0x2F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x25, 0x5F, 0x3E, 0x3F, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x60, 0x3A, 0x23, 0x40, 0x27, 0x3D, 0x22, 0x00, 0x61, 0x62, 0x63, 0x64,
    0x65, 0x66, 0x67, 0x68, 0x69, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70,
    0x71, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7E, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x5E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5B, 0x5D, 0x00, 0x00,
    0x00, 0x00, 0x7B, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7D,
    0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F, 0x50, 0x51, 0x52, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5C, 0x00, 0x53, 0x54,
    0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36,
    0x37, 0x38, 0x39, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/// Uppercase hex of `bytes`.
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    s
}

/// Value of one hex digit (either case).
pub(crate) fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// Decode hex text (either case); `None` on odd length or a non-hex character.
pub(crate) fn hex_decode(s: &[u8]) -> Option<Vec<u8>> {
    if s.len() % 2 == 1 {
        return None;
    }
    s.chunks_exact(2).map(|p| Some(hex_val(p[0])? << 4 | hex_val(p[1])?)).collect()
}

/// EBCDIC byte for a printable ASCII character.
pub(crate) fn to_ebcdic(c: u8) -> Option<u8> {
    TO_EBCDIC.get(usize::from(c)).copied().filter(|&b| b != 0)
}

/// Printable ASCII character for an EBCDIC byte.
pub(crate) fn from_ebcdic(b: u8) -> Option<u8> {
    Some(FROM_EBCDIC[usize::from(b)]).filter(|&c| c != 0)
}

/// How a byte is shown in an error: a quoted character when printable, else `0xNN`.
pub(crate) fn show_byte(b: u8) -> String {
    if (0x20..0x7f).contains(&b) {
        format!("{:?}", char::from(b))
    } else {
        format!("0x{b:02X}")
    }
}

/// `len` bytes at `*pos`, advancing the cursor, or a `Truncated` error.
pub(crate) fn take<'a>(
    input: &'a [u8],
    pos: &mut usize,
    len: usize,
    field: u8,
    expected: &'static str,
) -> Result<&'a [u8]> {
    let avail = input.len().saturating_sub(*pos);
    if avail < len {
        return Err(Iso8583Error::Truncated { field, offset: input.len(), needed: len - avail, expected });
    }
    let s = &input[*pos..*pos + len];
    *pos += len;
    Ok(s)
}

/// Value units for a prefix (or `max_len`) count, `None` when the count cannot describe a whole
/// value (an odd number of hex characters).
fn units_for_count(f: &FieldSpec, count: usize) -> Option<usize> {
    match f.length_unit {
        LengthUnit::Units => Some(count),
        LengthUnit::Encoded => match f.encoding {
            DataEncoding::HexAscii => (count % 2 == 0).then_some(count / 2),
            DataEncoding::Bcd => Some(count * 2),
            _ => Some(count),
        },
    }
}

/// The exact number of units a fixed field holds.
pub(crate) fn fixed_units(f: &FieldSpec) -> usize {
    units_for_count(f, f.max_len).unwrap_or(f.max_len / 2)
}

fn pad_nibble(f: &FieldSpec) -> u8 {
    match f.pad_char {
        'F' => 0xf,
        c => (c as u8).wrapping_sub(b'0') & 0xf,
    }
}

/// Check a value against the field's content before packing.
fn validate(field: u8, f: &FieldSpec, v: &[u8]) -> Result<()> {
    let bad = |position: usize, b: Option<u8>, expected: &'static str| Iso8583Error::BadContent {
        field,
        offset: None,
        position,
        found: b.map_or_else(|| "end of value".into(), show_byte),
        expected,
    };
    match f.content {
        Content::B => Ok(()),
        Content::Xn => {
            match v.first() {
                Some(b'C' | b'D') => {}
                other => return Err(bad(0, other.copied(), "a sign 'C' or 'D'")),
            }
            match v.iter().skip(1).position(|b| !b.is_ascii_digit()) {
                Some(i) => Err(bad(i + 1, Some(v[i + 1]), "a digit 0-9")),
                None => Ok(()),
            }
        }
        c => match v.iter().position(|&b| !c.allows(b)) {
            Some(i) => Err(bad(i, Some(v[i]), c.expected())),
            None => Ok(()),
        },
    }
}

/// Append a field (length prefix and data) to `out`.
pub(crate) fn encode_field(out: &mut Vec<u8>, field: u8, f: &FieldSpec, v: &[u8]) -> Result<()> {
    if f.encoding == DataEncoding::Gbk {
        return encode_gbk(out, field, f, v);
    }
    validate(field, f, v)?;
    let units = v.len();
    if f.class == LengthClass::Fixed {
        let expected = fixed_units(f);
        if units != expected {
            return Err(Iso8583Error::WrongLength { field, len: units, expected });
        }
    } else {
        let count = f.counted(units);
        if count > f.max_len {
            return Err(Iso8583Error::TooLong { field, offset: None, len: count, max: f.max_len });
        }
        write_prefix(out, f, count);
    }
    match f.encoding {
        DataEncoding::Ascii | DataEncoding::Binary => out.extend_from_slice(v),
        DataEncoding::Ebcdic => out.extend(v.iter().map(|&c| to_ebcdic(c).unwrap_or(0x40))),
        DataEncoding::HexAscii => {
            for &b in v {
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
        }
        DataEncoding::Gbk => unreachable!("GBK fields are encoded by encode_gbk"),
        DataEncoding::Bcd => {
            if f.content == Content::Xn {
                out.push(v[0]);
                pack_bcd(out, &v[1..], f.pad, pad_nibble(f));
            } else {
                pack_bcd(out, v, f.pad, pad_nibble(f));
            }
        }
    }
    Ok(())
}

/// GBK text: the value is UTF-8; every length counts GBK bytes.
fn encode_gbk(out: &mut Vec<u8>, field: u8, f: &FieldSpec, v: &[u8]) -> Result<()> {
    let bad = |position: usize, found: String, expected: &'static str| Iso8583Error::BadContent {
        field,
        offset: None,
        position,
        found,
        expected,
    };
    let text = std::str::from_utf8(v).map_err(|e| bad(e.valid_up_to(), "invalid UTF-8".into(), "UTF-8 text"))?;
    if let Some((i, c)) = text.char_indices().find(|(_, c)| c.is_control()) {
        return Err(bad(i, format!("{c:?}"), "a printable character"));
    }
    let wire = crate::gbk::encode(text).map_err(|c| {
        let i = text.find(c).unwrap_or(0);
        bad(i, format!("{c:?}"), "text GBK can encode")
    })?;
    if f.class == LengthClass::Fixed {
        if wire.len() != f.max_len {
            return Err(Iso8583Error::WrongLength { field, len: wire.len(), expected: f.max_len });
        }
    } else {
        if wire.len() > f.max_len {
            return Err(Iso8583Error::TooLong { field, offset: None, len: wire.len(), max: f.max_len });
        }
        write_prefix(out, f, wire.len());
    }
    out.extend_from_slice(&wire);
    Ok(())
}

fn decode_gbk(field: u8, data: &[u8], off: usize) -> Result<Cow<'static, [u8]>> {
    // Strict: only text the GBK encoder writes back to the same bytes (GB 18030 four-byte
    // sequences and decoder-only mappings are refused), so what is read can be written again
    // unchanged (found by fuzzing).
    let text = crate::gbk::decode(data).map_err(|_| Iso8583Error::BadContent {
        field,
        offset: Some(off),
        position: 0,
        found: "bytes".into(),
        expected: "GBK text",
    })?;
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        let i = text.find(c).unwrap_or(0);
        return Err(Iso8583Error::BadContent {
            field,
            offset: Some(off + i),
            position: i,
            found: format!("{c:?}"),
            expected: "a printable character",
        });
    }
    Ok(Cow::Owned(text.into_bytes()))
}

fn nibble_of(c: u8) -> u8 {
    match c {
        b'D' | b'=' => 0xd,
        c => c.wrapping_sub(b'0') & 0xf,
    }
}

/// Pack digits (and track separators) two per byte, padding an odd count on `pad`'s side.
pub(crate) fn pack_bcd(out: &mut Vec<u8>, digits: &[u8], pad: Pad, pad_nib: u8) {
    let mut it = digits.iter().map(|&c| nibble_of(c));
    if digits.len() % 2 == 1 {
        match pad {
            Pad::Left => {
                let first = it.next().unwrap_or(0);
                out.push(pad_nib << 4 | first);
                while let (Some(h), Some(l)) = (it.next(), it.next()) {
                    out.push(h << 4 | l);
                }
            }
            Pad::Right => {
                let mut rest = digits.len();
                while rest >= 2 {
                    let h = it.next().unwrap_or(0);
                    let l = it.next().unwrap_or(0);
                    out.push(h << 4 | l);
                    rest -= 2;
                }
                out.push(it.next().unwrap_or(0) << 4 | pad_nib);
            }
        }
    } else {
        while let (Some(h), Some(l)) = (it.next(), it.next()) {
            out.push(h << 4 | l);
        }
    }
}

fn write_prefix(out: &mut Vec<u8>, f: &FieldSpec, count: usize) {
    let d = f.class.digits();
    match f.prefix {
        PrefixEncoding::Ascii | PrefixEncoding::Ebcdic => {
            let base = if f.prefix == PrefixEncoding::Ascii { b'0' } else { 0xf0 };
            for i in (0..d).rev() {
                out.push(base + ((count / 10usize.pow(i as u32)) % 10) as u8);
            }
        }
        PrefixEncoding::Bcd => {
            if d == 2 {
                out.push((((count / 10 % 10) << 4) | (count % 10)) as u8);
            } else {
                out.push(((count / 1000 % 10) << 4 | (count / 100 % 10)) as u8);
                out.push((((count / 10 % 10) << 4) | (count % 10)) as u8);
            }
        }
        PrefixEncoding::Binary => {
            if d == 2 {
                out.push(count as u8);
            } else {
                out.extend_from_slice(&(count as u16).to_be_bytes());
            }
        }
    }
}

fn read_prefix(p: &[u8], field: u8, f: &FieldSpec, offset: usize) -> Result<usize> {
    let bad = |found: String, expected: &'static str| Iso8583Error::BadLengthPrefix { field, offset, found, expected };
    match f.prefix {
        PrefixEncoding::Ascii => {
            if p.iter().all(u8::is_ascii_digit) {
                Ok(p.iter().fold(0, |acc, &c| acc * 10 + usize::from(c - b'0')))
            } else {
                Err(bad(String::from_utf8_lossy(p).into_owned(), "ASCII digits"))
            }
        }
        PrefixEncoding::Ebcdic => {
            if p.iter().all(|c| (0xf0..=0xf9).contains(c)) {
                Ok(p.iter().fold(0, |acc, &c| acc * 10 + usize::from(c - 0xf0)))
            } else {
                Err(bad(hex_upper(p), "EBCDIC digits"))
            }
        }
        PrefixEncoding::Bcd => {
            if p.iter().all(|&b| b >> 4 <= 9 && b & 0xf <= 9) {
                Ok(p.iter().fold(0, |acc, &b| acc * 100 + usize::from(b >> 4) * 10 + usize::from(b & 0xf)))
            } else {
                Err(bad(hex_upper(p), "BCD"))
            }
        }
        PrefixEncoding::Binary => Ok(p.iter().fold(0, |acc, &b| acc << 8 | usize::from(b))),
    }
}

/// Read one field at `*pos`, advancing the cursor. ASCII and binary data are borrowed from the
/// input; BCD, EBCDIC and hex-ASCII are decoded into a new buffer no larger than twice the
/// field's wire length.
pub(crate) fn decode_field<'a>(input: &'a [u8], pos: &mut usize, field: u8, f: &FieldSpec) -> Result<Cow<'a, [u8]>> {
    let start = *pos;
    let count = if f.class == LengthClass::Fixed {
        f.max_len
    } else {
        let p = take(input, pos, f.prefix_len(), field, "a length prefix")?;
        let c = read_prefix(p, field, f, start)?;
        if c > f.max_len {
            return Err(Iso8583Error::TooLong { field, offset: Some(start), len: c, max: f.max_len });
        }
        c
    };
    if f.encoding == DataEncoding::Gbk {
        let data_off = *pos;
        let data = take(input, pos, count, field, "field data")?;
        return decode_gbk(field, data, data_off);
    }
    let Some(units) = units_for_count(f, count) else {
        return Err(Iso8583Error::BadLengthPrefix {
            field,
            offset: start,
            found: count.to_string(),
            expected: "an even number of hex characters",
        });
    };
    if f.content == Content::Xn && units == 0 && f.class != LengthClass::Fixed {
        // An empty signed amount has no sign: nothing on the wire, nothing to check.
        return Ok(Cow::Borrowed(&[]));
    }
    let wire = f.wire_len(units);
    let data_off = *pos;
    let data = take(input, pos, wire, field, "field data")?;
    decode_data(field, f, data, data_off, units)
}

fn decode_data<'a>(field: u8, f: &FieldSpec, data: &'a [u8], off: usize, units: usize) -> Result<Cow<'a, [u8]>> {
    let bad = |i: usize, found: String, expected: &'static str| Iso8583Error::BadContent {
        field,
        offset: Some(off + i),
        position: i,
        found,
        expected,
    };
    match f.encoding {
        DataEncoding::Gbk => decode_gbk(field, data, off),
        DataEncoding::Binary => Ok(Cow::Borrowed(data)),
        DataEncoding::Ascii => {
            check_text(f.content, data).map_err(|i| bad(i, show_byte(data[i]), expected_at(f.content, i)))?;
            Ok(Cow::Borrowed(data))
        }
        DataEncoding::Ebcdic => {
            let mut v = Vec::with_capacity(data.len());
            for (i, &b) in data.iter().enumerate() {
                match from_ebcdic(b) {
                    Some(c) => v.push(c),
                    None => return Err(bad(i, format!("0x{b:02X}"), "a printable EBCDIC (code page 037) character")),
                }
            }
            check_text(f.content, &v).map_err(|i| bad(i, show_byte(v[i]), expected_at(f.content, i)))?;
            Ok(Cow::Owned(v))
        }
        DataEncoding::HexAscii => {
            let mut v = Vec::with_capacity(data.len() / 2);
            for (i, p) in data.chunks_exact(2).enumerate() {
                match (hex_val(p[0]), hex_val(p[1])) {
                    (Some(h), Some(l)) => v.push(h << 4 | l),
                    (None, _) => return Err(bad(2 * i, show_byte(p[0]), "a hex digit")),
                    (_, None) => return Err(bad(2 * i + 1, show_byte(p[1]), "a hex digit")),
                }
            }
            Ok(Cow::Owned(v))
        }
        DataEncoding::Bcd => {
            let mut v = Vec::with_capacity(units);
            let (digits, body, body_off) = if f.content == Content::Xn {
                match data.first() {
                    Some(&s @ (b'C' | b'D')) => v.push(s),
                    Some(&b) => return Err(bad(0, show_byte(b), "a sign 'C' or 'D'")),
                    None => return Err(bad(0, "end of field".into(), "a sign 'C' or 'D'")),
                }
                (units - 1, &data[1..], 1)
            } else {
                (units, data, 0)
            };
            let skip_first = digits % 2 == 1 && f.pad == Pad::Left;
            let total = body.len() * 2;
            for k in 0..total {
                let b = body[k / 2];
                let nib = if k % 2 == 0 { b >> 4 } else { b & 0xf };
                let is_pad = (skip_first && k == 0) || (digits % 2 == 1 && f.pad == Pad::Right && k == total - 1);
                if is_pad {
                    if nib != 0 && nib != 0xf && nib != pad_nibble(f) {
                        return Err(bad(body_off + k / 2, format!("pad nibble {nib:X}"), "a pad nibble 0 or F"));
                    }
                    continue;
                }
                let c = match nib {
                    0..=9 => b'0' + nib,
                    0xd if f.content == Content::Z => b'D',
                    _ => {
                        let expected =
                            if f.content == Content::Z { "a BCD digit or separator D" } else { "a BCD digit" };
                        return Err(bad(body_off + k / 2, format!("nibble {nib:X}"), expected));
                    }
                };
                v.push(c);
            }
            Ok(Cow::Owned(v))
        }
    }
}

fn expected_at(c: Content, i: usize) -> &'static str {
    if c == Content::Xn && i == 0 {
        "a sign 'C' or 'D'"
    } else {
        c.expected()
    }
}

/// Index of the first character not allowed by `content`.
fn check_text(content: Content, v: &[u8]) -> core::result::Result<(), usize> {
    match content {
        Content::Xn => {
            if !matches!(v.first(), Some(b'C' | b'D')) {
                return Err(0);
            }
            v.iter().skip(1).position(|b| !b.is_ascii_digit()).map_or(Ok(()), |i| Err(i + 1))
        }
        c => v.iter().position(|&b| !c.allows(b)).map_or(Ok(()), Err),
    }
}
