//! TCP framing as a pure codec: length header, TPDU, terminal header, message.
//!
//! On the wire a POS message is `[length][TPDU][header][ISO 8583 message]` (jPOS `NACChannel`
//! layout; UnionPay terminals use a 2-byte binary length, the 5-byte TPDU `60 NNNN MMMM` and a
//! 6-byte header). The length counts every byte after itself. No socket is touched here: a
//! driver feeds received chunks to a [`FrameDecoder`] and writes what [`FrameConfig::encode`]
//! returns.
//!
//! ```
//! use poscore::iso8583::{Frame, FrameConfig, FrameDecoder, Tpdu};
//! let cfg = FrameConfig::cup();
//! let frame = Frame { tpdu: Some(Tpdu::parse(&[0x60, 0x00, 0x03, 0x00, 0x00])?), header: vec![0x60, 0x31, 0x00, 0x31, 0x10, 0x01], message: vec![0x02, 0x00] };
//! let wire = cfg.encode(&frame)?;
//! assert_eq!(&wire[..2], &[0x00, 0x0D]);
//! let mut dec = FrameDecoder::new(cfg);
//! dec.push(&wire[..3]);
//! assert_eq!(dec.next_frame()?, None);
//! dec.push(&wire[3..]);
//! assert_eq!(dec.next_frame()?, Some(frame));
//! # Ok::<(), poscore::iso8583::Iso8583Error>(())
//! ```

use serde::{Deserialize, Serialize};

use super::codec::hex_upper;
use super::Iso8583Error;

type Result<T> = core::result::Result<T, Iso8583Error>;

/// The length header in front of each frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LengthHeader {
    /// Two bytes, unsigned big-endian (UnionPay, jPOS NACChannel).
    Binary2,
    /// Two bytes of packed BCD (up to 9999).
    Bcd2,
    /// Four ASCII digits (up to 9999).
    Ascii4,
}

impl LengthHeader {
    fn len(self) -> usize {
        match self {
            Self::Binary2 | Self::Bcd2 => 2,
            Self::Ascii4 => 4,
        }
    }

    fn capacity(self) -> usize {
        match self {
            Self::Binary2 => 0xffff,
            Self::Bcd2 | Self::Ascii4 => 9999,
        }
    }

    fn write(self, n: usize, out: &mut Vec<u8>) {
        match self {
            Self::Binary2 => out.extend_from_slice(&(n as u16).to_be_bytes()),
            Self::Bcd2 => {
                out.push(((n / 1000 % 10) << 4 | (n / 100 % 10)) as u8);
                out.push((((n / 10 % 10) << 4) | (n % 10)) as u8);
            }
            Self::Ascii4 => out.extend_from_slice(format!("{n:04}").as_bytes()),
        }
    }

    fn read(self, b: &[u8], offset: usize) -> Result<usize> {
        let bad = |expected| Iso8583Error::BadFrame { found: hex_upper(b), offset, expected };
        match self {
            Self::Binary2 => Ok(usize::from(b[0]) << 8 | usize::from(b[1])),
            Self::Bcd2 => {
                if b.iter().all(|&x| x >> 4 <= 9 && x & 0xf <= 9) {
                    Ok(b.iter().fold(0, |acc, &x| acc * 100 + usize::from(x >> 4) * 10 + usize::from(x & 0xf)))
                } else {
                    Err(bad("a BCD length"))
                }
            }
            Self::Ascii4 => {
                if b.iter().all(u8::is_ascii_digit) {
                    Ok(b.iter().fold(0, |acc, &x| acc * 10 + usize::from(x - b'0')))
                } else {
                    Err(bad("an ASCII length"))
                }
            }
        }
    }
}

/// Transport protocol data unit: `60 DDDD SSSS` (ID, destination and source NII).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tpdu {
    /// Protocol ID, 0x60 for ISO 8583 over a NAC.
    pub id: u8,
    /// Destination address (NII), as two raw bytes big-endian.
    pub destination: u16,
    /// Source address.
    pub source: u16,
}

