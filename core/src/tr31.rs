//! TR-31 key blocks (ANSI X9.143 / ASC X9 TR-31:2018), versions B (TDES) and D (AES).
//!
//! Keys travel between a host, a key-injection facility and a terminal wrapped in a key block:
//! a printable header that says what the key is for (usage, algorithm, mode of use, version,
//! exportability, optional blocks), the encrypted key, and a MAC over both. Binding the header by
//! MAC is the point: an attacker cannot turn a PIN key into a data key by editing one character.
//! [`unwrap`] therefore verifies the MAC (in constant time) before any key byte leaves the block.
//!
//! Version B derives its encryption and MAC keys (KBEK, KBAK) from a 2TDEA/3TDEA key block
//! protection key (KBPK) with TDES-CMAC; version D does the same with AES-CMAC (the "key
//! derivation binding method"). The key is stored as a 2-byte bit length, the key, and random
//! padding that by default hides the key length (to 24 bytes for TDES, 32 for AES).
//!
//! ```
//! use poscore::keys::{Algorithm, Key, KeyUsage, hex_encode};
//! use poscore::tr31;
//! // TR-31:2018 Annex A, version B example.
//! let kbpk = Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::KeyEncryption, "DD7515F2BFC17F85CE48F3CA25CB21F6").unwrap();
//! let kb = tr31::unwrap(&kbpk, "B0080P0TE00E000094B420079CC80BA3461F86FE26EFC4A3B8E4FA4C5F5341176EED7B727B8A248E").unwrap();
//! assert_eq!(kb.header.key_usage, "P0");
//! assert_eq!(hex_encode(kb.dangerous_key_bytes()), "3F419E1CB7079442AA37474C2EFBF8B8");
//! ```

use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::keys::{hex_decode, hex_encode, Algorithm, BlockCipher, Key, KeyError, KeyUsage, Operation};
use crate::rng::Rng;

/// Errors parsing, wrapping and unwrapping key blocks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Tr31Error {
    /// The header is malformed.
    #[error("TR-31 header: {reason} at offset {offset}")]
    BadHeader {
        /// Character offset in the key block.
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A version other than B or D.
    #[error("TR-31 version {found:?} is not supported: expected B (TDES) or D (AES)")]
    UnsupportedVersion {
        /// The version character.
        found: String,
    },
    /// The length in the header does not match the block.
    #[error("TR-31 block is {actual} characters but its header says {declared}")]
    LengthMismatch {
        /// Length in the header.
        declared: usize,
        /// Actual length.
        actual: usize,
    },
    /// The encrypted key data or MAC has an impossible length or is not hex.
    #[error("TR-31 key data: {reason}")]
    BadKeyData {
        /// What is wrong.
        reason: &'static str,
    },
    /// The block's MAC does not verify: wrong KBPK, or the header or key were altered.
    #[error("TR-31 key block MAC does not verify (wrong KBPK or altered block)")]
    MacMismatch,
    /// The header names a key this library cannot turn into a [`Key`].
    #[error("TR-31 {what} {found:?} has no poscore key equivalent")]
    UnsupportedKey {
        /// "algorithm" or "usage".
        what: &'static str,
        /// The header value.
        found: String,
    },
    /// The block would exceed 9999 characters or 99 optional blocks.
    #[error("TR-31 block too large: {reason}")]
    TooLarge {
        /// What overflowed.
        reason: &'static str,
    },
    /// A masked key length (the length the key data is padded to) that no key block can hold.
    #[error(
        "TR-31 masked key length {requested} bytes is too large: at most {max} fit this header \
         (the block length is a 4-digit field, 9999 characters)"
    )]
    MaskedKeyTooLong {
        /// The masked key length asked for.
        requested: usize,
        /// The largest that fits a block with this header and version.
        max: usize,
    },
}

