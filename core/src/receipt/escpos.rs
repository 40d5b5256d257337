//! ESC/POS bytes for thermal printers.
//!
//! Encoding choice: Chinese text is sent as **GBK** (two bytes a character) after `FS &`, which
//! switches the common Chinese printers (Xprinter, GPrinter, Sunmi, the built-in printers of
//! UnionPay terminals) into Chinese character mode. GBK rather than full GB18030 because many of
//! those printers' fonts only cover the two-byte range and print a four-byte GB18030 sequence
//! as two garbage characters; a character GBK cannot encode (emoji, rare CJK extension B) prints
//! as `?`, one column, so the layout never overflows. Only the text layout counts columns; every
//! line is padded there, so the stream needs no alignment commands except around the QR code.

use super::layout::Line;

const ESC: u8 = 0x1B;
const GS: u8 = 0x1D;
const FS: u8 = 0x1C;

/// `ESC @`: reset the printer to its defaults (clears styles left by another app).
const INIT: [u8; 2] = [ESC, b'@'];
/// `FS &`: enter Chinese character mode (double-byte GBK).
const CHINESE_ON: [u8; 2] = [FS, b'&'];

/// Encode `s` as GBK; unmappable characters become `?`. Zero-width characters (combining marks)
/// are dropped, since the text layout gave them no column, and `€` becomes `?` because GBK's
/// single byte 0x80 for it is a lead byte to most printers and would swallow the next byte.
fn gbk(s: &str, out: &mut Vec<u8>) {
    let s =
        s.chars().filter(|c| c.is_ascii() || super::layout::char_width(*c) > 0).map(|c| if c == '€' { '?' } else { c });
    for c in s {
        if !crate::gbk::encode_char(c, out) {
            out.push(b'?');
        }
    }
}

fn style(out: &mut Vec<u8>, bold: bool, big: bool) {
    out.extend_from_slice(&[ESC, b'E', u8::from(bold)]);
    // GS ! sets the size of ASCII characters, FS ! that of Chinese ones in Chinese mode: both,
    // so "RMB 88.00" and "金额" grow together. Height only: the width stays as laid out.
    out.extend_from_slice(&[GS, b'!', u8::from(big)]);
    out.extend_from_slice(&[FS, b'!', if big { 0x08 } else { 0x00 }]);
}

/// `GS ( k` model 2 QR code: select model 2, module size, error correction M, store, print.
fn qr(url: &str, width: u16, out: &mut Vec<u8>) {
    let data = url.as_bytes();
    // The model checks the length; refuse anything that would not fit a GS ( k store command.
    if data.is_empty() || data.len() > 7000 {
        return;
    }
    let module = if width >= 48 { 6 } else { 5 };
    out.extend_from_slice(&[ESC, b'a', 1]); // center
    out.extend_from_slice(&[GS, b'(', b'k', 4, 0, 0x31, 0x41, 0x32, 0x00]); // fn 165: model 2
    out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 0x31, 0x43, module]); // fn 167: module size
    out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 0x31, 0x45, 0x31]); // fn 169: error correction M
    let n = data.len() + 3;
    out.extend_from_slice(&[GS, b'(', b'k', (n & 0xFF) as u8, (n >> 8) as u8, 0x31, 0x50, 0x30]); // fn 180: store
    out.extend_from_slice(data);
    out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 0x31, 0x51, 0x30]); // fn 181: print
    out.push(b'\n');
    out.extend_from_slice(&[ESC, b'a', 0]); // back to left
}

/// The bytes of one copy.
pub(crate) fn encode(lines: &[Line], width: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(lines.len() * (width as usize + 8) + 64);
    out.extend_from_slice(&INIT);
    out.extend_from_slice(&CHINESE_ON);
    let mut cur = (false, false);
    for l in lines {
        match l {
            Line::Text { text, bold, big } => {
                if cur != (*bold, *big) {
                    style(&mut out, *bold, *big);
                    cur = (*bold, *big);
                }
                gbk(text, &mut out);
                out.push(b'\n');
            }
            Line::Qr(url) => {
                if cur != (false, false) {
                    style(&mut out, false, false);
                    cur = (false, false);
                }
                qr(url, width, &mut out);
            }
        }
    }
    if cur != (false, false) {
        style(&mut out, false, false);
    }
    // ESC d 4: feed four lines so the last line clears the tear bar; GS V 66 0: feed to the cut
    // position and cut (partial cut on printers without a full cutter).
    out.extend_from_slice(&[ESC, b'd', 4]);
    out.extend_from_slice(&[GS, b'V', 66, 0]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_encodes_chinese_and_replaces_unmappable() {
        let mut v = Vec::new();
        gbk("金额A😀€e\u{301}", &mut v);
        assert_eq!(v, [0xBD, 0xF0, 0xB6, 0xEE, b'A', b'?', b'?', b'e']);
        assert!(
            crate::gbk::is_double_byte('·')
                && crate::gbk::is_double_byte('中')
                && !crate::gbk::is_double_byte('😀')
                && !crate::gbk::is_double_byte('a')
        );
    }

    #[test]
    fn qr_store_length() {
        let mut v = Vec::new();
        qr("https://e.example/r/1", 32, &mut v);
        let store = v.windows(3).position(|w| w == [0x31, 0x50, 0x30]).unwrap();
        assert_eq!(v[store - 2], 21 + 3);
    }
}