impl Tpdu {
    /// Read five bytes.
    pub fn parse(b: &[u8]) -> Result<Self> {
        match b {
            &[id, d0, d1, s0, s1] => {
                Ok(Self { id, destination: u16::from_be_bytes([d0, d1]), source: u16::from_be_bytes([s0, s1]) })
            }
            _ => Err(Iso8583Error::BadFrame { found: hex_upper(b), offset: 0, expected: "a 5-byte TPDU" }),
        }
    }

    /// The five bytes.
    pub fn to_bytes(self) -> [u8; 5] {
        let d = self.destination.to_be_bytes();
        let s = self.source.to_be_bytes();
        [self.id, d[0], d[1], s[0], s[1]]
    }

    /// The TPDU of the reply: source and destination swapped.
    #[must_use]
    pub fn response(self) -> Self {
        Self { id: self.id, destination: self.source, source: self.destination }
    }
}

/// The 6-byte UnionPay POS message header (报文头) that follows the TPDU *(field practice)*:
/// application type n2, software version n2, terminal status n1 and processing requirement n1,
/// software sub-version n6, all BCD. The host answers with the processing requirement set when
/// it wants the terminal to act (for example 3: sign on again; the codes belong to the acquirer
/// profile, not to this codec).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CupHeader {
    /// Application type (0x60 for POS).
    pub app_type: u8,
    /// Software version byte.
    pub version: u8,
    /// Terminal status nibble.
    pub terminal_status: u8,
    /// Processing requirement nibble (处理要求).
    pub processing_requirement: u8,
    /// Software sub-version, three bytes.
    pub sub_version: [u8; 3],
}

impl CupHeader {
    /// Read the six header bytes of a [`Frame`].
    pub fn parse(b: &[u8]) -> Result<Self> {
        match b {
            &[app_type, version, status, s0, s1, s2] => Ok(Self {
                app_type,
                version,
                terminal_status: status >> 4,
                processing_requirement: status & 0xf,
                sub_version: [s0, s1, s2],
            }),
            _ => Err(Iso8583Error::BadFrame { found: hex_upper(b), offset: 0, expected: "a 6-byte UnionPay header" }),
        }
    }

    /// The six bytes.
    pub fn to_bytes(self) -> [u8; 6] {
        let [s0, s1, s2] = self.sub_version;
        [self.app_type, self.version, (self.terminal_status << 4) | (self.processing_requirement & 0xf), s0, s1, s2]
    }
}

/// One frame's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    /// TPDU, when the config carries one.
    pub tpdu: Option<Tpdu>,
    /// Terminal header bytes (`header_len` of them).
    pub header: Vec<u8>,
    /// The ISO 8583 message (MTI first).
    pub message: Vec<u8>,
}

impl Frame {
    /// The frame a host answers with: TPDU swapped, same header, `message` as the body.
    #[must_use]
    pub fn response(&self, message: Vec<u8>) -> Frame {
        Frame { tpdu: self.tpdu.map(Tpdu::response), header: self.header.clone(), message }
    }
}

/// How frames are laid out on one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameConfig {
    /// Length header.
    pub length: LengthHeader,
    /// Whether a 5-byte TPDU follows the length.
    pub tpdu: bool,
    /// Bytes of terminal header after the TPDU (6 for UnionPay, 0 for none).
    #[serde(default)]
    pub header_len: usize,
    /// Largest frame accepted or produced (bytes after the length header).
    pub max_frame: usize,
}

impl FrameConfig {
    /// UnionPay POS: 2-byte binary length, TPDU, 6-byte header, 8 KiB limit.
    pub fn cup() -> Self {
        Self { length: LengthHeader::Binary2, tpdu: true, header_len: 6, max_frame: 8192 }
    }

    fn tpdu_len(&self) -> usize {
        if self.tpdu {
            5
        } else {
            0
        }
    }

    /// TPDU and header bytes in front of the message. Saturating: `header_len` is a public
    /// field a caller may set to anything (`usize::MAX` from a command-line flag), and
    /// [`FrameConfig::validate`] rejects such a config before any frame is built or split.
    fn overhead(&self) -> usize {
        self.tpdu_len().saturating_add(self.header_len)
    }