impl Tr31Error {
    /// A stable machine-readable code (`tr31.mac_mismatch`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadHeader { .. } => "tr31.bad_header",
            Self::UnsupportedVersion { .. } => "tr31.unsupported_version",
            Self::LengthMismatch { .. } => "tr31.length_mismatch",
            Self::BadKeyData { .. } => "tr31.bad_key_data",
            Self::MacMismatch => "tr31.mac_mismatch",
            Self::UnsupportedKey { .. } => "tr31.unsupported_key",
            Self::TooLarge { .. } | Self::MaskedKeyTooLong { .. } => "tr31.too_large",
        }
    }
}

/// An optional header block (`KS` key set ID, `KV` key block values, `TS` time stamp, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionalBlock {
    /// Two-character block ID.
    pub id: String,
    /// The block's printable data.
    pub data: String,
}

/// A TR-31 header. Values are the TR-31 codes (`P0`, `T`, `E`, ...), kept as strings so that
/// codes this library does not interpret still round-trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Key block version: `B` or `D`.
    pub version: String,
    /// Key usage (`P0` PIN encryption, `M3` X9.19 MAC, `K0` KEK, `B0` BDK, `D0` data, ...).
    pub key_usage: String,
    /// Algorithm (`T` TDES, `A` AES, `D` DES, ...).
    pub algorithm: String,
    /// Mode of use (`E` encrypt only, `D` decrypt, `B` both, `G`/`V`/`C` MAC, `N`, `X` derive).
    pub mode_of_use: String,
    /// Key version number (two characters, `00` when unused).
    pub key_version: String,
    /// Exportability (`E` exportable under a KEK, `N` not exportable, `S` sensitive).
    pub exportability: String,
    /// Reserved field, `00`.
    #[serde(default = "reserved_default")]
    pub reserved: String,
    /// Optional blocks, in order, without the padding block `PB`.
    #[serde(default)]
    pub optional_blocks: Vec<OptionalBlock>,
}

fn reserved_default() -> String {
    "00".to_owned()
}

struct Version {
    block: usize,
    mac_len: usize,
}

fn version_of(v: &str) -> Result<Version, Tr31Error> {
    match v {
        "B" => Ok(Version { block: 8, mac_len: 8 }),
        "D" => Ok(Version { block: 16, mac_len: 16 }),
        _ => Err(Tr31Error::UnsupportedVersion { found: v.to_owned() }),
    }
}

fn field(s: &str, offset: usize, len: usize, reason: &'static str, ok: fn(u8) -> bool) -> Result<String, Tr31Error> {
    let b = s.as_bytes();
    if b.len() < offset + len {
        return Err(Tr31Error::BadHeader { offset: b.len(), reason: "header ends early" });
    }
    if let Some(i) = b[offset..offset + len].iter().position(|&c| !ok(c)) {
        return Err(Tr31Error::BadHeader { offset: offset + i, reason });
    }
    Ok(s[offset..offset + len].to_owned())
}

fn alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

fn printable(c: u8) -> bool {
    (0x20..0x7F).contains(&c)
}

impl Header {
    /// A header with no optional blocks.
    pub fn new(
        version: &str,
        key_usage: &str,
        algorithm: &str,
        mode_of_use: &str,
        key_version: &str,
        exportability: &str,
    ) -> Self {
        Self {
            version: version.to_owned(),
            key_usage: key_usage.to_owned(),
            algorithm: algorithm.to_owned(),
            mode_of_use: mode_of_use.to_owned(),
            key_version: key_version.to_owned(),
            exportability: exportability.to_owned(),
            reserved: reserved_default(),
            optional_blocks: Vec::new(),
        }
    }

