//! The record codec every durable store shares: checksummed, key-bound and optionally sealed.
//!
//! The file store, the npm package's `IndexedDB` store and the Kotlin file store all keep the
//! journal's records in this one format, so the integrity and sealing rules (a torn record is
//! reported, a record copied under another key is caught, a sealed store refuses the wrong key)
//! are decided here once and only the I/O differs per platform.
//!
//! # Record
//!
//! ```text
//! "PSR1" | flags u8 (1 = sealed) | key_len u16 BE | key | [nonce 12 bytes] | len u32 BE | value or ciphertext+tag | SHA-256
//! ```
//!
//! The SHA-256 covers everything before it, so a torn or bit-flipped record is detected before
//! a single field is trusted. The key is stored inside the record and checked on read, so a
//! record copied over another is caught even in an unsealed store. When sealed, the value is
//! encrypted with AES-256-GCM under a fresh random 96-bit nonce per write, with
//! `"poscore.store.record\0" || key` as associated data: moving a sealed record to another key
//! fails authentication even if an attacker also rewrites the embedded key and checksum.
//!
//! # Header
//!
//! ```text
//! "PSSTORE1" | flags u8 | [nonce 12 bytes | AES-GCM(16 zero bytes) + tag] | SHA-256
//! ```
//!
//! A store writes the header once, when it is created. For a sealed store it holds a key check
//! value (16 zero bytes sealed under the key), so opening with another key fails at once,
//! before any record is read or written, instead of reporting every record as corrupt.
//!
//! ```
//! use poscore::store::record::{RecordCodec, SealingKey};
//!
//! let codec = RecordCodec::sealed(SealingKey::from_bytes([0x42; 32]));
//! let header = codec.header()?;
//! codec.check_header(&header)?;
//! let bytes = codec.encode("txn/000123", b"approved")?;
//! assert_eq!(codec.decode("txn/000123", &bytes)?, b"approved");
//! // The same bytes under another key are refused: an old approval cannot stand in for a reversal.
//! assert_eq!(codec.decode("reversal/pending", &bytes).unwrap_err().code(), "store.corrupt");
//! # Ok::<(), poscore::store::StoreError>(())
//! ```

use core::cell::RefCell;
use core::fmt;
use std::boxed::Box;
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::digest::{digest, SHA256, SHA256_OUTPUT_LEN};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::{validate_key, validate_value, StoreError};

const RECORD_MAGIC: &[u8; 4] = b"PSR1";
const HEADER_MAGIC: &[u8; 8] = b"PSSTORE1";
const FLAG_SEALED: u8 = 1;
const TAG_LEN: usize = 16;
const RECORD_AD: &[u8] = b"poscore.store.record\0";
const KEYCHECK_AD: &[u8] = b"poscore.store.keycheck";
/// The name errors use for the header (it is the header's file name in the file store).
pub const HEADER_NAME: &str = "STORE";

/// A 256-bit AES-GCM key that seals every record. Wiped on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SealingKey([u8; 32]);

impl SealingKey {
    /// Wraps raw key bytes (from the platform keystore, an HSM, a KDF...).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Takes the key out of a byte vector that must be exactly 32 bytes (what bindings receive
    /// from JS or Kotlin), wiping the vector whether or not it was the right length.
    pub fn from_vec(mut bytes: Vec<u8>) -> Result<Self, StoreError> {
        let key = <[u8; 32]>::try_from(bytes.as_slice())
            .map(Self)
            .map_err(|_| StoreError::SealedKeyMismatch { reason: "a sealing key is 32 bytes (AES-256)" });
        bytes.zeroize();
        key
    }
}

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealingKey(<redacted>)")
    }
}

/// A source of random bytes for nonces: fills the buffer or says why it could not.
pub type RandomFill = Box<dyn FnMut(&mut [u8]) -> Result<(), String> + Send>;

struct Sealer {
    key: LessSafeKey,
    random: RefCell<RandomFill>,
}

/// Encodes and decodes records and the store header; see the [module docs](self).
pub struct RecordCodec {
    sealer: Option<Sealer>,
}

impl fmt::Debug for RecordCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordCodec").field("sealed", &self.is_sealed()).finish()
    }
}

fn system_random() -> RandomFill {
    let rng = ring::rand::SystemRandom::new();
    Box::new(move |buf: &mut [u8]| ring::rand::SecureRandom::fill(&rng, buf).map_err(|_| "system RNG failed".into()))
}

