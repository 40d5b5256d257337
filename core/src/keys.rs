//! Keys: bytes in zeroizing memory that know their algorithm and their purpose.
//!
//! A terminal holds a handful of keys (TMK, PIN key, MAC key, data key, DUKPT registers). Mixing
//! them up is both a security hole (a PIN key used to MAC lets an attacker build a PIN oracle) and
//! the classic cause of host response 55/A0. So every [`Key`] carries its [`Algorithm`] and its
//! [`KeyUsage`], every operation checks them and fails with a typed [`KeyError`], and the bytes
//! are wiped on drop and never printed. Plain bytes go in and out only through the functions named
//! `dangerous_*`, so a review can find every place key material crosses into ordinary memory.
//!
//! Key check values ([`Key::kcv`]) and the UnionPay sign-on working keys of field 62
//! ([`parse_field62`], [`build_field62`]) live here too.
//!
//! ```
//! use poscore::keys::{Algorithm, Key, KcvMethod, KeyUsage, hex_encode};
//! let k = Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::PinEncryption, "0123456789ABCDEFFEDCBA9876543210").unwrap();
//! assert_eq!(hex_encode(&k.kcv(KcvMethod::EncryptZeros, 3)), "08D7B4");
//! assert_eq!(format!("{k:?}"), "Key { algorithm: Tdes2, usage: PinEncryption, kcv: \"08D7B4\" }");
//! ```

use std::fmt;
use std::sync::OnceLock;

use cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::rng::Rng;

/// Errors about keys: wrong length, wrong algorithm or purpose, bad hex, check value mismatch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key material has the wrong length for its algorithm.
    #[error("{algorithm:?} key must be {expected} bytes, got {len}")]
    BadLength {
        /// The algorithm asked for.
        algorithm: Algorithm,
        /// Bytes given.
        len: usize,
        /// Bytes the algorithm needs (e.g. "16").
        expected: &'static str,
    },
    /// The key's usage does not allow the operation (a PIN key cannot MAC).
    #[error("a {usage:?} key cannot be used to {operation}")]
    WrongUsage {
        /// The key's usage.
        usage: KeyUsage,
        /// What was attempted.
        operation: &'static str,
    },
    /// The key's algorithm does not fit the operation (an AES key for a TDES PIN block).
    #[error("a {algorithm:?} key cannot be used for {operation}: needs {expected}")]
    WrongAlgorithm {
        /// The key's algorithm.
        algorithm: Algorithm,
        /// What was attempted.
        operation: &'static str,
        /// The algorithms that would fit.
        expected: &'static str,
    },
    /// Input that should be hex is not.
    #[error("bad hex at offset {offset}: {reason}")]
    BadHex {
        /// Character offset of the problem.
        offset: usize,
        /// What is wrong (odd length, a non-hex character).
        reason: &'static str,
    },
    /// A working key's check value does not match the key it came with (re-sign-on).
    #[error("{key} check value mismatch: received {received}, computed {computed}")]
    KcvMismatch {
        /// Which key: "PIK", "MAK" or "TDK".
        key: &'static str,
        /// The check value sent by the host (hex).
        received: String,
        /// The check value of the decrypted key (hex).
        computed: String,
    },
    /// Sign-on field 62 has a length that matches no known layout.
    #[error("field 62 working-key data is {len} bytes, expected 24, 32, 40, 52 or 60")]
    BadField62Length {
        /// Bytes received.
        len: usize,
    },
    /// Serialized key material (an exported key, or a sealed blob) that cannot be read back, or
    /// a sealed blob whose authentication failed (wrong sealing key, wrong label, altered).
    #[error("key storage: {reason}")]
    BadStoredKey {
        /// What is wrong.
        reason: &'static str,
    },
    /// A name that is not a known algorithm, usage or KCV method.
    #[error("unknown {what} {found:?}")]
    UnknownName {
        /// What was being named ("algorithm", ...).
        what: &'static str,
        /// The name given.
        found: String,
    },
}

impl KeyError {
    /// A stable machine-readable code (`keys.wrong_usage`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadLength { .. } => "keys.bad_length",
            Self::WrongUsage { .. } => "keys.wrong_usage",
            Self::WrongAlgorithm { .. } => "keys.wrong_algorithm",
            Self::BadHex { .. } => "keys.bad_hex",
            Self::KcvMismatch { .. } => "keys.kcv_mismatch",
            Self::BadField62Length { .. } => "keys.bad_field62_length",
            Self::BadStoredKey { .. } => "keys.bad_stored_key",
            Self::UnknownName { .. } => "keys.unknown_name",
        }
    }
}

