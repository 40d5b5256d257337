//! Message authentication codes: ISO 9797-1 algorithms 1 and 3 (X9.19), the China UnionPay POS
//! "ECB" MAC, AES-CMAC and SM4-CMAC, with constant-time verification.
//!
//! Field 64/128 of a financial message is a MAC over the packed message under the MAK from
//! sign-on. Which algorithm an acquirer wants is a spec parameter, not a constant: UnionPay
//! terminals mostly use the "POS ECB" algorithm (see `UNIONPAY.md`), others X9.19 or a plain
//! CBC-MAC, newer AES hosts CMAC. A MAC that does not verify is host response A0 and a reversal,
//! so [`verify`] compares in constant time and says only "mismatch".
//!
//! ```
//! use poscore::keys::{hex_decode, hex_encode, Algorithm, Key, KeyUsage};
//! use poscore::mac::{self, MacAlgorithm, Padding};
//! let k = Key::dangerous_from_hex(Algorithm::Aes128, KeyUsage::MacBoth, "2B7E151628AED2A6ABF7158809CF4F3C").unwrap();
//! // NIST SP 800-38B, D.1 example 1 (empty message).
//! let m = mac::generate(&k, MacAlgorithm::AesCmac, b"", Padding::Method1).unwrap();
//! assert_eq!(hex_encode(&m), "BB1D6929E95937287FA37D129B756746");
//! mac::verify(&k, MacAlgorithm::AesCmac, b"", Padding::Method1, &m[..8], 8).unwrap();
//! // The protocol, not the received tag, decides the length: a 4-byte truncation is refused.
//! assert_eq!(mac::verify(&k, MacAlgorithm::AesCmac, b"", Padding::Method1, &m[..4], 8).unwrap_err().code(), "mac.bad_length");
//! ```

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::keys::{hex_encode, xor_in_place, Algorithm, BlockCipher, Key, KeyError, Operation};

/// Errors from MAC generation and verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MacError {
    /// The MAC does not verify (host response A0 territory).
    #[error("{algorithm} MAC does not verify")]
    Mismatch {
        /// The algorithm name.
        algorithm: &'static str,
    },
    /// A MAC to verify (or a truncation) of an unusable length.
    #[error("MAC length {len} is outside {min}-{max} bytes")]
    BadLength {
        /// Bytes given.
        len: usize,
        /// Shortest accepted (4: shorter MACs are guessable).
        min: usize,
        /// The algorithm's full MAC length.
        max: usize,
    },
    /// An algorithm name that is not known.
    #[error("unknown MAC algorithm {found:?}: expected iso9797-1-alg1, iso9797-1-alg3, x9.19, cup-ecb, aes-cmac or sm4-cmac")]
    UnknownAlgorithm {
        /// The name given.
        found: String,
    },
    /// A padding method number that is not 1, 2 or 3.
    #[error("unknown ISO 9797-1 padding method {found}: expected 1, 2 or 3")]
    UnknownPadding {
        /// The number given.
        found: u8,
    },
}

impl MacError {
    /// A stable machine-readable code (`mac.mismatch`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Mismatch { .. } => "mac.mismatch",
            Self::BadLength { .. } => "mac.bad_length",
            Self::UnknownAlgorithm { .. } => "mac.unknown_algorithm",
            Self::UnknownPadding { .. } => "mac.unknown_padding",
        }
    }
}

/// ISO/IEC 9797-1 padding method, for algorithms 1 and 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// Zero bytes to a whole block (an empty message becomes one zero block).
    Method1,
    /// `80` then zero bytes (ISO/IEC 7816-4): always adds at least one byte.
    Method2,
    /// A block holding the data length in bits (big-endian), then the data with method 1.
    Method3,
}

impl Padding {
    /// The method for its number (1, 2 or 3).
    pub fn from_number(n: u8) -> Result<Self, MacError> {
        match n {
            1 => Ok(Self::Method1),
            2 => Ok(Self::Method2),
            3 => Ok(Self::Method3),
            found => Err(MacError::UnknownPadding { found }),
        }
    }

    /// Pads `data` for a cipher with `block` byte blocks.
    pub fn apply(self, data: &[u8], block: usize) -> Vec<u8> {
        let zero_pad = |mut v: Vec<u8>| {
            if v.is_empty() || !v.len().is_multiple_of(block) {
                v.resize(v.len().div_ceil(block).max(1) * block, 0);
            }
            v
        };
        match self {
            Self::Method1 => zero_pad(data.to_vec()),
            Self::Method2 => {
                let mut v = data.to_vec();
                v.push(0x80);
                zero_pad(v)
            }
            Self::Method3 => {
                let bits = (data.len() as u128) * 8;
                let mut v = bits.to_be_bytes()[16 - block..].to_vec();
                v.extend(zero_pad(data.to_vec()));
                v
            }
        }
    }
}