impl RecordCodec {
    /// Records in the clear (still checksummed and key-bound).
    pub fn plain() -> Self {
        Self { sealer: None }
    }

    /// Records sealed under `key`, nonces from the system RNG.
    pub fn sealed(key: SealingKey) -> Self {
        Self::new(Some(key), None)
    }

    /// Sealed when `key` is given; `random` supplies nonces (`None`: the system RNG).
    pub fn new(key: Option<SealingKey>, random: Option<RandomFill>) -> Self {
        let sealer = key.map(|k| Sealer {
            // 32 bytes is always a valid AES-256 key.
            key: LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &k.0).unwrap_or_else(|_| unreachable!())),
            random: RefCell::new(random.unwrap_or_else(system_random)),
        });
        Self { sealer }
    }

    /// True when records are sealed.
    pub fn is_sealed(&self) -> bool {
        self.sealer.is_some()
    }

    fn nonce(&self, what: &str) -> Result<[u8; NONCE_LEN], StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        if let Some(s) = &self.sealer {
            (s.random.borrow_mut())(&mut nonce).map_err(|e| io_err("random", what, &e))?;
        }
        Ok(nonce)
    }

    /// A new store's header (with the key check value when sealed).
    pub fn header(&self) -> Result<Vec<u8>, StoreError> {
        let mut h = HEADER_MAGIC.to_vec();
        if let Some(sealer) = &self.sealer {
            h.push(FLAG_SEALED);
            let nonce = self.nonce(HEADER_NAME)?;
            let mut check = std::vec![0u8; 16];
            sealer
                .key
                .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(KEYCHECK_AD), &mut check)
                .map_err(|_| io_err("seal", HEADER_NAME, "AES-GCM seal failed"))?;
            h.extend_from_slice(&nonce);
            h.extend_from_slice(&check);
        } else {
            h.push(0);
        }
        append_checksum(&mut h);
        Ok(h)
    }

    /// Checks a stored header against this codec: format, and that the store is sealed with
    /// this key (`store.sealed_key_mismatch`) or unsealed like the codec.
    pub fn check_header(&self, bytes: &[u8]) -> Result<(), StoreError> {
        let body = verify_checksum(HEADER_NAME, bytes)?;
        let mut r = Reader::new(HEADER_NAME, body);
        if r.take(8)? != HEADER_MAGIC {
            return Err(corrupt(HEADER_NAME, "not a poscore store header (or an unsupported version)"));
        }
        let flagged_sealed = match r.u8()? {
            0 => false,
            FLAG_SEALED => true,
            _ => return Err(corrupt(HEADER_NAME, "unknown header flags")),
        };
        match (flagged_sealed, &self.sealer) {
            (false, None) => r.end(),
            (false, Some(_)) => {
                Err(StoreError::SealedKeyMismatch { reason: "the store is not sealed but a key was given" })
            }
            (true, None) => Err(StoreError::SealedKeyMismatch { reason: "the store is sealed but no key was given" }),
            (true, Some(sealer)) => {
                let nonce = r.take(NONCE_LEN)?;
                let mut check = r.take(16 + TAG_LEN)?.to_vec();
                r.end()?;
                let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| corrupt(HEADER_NAME, "bad nonce"))?;
                match sealer.key.open_in_place(nonce, Aad::from(KEYCHECK_AD), &mut check) {
                    Ok(_) => Ok(()),
                    Err(_) => Err(StoreError::SealedKeyMismatch { reason: "the key does not open this store" }),
                }
            }
        }
    }

    /// The record for `key` holding `value`. Checks the key rules and the value's size first.
    pub fn encode(&self, key: &str, value: &[u8]) -> Result<Vec<u8>, StoreError> {
        validate_key(key)?;
        validate_value(key, value)?;
        let mut out = Vec::with_capacity(value.len() + key.len() + 80);
        out.extend_from_slice(RECORD_MAGIC);
        out.push(if self.sealer.is_some() { FLAG_SEALED } else { 0 });
        // validate_key bounds the key to MAX_KEY_LEN and validate_value the value to MAX_VALUE_LEN.
        #[allow(clippy::cast_possible_truncation)]
        out.extend_from_slice(&(key.len() as u16).to_be_bytes());
        out.extend_from_slice(key.as_bytes());
        if let Some(sealer) = &self.sealer {
            let nonce = self.nonce(key)?;
            let mut data = value.to_vec();
            sealer
                .key
                .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(&record_ad(key)), &mut data)
                .map_err(|_| io_err("seal", key, "AES-GCM seal failed"))?;
            out.extend_from_slice(&nonce);
            #[allow(clippy::cast_possible_truncation)]
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            out.extend_from_slice(&data);
        } else {
            #[allow(clippy::cast_possible_truncation)]
            out.extend_from_slice(&(value.len() as u32).to_be_bytes());
            out.extend_from_slice(value);
        }
        append_checksum(&mut out);
        Ok(out)
    }

    /// The value in `bytes`, stored as `key`'s record; any damage is `store.corrupt`.
    pub fn decode(&self, key: &str, bytes: &[u8]) -> Result<Vec<u8>, StoreError> {
        let body = verify_checksum(key, bytes)?;
        let mut r = Reader::new(key, body);
        if r.take(4)? != RECORD_MAGIC {
            return Err(corrupt(key, "not a poscore record (or an unsupported version)"));
        }
        let flagged_sealed = match r.u8()? {
            0 => false,
            FLAG_SEALED => true,
            _ => return Err(corrupt(key, "unknown record flags")),
        };
        let klen = r.u16()? as usize;
        if r.take(klen)? != key.as_bytes() {
            return Err(corrupt(key, "record holds another key (moved or copied)"));
        }
        match (flagged_sealed, &self.sealer) {
            (false, None) => {
                let len = r.u32()? as usize;
                let value = r.take(len)?.to_vec();
                r.end()?;
                Ok(value)
            }
            (true, Some(sealer)) => {
                let nonce = r.take(NONCE_LEN)?;
                let len = r.u32()? as usize;
                let mut data = r.take(len)?.to_vec();
                r.end()?;
                let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| corrupt(key, "bad nonce"))?;
                let plain = sealer
                    .key
                    .open_in_place(nonce, Aad::from(&record_ad(key)), &mut data)
                    .map_err(|_| corrupt(key, "authentication failed"))?
                    .len();
                data.truncate(plain);
                Ok(data)
            }
            (false, Some(_)) => Err(corrupt(key, "unsealed record in a sealed store")),
            (true, None) => Err(corrupt(key, "sealed record in an unsealed store")),
        }
    }
}