    fn limit(&self) -> usize {
        self.max_frame.min(self.length.capacity())
    }

    /// Checks that the TPDU and the terminal header fit in one frame: the length header counts
    /// at most 65535 bytes (binary) or 9999 (BCD, ASCII), and `max_frame` may allow fewer.
    /// [`encode`](Self::encode), [`decode`](Self::decode) and [`FrameDecoder`] call it first.
    pub fn validate(&self) -> Result<()> {
        if self.overhead() > self.limit() {
            return Err(Iso8583Error::BadFrameConfig {
                header_len: self.header_len,
                tpdu: self.tpdu_len(),
                max: self.limit(),
            });
        }
        Ok(())
    }

    /// Bytes to write for `frame`.
    pub fn encode(&self, frame: &Frame) -> Result<Vec<u8>> {
        self.validate()?;
        if frame.tpdu.is_some() != self.tpdu {
            return Err(Iso8583Error::BadFrame {
                found: if self.tpdu { "no TPDU" } else { "a TPDU" }.into(),
                offset: 0,
                expected: if self.tpdu { "a TPDU (this config has one)" } else { "no TPDU (this config has none)" },
            });
        }
        if frame.header.len() != self.header_len {
            return Err(Iso8583Error::BadFrame {
                found: hex_upper(&frame.header),
                offset: 0,
                expected: "a header of the configured length",
            });
        }
        let n = self.overhead().saturating_add(frame.message.len());
        if n > self.limit() {
            return Err(Iso8583Error::FrameTooLarge { len: n, max: self.limit(), offset: None });
        }
        let mut out = Vec::with_capacity(self.length.len() + n);
        self.length.write(n, &mut out);
        if let Some(t) = frame.tpdu {
            out.extend_from_slice(&t.to_bytes());
        }
        out.extend_from_slice(&frame.header);
        out.extend_from_slice(&frame.message);
        Ok(out)
    }

    /// Decode exactly one frame filling `input`.
    pub fn decode(&self, input: &[u8]) -> Result<Frame> {
        let mut d = FrameDecoder::new(self.clone());
        d.push(input);
        match d.next_frame()? {
            Some(f) if d.buffered() == 0 => Ok(f),
            Some(_) => Err(Iso8583Error::TrailingData { offset: input.len() - d.buffered(), count: d.buffered() }),
            None => Err(Iso8583Error::Truncated {
                field: 0,
                offset: input.len(),
                needed: d.needed(),
                expected: "the rest of the frame",
            }),
        }
    }

    fn split(&self, body: &[u8], offset: usize) -> Result<Frame> {
        if body.len() < self.overhead() {
            return Err(Iso8583Error::BadFrame {
                found: hex_upper(body),
                offset,
                expected: "a frame long enough for its TPDU and header",
            });
        }
        let (tpdu, rest) = if self.tpdu { (Some(Tpdu::parse(&body[..5])?), &body[5..]) } else { (None, body) };
        Ok(Frame { tpdu, header: rest[..self.header_len].to_vec(), message: rest[self.header_len..].to_vec() })
    }
}

/// Streaming decoder: push bytes as they arrive, in chunks of any size, and take whole frames.
/// A length above the limit is an error as soon as the header arrives (the driver should drop
/// the connection), so a hostile peer cannot make it buffer more than one maximal frame.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    config: FrameConfig,
    buf: Vec<u8>,
    start: usize,
    consumed: usize,
    failed: Option<Iso8583Error>,
}

impl FrameDecoder {
    /// A decoder for `config`.
    pub fn new(config: FrameConfig) -> Self {
        Self { config, buf: Vec::new(), start: 0, consumed: 0, failed: None }
    }

