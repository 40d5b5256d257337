//! GBK, the encoding of Chinese text on UnionPay wires (field 63) and on thermal printers.
//!
//! The mapping is the WHATWG GBK encoder's (`encoding_rs`, as in Firefox), taken from
//! `encoding_rs` at build time (see `core/build.rs`) so the core carries one table instead of
//! every CJK encoding: ASCII as itself, `€` as 0x80, and the two-byte codes. Decoding is strict: only
//! bytes that this encoder could have written are text, so whatever is read writes back the
//! same bytes (GB 18030 four-byte sequences are refused).

use std::sync::OnceLock;

static TABLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/gbk.bin"));
/// Encoder-only mappings: u16 LE unit, lead, trail (see build.rs).
static EXTRA: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/gbk_extra.bin"));
const TRAILS: usize = 190;

fn cell(lead: u8, trail: u8) -> Option<usize> {
    if !(0x81..=0xFE).contains(&lead) || !(0x40..=0xFE).contains(&trail) || trail == 0x7F {
        return None;
    }
    Some(usize::from(lead - 0x81) * TRAILS + usize::from(trail - 0x40 - u8::from(trail > 0x7F)))
}

fn unit_at(i: usize) -> u16 {
    u16::from_le_bytes([TABLE[2 * i], TABLE[2 * i + 1]])
}

/// The character the pair stands for.
fn decode_pair(lead: u8, trail: u8) -> Option<char> {
    let u = unit_at(cell(lead, trail)?);
    if u == 0 {
        None
    } else {
        char::from_u32(u32::from(u))
    }
}

/// UTF-16 unit → pair, sorted by unit, built on first use from the decode table.
fn encode_index() -> &'static [(u16, [u8; 2])] {
    static INDEX: OnceLock<Vec<(u16, [u8; 2])>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut v = Vec::with_capacity(22_000);
        for lead in 0x81u8..=0xFE {
            for trail in (0x40u8..=0xFE).filter(|t| *t != 0x7F) {
                if let Some(i) = cell(lead, trail) {
                    let u = unit_at(i);
                    if u != 0 {
                        v.push((u, [lead, trail]));
                    }
                }
            }
        }
        v.extend(EXTRA.chunks_exact(4).map(|e| (u16::from_le_bytes([e[0], e[1]]), [e[2], e[3]])));
        v.sort_unstable_by_key(|(u, _)| *u);
        v
    })
}

/// The two GBK bytes of `c`, when GBK writes it as a pair.
fn pair(c: char) -> Option<[u8; 2]> {
    let u = u16::try_from(u32::from(c)).ok()?;
    let index = encode_index();
    index.binary_search_by_key(&u, |(k, _)| *k).ok().map(|i| index[i].1)
}

/// Appends the GBK bytes of `c`; false (nothing appended) when GBK cannot write it.
pub(crate) fn encode_char(c: char, out: &mut Vec<u8>) -> bool {
    if c.is_ascii() {
        out.push(c as u8);
    } else if c == '€' {
        out.push(0x80);
    } else if let Some(p) = pair(c) {
        out.extend_from_slice(&p);
    } else {
        return false;
    }
    true
}

/// Whether GBK writes `c` as two bytes (one full-width glyph on a printer).
pub(crate) fn is_double_byte(c: char) -> bool {
    !c.is_ascii() && c != '€' && pair(c).is_some()
}

/// `text` in GBK; `Err(char)` names the first character GBK cannot write.
pub(crate) fn encode(text: &str) -> Result<Vec<u8>, char> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        if !encode_char(c, &mut out) {
            return Err(c);
        }
    }
    Ok(out)
}

/// The text `bytes` spell in GBK, or the offset of the first byte that is not GBK text.
pub(crate) fn decode(bytes: &[u8]) -> Result<String, usize> {
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            0..=0x7F => {
                out.push(char::from(b));
                i += 1;
            }
            0x80 => {
                out.push('€');
                i += 1;
            }
            _ => {
                let c = bytes.get(i + 1).and_then(|&t| decode_pair(b, t)).ok_or(i)?;
                out.push(c);
                i += 2;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_text_round_trips() {
        let s = "银联商务 POS 消费 ￥12.00 €";
        let b = encode(s).unwrap();
        assert_eq!(&b[..4], &[0xD2, 0xF8, 0xC1, 0xAA]); // 银联
        assert_eq!(decode(&b).unwrap(), s);
        assert_eq!(encode("😀"), Err('😀'));
        assert_eq!(decode(&[0x81]), Err(0));
        assert_eq!(decode(&[b'a', 0x81, 0x30, 0x81, 0x30]), Err(1)); // GB 18030 four-byte: refused
        assert!(is_double_byte('中') && is_double_byte('·') && !is_double_byte('a') && !is_double_byte('€'));
    }

    /// The table against `encoding_rs` itself, both directions, over every BMP character and
    /// every lead/trail pair (and a few invalid shapes).
    #[test]
    fn same_as_encoding_rs() {
        for cp in 0u32..=0xFFFF {
            let Some(c) = char::from_u32(cp) else { continue };
            let s = c.to_string();
            let (want, _, unmappable) = encoding_rs::GBK.encode(&s);
            assert_eq!(encode(&s).ok(), (!unmappable).then(|| want.into_owned()), "U+{cp:04X}");
        }
        for lead in 0x80u8..=0xFF {
            for trail in 0u8..=0xFF {
                let pair = [lead, trail];
                let want = encoding_rs::GBK
                    .decode_without_bom_handling_and_without_replacement(&pair)
                    .filter(|t| matches!(encoding_rs::GBK.encode(t), (ref b, _, false) if b.as_ref() == pair))
                    .map(std::borrow::Cow::into_owned);
                assert_eq!(decode(&pair).ok(), want, "{lead:02X}{trail:02X}");
            }
        }
    }
}