pub(crate) fn append_checksum(out: &mut Vec<u8>) {
    let sum = digest(&SHA256, out);
    out.extend_from_slice(sum.as_ref());
}

/// Checks the trailing SHA-256 and returns the bytes it covers.
pub(crate) fn verify_checksum<'a>(what: &str, bytes: &'a [u8]) -> Result<&'a [u8], StoreError> {
    if bytes.len() < SHA256_OUTPUT_LEN {
        return Err(corrupt(what, &format!("truncated: {} bytes", bytes.len())));
    }
    let (body, sum) = bytes.split_at(bytes.len() - SHA256_OUTPUT_LEN);
    if digest(&SHA256, body).as_ref() != sum {
        return Err(corrupt(what, "checksum mismatch (torn or damaged record)"));
    }
    Ok(body)
}

/// Bounds-checked reading of a checksummed body; running short is corruption, not a panic.
pub(crate) struct Reader<'a> {
    what: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(what: &'a str, bytes: &'a [u8]) -> Self {
        Self { what, bytes, pos: 0 }
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], StoreError> {
        if self.bytes.len() - self.pos < n {
            return Err(corrupt(self.what, &format!("truncated: needs {n} bytes at offset {}", self.pos)));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, StoreError> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, StoreError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, StoreError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn end(&self) -> Result<(), StoreError> {
        if self.pos != self.bytes.len() {
            return Err(corrupt(
                self.what,
                &format!("{} unexpected bytes at offset {}", self.bytes.len() - self.pos, self.pos),
            ));
        }
        Ok(())
    }
}

fn record_ad(key: &str) -> Vec<u8> {
    [RECORD_AD, key.as_bytes()].concat()
}

pub(crate) fn corrupt(what: &str, reason: &str) -> StoreError {
    StoreError::Corrupt { key: what.to_string(), reason: reason.to_string() }
}

fn io_err(op: &'static str, what: &str, e: &str) -> StoreError {
    StoreError::Io { op, path: what.to_string(), message: e.to_string() }
}
