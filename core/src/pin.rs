//! PIN blocks (ISO 9564-1): formats 0, 1, 2, 3 and 4, encoding, encryption and translation.
//!
//! The cardholder's PIN leaves the PIN pad only inside an encrypted PIN block (ISO 8583 field 52).
//! The format decides how the PIN is laid out in the block and what it is bound to:
//!
//! | Format | Block | Layout | Bound to |
//! |---|---|---|---|
//! | 0 (ANSI X9.8) | 8 bytes | `0 N PIN F…F` XOR `0000` + 12 PAN digits | PAN |
//! | 1 | 8 bytes | `1 N PIN` random fill | nothing (transaction field) |
//! | 2 | 8 bytes | `2 N PIN F…F` | nothing (ICC offline PIN only) |
//! | 3 | 8 bytes | `3 N PIN` random fill A–F, XOR PAN as format 0 | PAN |
//! | 4 (AES) | 16 bytes | PIN field `4 N PIN A…A` + 8 random bytes, enciphered as `E(E(pin field) ⊕ PAN field)` | PAN |
//!
//! Formats 0–3 are encrypted with a DES-family key (2TDEA, 3TDEA, or single DES for legacy UnionPay
//! PIKs); format 4 needs an AES key. Random fill comes from the injected [`Rng`], so vectors can pin
//! it with a [`crate::rng::SeededRng`].
//!
//! PINs and clear blocks live in zeroizing memory and print as `<redacted>`. Decoding checks the
//! control field, the PIN length, the PIN digits and the fill, and the error names the check that
//! failed; for formats 0 and 3 a failure after the first four nibbles (which the PAN does not touch)
//! is reported as a PAN mismatch, the usual cause.
//!
//! ```
//! use poscore::pin::{self, Pin, PinFormat};
//! use poscore::rng::SeededRng;
//! let p = Pin::new("1234").unwrap();
//! let block = pin::encode(PinFormat::Iso0, &p, Some("4761739001010010"), &mut SeededRng::new(1)).unwrap();
//! assert_eq!(poscore::keys::hex_encode(block.dangerous_reveal()), "041223C6FFEFEFFE");
//! assert_eq!(pin::decode(&block, Some("4761739001010010")).unwrap().dangerous_reveal(), "1234");
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::keys::{Key, KeyError, Operation};
use crate::rng::Rng;

/// Errors encoding, decoding or encrypting a PIN block. Decoding errors name the failed check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PinError {
    /// The PIN is not 4 to 12 digits (on encode), or the block's length nibble is out of range.
    #[error("PIN length {len} is not 4-12")]
    PinLength {
        /// The length found.
        len: usize,
    },
    /// A PIN position holds something other than a decimal digit.
    #[error("PIN digit check failed at nibble {position}: expected 0-9")]
    PinDigit {
        /// Nibble index in the block (on encode: character index in the PIN).
        position: usize,
    },
    /// The control field (first nibble) is not the format number.
    #[error("control field check failed: expected {expected:X}, found {found:X} (wrong key or format?)")]
    ControlField {
        /// The format's control value.
        expected: u8,
        /// The nibble found.
        found: u8,
    },
    /// A fill nibble is not what the format puts there.
    #[error("fill check failed at nibble {position}: found {found:X}, expected {expected}")]
    Fill {
        /// Nibble index in the block.
        position: usize,
        /// The nibble found.
        found: u8,
        /// What the format allows there ("F", "A-F", "A").
        expected: &'static str,
    },
    /// Format 0/3: a check past the first four nibbles failed after the PAN was applied, which is
    /// what a different PAN (or a corrupted block) looks like.
    #[error("PAN mismatch: the {check} check failed at nibble {position} once the PAN was applied (the block was built with another PAN, or is corrupt)")]
    PanMismatch {
        /// Nibble index in the block.
        position: usize,
        /// Which check failed there ("fill" or "PIN digit").
        check: &'static str,
    },
    /// The format binds the PIN to the PAN but none was given.
    #[error("PIN block format {format} needs the PAN")]
    PanRequired {
        /// The format number.
        format: u8,
    },
    /// The PAN given is not 8 to 19 digits.
    #[error("PAN for the PIN block must be 8-19 digits: {reason}")]
    BadPan {
        /// What is wrong.
        reason: &'static str,
    },
    /// A block of the wrong size for its format.
    #[error("format {format} PIN block must be {expected} bytes, got {len}")]
    BlockLength {
        /// The format number.
        format: u8,
        /// Bytes given.
        len: usize,
        /// Bytes the format uses.
        expected: usize,
    },
    /// A format number that is not 0-4.
    #[error("unknown PIN block format {found}: expected 0, 1, 2, 3 or 4")]
    UnknownFormat {
        /// The number given.
        found: u8,
    },
}