/// The block cipher and key length a key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// Single DES, 8 bytes. Legacy: only for UnionPay single-length working keys and MAC.
    Des,
    /// Two-key triple DES (2TDEA), 16 bytes.
    Tdes2,
    /// Three-key triple DES (3TDEA), 24 bytes.
    Tdes3,
    /// AES-128.
    Aes128,
    /// AES-192.
    Aes192,
    /// AES-256.
    Aes256,
    /// SM4 (GB/T 32907), 16 bytes.
    Sm4,
}

impl Algorithm {
    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::Des => 8,
            Self::Tdes2 | Self::Aes128 | Self::Sm4 => 16,
            Self::Tdes3 | Self::Aes192 => 24,
            Self::Aes256 => 32,
        }
    }

    /// Cipher block size in bytes (8 for the DES family, 16 for AES and SM4).
    pub fn block_len(self) -> usize {
        match self {
            Self::Des | Self::Tdes2 | Self::Tdes3 => 8,
            _ => 16,
        }
    }

    /// True for DES, 2TDEA and 3TDEA.
    pub fn is_des_family(self) -> bool {
        self.block_len() == 8
    }

    const ALL: [Self; 7] = [Self::Des, Self::Tdes2, Self::Tdes3, Self::Aes128, Self::Aes192, Self::Aes256, Self::Sm4];

    /// The DES-family algorithm for a key of `len` bytes (8, 16 or 24).
    pub fn des_for_len(len: usize) -> Result<Self, KeyError> {
        match len {
            8 => Ok(Self::Des),
            16 => Ok(Self::Tdes2),
            24 => Ok(Self::Tdes3),
            _ => Err(KeyError::BadLength { algorithm: Self::Tdes2, len, expected: "8, 16 or 24" }),
        }
    }

    /// The AES algorithm for a key of `len` bytes (16, 24 or 32).
    pub fn aes_for_len(len: usize) -> Result<Self, KeyError> {
        match len {
            16 => Ok(Self::Aes128),
            24 => Ok(Self::Aes192),
            32 => Ok(Self::Aes256),
            _ => Err(KeyError::BadLength { algorithm: Self::Aes128, len, expected: "16, 24 or 32" }),
        }
    }
}

/// What a key may be used for. Each operation names the usage it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyUsage {
    /// PIN encryption key (PIK / PEK).
    PinEncryption,
    /// MAC generation only.
    MacGenerate,
    /// MAC verification only.
    MacVerify,
    /// MAC generation and verification (a terminal's MAK).
    MacBoth,
    /// Data encryption (TDK, track data).
    DataEncryption,
    /// Key encryption key: TMK, ZMK, TR-31 KBPK.
    KeyEncryption,
    /// DUKPT base derivation key (host only).
    Bdk,
    /// DUKPT initial key (IPEK), loaded into a terminal.
    DukptInitialKey,
    /// An intermediate DUKPT key (TDES transaction key, AES intermediate derivation key): it only
    /// derives working keys and can do nothing else.
    KeyDerivation,
    /// EMV issuer master key (IMK, TR-31 `E0`): it only derives ICC master keys
    /// ([`crate::emv::derive_icc_master_key`]) and can do nothing else.
    IssuerMasterKey,
}

impl KeyUsage {
    // Append only: the index is the stored form (`Key::dangerous_export`).
    const ALL: [Self; 10] = [
        Self::PinEncryption,
        Self::MacGenerate,
        Self::MacVerify,
        Self::MacBoth,
        Self::DataEncryption,
        Self::KeyEncryption,
        Self::Bdk,
        Self::DukptInitialKey,
        Self::KeyDerivation,
        Self::IssuerMasterKey,
    ];
}

/// An operation a key is asked to perform; see [`Key::require`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// Encrypt or decrypt a PIN block.
    Pin,
    /// Generate a MAC.
    MacGenerate,
    /// Verify a MAC.
    MacVerify,
    /// Encrypt or decrypt data.
    Data,
    /// Wrap or unwrap other keys.
    WrapKey,
    /// Derive DUKPT keys from a BDK.
    DeriveFromBdk,
    /// Load a terminal from an initial key.
    LoadInitialKey,
    /// Derive ICC master keys from an EMV issuer master key.
    DeriveIccMasterKey,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Self::Pin => "encrypt PINs",
            Self::MacGenerate => "generate MACs",
            Self::MacVerify => "verify MACs",
            Self::Data => "encrypt data",
            Self::WrapKey => "wrap keys",
            Self::DeriveFromBdk => "derive DUKPT keys (needs a BDK)",
            Self::LoadInitialKey => "load a DUKPT terminal (needs an initial key)",
            Self::DeriveIccMasterKey => "derive EMV ICC master keys (needs an issuer master key)",
        }
    }
}

/// How a key check value is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KcvMethod {
    /// Encrypt one block of zeros (TDES, DES, SM4, and the legacy AES variant).
    EncryptZeros,
    /// CMAC of one block of zeros (AES per ANSI X9.24-3 and TR-31).
    Cmac,
}