/// A MAC algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MacAlgorithm {
    /// ISO/IEC 9797-1 algorithm 1: CBC-MAC with DES or TDES (8 bytes).
    Iso9797Alg1,
    /// ISO/IEC 9797-1 algorithm 3 = ANSI X9.19 retail MAC: single-DES CBC under the left key half,
    /// then decrypt with the right half and encrypt with the left (2TDEA key, 8 bytes).
    Iso9797Alg3,
    /// China UnionPay POS "ECB" MAC (银联 ECB 算法) with a DES or 2TDEA MAK: 8 ASCII hex characters.
    CupEcb,
    /// AES-CMAC (NIST SP 800-38B), 16 bytes.
    AesCmac,
    /// SM4-CMAC (SP 800-38B construction over SM4), 16 bytes.
    Sm4Cmac,
}

impl MacAlgorithm {
    /// Parses the CLI/vector name (`iso9797-1-alg1`, `iso9797-1-alg3`, `x9.19`, `cup-ecb`,
    /// `aes-cmac`, `sm4-cmac`).
    pub fn from_name(name: &str) -> Result<Self, MacError> {
        Ok(match name {
            "iso9797-1-alg1" => Self::Iso9797Alg1,
            "iso9797-1-alg3" | "x9.19" => Self::Iso9797Alg3,
            "cup-ecb" => Self::CupEcb,
            "aes-cmac" => Self::AesCmac,
            "sm4-cmac" => Self::Sm4Cmac,
            _ => return Err(MacError::UnknownAlgorithm { found: name.to_owned() }),
        })
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Iso9797Alg1 => "iso9797-1-alg1",
            Self::Iso9797Alg3 => "iso9797-1-alg3",
            Self::CupEcb => "cup-ecb",
            Self::AesCmac => "aes-cmac",
            Self::Sm4Cmac => "sm4-cmac",
        }
    }

    /// Full MAC length in bytes.
    pub fn mac_len(self) -> usize {
        match self {
            Self::Iso9797Alg1 | Self::Iso9797Alg3 | Self::CupEcb => 8,
            Self::AesCmac | Self::Sm4Cmac => 16,
        }
    }

    fn check_key(self, key: &Key) -> Result<(), KeyError> {
        let alg = key.algorithm();
        let (ok, expected) = match self {
            Self::Iso9797Alg1 | Self::CupEcb => (alg.is_des_family(), "DES, 2TDEA or 3TDEA"),
            Self::Iso9797Alg3 => (alg == Algorithm::Tdes2, "2TDEA"),
            Self::AesCmac => (matches!(alg, Algorithm::Aes128 | Algorithm::Aes192 | Algorithm::Aes256), "AES"),
            Self::Sm4Cmac => (alg == Algorithm::Sm4, "SM4"),
        };
        if ok {
            Ok(())
        } else {
            Err(KeyError::WrongAlgorithm { algorithm: alg, operation: self.name(), expected })
        }
    }
}

/// Computes the full MAC of `data` under a key whose usage allows MAC generation. `padding`
/// applies to ISO 9797-1 algorithms 1 and 3 only (CUP ECB zero-pads, CMAC has its own).
pub fn generate(key: &Key, algorithm: MacAlgorithm, data: &[u8], padding: Padding) -> Result<Vec<u8>, crate::Error> {
    key.require(Operation::MacGenerate)?;
    compute(key, algorithm, data, padding)
}

/// Verifies `mac` in constant time, under a key whose usage allows MAC verification.
///
/// `expected_len` is the tag length the protocol prescribes (8 for a UnionPay field 64, or a
/// truncation of at least 4 bytes agreed out of band). A tag of any other length is refused
/// with `mac.bad_length` before any comparison: a received message must never choose its own
/// truncation, or a 4-byte forgery (one chance in 2^32) would pass where 8 bytes are required.
pub fn verify(
    key: &Key,
    algorithm: MacAlgorithm,
    data: &[u8],
    padding: Padding,
    mac: &[u8],
    expected_len: usize,
) -> Result<(), crate::Error> {
    key.require(Operation::MacVerify)?;
    let full = algorithm.mac_len();
    if !(4..=full).contains(&expected_len) {
        return Err(MacError::BadLength { len: expected_len, min: 4, max: full }.into());
    }
    if mac.len() != expected_len {
        return Err(MacError::BadLength { len: mac.len(), min: expected_len, max: expected_len }.into());
    }
    let expected = compute(key, algorithm, data, padding)?;
    if bool::from(expected[..mac.len()].ct_eq(mac)) {
        Ok(())
    } else {
        Err(MacError::Mismatch { algorithm: algorithm.name() }.into())
    }
}

