//! Generates the GBK table the `gbk` module uses, from `encoding_rs` at build time.
//!
//! Linking `encoding_rs` into the core pulls in every CJK table it has (its `Encoder` dispatches
//! over all encodings), about 130 KB of the gzipped wasm. Only GBK is needed, so the build
//! derives the GBK two-byte table from `encoding_rs` (the WHATWG GBK encoder Firefox uses) and
//! the core ships just that: the same mappings, by construction, at a fraction of the size.
//!
//! Output `$OUT_DIR/gbk.bin`: for each lead byte 0x81..=0xFE and trail byte 0x40..=0xFE
//! (0x7F excluded: 126 × 190 cells), the UTF-16 code unit the pair stands for as little-endian
//! u16, or 0 when the pair is not GBK text that encodes back to itself. `$OUT_DIR/gbk_extra.bin`:
//! the characters the encoder writes as a pair that decodes to another character (private-use
//! code points GB 18030-2005 moved to standard ones), as u16 LE + lead + trail.

use std::io::Write as _;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut table = Vec::with_capacity(126 * 190 * 2);
    let mut mapped = 0usize;
    for lead in 0x81u8..=0xFE {
        for trail in (0x40u8..=0xFE).filter(|t| *t != 0x7F) {
            let pair = [lead, trail];
            let unit = encoding_rs::GBK
                .decode_without_bom_handling_and_without_replacement(&pair)
                .filter(|t| matches!(encoding_rs::GBK.encode(t), (ref b, _, false) if b.as_ref() == pair))
                .and_then(|t| {
                    let mut cs = t.chars();
                    let c = cs.next()?;
                    (cs.next().is_none()).then_some(c)
                })
                .map_or(0u16, |c| u16::try_from(u32::from(c)).expect("GBK two-byte codes map to the BMP"));
            mapped += usize::from(unit != 0);
            table.extend_from_slice(&unit.to_le_bytes());
        }
    }
    // Every character the encoder writes as two bytes must be in the table (the inverse check),
    // so encoding with the table equals encoding with encoding_rs.
    let mut round_trips = 0usize;
    let mut extra = Vec::new();
    for cp in 0x80u16..=0xFFFF {
        let Some(c) = char::from_u32(u32::from(cp)) else { continue };
        let mut buf = [0; 4];
        let (b, _, unmappable) = encoding_rs::GBK.encode(c.encode_utf8(&mut buf));
        if !unmappable && b.len() == 2 {
            let i = (usize::from(b[0] - 0x81) * 190 + usize::from(b[1] - 0x40 - u8::from(b[1] > 0x7F))) * 2;
            if u16::from_le_bytes([table[i], table[i + 1]]) == cp {
                round_trips += 1;
            } else {
                extra.extend_from_slice(&cp.to_le_bytes());
                extra.extend_from_slice(&b);
            }
        }
    }
    assert_eq!(mapped, round_trips, "every table entry is what the encoder writes for its character");
    assert!(extra.len() / 4 < 200, "encoder-only mappings are a handful, found {}", extra.len() / 4);
    assert_eq!(encoding_rs::GBK.encode("€").0.as_ref(), [0x80], "GBK writes the euro sign as 0x80");
    let dir = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    std::fs::File::create(dir.join("gbk.bin")).and_then(|mut f| f.write_all(&table)).expect("write gbk.bin");
    std::fs::File::create(dir.join("gbk_extra.bin"))
        .and_then(|mut f| f.write_all(&extra))
        .expect("write gbk_extra.bin");
}