/// A secret key: algorithm, usage and bytes that are wiped on drop and never printed.
///
/// The cipher's key schedule is computed on first use and kept beside the bytes (wiped on drop
/// as well: the RustCrypto ciphers zeroize their round keys): a PIN block or a MAC then costs
/// the block operations only, not a schedule per call, and a key that is never used (most of
/// the keys a DUKPT derivation hands out) never pays for one (issue 19).
#[derive(Clone)]
pub struct Key {
    algorithm: Algorithm,
    usage: KeyUsage,
    bytes: Zeroizing<Vec<u8>>,
    cipher: OnceLock<BlockCipher>,
    /// For a 2TDEA key, single DES under its left half, scheduled once too: the CBC chain of the
    /// ISO 9797-1 algorithm 3 (X9.19) MAC runs under it.
    left: OnceLock<BlockCipher>,
}

impl Key {
    /// Builds a key from plain bytes. **Dangerous**: the bytes are secret; use this only where
    /// plain key material legitimately exists (key ceremony, test keys, decrypting a wrapped key).
    pub fn dangerous_from_bytes(algorithm: Algorithm, usage: KeyUsage, bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() != algorithm.key_len() {
            let expected = match algorithm.key_len() {
                8 => "8",
                16 => "16",
                24 => "24",
                _ => "32",
            };
            return Err(KeyError::BadLength { algorithm, len: bytes.len(), expected });
        }
        Ok(Self::with_bytes(algorithm, usage, Zeroizing::new(bytes.to_vec())))
    }

    /// [`Key::dangerous_from_bytes`] from hex. **Dangerous** for the same reasons.
    pub fn dangerous_from_hex(algorithm: Algorithm, usage: KeyUsage, hex: &str) -> Result<Self, KeyError> {
        let bytes = Zeroizing::new(hex_decode(hex)?);
        Self::dangerous_from_bytes(algorithm, usage, &bytes)
    }

    /// A fresh random key from `rng`. DES-family keys get odd parity in every byte (the DES
    /// convention many HSMs and PIN pads check); the parity bits do not change the key.
    pub fn generate(algorithm: Algorithm, usage: KeyUsage, rng: &mut dyn Rng) -> Result<Self, crate::Error> {
        let mut bytes = Zeroizing::new(vec![0u8; algorithm.key_len()]);
        rng.fill(&mut bytes)?;
        if algorithm.is_des_family() {
            for b in bytes.iter_mut() {
                *b = (*b & 0xFE) | u8::from((*b >> 1).count_ones() % 2 == 0);
            }
        }
        Ok(Self::with_bytes(algorithm, usage, bytes))
    }

    /// `bytes` has `algorithm.key_len()` bytes; the ciphers are scheduled on first use.
    fn with_bytes(algorithm: Algorithm, usage: KeyUsage, bytes: Zeroizing<Vec<u8>>) -> Self {
        Self { algorithm, usage, bytes, cipher: OnceLock::new(), left: OnceLock::new() }
    }

    /// The plain key bytes. **Dangerous**: only for export under a KEK, key ceremony and tests.
    pub fn dangerous_reveal(&self) -> &[u8] {
        &self.bytes
    }

    /// The key with its algorithm and usage as bytes, for the host's key store. **Dangerous**:
    /// the key is in the clear; seal the result ([`seal`]) before it leaves memory.
    /// Layout: version 1, algorithm index, usage index, key bytes.
    pub fn dangerous_export(&self) -> Zeroizing<Vec<u8>> {
        let alg = Algorithm::ALL.iter().position(|a| *a == self.algorithm).expect("listed") as u8;
        let usage = KeyUsage::ALL.iter().position(|u| *u == self.usage).expect("listed") as u8;
        let mut out = Zeroizing::new(vec![1, alg, usage]);
        out.extend_from_slice(&self.bytes);
        out
    }