impl PinError {
    /// A stable machine-readable code (`pin.fill`, `pin.control_field`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::PinLength { .. } => "pin.pin_length",
            Self::PinDigit { .. } => "pin.pin_digit",
            Self::ControlField { .. } => "pin.control_field",
            Self::Fill { .. } => "pin.fill",
            Self::PanMismatch { .. } => "pin.pan_mismatch",
            Self::PanRequired { .. } => "pin.pan_required",
            Self::BadPan { .. } => "pin.bad_pan",
            Self::BlockLength { .. } => "pin.block_length",
            Self::UnknownFormat { .. } => "pin.unknown_format",
        }
    }
}

/// ISO 9564-1 PIN block format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PinFormat {
    /// Format 0 (ANSI X9.8): F fill, XOR PAN.
    Iso0,
    /// Format 1: random fill, no PAN.
    Iso1,
    /// Format 2: F fill, no PAN; ICC offline PIN only.
    Iso2,
    /// Format 3: random A–F fill, XOR PAN.
    Iso3,
    /// Format 4: AES, 16 bytes, PAN enciphered into the block.
    Iso4,
}

impl PinFormat {
    /// The format for its ISO number (0–4).
    pub fn from_number(n: u8) -> Result<Self, PinError> {
        Ok(match n {
            0 => Self::Iso0,
            1 => Self::Iso1,
            2 => Self::Iso2,
            3 => Self::Iso3,
            4 => Self::Iso4,
            found => return Err(PinError::UnknownFormat { found }),
        })
    }

    /// The ISO number, which is also the control field.
    pub fn number(self) -> u8 {
        match self {
            Self::Iso0 => 0,
            Self::Iso1 => 1,
            Self::Iso2 => 2,
            Self::Iso3 => 3,
            Self::Iso4 => 4,
        }
    }

    /// Clear (and enciphered) block length in bytes: 8, or 16 for format 4.
    pub fn block_len(self) -> usize {
        if self == Self::Iso4 {
            16
        } else {
            8
        }
    }

    /// True when the block is bound to the PAN.
    pub fn needs_pan(self) -> bool {
        matches!(self, Self::Iso0 | Self::Iso3 | Self::Iso4)
    }
}

/// A cardholder PIN: 4 to 12 digits in zeroizing memory, printed as `<redacted>`.
#[derive(Clone)]
pub struct Pin(Zeroizing<String>);

impl Pin {
    /// Checks and wraps a PIN (4–12 decimal digits).
    pub fn new(digits: &str) -> Result<Self, PinError> {
        if !(4..=12).contains(&digits.len()) {
            return Err(PinError::PinLength { len: digits.len() });
        }
        if let Some(position) = digits.bytes().position(|c| !c.is_ascii_digit()) {
            return Err(PinError::PinDigit { position });
        }
        Ok(Self(Zeroizing::new(digits.to_owned())))
    }

    /// The PIN digits. **Dangerous**: only for the PIN pad and tests.
    pub fn dangerous_reveal(&self) -> &str {
        &self.0
    }

    /// Number of digits.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true (a PIN has at least 4 digits); here for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted PIN>")
    }
}

/// A clear (not yet enciphered) PIN block. For format 4 it is the 16-byte plain-text PIN field;
/// the PAN is only combined during encipherment. Zeroized on drop, printed as `<redacted>`.
#[derive(Clone)]
pub struct PinBlock {
    format: PinFormat,
    bytes: Zeroizing<Vec<u8>>,
}

impl PinBlock {
    /// Wraps clear block bytes. **Dangerous**: a clear PIN block is as secret as the PIN.
    pub fn dangerous_from_bytes(format: PinFormat, bytes: &[u8]) -> Result<Self, PinError> {
        check_len(format, bytes.len())?;
        Ok(Self { format, bytes: Zeroizing::new(bytes.to_vec()) })
    }

    /// The clear block. **Dangerous**: only for tests and vectors.
    pub fn dangerous_reveal(&self) -> &[u8] {
        &self.bytes
    }

    /// The block's format.
    pub fn format(&self) -> PinFormat {
        self.format
    }
}

impl fmt::Debug for PinBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinBlock").field("format", &self.format).field("bytes", &"<redacted>").finish()
    }
}

impl fmt::Display for PinBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted ISO format {} PIN block>", self.format.number())
    }
}