    /// Add received bytes.
    pub fn push(&mut self, chunk: &[u8]) {
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start > 4096 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// Bytes buffered and not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Bytes still needed to complete the next frame (at least 1 when one is incomplete).
    pub fn needed(&self) -> usize {
        let avail = &self.buf[self.start..];
        let hl = self.config.length.len();
        if avail.len() < hl {
            return hl - avail.len();
        }
        match self.config.length.read(&avail[..hl], 0) {
            Ok(n) => (hl + n).saturating_sub(avail.len()),
            Err(_) => 0,
        }
    }

    /// The next whole frame, `None` when more bytes are needed. After an error the decoder
    /// keeps returning it: the stream cannot be resynchronised.
    pub fn next_frame(&mut self) -> Result<Option<Frame>> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let r = self.next_inner();
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    fn next_inner(&mut self) -> Result<Option<Frame>> {
        self.config.validate()?;
        let avail = &self.buf[self.start..];
        let hl = self.config.length.len();
        if avail.len() < hl {
            return Ok(None);
        }
        let at = self.consumed;
        let n = self.config.length.read(&avail[..hl], at)?;
        if n > self.config.limit() {
            return Err(Iso8583Error::FrameTooLarge { len: n, max: self.config.limit(), offset: Some(at) });
        }
        if avail.len() < hl + n {
            return Ok(None);
        }
        let frame = self.config.split(&avail[hl..hl + n], at + hl)?;
        self.start += hl + n;
        self.consumed += hl + n;
        Ok(Some(frame))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cup_header_round_trip() {
        let h = CupHeader::parse(&[0x60, 0x31, 0x03, 0x31, 0x00, 0x01]).unwrap();
        assert_eq!(h.terminal_status, 0);
        assert_eq!(h.processing_requirement, 3);
        assert_eq!(h.to_bytes(), [0x60, 0x31, 0x03, 0x31, 0x00, 0x01]);
        assert!(CupHeader::parse(&[0x60]).is_err());
    }

    #[test]
    fn oversized_frame_is_refused_on_encode() {
        let cfg = FrameConfig { length: LengthHeader::Bcd2, tpdu: false, header_len: 0, max_frame: 100_000 };
        let f = Frame { tpdu: None, header: vec![], message: vec![0; 10_000] };
        assert_eq!(cfg.encode(&f).unwrap_err().code(), "iso8583.frame_too_large");
    }

    #[test]
    fn header_len_beyond_any_frame_is_an_error_not_an_overflow() {
        for length in [LengthHeader::Binary2, LengthHeader::Bcd2, LengthHeader::Ascii4] {
            // `usize::MAX >> 10`: far beyond any frame on 64- and 32-bit (wasm32) targets alike.
            for header_len in [usize::MAX, usize::MAX - 4, usize::MAX >> 10, length.capacity() - 4] {
                let cfg = FrameConfig { length, tpdu: true, header_len, max_frame: usize::MAX };
                let e = cfg.decode(&[0x00, 0x10, 0x60, 0, 0, 0, 0]).unwrap_err();
                assert_eq!(e.code(), "iso8583.bad_frame_config", "{e}");
                assert!(e.to_string().contains(&format!("header_len {header_len} plus 5 TPDU bytes")), "{e}");
                let f =
                    Frame { tpdu: Some(Tpdu::parse(&[0x60, 0, 0, 0, 0]).unwrap()), header: vec![], message: vec![] };
                assert_eq!(cfg.encode(&f).unwrap_err().code(), "iso8583.bad_frame_config");
                let mut d = FrameDecoder::new(cfg);
                d.push(&[0x00]);
                assert_eq!(d.next_frame().unwrap_err().code(), "iso8583.bad_frame_config");
            }
            // The largest header that fits is accepted.
            let cfg = FrameConfig { length, tpdu: true, header_len: length.capacity() - 5, max_frame: usize::MAX };
            cfg.validate().unwrap();
        }
        let cfg = FrameConfig { header_len: 8188, ..FrameConfig::cup() };
        assert_eq!(
            cfg.validate().unwrap_err().to_string(),
            "frame config: header_len 8188 plus 5 TPDU bytes is more than the 8192 bytes a frame can hold (the \
             length header's capacity or max_frame)"
        );
        // A TPDU alone beyond a tiny max_frame is refused too.
        let cfg = FrameConfig { length: LengthHeader::Binary2, tpdu: true, header_len: 0, max_frame: 4 };
        assert_eq!(cfg.validate().unwrap_err().code(), "iso8583.bad_frame_config");
    }
}