    /// Reads a key written by [`Key::dangerous_export`].
    pub fn dangerous_import(bytes: &[u8]) -> Result<Self, KeyError> {
        let bad = |reason| KeyError::BadStoredKey { reason };
        let [version, alg, usage, key @ ..] = bytes else { return Err(bad("too short")) };
        if *version != 1 {
            return Err(bad("unknown key export version"));
        }
        let algorithm = *Algorithm::ALL.get(*alg as usize).ok_or(bad("unknown algorithm"))?;
        let usage = *KeyUsage::ALL.get(*usage as usize).ok_or(bad("unknown usage"))?;
        Self::dangerous_from_bytes(algorithm, usage, key)
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The key's usage.
    pub fn usage(&self) -> KeyUsage {
        self.usage
    }

    /// Fails with [`KeyError::WrongUsage`] unless this key's usage allows `op`.
    pub fn require(&self, op: Operation) -> Result<(), KeyError> {
        let ok = matches!(
            (self.usage, op),
            (KeyUsage::PinEncryption, Operation::Pin)
                | (KeyUsage::MacGenerate | KeyUsage::MacBoth, Operation::MacGenerate)
                | (KeyUsage::MacVerify | KeyUsage::MacBoth, Operation::MacVerify)
                | (KeyUsage::DataEncryption, Operation::Data)
                | (KeyUsage::KeyEncryption, Operation::WrapKey)
                | (KeyUsage::Bdk, Operation::DeriveFromBdk)
                | (KeyUsage::DukptInitialKey, Operation::LoadInitialKey)
                | (KeyUsage::IssuerMasterKey, Operation::DeriveIccMasterKey)
        );
        if ok {
            Ok(())
        } else {
            Err(KeyError::WrongUsage { usage: self.usage, operation: op.name() })
        }
    }

    /// Key check value: the first `len` bytes (at most one block) of `method` applied to a block
    /// of zeros under this key. TDES practice is 3 bytes; UnionPay field 62 uses 4; X9.24-3 AES
    /// uses 5 bytes of the CMAC.
    pub fn kcv(&self, method: KcvMethod, len: usize) -> Vec<u8> {
        let c = self.cipher();
        let mut block = vec![0u8; c.block_len()];
        match method {
            KcvMethod::EncryptZeros => c.encrypt_block(&mut block),
            KcvMethod::Cmac => block = c.cmac(&block),
        }
        block.truncate(len.min(block.len()));
        block
    }

    /// The cipher for this key (scheduled once), for the crypto modules. Usage is the caller's
    /// to check.
    pub(crate) fn cipher(&self) -> &BlockCipher {
        self.cipher.get_or_init(|| BlockCipher::new(self.algorithm, &self.bytes))
    }

    /// Single DES under the left half of a 2TDEA key (`None` for any other algorithm).
    pub(crate) fn left_half(&self) -> Option<&BlockCipher> {
        (self.algorithm == Algorithm::Tdes2)
            .then(|| self.left.get_or_init(|| BlockCipher::new(Algorithm::Des, &self.bytes[..8])))
    }
}

// The bytes are deliberately left out: Debug shows what identifies a key, never the key.
#[allow(clippy::missing_fields_in_debug)]
impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The KCV identifies a key without revealing it (it is printed in every key ceremony).
        f.debug_struct("Key")
            .field("algorithm", &self.algorithm)
            .field("usage", &self.usage)
            .field("kcv", &hex_encode(&self.kcv(KcvMethod::EncryptZeros, 3)))
            .finish()
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} {:?} key (KCV {})",
            self.algorithm,
            self.usage,
            hex_encode(&self.kcv(KcvMethod::EncryptZeros, 3))
        )
    }
}

/// Encrypts `data` (a whole number of blocks) in CBC mode under a data key, e.g. track data under
/// the TDK or a DUKPT data key. Padding is the caller's: schemes differ.
pub fn encrypt_data(key: &Key, iv: &[u8], data: &[u8]) -> Result<Vec<u8>, KeyError> {
    let c = data_cipher(key, iv, data)?;
    let mut out = data.to_vec();
    c.cbc_encrypt(iv, &mut out);
    Ok(out)
}

/// Decrypts CBC data under a data key (see [`encrypt_data`]).
pub fn decrypt_data(key: &Key, iv: &[u8], data: &[u8]) -> Result<Vec<u8>, KeyError> {
    let c = data_cipher(key, iv, data)?;
    let mut out = data.to_vec();
    c.cbc_decrypt(iv, &mut out);
    Ok(out)
}

fn data_cipher<'k>(key: &'k Key, iv: &[u8], data: &[u8]) -> Result<&'k BlockCipher, KeyError> {
    key.require(Operation::Data)?;
    let n = key.algorithm().block_len();
    if iv.len() != n || !data.len().is_multiple_of(n) {
        return Err(KeyError::BadLength {
            algorithm: key.algorithm(),
            len: data.len(),
            expected: "whole blocks and a one-block IV",
        });
    }
    Ok(key.cipher())
}

/// The block ciphers poscore uses, behind one type. RustCrypto ciphers wipe their key schedule
/// on drop (feature `zeroize`).
#[derive(Clone)]
pub(crate) enum BlockCipher {
    Des(des::Des),
    Tdes2(des::TdesEde2),
    Tdes3(des::TdesEde3),
    Aes128(aes::Aes128),
    Aes192(aes::Aes192),
    Aes256(aes::Aes256),
    Sm4(sm4::Sm4),
}

macro_rules! each_cipher {
    ($self:expr, $c:ident => $body:expr) => {
        match $self {
            BlockCipher::Des($c) => $body,
            BlockCipher::Tdes2($c) => $body,
            BlockCipher::Tdes3($c) => $body,
            BlockCipher::Aes128($c) => $body,
            BlockCipher::Aes192($c) => $body,
            BlockCipher::Aes256($c) => $body,
            BlockCipher::Sm4($c) => $body,
        }
    };
}