fn check_len(format: PinFormat, len: usize) -> Result<(), PinError> {
    if len == format.block_len() {
        Ok(())
    } else {
        Err(PinError::BlockLength { format: format.number(), len, expected: format.block_len() })
    }
}

fn pan_digits(pan: Option<&str>, format: PinFormat) -> Result<&[u8], PinError> {
    let pan = pan.ok_or(PinError::PanRequired { format: format.number() })?.as_bytes();
    if !(8..=19).contains(&pan.len()) {
        return Err(PinError::BadPan { reason: "wrong number of digits" });
    }
    if !pan.iter().all(u8::is_ascii_digit) {
        return Err(PinError::BadPan { reason: "not all digits" });
    }
    Ok(pan)
}

/// Formats 0 and 3: `0000` and the 12 rightmost PAN digits excluding the check digit.
fn pan_field_8(pan: &[u8]) -> [u8; 8] {
    let body = &pan[..pan.len() - 1];
    let digits12 = &body[body.len().saturating_sub(12)..];
    let mut nibbles = [0u8; 16];
    let start = 16 - digits12.len();
    for (i, d) in digits12.iter().enumerate() {
        nibbles[start + i] = d - b'0';
    }
    pack(&nibbles)
}

/// Format 4: length indicator (PAN length − 12, 0 for shorter PANs), PAN (right-justified in 12
/// digits when shorter), zero pad to 32 nibbles.
fn pan_field_16(pan: &[u8]) -> [u8; 16] {
    let mut nibbles = [0u8; 32];
    nibbles[0] = pan.len().saturating_sub(12) as u8;
    let start = 1 + 12usize.saturating_sub(pan.len());
    for (i, d) in pan.iter().enumerate() {
        nibbles[start + i] = d - b'0';
    }
    let mut out = [0u8; 16];
    for (o, pair) in out.iter_mut().zip(nibbles.chunks_exact(2)) {
        *o = pair[0] << 4 | pair[1];
    }
    out
}

fn pack(nibbles: &[u8; 16]) -> [u8; 8] {
    let mut out = [0u8; 8];
    for (o, pair) in out.iter_mut().zip(nibbles.chunks_exact(2)) {
        *o = pair[0] << 4 | pair[1];
    }
    out
}

fn nibble(bytes: &[u8], i: usize) -> u8 {
    if i.is_multiple_of(2) {
        bytes[i / 2] >> 4
    } else {
        bytes[i / 2] & 0x0F
    }
}

/// Random fill nibbles for format 3 (A–F), drawn without bias by rejection sampling.
fn fill_a_to_f(rng: &mut dyn Rng, out: &mut [u8]) -> Result<(), crate::Error> {
    for n in out {
        loop {
            let mut b = [0u8; 1];
            rng.fill(&mut b)?;
            if b[0] < 252 {
                *n = 0xA + b[0] % 6;
                break;
            }
        }
    }
    Ok(())
}

/// Builds the clear PIN block. `pan` is required by formats 0, 3 and 4 (ignored otherwise); fill
/// for formats 1, 3 and 4 comes from `rng`.
pub fn encode(format: PinFormat, pin: &Pin, pan: Option<&str>, rng: &mut dyn Rng) -> Result<PinBlock, crate::Error> {
    let p = pin.dangerous_reveal().as_bytes();
    let n = p.len();
    let len_nibbles = if format == PinFormat::Iso4 { 32 } else { 16 };
    let mut nib = Zeroizing::new(vec![0u8; len_nibbles]);
    nib[0] = format.number();
    nib[1] = n as u8;
    for (i, d) in p.iter().enumerate() {
        nib[2 + i] = d - b'0';
    }
    match format {
        PinFormat::Iso0 | PinFormat::Iso2 => nib[2 + n..].fill(0xF),
        PinFormat::Iso1 => {
            let mut r = Zeroizing::new(vec![0u8; 14 - n]);
            rng.fill(&mut r)?;
            for (o, b) in nib[2 + n..].iter_mut().zip(r.iter()) {
                *o = b & 0x0F;
            }
        }
        PinFormat::Iso3 => fill_a_to_f(rng, &mut nib[2 + n..])?,
        PinFormat::Iso4 => {
            nib[2 + n..16].fill(0xA);
            let mut r = Zeroizing::new([0u8; 8]);
            rng.fill(&mut r[..])?;
            for (i, b) in r.iter().enumerate() {
                nib[16 + 2 * i] = b >> 4;
                nib[17 + 2 * i] = b & 0x0F;
            }
        }
    }
    let mut bytes = Zeroizing::new(nib.chunks_exact(2).map(|pr| pr[0] << 4 | pr[1]).collect::<Vec<u8>>());
    if matches!(format, PinFormat::Iso0 | PinFormat::Iso3) {
        let pf = pan_field_8(pan_digits(pan, format)?);
        crate::keys::xor_in_place(&mut bytes, &pf);
    } else if format == PinFormat::Iso4 {
        pan_digits(pan, format)?; // checked now so that encode and encrypt fail alike
    }
    Ok(PinBlock { format, bytes })
}