/// The MAC without the usage check: for modules that check a usage of their own (EMV cryptograms).
pub(crate) fn compute(
    key: &Key,
    algorithm: MacAlgorithm,
    data: &[u8],
    padding: Padding,
) -> Result<Vec<u8>, crate::Error> {
    algorithm.check_key(key)?;
    let c = key.cipher();
    Ok(match algorithm {
        MacAlgorithm::Iso9797Alg1 => cbc_mac(c, &padding.apply(data, 8)),
        MacAlgorithm::Iso9797Alg3 => {
            // CBC under K1 up to the last block, then the last chained block under the whole
            // 2TDEA key: E(K1) D(K2) E(K1) is the TDES-EDE2 encryption, so both ciphers come
            // scheduled from the key and no per-call key schedule runs.
            let left = key.left_half().ok_or(KeyError::WrongAlgorithm {
                algorithm: key.algorithm(),
                operation: algorithm.name(),
                expected: "2TDEA",
            })?;
            let padded = padding.apply(data, 8);
            let (head, last) = padded.split_at(padded.len() - 8);
            let mut m = cbc_mac(left, head);
            xor_in_place(&mut m, last);
            c.encrypt_block(&mut m);
            m
        }
        MacAlgorithm::CupEcb => cup_ecb(c, data),
        MacAlgorithm::AesCmac | MacAlgorithm::Sm4Cmac => c.cmac(data),
    })
}

fn cbc_mac(c: &BlockCipher, padded: &[u8]) -> Vec<u8> {
    let mut chain = vec![0u8; c.block_len()];
    for b in padded.chunks_exact(c.block_len()) {
        xor_in_place(&mut chain, b);
        c.encrypt_block(&mut chain);
    }
    chain
}

/// The UnionPay POS "ECB" MAC, steps as in `UNIONPAY.md`: zero-pad the MAB to 8 bytes, XOR all
/// blocks, hex-expand the result to 16 ASCII characters, encrypt the first 8, XOR with the last 8,
/// encrypt again, hex-expand and keep the first 8 characters (as ASCII bytes, the field 64 value).
///
/// The same construction over the cipher's own block (16 bytes for SM4) is how UnionPay
/// terminals compute field 59's serial number ciphertext ([`terminal_sn_ciphertext`]).
fn cup_ecb(c: &BlockCipher, data: &[u8]) -> Vec<u8> {
    let n = c.block_len();
    let mut x = vec![0u8; n];
    for chunk in data.chunks(n) {
        xor_in_place(&mut x, chunk); // a short last chunk is implicitly zero-padded
    }
    let expanded = hex_encode(&x).into_bytes();
    let mut block = expanded[..n].to_vec();
    c.encrypt_block(&mut block);
    xor_in_place(&mut block, &expanded[n..]);
    c.encrypt_block(&mut block);
    hex_encode(&block).into_bytes()[..8].to_vec()
}