impl BlockCipher {
    /// `bytes` must have `algorithm.key_len()` bytes (guaranteed by [`Key`]).
    pub(crate) fn new(algorithm: Algorithm, bytes: &[u8]) -> Self {
        match algorithm {
            Algorithm::Des => Self::Des(des::Des::new_from_slice(bytes).expect("8-byte key")),
            Algorithm::Tdes2 => Self::Tdes2(des::TdesEde2::new_from_slice(bytes).expect("16-byte key")),
            Algorithm::Tdes3 => Self::Tdes3(des::TdesEde3::new_from_slice(bytes).expect("24-byte key")),
            Algorithm::Aes128 => Self::Aes128(aes::Aes128::new_from_slice(bytes).expect("16-byte key")),
            Algorithm::Aes192 => Self::Aes192(aes::Aes192::new_from_slice(bytes).expect("24-byte key")),
            Algorithm::Aes256 => Self::Aes256(aes::Aes256::new_from_slice(bytes).expect("32-byte key")),
            Algorithm::Sm4 => Self::Sm4(sm4::Sm4::new_from_slice(bytes).expect("16-byte key")),
        }
    }

    pub(crate) fn block_len(&self) -> usize {
        match self {
            Self::Des(_) | Self::Tdes2(_) | Self::Tdes3(_) => 8,
            _ => 16,
        }
    }

    /// Encrypts one block in place (`block.len() == block_len()`).
    pub(crate) fn encrypt_block(&self, block: &mut [u8]) {
        each_cipher!(self, c => c.encrypt_block(block.into()));
    }

    /// Decrypts one block in place.
    pub(crate) fn decrypt_block(&self, block: &mut [u8]) {
        each_cipher!(self, c => c.decrypt_block(block.into()));
    }

    /// ECB over whole blocks in place (`data.len()` a multiple of the block length).
    pub(crate) fn ecb_encrypt(&self, data: &mut [u8]) {
        for b in data.chunks_exact_mut(self.block_len()) {
            self.encrypt_block(b);
        }
    }

    /// ECB decryption in place.
    pub(crate) fn ecb_decrypt(&self, data: &mut [u8]) {
        for b in data.chunks_exact_mut(self.block_len()) {
            self.decrypt_block(b);
        }
    }

    /// CBC encryption in place (`iv` one block, `data` whole blocks).
    pub(crate) fn cbc_encrypt(&self, iv: &[u8], data: &mut [u8]) {
        let mut chain = iv.to_vec();
        for b in data.chunks_exact_mut(self.block_len()) {
            xor_in_place(b, &chain);
            self.encrypt_block(b);
            chain.copy_from_slice(b);
        }
    }

    /// CBC decryption in place.
    pub(crate) fn cbc_decrypt(&self, iv: &[u8], data: &mut [u8]) {
        let mut chain = iv.to_vec();
        for b in data.chunks_exact_mut(self.block_len()) {
            let next = b.to_vec();
            self.decrypt_block(b);
            xor_in_place(b, &chain);
            chain = next;
        }
    }

    /// CMAC (NIST SP 800-38B) over `data`: one full block.
    pub(crate) fn cmac(&self, data: &[u8]) -> Vec<u8> {
        use cmac::digest::crypto_common::InnerInit;
        use cmac::Mac;
        each_cipher!(self, c => {
            let mut m = cmac::Cmac::from_core(cmac::CmacCore::inner_init(c.clone()));
            m.update(data);
            m.finalize().into_bytes().to_vec()
        })
    }
}

pub(crate) fn xor_in_place(a: &mut [u8], b: &[u8]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x ^= y;
    }
}

/// Decodes hex (either case). Errors name the offset.
pub fn hex_decode(s: &str) -> Result<Vec<u8>, KeyError> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return Err(KeyError::BadHex { offset: b.len(), reason: "odd number of hex digits" });
    }
    let nib = |i: usize| -> Result<u8, KeyError> {
        match b[i] {
            c @ b'0'..=b'9' => Ok(c - b'0'),
            c @ b'a'..=b'f' => Ok(c - b'a' + 10),
            c @ b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(KeyError::BadHex { offset: i, reason: "not a hex digit" }),
        }
    };
    (0..b.len() / 2).map(|i| Ok(nib(2 * i)? << 4 | nib(2 * i + 1)?)).collect()
}

/// Encodes bytes as UPPERCASE hex, the form every poscore surface prints.
pub fn hex_encode(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(D[(b >> 4) as usize] as char);
        s.push(D[(b & 15) as usize] as char);
    }
    s
}

/// The working keys a UnionPay sign-on (0810) installs: PIN key, MAC key and optional track
/// data key. Debug and Display show only algorithms and check values.
#[derive(Clone)]
pub struct WorkingKeys {
    /// PIN encryption key (PIK).
    pub pik: Key,
    /// MAC key (MAK), single DES or double length.
    pub mak: Key,
    /// Track data key (TDK), present when 60.3 is 004.
    pub tdk: Option<Key>,
}

