//! Primary and secondary bitmaps. Field 1 (the secondary bitmap's presence bit) is never set by
//! a caller: packing sets it exactly when a field above 64 is present.

use super::codec::{hex_val, take};

const HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";
use super::spec::BitmapEncoding;
use super::Iso8583Error;

/// A 128-bit bitmap; field `n` is bit `128 - n` (field 1 is the most significant bit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Bitmap(pub(crate) u128);

impl Bitmap {
    pub(crate) fn set(&mut self, field: u8) {
        self.0 |= 1u128 << (128 - u32::from(field));
    }

    pub(crate) fn has_secondary(self) -> bool {
        self.0 & (u128::MAX >> 64) != 0
    }

    /// Present data fields (2-128) in ascending order.
    pub(crate) fn fields(self) -> impl Iterator<Item = u8> {
        let mut bits = self.0 & !(1u128 << 127);
        std::iter::from_fn(move || {
            if bits == 0 {
                return None;
            }
            let lz = bits.leading_zeros();
            bits &= !(1u128 << (127 - lz));
            Some((lz + 1) as u8)
        })
    }

    /// Write the primary bitmap and, when needed, the secondary one (setting bit 1).
    pub(crate) fn encode(mut self, enc: BitmapEncoding, out: &mut Vec<u8>) {
        let secondary = self.has_secondary();
        if secondary {
            self.set(1);
        }
        let bytes = self.0.to_be_bytes();
        let used = if secondary { &bytes[..] } else { &bytes[..8] };
        match enc {
            BitmapEncoding::Binary => out.extend_from_slice(used),
            BitmapEncoding::HexAscii => {
                for &b in used {
                    out.push(HEX_DIGITS[usize::from(b >> 4)]);
                    out.push(HEX_DIGITS[usize::from(b & 0xf)]);
                }
            }
        }
    }

    /// Read the primary bitmap and, when its bit 1 is set, the secondary one.
    pub(crate) fn decode(input: &[u8], pos: &mut usize, enc: BitmapEncoding) -> Result<Self, Iso8583Error> {
        let primary = read_half(input, pos, enc)?;
        let secondary = if primary >> 63 == 1 { read_half(input, pos, enc)? } else { 0 };
        Ok(Self(u128::from(primary) << 64 | u128::from(secondary)))
    }
}

fn read_half(input: &[u8], pos: &mut usize, enc: BitmapEncoding) -> Result<u64, Iso8583Error> {
    let offset = *pos;
    match enc {
        BitmapEncoding::Binary => {
            let b = take(input, pos, 8, 1, "a binary bitmap")?;
            Ok(b.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x)))
        }
        BitmapEncoding::HexAscii => {
            let b = take(input, pos, 16, 1, "a hex bitmap")?;
            let mut v = 0u64;
            for &c in b {
                match hex_val(c) {
                    Some(d) => v = v << 4 | u64::from(d),
                    None => {
                        return Err(Iso8583Error::BadBitmap {
                            found: String::from_utf8_lossy(b).into_owned(),
                            offset,
                            expected: "16 hex characters",
                        })
                    }
                }
            }
            Ok(v)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_in_order() {
        let mut b = Bitmap::default();
        for f in [2, 3, 64, 65, 128] {
            b.set(f);
        }
        assert!(b.has_secondary());
        assert_eq!(b.fields().collect::<Vec<_>>(), vec![2, 3, 64, 65, 128]);
        let mut out = Vec::new();
        b.encode(BitmapEncoding::HexAscii, &mut out);
        assert_eq!(out, b"E0000000000000018000000000000001");
    }
}