/// Decodes a clear PIN block, checking control field, length, digits and fill. Formats 0 and 3
/// need the PAN the block was built with.
pub fn decode(block: &PinBlock, pan: Option<&str>) -> Result<Pin, PinError> {
    let format = block.format;
    check_len(format, block.bytes.len())?;
    let mut b = Zeroizing::new(block.bytes.to_vec());
    if matches!(format, PinFormat::Iso0 | PinFormat::Iso3) {
        let pf = pan_field_8(pan_digits(pan, format)?);
        crate::keys::xor_in_place(&mut b, &pf);
    }
    let pan_bound = matches!(format, PinFormat::Iso0 | PinFormat::Iso3);
    let found = nibble(&b, 0);
    if found != format.number() {
        return Err(PinError::ControlField { expected: format.number(), found });
    }
    let n = nibble(&b, 1) as usize;
    if !(4..=12).contains(&n) {
        return Err(PinError::PinLength { len: n });
    }
    let mut pin = Zeroizing::new(String::with_capacity(n));
    for position in 2..2 + n {
        let d = nibble(&b, position);
        if d > 9 {
            return Err(if pan_bound && position >= 4 {
                PinError::PanMismatch { position, check: "PIN digit" }
            } else {
                PinError::PinDigit { position }
            });
        }
        pin.push(char::from(b'0' + d));
    }
    let (fill_end, expected, ok): (usize, &'static str, fn(u8) -> bool) = match format {
        PinFormat::Iso0 | PinFormat::Iso2 => (16, "F", |x| x == 0xF),
        PinFormat::Iso1 => (16, "any", |_| true),
        PinFormat::Iso3 => (16, "A-F", |x| x >= 0xA),
        PinFormat::Iso4 => (16, "A", |x| x == 0xA),
    };
    for position in 2 + n..fill_end {
        let found = nibble(&b, position);
        if !ok(found) {
            return Err(if pan_bound && position >= 4 {
                PinError::PanMismatch { position, check: "fill" }
            } else {
                PinError::Fill { position, found, expected }
            });
        }
    }
    Ok(Pin(pin))
}

fn check_key(key: &Key, format: PinFormat) -> Result<(), crate::Error> {
    key.require(Operation::Pin)?;
    let alg = key.algorithm();
    let fits = if format == PinFormat::Iso4 {
        matches!(alg.block_len(), 16) && alg != crate::keys::Algorithm::Sm4
    } else {
        alg.is_des_family()
    };
    if fits {
        Ok(())
    } else {
        Err(KeyError::WrongAlgorithm {
            algorithm: alg,
            operation: "this PIN block format",
            expected: if format == PinFormat::Iso4 { "AES (format 4)" } else { "DES, 2TDEA or 3TDEA (formats 0-3)" },
        }
        .into())
    }
}

/// Enciphers a clear PIN block under a PIN key. Format 4 also needs the PAN here (it is
/// combined between the two AES encryptions).
pub fn encrypt(key: &Key, block: &PinBlock, pan: Option<&str>) -> Result<Vec<u8>, crate::Error> {
    check_key(key, block.format)?;
    let c = key.cipher();
    let mut out = block.bytes.to_vec();
    c.encrypt_block(&mut out);
    if block.format == PinFormat::Iso4 {
        let pf = pan_field_16(pan_digits(pan, block.format)?);
        crate::keys::xor_in_place(&mut out, &pf);
        c.encrypt_block(&mut out);
    }
    Ok(out)
}

/// Deciphers an enciphered PIN block to the clear block (not yet validated: see [`decode`]).
pub fn decrypt(key: &Key, format: PinFormat, enciphered: &[u8], pan: Option<&str>) -> Result<PinBlock, crate::Error> {
    check_key(key, format)?;
    check_len(format, enciphered.len())?;
    let c = key.cipher();
    let mut b = Zeroizing::new(enciphered.to_vec());
    c.decrypt_block(&mut b);
    if format == PinFormat::Iso4 {
        let pf = pan_field_16(pan_digits(pan, format)?);
        crate::keys::xor_in_place(&mut b, &pf);
        c.decrypt_block(&mut b);
    }
    Ok(PinBlock { format, bytes: b })
}