impl WorkingKeys {
    /// Fresh random working keys, as an acquirer (or the simulator) issues them at sign-on:
    /// a 2TDEA PIK, a single-DES or 2TDEA MAK, and optionally a 2TDEA TDK (60.3 = 004).
    pub fn generate(double_length_mak: bool, with_tdk: bool, rng: &mut dyn Rng) -> Result<Self, crate::Error> {
        let mak_alg = if double_length_mak { Algorithm::Tdes2 } else { Algorithm::Des };
        Ok(Self {
            pik: Key::generate(Algorithm::Tdes2, KeyUsage::PinEncryption, rng)?,
            mak: Key::generate(mak_alg, KeyUsage::MacBoth, rng)?,
            tdk: if with_tdk { Some(Key::generate(Algorithm::Tdes2, KeyUsage::DataEncryption, rng)?) } else { None },
        })
    }
}

impl WorkingKeys {
    /// The three keys as bytes for the key store (each a length-prefixed [`Key::dangerous_export`]).
    /// **Dangerous**: seal the result ([`seal`]) before it leaves memory.
    pub fn dangerous_export(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(vec![1u8]);
        for k in [Some(&self.pik), Some(&self.mak), self.tdk.as_ref()].into_iter().flatten() {
            let e = k.dangerous_export();
            out.push(e.len() as u8);
            out.extend_from_slice(&e);
        }
        out
    }

    /// Reads working keys written by [`WorkingKeys::dangerous_export`].
    pub fn dangerous_import(bytes: &[u8]) -> Result<Self, KeyError> {
        let bad = |reason| KeyError::BadStoredKey { reason };
        let (&version, mut rest) = bytes.split_first().ok_or(bad("empty"))?;
        if version != 1 {
            return Err(bad("unknown working-key export version"));
        }
        let mut keys = Vec::with_capacity(3);
        while let Some((&len, tail)) = rest.split_first() {
            let entry = tail.get(..len as usize).ok_or(bad("truncated key entry"))?;
            keys.push(Key::dangerous_import(entry)?);
            rest = &tail[len as usize..];
        }
        let mut it = keys.into_iter();
        match (it.next(), it.next(), it.next(), it.next()) {
            (Some(pik), Some(mak), tdk, None) => Ok(Self { pik, mak, tdk }),
            _ => Err(bad("expected 2 or 3 working keys")),
        }
    }
}

/// Seals `plaintext` (an exported key, DUKPT state) for the host's store: AES-GCM (ring) under a
/// host sealing key (AES-128 or AES-256, usage key encryption), a fresh 12-byte nonce from `rng`,
/// and `label` as associated data so a sealed PIK cannot be swapped in for a sealed MAK.
/// Output: nonce || ciphertext || 16-byte tag.
pub fn seal(sealing_key: &Key, label: &[u8], plaintext: &[u8], rng: &mut dyn Rng) -> Result<Vec<u8>, crate::Error> {
    let key = aead_key(sealing_key)?;
    let mut nonce = [0u8; ring::aead::NONCE_LEN];
    rng.fill(&mut nonce)?;
    let mut out = nonce.to_vec();
    let mut body = plaintext.to_vec();
    key.seal_in_place_append_tag(
        ring::aead::Nonce::assume_unique_for_key(nonce),
        ring::aead::Aad::from(label),
        &mut body,
    )
    .map_err(|_| KeyError::BadStoredKey { reason: "sealing failed" })?;
    out.extend_from_slice(&body);
    Ok(out)
}

/// Opens a blob from [`seal`]; fails (without saying more) on a wrong key, label or any change.
pub fn unseal(sealing_key: &Key, label: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, crate::Error> {
    let key = aead_key(sealing_key)?;
    let bad = KeyError::BadStoredKey { reason: "sealed data does not authenticate" };
    if sealed.len() < ring::aead::NONCE_LEN + ring::aead::MAX_TAG_LEN {
        return Err(bad.into());
    }
    let (nonce, body) = sealed.split_at(ring::aead::NONCE_LEN);
    let nonce = ring::aead::Nonce::try_assume_unique_for_key(nonce).map_err(|_| bad.clone())?;
    let mut buf = Zeroizing::new(body.to_vec());
    let n = key.open_in_place(nonce, ring::aead::Aad::from(label), &mut buf).map_err(|_| bad)?.len();
    buf.truncate(n);
    Ok(buf)
}

fn aead_key(sealing_key: &Key) -> Result<ring::aead::LessSafeKey, KeyError> {
    sealing_key.require(Operation::WrapKey)?;
    let alg = match sealing_key.algorithm() {
        Algorithm::Aes128 => &ring::aead::AES_128_GCM,
        Algorithm::Aes256 => &ring::aead::AES_256_GCM,
        other => {
            return Err(KeyError::WrongAlgorithm {
                algorithm: other,
                operation: "sealing keys for storage",
                expected: "AES-128 or AES-256",
            })
        }
    };
    let unbound = ring::aead::UnboundKey::new(alg, sealing_key.dangerous_reveal())
        .map_err(|_| KeyError::BadStoredKey { reason: "sealing key rejected" })?;
    Ok(ring::aead::LessSafeKey::new(unbound))
}

impl fmt::Debug for WorkingKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkingKeys").field("pik", &self.pik).field("mak", &self.mak).field("tdk", &self.tdk).finish()
    }
}

