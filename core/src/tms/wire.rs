//! Byte-level helpers shared by the TMS parsers: a flat BER-TLV reader, hex and BCD.
//!
//! Field 62 of a TMS reply is a *flat* list of primitive EMV objects, not a template tree, and a
//! query reply repeats the same tags once per entry (`9F06 9F22 DF05 9F06 9F22 DF05 ...`), which
//! [`crate::tlv::decode`] rightly refuses at one level (duplicate tags). So the list is walked one
//! object at a time here, with the tag and length rules of [`crate::tlv`] (EMV Book 3 Annex B:
//! tags of up to 4 bytes, short or long definite lengths of at most 4 bytes, no 00/FF padding)
//! and its [`TlvError`] values, so a malformed list fails exactly as field 55 would. A
//! constructed tag's value is kept as its raw bytes: acquirer-private tags in these lists are not
//! guaranteed to hold well-formed children. Values are borrowed from the input; nothing is
//! allocated from an announced length.

use std::collections::HashSet;

use crate::tlv::{Tag, TlvError};

/// One object of a flat list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Obj<'a> {
    /// Offset of the object's first tag byte in the input.
    pub offset: usize,
    /// Its tag.
    pub tag: Tag,
    /// Its value bytes.
    pub value: &'a [u8],
}

/// Walks a flat list of objects.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Self { input, pos: 0 }
    }

    /// The next object, `None` at the end of the input.
    pub(crate) fn next_obj(&mut self) -> Result<Option<Obj<'a>>, TlvError> {
        let input = self.input;
        let start = self.pos;
        if start >= input.len() {
            return Ok(None);
        }
        let (tag, pos, len) = crate::tlv::read_header(input, start, 0)?;
        let value = &input[pos..pos + len];
        self.pos = pos + len;
        Ok(Some(Obj { offset: start, tag, value }))
    }

    /// The next object, which must exist and carry `tag` (`what` names the list for errors).
    pub(crate) fn expect(&mut self, tag: Tag, expected: &'static str) -> Result<Obj<'a>, super::TmsError> {
        let at = self.pos;
        match self.next_obj()? {
            Some(o) if o.tag == tag => Ok(o),
            Some(o) => Err(super::TmsError::UnexpectedTag { offset: o.offset, tag: o.tag, expected }),
            None => Err(super::TmsError::MissingTag { offset: at, tag, expected }),
        }
    }
}

/// A tag whose bytes read back as one BER tag (EMV Book 3 Annex B1): a first byte other than 00
/// or FF, and when its low five bits are all set, continuation bytes with bit 8 set except the
/// last. Tags from builder arguments are checked with it before being encoded.
pub(crate) fn tag_is_well_formed(tag: Tag) -> bool {
    let b = tag.bytes();
    if matches!(b[0], 0x00 | 0xFF) {
        return false;
    }
    if b[0] & 0x1f != 0x1f {
        return b.len() == 1;
    }
    let rest = &b[1..];
    match rest.split_last() {
        Some((last, mid)) => last & 0x80 == 0 && mid.iter().all(|x| x & 0x80 != 0),
        None => false,
    }
}

/// A tag given as hex by a caller (the `other` maps), checked.
pub(crate) fn parse_tag(what: &'static str, text: &str) -> Result<Tag, super::TmsError> {
    Tag::parse(text).filter(|&t| tag_is_well_formed(t)).ok_or_else(|| super::TmsError::BadArgument {
        what,
        expected: "a BER-TLV tag in hex (9F7B, DF8101)",
        found: text.chars().take(80).collect(),
    })
}

/// Reject a second occurrence of a tag in one entry, as [`crate::tlv::decode`] does (a set, not a
/// scan, for the same reason: thousands of tiny objects must not cost quadratic time).
pub(crate) fn check_unique(seen: &mut HashSet<Tag>, o: &Obj<'_>) -> Result<(), TlvError> {
    if !seen.insert(o.tag) {
        return Err(TlvError::DuplicateTag { offset: o.offset, tag: o.tag });
    }
    Ok(())
}

/// Uppercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    crate::iso8583::to_hex(bytes)
}

/// Strict hex (no whitespace, either case) for builder arguments.
pub(crate) fn unhex(what: &'static str, expected: &'static str, text: &str) -> Result<Vec<u8>, super::TmsError> {
    let bad = || super::TmsError::BadArgument { what, expected, found: text.chars().take(80).collect() };
    if text.len() % 2 == 1 {
        return Err(bad());
    }
    text.as_bytes()
        .chunks(2)
        .map(|p| {
            let h = char::from(p[0]).to_digit(16)?;
            let l = char::from(p[1]).to_digit(16)?;
            Some((h << 4 | l) as u8)
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(bad)
}

/// Packed BCD digits as a number, `None` when a nibble is not a digit. At most 6 bytes (n12).
pub(crate) fn bcd_value(bytes: &[u8]) -> Option<u64> {
    bytes.iter().try_fold(0u64, |acc, &b| {
        let (h, l) = (b >> 4, b & 0x0f);
        (h <= 9 && l <= 9).then(|| acc * 100 + u64::from(h) * 10 + u64::from(l))
    })
}

/// `value` as `len` bytes of packed BCD, `None` when it does not fit.
pub(crate) fn bcd_bytes(value: u64, len: usize) -> Option<Vec<u8>> {
    let mut out = vec![0u8; len];
    let mut v = value;
    for b in out.iter_mut().rev() {
        let lo = (v % 10) as u8;
        v /= 10;
        let hi = (v % 10) as u8;
        v /= 10;
        *b = hi << 4 | lo;
    }
    (v == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_repeated_tags_and_reports_offsets() {
        let data = [0x9F, 0x06, 0x01, 0xAA, 0x9F, 0x06, 0x01, 0xBB];
        let mut r = Reader::new(&data);
        assert_eq!(r.next_obj().unwrap().unwrap().value, &[0xAA]);
        let o = r.next_obj().unwrap().unwrap();
        assert_eq!((o.offset, o.value), (4, &[0xBB][..]));
        assert!(r.next_obj().unwrap().is_none());
        assert_eq!(Reader::new(&[0x9F]).next_obj().unwrap_err().code(), "tlv.truncated");
        assert_eq!(Reader::new(&[0xDF, 0x02, 0x81]).next_obj().unwrap_err().code(), "tlv.truncated");
        assert_eq!(
            Reader::new(&[0xDF, 0x02, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]).next_obj().unwrap_err().code(),
            "tlv.length_overrun"
        );
        assert_eq!(Reader::new(&[0xDF, 0x02, 0x85]).next_obj().unwrap_err().code(), "tlv.bad_length");
        assert_eq!(Reader::new(&[0x00]).next_obj().unwrap_err().code(), "tlv.trailing_garbage");
    }

    #[test]
    fn bcd_round_trip() {
        assert_eq!(bcd_bytes(100, 6).unwrap(), [0, 0, 0, 0, 1, 0]);
        assert_eq!(bcd_value(&[0, 0, 0, 0, 1, 0]), Some(100));
        assert_eq!(bcd_value(&[0x1A]), None);
        assert_eq!(bcd_bytes(1_000_000_000_000, 6), None);
        assert_eq!(bcd_value(&[0x99; 6]), Some(999_999_999_999));
    }
}