/// Encodes and enciphers in one step (what a PIN pad does).
pub fn encrypt_pin(
    key: &Key,
    format: PinFormat,
    pin: &Pin,
    pan: Option<&str>,
    rng: &mut dyn Rng,
) -> Result<Vec<u8>, crate::Error> {
    check_key(key, format)?;
    let block = encode(format, pin, pan, rng)?;
    encrypt(key, &block, pan)
}

/// Deciphers and decodes in one step (what the host or an HSM does to verify a PIN).
pub fn decrypt_pin(key: &Key, format: PinFormat, enciphered: &[u8], pan: Option<&str>) -> Result<Pin, crate::Error> {
    let block = decrypt(key, format, enciphered, pan)?;
    Ok(decode(&block, pan)?)
}

/// PIN translation, as an acquirer host or HSM does between zones: decipher under `from_key` in
/// `from_format`, validate, re-encode in `to_format` (fresh fill from `rng`) and encipher under
/// `to_key`. The clear PIN exists only in zeroizing memory inside this call.
pub fn translate(
    from_key: &Key,
    from_format: PinFormat,
    to_key: &Key,
    to_format: PinFormat,
    enciphered: &[u8],
    pan: Option<&str>,
    rng: &mut dyn Rng,
) -> Result<Vec<u8>, crate::Error> {
    check_key(to_key, to_format)?;
    let pin = decrypt_pin(from_key, from_format, enciphered, pan)?;
    encrypt_pin(to_key, to_format, &pin, pan, rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{hex_decode, hex_encode, Algorithm, KeyUsage};
    use crate::rng::SeededRng;

    const PAN: &str = "4761739001010010";

    #[test]
    fn format0_known() {
        // 0412 34FF FFFF FFFF XOR 0000 1739 0010 1001 (12 digits left of the check digit).
        let b = encode(PinFormat::Iso0, &Pin::new("1234").unwrap(), Some(PAN), &mut SeededRng::new(0)).unwrap();
        assert_eq!(hex_encode(b.dangerous_reveal()), "041223C6FFEFEFFE");
    }

    #[test]
    fn round_trips_all_formats() {
        let tdes =
            Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::PinEncryption, "0123456789ABCDEFFEDCBA9876543210")
                .unwrap();
        let aes =
            Key::dangerous_from_hex(Algorithm::Aes128, KeyUsage::PinEncryption, "000102030405060708090A0B0C0D0E0F")
                .unwrap();
        let mut rng = SeededRng::new(3);
        for f in 0..=4 {
            let format = PinFormat::from_number(f).unwrap();
            let key = if f == 4 { &aes } else { &tdes };
            for pin in ["1234", "123456789012", "0000"] {
                let p = Pin::new(pin).unwrap();
                let enc = encrypt_pin(key, format, &p, Some(PAN), &mut rng).unwrap();
                assert_eq!(decrypt_pin(key, format, &enc, Some(PAN)).unwrap().dangerous_reveal(), pin);
            }
        }
    }

    #[test]
    fn pan_mismatch_named() {
        let b = encode(PinFormat::Iso0, &Pin::new("1234").unwrap(), Some(PAN), &mut SeededRng::new(0)).unwrap();
        let e = decode(&b, Some("6212345678901232")).unwrap_err();
        assert_eq!(e.code(), "pin.pan_mismatch");
    }

    #[test]
    fn wrong_usage_is_typed() {
        let mak =
            Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::MacBoth, "0123456789ABCDEFFEDCBA9876543210").unwrap();
        let e = encrypt_pin(&mak, PinFormat::Iso0, &Pin::new("1234").unwrap(), Some(PAN), &mut SeededRng::new(0));
        assert_eq!(e.unwrap_err().code(), "keys.wrong_usage");
    }

    #[test]
    fn format4_matches_psec_layout() {
        let block =
            PinBlock::dangerous_from_bytes(PinFormat::Iso4, &hex_decode("441234AAAAAAAAAA0000000000000000").unwrap())
                .unwrap();
        assert_eq!(decode(&block, None).unwrap().dangerous_reveal(), "1234");
        assert_eq!(hex_encode(&pan_field_16(b"1122334455667788990")), "71122334455667788990000000000000");
        assert_eq!(hex_encode(&pan_field_16(b"12345678")), "00000123456780000000000000000000");
    }
}