    /// Parses a header (the start of a key block, or a template such as `B0000P0TE00N0000` whose
    /// length field is ignored). Returns the header and the characters it used.
    pub fn parse(s: &str) -> Result<(Self, usize), Tr31Error> {
        let version = field(s, 0, 1, "version is not alphanumeric", alnum)?;
        version_of(&version)?;
        field(s, 1, 4, "length is not 4 digits", |c| c.is_ascii_digit())?;
        let key_usage = field(s, 5, 2, "key usage is not alphanumeric", alnum)?;
        let algorithm = field(s, 7, 1, "algorithm is not alphanumeric", alnum)?;
        let mode_of_use = field(s, 8, 1, "mode of use is not alphanumeric", alnum)?;
        let key_version = field(s, 9, 2, "key version is not alphanumeric", alnum)?;
        let exportability = field(s, 11, 1, "exportability is not alphanumeric", alnum)?;
        let count: usize = field(s, 12, 2, "number of optional blocks is not 2 digits", |c| c.is_ascii_digit())?
            .parse()
            .expect("2 digits");
        let reserved = field(s, 14, 2, "reserved field is not alphanumeric", alnum)?;
        let mut at = 16;
        let mut optional_blocks = Vec::new();
        for _ in 0..count {
            let id = field(s, at, 2, "optional block ID is not alphanumeric", alnum)?;
            let hex_len = |off: usize, n: usize| -> Result<usize, Tr31Error> {
                let f = field(s, off, n, "optional block length is not hex", |c| c.is_ascii_hexdigit())?;
                Ok(usize::from_str_radix(&f, 16).expect("hex"))
            };
            let mut len = hex_len(at + 2, 2)?;
            let mut data_at = at + 4;
            if len == 0 {
                // Extended length: length of the length, then the length (both hex).
                let ll = hex_len(at + 4, 2)?;
                if ll == 0 || ll > 2 {
                    return Err(Tr31Error::BadHeader { offset: at + 4, reason: "bad extended length" });
                }
                len = hex_len(at + 6, ll * 2)?;
                data_at = at + 6 + ll * 2;
            }
            if len < data_at - at {
                return Err(Tr31Error::BadHeader {
                    offset: at + 2,
                    reason: "optional block length shorter than its own header",
                });
            }
            let data = field(s, data_at, len - (data_at - at), "optional block data is not printable", printable)?;
            if id != "PB" {
                optional_blocks.push(OptionalBlock { id, data });
            }
            at += len;
        }
        let h =
            Self { version, key_usage, algorithm, mode_of_use, key_version, exportability, reserved, optional_blocks };
        Ok((h, at))
    }

    /// The header text for a block of `total_len` characters, with optional blocks padded (block
    /// `PB`) to a whole number of cipher blocks.
    fn encode(&self, total_len: usize) -> String {
        let (blocks, count) = self.encode_blocks();
        format!(
            "{}{:04}{}{}{}{}{}{:02}{}{}",
            self.version,
            total_len,
            self.key_usage,
            self.algorithm,
            self.mode_of_use,
            self.key_version,
            self.exportability,
            count,
            self.reserved,
            blocks
        )
    }

    fn encode_blocks(&self) -> (String, usize) {
        let block = version_of(&self.version).map_or(8, |v| v.block);
        let mut s = String::new();
        for b in &self.optional_blocks {
            s += &b.id;
            if b.data.len() + 4 <= 0xFF {
                let _ = write!(s, "{:02X}", b.data.len() + 4);
            } else {
                let _ = write!(s, "0002{:04X}", b.data.len() + 10);
            }
            s += &b.data;
        }
        let mut count = self.optional_blocks.len();
        if !s.len().is_multiple_of(block) {
            let pad = (block - (s.len() + 4) % block) % block;
            let _ = write!(s, "PB{:02X}{}", pad + 4, "0".repeat(pad));
            count += 1;
        }
        (s, count)
    }

    fn validate(&self) -> Result<(), Tr31Error> {
        // Round-trip through the parser: whatever we emit, we (and every other reader) can read.
        let (blocks, count) = self.encode_blocks();
        if count > 99 {
            return Err(Tr31Error::TooLarge { reason: "more than 99 optional blocks" });
        }
        let text = format!(
            "{}0000{}{}{}{}{}{:02}{}{}",
            self.version,
            self.key_usage,
            self.algorithm,
            self.mode_of_use,
            self.key_version,
            self.exportability,
            count,
            self.reserved,
            blocks
        );
        let (parsed, used) = Self::parse(&text)?;
        if parsed != *self || used != text.len() {
            return Err(Tr31Error::BadHeader { offset: 0, reason: "header fields have the wrong lengths" });
        }
        Ok(())
    }
}