/// Field 59 tag `A2.04`, the ciphertext of the terminal's hardware serial number and the
/// encryption random factor (终端硬件序列号密文), as UnionPay smart-POS applications compute it:
/// the POS "ECB" construction of [`MacAlgorithm::CupEcb`] over ASCII(serial ‖ factor) with the
/// cipher's own block size, under the terminal's serial number key (硬件序列号密钥, SM4 in every
/// source seen), keeping the first 8 hex characters. Sources: `getEncryptedUniqueCode` of a 2020
/// Android acquiring app (`com.bankcard.trans.utils.Utils`) and a terminal SDK header
/// (`Util_SNEncrypt`: "使用硬件序列号密钥对硬件序列号+随机因子进行加密 … 使用国密SM4做ECB算法加密",
/// output 8 characters), both found through the code index; no public test vector with a known
/// key exists, so the vectors are derived. The key is normally inside the PIN pad: a terminal
/// whose PED computes this supplies the result instead (see the engine's field 59 hook).
pub fn terminal_sn_ciphertext(key: &Key, serial: &str, factor: &str) -> Result<String, crate::Error> {
    key.require(Operation::MacGenerate)?;
    let data = format!("{serial}{factor}");
    let out = cup_ecb(key.cipher(), data.as_bytes());
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{hex_decode, KeyUsage};

    fn key(alg: Algorithm, usage: KeyUsage, hex: &str) -> Key {
        Key::dangerous_from_hex(alg, usage, hex).unwrap()
    }

    #[test]
    fn the_serial_number_ciphertext_is_the_pos_ecb_construction_over_the_cipher_block() {
        // With a DES-family key the block is 8 bytes and the result is the field 64 MAC of the
        // same bytes.
        let mak = key(Algorithm::Tdes2, KeyUsage::MacGenerate, "0123456789ABCDEFFEDCBA9876543210");
        let mac = generate(&mak, MacAlgorithm::CupEcb, b"POSCORE0000000001000113", Padding::Method1).unwrap();
        assert_eq!(terminal_sn_ciphertext(&mak, "POSCORE0000000001", "000113").unwrap().as_bytes(), &mac[..]);
        // SM4: 16-byte blocks, 8 hex characters out; a PIN key may not do it.
        let sm4 = key(Algorithm::Sm4, KeyUsage::MacGenerate, "0123456789ABCDEFFEDCBA9876543210");
        let c = terminal_sn_ciphertext(&sm4, "POSCORE0000000001", "000113").unwrap();
        assert_eq!(c.len(), 8);
        assert!(c.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(c, terminal_sn_ciphertext(&sm4, "POSCORE0000000001", "000114").unwrap());
        let pik = key(Algorithm::Sm4, KeyUsage::PinEncryption, "0123456789ABCDEFFEDCBA9876543210");
        assert!(terminal_sn_ciphertext(&pik, "SN", "000113").is_err());
    }

    #[test]
    fn padding_methods() {
        assert_eq!(hex_encode(&Padding::Method1.apply(&[0x12, 0x34], 8)), "1234000000000000");
        assert_eq!(hex_encode(&Padding::Method1.apply(&[], 8)), "0000000000000000");
        assert_eq!(hex_encode(&Padding::Method2.apply(&[0x12, 0x34], 8)), "1234800000000000");
        assert_eq!(hex_encode(&Padding::Method3.apply(&[0x12, 0x34], 8)), "00000000000000101234000000000000");
    }

    #[test]
    fn pin_key_cannot_mac() {
        let k = key(Algorithm::Tdes2, KeyUsage::PinEncryption, "0123456789ABCDEFFEDCBA9876543210");
        let e = generate(&k, MacAlgorithm::Iso9797Alg3, b"x", Padding::Method1).unwrap_err();
        assert_eq!(e.code(), "keys.wrong_usage");
    }

    #[test]
    fn verify_truncated_and_mismatch() {
        let k = key(Algorithm::Tdes2, KeyUsage::MacBoth, "0123456789ABCDEFFEDCBA9876543210");
        let data = hex_decode("0200302004C030C09811").unwrap();
        for alg in [MacAlgorithm::Iso9797Alg1, MacAlgorithm::Iso9797Alg3, MacAlgorithm::CupEcb] {
            let m = generate(&k, alg, &data, Padding::Method1).unwrap();
            verify(&k, alg, &data, Padding::Method1, &m, 8).unwrap();
            verify(&k, alg, &data, Padding::Method1, &m[..4], 4).unwrap();
            let mut bad = m.clone();
            bad[0] ^= 1;
            assert_eq!(verify(&k, alg, &data, Padding::Method1, &bad, 8).unwrap_err().code(), "mac.mismatch");
            // A truncation the protocol did not ask for is refused, even when its bytes match.
            assert_eq!(verify(&k, alg, &data, Padding::Method1, &m[..4], 8).unwrap_err().code(), "mac.bad_length");
            assert_eq!(verify(&k, alg, &data, Padding::Method1, &m[..3], 3).unwrap_err().code(), "mac.bad_length");
            assert_eq!(verify(&k, alg, &data, Padding::Method1, &m, 9).unwrap_err().code(), "mac.bad_length");
        }
    }

    #[test]
    fn generate_only_key_cannot_verify() {
        let k = key(Algorithm::Tdes2, KeyUsage::MacGenerate, "0123456789ABCDEFFEDCBA9876543210");
        let m = generate(&k, MacAlgorithm::Iso9797Alg1, b"abc", Padding::Method2).unwrap();
        assert_eq!(
            verify(&k, MacAlgorithm::Iso9797Alg1, b"abc", Padding::Method2, &m, 8).unwrap_err().code(),
            "keys.wrong_usage"
        );
    }
}