impl fmt::Display for WorkingKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PIK {}, MAK {}", self.pik, self.mak)?;
        if let Some(t) = &self.tdk {
            write!(f, ", TDK {t}")?;
        }
        Ok(())
    }
}

/// UnionPay field 62 check value: the first 4 bytes of the key encrypting 8 zero bytes.
const FIELD62_KCV_LEN: usize = 4;

/// Parses the working keys of a UnionPay 0810 sign-on response, field 62:
/// `PIK(16)+KCV(4) | MAK(8 or 16)+KCV(4) | [TDK(16)+KCV(4)]` (a single-DES terminal gets
/// `PIK(8)+KCV(4) | MAK(8)+KCV(4)`), each key encrypted (ECB) under the TMK. Every key is
/// decrypted and its check value verified; a mismatch names the key, and the terminal must sign
/// on again rather than install it.
pub fn parse_field62(tmk: &Key, field: &[u8]) -> Result<WorkingKeys, KeyError> {
    tmk.require(Operation::WrapKey)?;
    require_des_family(tmk, "decrypting field 62 working keys")?;
    let (pik_len, mak_len, tdk) = match field.len() {
        24 => (8, 8, false),
        32 => (16, 8, false),
        40 => (16, 16, false),
        52 => (16, 8, true),
        60 => (16, 16, true),
        len => return Err(KeyError::BadField62Length { len }),
    };
    let mut at = 0;
    let mut take = |name: &'static str, len: usize, usage: KeyUsage| -> Result<Key, KeyError> {
        let mut clear = Zeroizing::new(field[at..at + len].to_vec());
        tmk.cipher().ecb_decrypt(&mut clear);
        let key = Key::dangerous_from_bytes(Algorithm::des_for_len(len)?, usage, &clear)?;
        let received = &field[at + len..at + len + FIELD62_KCV_LEN];
        at += len + FIELD62_KCV_LEN;
        let computed = key.kcv(KcvMethod::EncryptZeros, FIELD62_KCV_LEN);
        if computed != received {
            return Err(KeyError::KcvMismatch {
                key: name,
                received: hex_encode(received),
                computed: hex_encode(&computed),
            });
        }
        Ok(key)
    };
    let pik = take("PIK", pik_len, KeyUsage::PinEncryption)?;
    let mak = take("MAK", mak_len, KeyUsage::MacBoth)?;
    let tdk = if tdk { Some(take("TDK", 16, KeyUsage::DataEncryption)?) } else { None };
    Ok(WorkingKeys { pik, mak, tdk })
}

/// The host side of [`parse_field62`]: encrypts each working key under the TMK and appends its
/// 4-byte check value (what an acquirer or the simulator sends in the 0810).
pub fn build_field62(tmk: &Key, keys: &WorkingKeys) -> Result<Vec<u8>, KeyError> {
    tmk.require(Operation::WrapKey)?;
    require_des_family(tmk, "encrypting field 62 working keys")?;
    let mut out = Vec::new();
    for k in [Some(&keys.pik), Some(&keys.mak), keys.tdk.as_ref()].into_iter().flatten() {
        require_des_family(k, "a field 62 working key")?;
        if k.algorithm() == Algorithm::Tdes3 {
            return Err(KeyError::WrongAlgorithm {
                algorithm: k.algorithm(),
                operation: "a field 62 working key",
                expected: "DES or 2TDEA",
            });
        }
        let mut enc = k.dangerous_reveal().to_vec();
        tmk.cipher().ecb_encrypt(&mut enc);
        out.extend_from_slice(&enc);
        out.extend_from_slice(&k.kcv(KcvMethod::EncryptZeros, FIELD62_KCV_LEN));
    }
    if ![24, 32, 40, 52, 60].contains(&out.len()) {
        // A single-length PIK with a double-length MAK or a TDK: no terminal can parse it back.
        return Err(KeyError::BadField62Length { len: out.len() });
    }
    Ok(out)
}