/// An unwrapped key block: the authenticated header and the key, which is zeroized on drop and
/// never printed.
pub struct KeyBlock {
    /// The header (authenticated by the block MAC).
    pub header: Header,
    key: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for KeyBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyBlock").field("header", &self.header).field("key", &"<redacted>").finish()
    }
}

impl KeyBlock {
    /// The plain key bytes. **Dangerous**: for key ceremony tools and tests.
    pub fn dangerous_key_bytes(&self) -> &[u8] {
        &self.key
    }

    /// The key as a typed [`Key`], its algorithm and usage taken from the (authenticated) header.
    pub fn to_key(&self) -> Result<Key, crate::Error> {
        let h = &self.header;
        let alg = match h.algorithm.as_str() {
            "T" => Algorithm::des_for_len(self.key.len())?,
            "D" => Algorithm::Des,
            "A" => Algorithm::aes_for_len(self.key.len())?,
            other => return Err(Tr31Error::UnsupportedKey { what: "algorithm", found: other.to_owned() }.into()),
        };
        let usage = match (h.key_usage.as_str(), h.mode_of_use.as_str()) {
            ("P0", _) => KeyUsage::PinEncryption,
            (u, "G") if u.starts_with('M') => KeyUsage::MacGenerate,
            (u, "V") if u.starts_with('M') => KeyUsage::MacVerify,
            (u, _) if u.starts_with('M') => KeyUsage::MacBoth,
            ("D0" | "D1" | "D2", _) => KeyUsage::DataEncryption,
            ("K0" | "K1" | "K2" | "K3", _) => KeyUsage::KeyEncryption,
            ("B0", _) => KeyUsage::Bdk,
            ("B1", _) => KeyUsage::DukptInitialKey,
            // EMV/chip issuer master key: application cryptograms (ANSI X9.143 / TR-31 E0).
            ("E0", _) => KeyUsage::IssuerMasterKey,
            (other, _) => return Err(Tr31Error::UnsupportedKey { what: "usage", found: other.to_owned() }.into()),
        };
        Ok(Key::dangerous_from_bytes(alg, usage, &self.key)?)
    }
}

fn check_kbpk(kbpk: &Key, version: &str) -> Result<Version, crate::Error> {
    kbpk.require(Operation::WrapKey)?;
    let v = version_of(version)?;
    let ok = match version {
        "B" => matches!(kbpk.algorithm(), Algorithm::Tdes2 | Algorithm::Tdes3),
        _ => matches!(kbpk.algorithm(), Algorithm::Aes128 | Algorithm::Aes192 | Algorithm::Aes256),
    };
    if !ok {
        return Err(KeyError::WrongAlgorithm {
            algorithm: kbpk.algorithm(),
            operation: "a TR-31 KBPK of this version",
            expected: if version == "B" { "2TDEA or 3TDEA (version B)" } else { "AES (version D)" },
        }
        .into());
    }
    Ok(v)
}

/// KBEK and KBAK by the key derivation binding method: CMAC under the KBPK of
/// `counter | usage (0000 enc, 0001 MAC) | 00 | algorithm | length in bits`.
fn derive(kbpk: &Key) -> (Zeroizing<Vec<u8>>, Zeroizing<Vec<u8>>) {
    let alg = kbpk.algorithm();
    let (code, bits): (u16, u16) = match alg {
        Algorithm::Tdes2 => (0x0000, 128),
        Algorithm::Tdes3 => (0x0001, 192),
        Algorithm::Aes128 => (0x0002, 128),
        Algorithm::Aes192 => (0x0003, 192),
        _ => (0x0004, 256),
    };
    let c = kbpk.cipher();
    let one = |usage: u16| {
        let mut out = Zeroizing::new(Vec::new());
        let mut counter = 1u8;
        while out.len() < alg.key_len() {
            let mut d = [0u8; 8];
            d[0] = counter;
            d[1..3].copy_from_slice(&usage.to_be_bytes());
            d[4..6].copy_from_slice(&code.to_be_bytes());
            d[6..8].copy_from_slice(&bits.to_be_bytes());
            out.extend_from_slice(&Zeroizing::new(c.cmac(&d)));
            counter += 1;
        }
        out.truncate(alg.key_len());
        out
    };
    (one(0x0000), one(0x0001))
}

/// Wraps `key` under `kbpk` with `header`. `masked_key_len` pads the key data to hide the key's
/// length (default: 24 bytes for TDES/DES algorithms, 32 for AES); padding comes from `rng`.
pub fn wrap(
    kbpk: &Key,
    header: &Header,
    key: &Key,
    masked_key_len: Option<usize>,
    rng: &mut dyn Rng,
) -> Result<String, crate::Error> {
    let v = check_kbpk(kbpk, &header.version)?;
    header.validate()?;
    let fits = match header.algorithm.as_str() {
        "T" => key.algorithm().is_des_family(), // psec and HSMs accept a single-length key as TDES K1=K2=K3
        "D" => key.algorithm() == Algorithm::Des,
        "A" => matches!(key.algorithm(), Algorithm::Aes128 | Algorithm::Aes192 | Algorithm::Aes256),
        _ => true, // algorithms poscore has no Key type for (HMAC, RSA...) are the caller's to label
    };
    if !fits {
        return Err(KeyError::WrongAlgorithm {
            algorithm: key.algorithm(),
            operation: "a TR-31 block whose header names another algorithm",
            expected: "the algorithm in the header (T: TDES, D: DES, A: AES)",
        }
        .into());
    }
    let k = key.dangerous_reveal();
    if k.len() > kbpk.algorithm().key_len() {
        return Err(KeyError::WrongAlgorithm {
            algorithm: key.algorithm(),
            operation: "wrapping under a shorter KBPK",
            expected: "a key no longer than the KBPK",
        }
        .into());
    }
    let max = match header.algorithm.as_str() {
        "T" | "D" => 24,
        "A" => 32,
        _ => k.len(),
    };
    let (blocks, _) = header.encode_blocks();
    // The caller's masked length is checked against what a block can hold before any arithmetic
    // or allocation uses it: `usize::MAX` (a CLI flag, a JS number) would otherwise overflow, and
    // 10^11 would abort on allocation, taking the wasm module or the terminal app down with it.
    let max_masked = max_masked_key_len(blocks.len(), &v);
    if let Some(requested) = masked_key_len.filter(|&n| n > max_masked) {
        return Err(Tr31Error::MaskedKeyTooLong { requested, max: max_masked }.into());
    }
    let masked = masked_key_len.unwrap_or(max).max(k.len());
    let extra = masked - k.len();
    let pad_len = v.block - (2 + k.len() + extra) % v.block + extra;
    let total = 16 + blocks.len() + (2 + k.len() + pad_len) * 2 + v.mac_len * 2;
    if total > 9999 {
        return Err(Tr31Error::TooLarge { reason: "more than 9999 characters" }.into());
    }
    let mut clear = Zeroizing::new(Vec::with_capacity(2 + k.len() + pad_len));
    clear.extend_from_slice(&((k.len() * 8) as u16).to_be_bytes());
    clear.extend_from_slice(k);
    let mut pad = vec![0u8; pad_len];
    rng.fill(&mut pad)?;
    clear.extend_from_slice(&pad);
    let head = header.encode(total);
    let (enc_key, mac_key) = derive(kbpk);
    let mac = mac_of(kbpk.algorithm(), &mac_key, &head, &clear, v.mac_len);
    let mut enc = clear.to_vec();
    BlockCipher::new(kbpk.algorithm(), &enc_key).cbc_encrypt(&mac, &mut enc);
    Ok(format!("{head}{}{}", hex_encode(&enc), hex_encode(&mac)))
}