pub(crate) fn require_des_family(key: &Key, operation: &'static str) -> Result<(), KeyError> {
    if key.algorithm().is_des_family() {
        Ok(())
    } else {
        Err(KeyError::WrongAlgorithm { algorithm: key.algorithm(), operation, expected: "DES, 2TDEA or 3TDEA" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TMK: &str = "0123456789ABCDEFFEDCBA9876543210";

    fn key(alg: Algorithm, usage: KeyUsage, hex: &str) -> Key {
        Key::dangerous_from_hex(alg, usage, hex).unwrap()
    }

    #[test]
    fn usage_enforced() {
        let pik = key(Algorithm::Tdes2, KeyUsage::PinEncryption, TMK);
        assert_eq!(pik.require(Operation::MacGenerate).unwrap_err().code(), "keys.wrong_usage");
        pik.require(Operation::Pin).unwrap();
    }

    #[test]
    fn kcvs() {
        // 2TDEA and AES examples widely published with their KCVs.
        assert_eq!(hex_encode(&key(Algorithm::Tdes2, KeyUsage::Bdk, TMK).kcv(KcvMethod::EncryptZeros, 3)), "08D7B4");
        let aes = key(Algorithm::Aes128, KeyUsage::Bdk, "FEDCBA9876543210F1F1F1F1F1F1F1F1");
        assert_eq!(aes.kcv(KcvMethod::Cmac, 5).len(), 5);
    }

    #[test]
    fn field62_round_trip_and_mismatch() {
        let tmk = key(Algorithm::Tdes2, KeyUsage::KeyEncryption, TMK);
        let keys = WorkingKeys {
            pik: key(Algorithm::Tdes2, KeyUsage::PinEncryption, "11111111111111112222222222222222"),
            mak: key(Algorithm::Des, KeyUsage::MacBoth, "3333333333333333"),
            tdk: Some(key(Algorithm::Tdes2, KeyUsage::DataEncryption, "44444444444444445555555555555555")),
        };
        let f62 = build_field62(&tmk, &keys).unwrap();
        assert_eq!(f62.len(), 52);
        let back = parse_field62(&tmk, &f62).unwrap();
        assert_eq!(back.mak.dangerous_reveal(), keys.mak.dangerous_reveal());
        let mut bad = f62.clone();
        bad[20 + 8] ^= 1;
        let e = parse_field62(&tmk, &bad).unwrap_err();
        assert!(matches!(e, KeyError::KcvMismatch { key: "MAK", .. }), "{e}");
    }

    #[test]
    fn generated_keys_have_odd_parity_and_round_trip() {
        let mut rng = crate::rng::SeededRng::new(4);
        let tmk = Key::generate(Algorithm::Tdes2, KeyUsage::KeyEncryption, &mut rng).unwrap();
        assert!(tmk.dangerous_reveal().iter().all(|b| b.count_ones() % 2 == 1));
        for (double, tdk) in [(false, false), (true, false), (false, true), (true, true)] {
            let wk = WorkingKeys::generate(double, tdk, &mut rng).unwrap();
            let back = parse_field62(&tmk, &build_field62(&tmk, &wk).unwrap()).unwrap();
            assert_eq!(back.mak.algorithm(), wk.mak.algorithm());
            assert_eq!(back.tdk.is_some(), tdk);
        }
    }

    #[test]
    fn export_seal_unseal_import() {
        let mut rng = crate::rng::SeededRng::new(11);
        let wk = WorkingKeys::generate(true, true, &mut rng).unwrap();
        let sk = Key::generate(Algorithm::Aes256, KeyUsage::KeyEncryption, &mut rng).unwrap();
        let sealed = seal(&sk, b"working-keys", &wk.dangerous_export(), &mut rng).unwrap();
        let back = WorkingKeys::dangerous_import(&unseal(&sk, b"working-keys", &sealed).unwrap()).unwrap();
        assert_eq!(back.mak.dangerous_reveal(), wk.mak.dangerous_reveal());
        assert_eq!(back.tdk.unwrap().usage(), KeyUsage::DataEncryption);
        assert_eq!(unseal(&sk, b"dukpt", &sealed).unwrap_err().code(), "keys.bad_stored_key");
        let mut tampered = sealed.clone();
        tampered[20] ^= 1;
        assert_eq!(unseal(&sk, b"working-keys", &tampered).unwrap_err().code(), "keys.bad_stored_key");
        assert_eq!(Key::dangerous_import(&[1, 9, 0]).unwrap_err().code(), "keys.bad_stored_key");
        assert_eq!(WorkingKeys::dangerous_import(&[1, 200]).unwrap_err().code(), "keys.bad_stored_key");
    }

    #[test]
    fn hex() {
        assert_eq!(hex_decode("0aFf").unwrap(), vec![10, 255]);
        assert_eq!(hex_decode("0g").unwrap_err(), KeyError::BadHex { offset: 1, reason: "not a hex digit" });
        assert_eq!(hex_encode(&[0xab, 1]), "AB01");
    }
}