/// The largest masked key length a block can carry after a header whose optional blocks take
/// `blocks_len` characters: the block is at most 9999 characters (its length is a 4-digit
/// field), of which 16 are the fixed header and `2 * mac_len` the MAC; the key data is hex, and
/// is its 2-byte bit length, the key and padding rounded up to a whole cipher block with at
/// least one byte of padding.
fn max_masked_key_len(blocks_len: usize, v: &Version) -> usize {
    let data_bytes = 9999usize.saturating_sub(16 + blocks_len + 2 * v.mac_len) / 2;
    let whole_blocks = data_bytes - data_bytes % v.block;
    whole_blocks.saturating_sub(3)
}

fn mac_of(alg: Algorithm, kbak: &[u8], header: &str, clear: &[u8], mac_len: usize) -> Vec<u8> {
    let mut data = header.as_bytes().to_vec();
    data.extend_from_slice(clear);
    let mut m = BlockCipher::new(alg, kbak).cmac(&data);
    m.truncate(mac_len);
    m
}

/// Unwraps a key block: parses the header, checks lengths, decrypts, and verifies the MAC in
/// constant time before returning anything derived from the key.
pub fn unwrap(kbpk: &Key, block: &str) -> Result<KeyBlock, crate::Error> {
    if let Some(offset) = block.bytes().position(|c| !printable(c)) {
        return Err(Tr31Error::BadHeader { offset, reason: "key block is not printable ASCII" }.into());
    }
    let (header, head_len) = Header::parse(block)?;
    let v = check_kbpk(kbpk, &header.version)?;
    let declared: usize = block[1..5].parse().expect("4 digits checked");
    if declared != block.len() {
        return Err(Tr31Error::LengthMismatch { declared, actual: block.len() }.into());
    }
    if !block.len().is_multiple_of(v.block) {
        return Err(Tr31Error::BadKeyData { reason: "block length is not a multiple of the cipher block" }.into());
    }
    let rest = &block[head_len..];
    if rest.len() < v.mac_len * 2 + v.block * 2 {
        return Err(Tr31Error::BadKeyData { reason: "no room for key data and MAC" }.into());
    }
    let (enc_hex, mac_hex) = rest.split_at(rest.len() - v.mac_len * 2);
    let mac = hex_decode(mac_hex).map_err(|_| Tr31Error::BadKeyData { reason: "MAC is not hex" })?;
    let enc = hex_decode(enc_hex).map_err(|_| Tr31Error::BadKeyData { reason: "encrypted key is not hex" })?;
    if enc.len() % v.block != 0 {
        return Err(Tr31Error::BadKeyData { reason: "encrypted key is not whole cipher blocks" }.into());
    }
    let (enc_key, mac_key) = derive(kbpk);
    let mut clear = Zeroizing::new(enc);
    BlockCipher::new(kbpk.algorithm(), &enc_key).cbc_decrypt(&mac, &mut clear);
    let expected = mac_of(kbpk.algorithm(), &mac_key, &block[..head_len], &clear, v.mac_len);
    if !bool::from(expected.ct_eq(&mac)) {
        return Err(Tr31Error::MacMismatch.into());
    }
    let bits = u16::from_be_bytes([clear[0], clear[1]]) as usize;
    if bits == 0 || !bits.is_multiple_of(8) || bits / 8 > clear.len() - 2 {
        return Err(Tr31Error::BadKeyData { reason: "key length field is invalid" }.into());
    }
    let key = Zeroizing::new(clear[2..2 + bits / 8].to_vec());
    Ok(KeyBlock { header, key })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;

    fn k(alg: Algorithm, usage: KeyUsage, hex: &str) -> Key {
        Key::dangerous_from_hex(alg, usage, hex).unwrap()
    }

    #[test]
    fn round_trip_with_blocks() {
        let kbpk = k(Algorithm::Aes256, KeyUsage::KeyEncryption, &"AB".repeat(32));
        let key = k(Algorithm::Aes128, KeyUsage::PinEncryption, &"CD".repeat(16));
        let mut h = Header::new("D", "P0", "A", "E", "00", "N");
        h.optional_blocks.push(OptionalBlock { id: "KS".into(), data: "00604B120F9292800000".into() });
        let s = wrap(&kbpk, &h, &key, None, &mut SeededRng::new(1)).unwrap();
        let kb = unwrap(&kbpk, &s).unwrap();
        assert_eq!(kb.header, h);
        assert_eq!(kb.dangerous_key_bytes(), key.dangerous_reveal());
        assert_eq!(kb.to_key().unwrap().usage(), KeyUsage::PinEncryption);
        // Changing one header character breaks the MAC.
        let tampered = s.replacen("P0", "D0", 1);
        assert_eq!(unwrap(&kbpk, &tampered).unwrap_err().code(), "tr31.mac_mismatch");
    }

    #[test]
    fn header_algorithm_must_match_the_key() {
        let kbpk = k(Algorithm::Aes256, KeyUsage::KeyEncryption, &"AB".repeat(32));
        let key = k(Algorithm::Tdes2, KeyUsage::PinEncryption, &"CD".repeat(16));
        let h = Header::new("D", "P0", "A", "E", "00", "N");
        assert_eq!(wrap(&kbpk, &h, &key, None, &mut SeededRng::new(1)).unwrap_err().code(), "keys.wrong_algorithm");
    }

    #[test]
    fn long_optional_block_uses_extended_length() {
        let kbpk = k(Algorithm::Tdes2, KeyUsage::KeyEncryption, &"AB".repeat(16));
        let key = k(Algorithm::Tdes2, KeyUsage::MacBoth, &"CD".repeat(16));
        let mut h = Header::new("B", "M3", "T", "C", "00", "E");
        h.optional_blocks.push(OptionalBlock { id: "T1".into(), data: "X".repeat(300) });
        let s = wrap(&kbpk, &h, &key, Some(16), &mut SeededRng::new(1)).unwrap();
        assert_eq!(unwrap(&kbpk, &s).unwrap().header, h);
    }

    #[test]
    fn masked_key_length_is_bounded_by_the_block_length_field() {
        for (kbpk, key, mut h) in [
            (
                k(Algorithm::Tdes2, KeyUsage::KeyEncryption, &"AB".repeat(16)),
                k(Algorithm::Tdes2, KeyUsage::PinEncryption, &"CD".repeat(16)),
                Header::new("B", "P0", "T", "E", "00", "N"),
            ),
            (
                k(Algorithm::Aes256, KeyUsage::KeyEncryption, &"AB".repeat(32)),
                k(Algorithm::Aes128, KeyUsage::PinEncryption, &"CD".repeat(16)),
                Header::new("D", "P0", "A", "E", "00", "N"),
            ),
        ] {
            for blocks in [0, 1] {
                if blocks == 1 {
                    h.optional_blocks.push(OptionalBlock { id: "T1".into(), data: "X".repeat(300) });
                }
                let max = max_masked_key_len(h.encode_blocks().0.len(), &version_of(&h.version).unwrap());
                // The largest masked length fits and round-trips in at most 9999 characters.
                let s = wrap(&kbpk, &h, &key, Some(max), &mut SeededRng::new(1)).unwrap();
                assert!(s.len() <= 9999 && s.len() > 9999 - 4 * 16 - 2, "{} {}", h.version, s.len());
                assert_eq!(unwrap(&kbpk, &s).unwrap().dangerous_key_bytes(), key.dangerous_reveal());
                // One more, or an absurd length, is an error naming both numbers: no overflow,
                // no allocation attempt.
                // (10^11 does not fit a 32-bit usize: there, wasm32, half of usize::MAX.)
                let absurd = usize::try_from(100_000_000_000_u64).unwrap_or(usize::MAX / 2);
                for n in [max + 1, absurd, usize::MAX] {
                    let e = wrap(&kbpk, &h, &key, Some(n), &mut SeededRng::new(1)).unwrap_err();
                    assert_eq!(e.code(), "tr31.too_large", "{e}");
                    assert!(e.to_string().contains(&n.to_string()) && e.to_string().contains(&max.to_string()), "{e}");
                }
            }
        }
    }
}
