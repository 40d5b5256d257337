//! DUKPT: Derived Unique Key Per Transaction, TDES (ANSI X9.24-1) and AES (ANSI X9.24-3-2017).
//!
//! A DUKPT terminal never holds the base derivation key (BDK). It is injected with an initial key
//! derived from the BDK and its key serial number (KSN), and from then on derives a fresh key for
//! every transaction, forgetting each key after use, so a terminal compromised today cannot
//! decrypt yesterday's PINs. The host, holding the BDK, derives the same key from the KSN the
//! terminal sends.
//!
//! * Host side: [`tdes_ipek`] / [`tdes_derive`] (BDK + KSN → IPEK → transaction key and its PIN,
//!   MAC request/response and data request/response variants) and [`aes_initial_key`] /
//!   [`aes_derive`] (BDK + KSN → initial key → intermediate derivation key → working key of a
//!   given usage and type).
//! * Terminal side: [`TdesTerminal`] and [`AesTerminal`] hold the future-key registers, advance
//!   the counter (skipping counters with more one-bits than the standard allows: 10 for TDES, 16
//!   for AES), report exhaustion, and export their state as bytes for the host's store.
//!
//! ```
//! use poscore::dukpt;
//! use poscore::keys::{hex_decode, hex_encode, Algorithm, Key, KeyUsage};
//! // ANSI X9.24-1-2009 Annex A: BDK 0123456789ABCDEFFEDCBA9876543210, KSN FFFF9876543210E00001.
//! let bdk = Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::Bdk, "0123456789ABCDEFFEDCBA9876543210").unwrap();
//! let keys = dukpt::tdes_derive(&bdk, &hex_decode("FFFF9876543210E00001").unwrap()).unwrap();
//! assert_eq!(hex_encode(keys.ipek.unwrap().dangerous_reveal()), "6AC292FAA1315B4D858AB3A3D7D5933A");
//! assert_eq!(hex_encode(keys.pin.dangerous_reveal()), "042666B49184CF5C68DE9628D0397B36");
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::keys::{hex_encode, xor_in_place, Algorithm, BlockCipher, Key, KeyError, KeyUsage, Operation};

/// Errors from DUKPT derivation and terminal state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DukptError {
    /// A KSN of the wrong length (10 bytes for TDES, 12 for AES).
    #[error("{scheme} KSN must be {expected} bytes, got {len}")]
    BadKsn {
        /// "TDES" or "AES".
        scheme: &'static str,
        /// Bytes given.
        len: usize,
        /// Bytes expected.
        expected: usize,
    },
    /// A transaction counter that no conforming terminal produces (too many one-bits, or zero).
    #[error("transaction counter {counter:#X} has {ones} one-bits; {scheme} DUKPT allows 1 to {max}")]
    InvalidCounter {
        /// "TDES" or "AES".
        scheme: &'static str,
        /// The counter.
        counter: u64,
        /// Its one-bits.
        ones: u32,
        /// The most allowed.
        max: u32,
    },
    /// The terminal has used every key its counter allows: it must be re-injected.
    #[error("{scheme} DUKPT key set exhausted at counter {counter:#X}: re-inject the terminal")]
    Exhausted {
        /// "TDES" or "AES".
        scheme: &'static str,
        /// The counter reached.
        counter: u64,
    },
    /// Persisted terminal state that cannot be loaded.
    #[error("DUKPT terminal state is invalid: {reason}")]
    BadState {
        /// What is wrong.
        reason: &'static str,
    },
    /// A name that is not a known key usage or key type.
    #[error("unknown DUKPT {what} {found:?}")]
    UnknownName {
        /// "key usage" or "key type".
        what: &'static str,
        /// The name given.
        found: String,
    },
}

impl DukptError {
    /// A stable machine-readable code (`dukpt.exhausted`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadKsn { .. } => "dukpt.bad_ksn",
            Self::InvalidCounter { .. } => "dukpt.invalid_counter",
            Self::Exhausted { .. } => "dukpt.exhausted",
            Self::BadState { .. } => "dukpt.bad_state",
            Self::UnknownName { .. } => "dukpt.unknown_name",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// TDES DUKPT (ANSI X9.24-1-2009)
// ---------------------------------------------------------------------------------------------

const TDES_COUNTER_BITS: u32 = 21;
const TDES_MAX_ONES: u32 = 10;
const KEY_MASK: [u8; 16] = [0xC0, 0xC0, 0xC0, 0xC0, 0, 0, 0, 0, 0xC0, 0xC0, 0xC0, 0xC0, 0, 0, 0, 0];

/// The TDES variant masks (X9.24-1-2009 A.6 / the PIN, MAC and data variants).
fn variant_mask(byte: usize) -> [u8; 16] {
    let mut m = [0u8; 16];
    m[byte] = 0xFF;
    m[byte + 8] = 0xFF;
    m
}

/// Every key a TDES DUKPT transaction uses, derived from one transaction key. Debug shows KCVs only.
#[derive(Clone)]
pub struct TdesKeys {
    /// The initial key (IPEK): present on the host side, `None` on a terminal (which erased it
    /// when it was loaded).
    pub ipek: Option<Key>,
    /// The transaction ("current") key, before any variant.
    pub transaction_key: Key,
    /// PIN encryption key (variant `…FF` in bytes 7 and 15).
    pub pin: Key,
    /// MAC request key (variant bytes 6 and 14).
    pub mac_request: Key,
    /// MAC response key (variant bytes 4 and 12).
    pub mac_response: Key,
    /// Data encryption key, request (variant bytes 5 and 13, then the X9.24-1-2009 one-way step).
    pub data_request: Key,
    /// Data encryption key, response (variant bytes 3 and 11, then the one-way step).
    pub data_response: Key,
}

impl fmt::Debug for TdesKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TdesKeys")
            .field("ipek", &self.ipek)
            .field("transaction_key", &self.transaction_key)
            .field("pin", &self.pin)
            .field("mac_request", &self.mac_request)
            .field("mac_response", &self.mac_response)
            .field("data_request", &self.data_request)
            .field("data_response", &self.data_response)
            .finish()
    }
}

fn tdes_ksn(ksn: &[u8]) -> Result<[u8; 10], DukptError> {
    ksn.try_into().map_err(|_| DukptError::BadKsn { scheme: "TDES", len: ksn.len(), expected: 10 })
}

fn ksn_counter_tdes(ksn: &[u8; 10]) -> u32 {
    u32::from_be_bytes([0, ksn[7], ksn[8], ksn[9]]) & ((1 << TDES_COUNTER_BITS) - 1)
}

/// The KSN with its 21 counter bits cleared.
fn ksn_base_tdes(ksn: &[u8; 10]) -> [u8; 10] {
    let mut b = *ksn;
    b[7] &= 0xE0;
    b[8] = 0;
    b[9] = 0;
    b
}

/// Derives the IPEK (initial PIN encryption key) from a 2TDEA BDK and the terminal's KSN (the
/// counter bits are ignored).
pub fn tdes_ipek(bdk: &Key, ksn: &[u8]) -> Result<Key, crate::Error> {
    bdk.require(Operation::DeriveFromBdk)?;
    require_alg(bdk, &[Algorithm::Tdes2], "TDES DUKPT", "2TDEA")?;
    let base = ksn_base_tdes(&tdes_ksn(ksn)?);
    let mut ipek = Zeroizing::new([0u8; 16]);
    ipek[..8].copy_from_slice(&base[..8]);
    bdk.cipher().encrypt_block(&mut ipek[..8]);
    let mut masked = Zeroizing::new([0u8; 16]);
    masked.copy_from_slice(bdk.dangerous_reveal());
    xor_in_place(&mut masked[..], &KEY_MASK);
    ipek[8..].copy_from_slice(&base[..8]);
    BlockCipher::new(Algorithm::Tdes2, &masked[..]).encrypt_block(&mut ipek[8..]);
    Ok(Key::dangerous_from_bytes(Algorithm::Tdes2, KeyUsage::DukptInitialKey, &ipek[..])?)
}

/// Non-reversible key generation process (X9.24-1 A.2): the new key for `ksn_reg` (rightmost 64
/// KSN bits with the counter bits set so far) from the previous key.
fn nrkgp(key: &[u8], ksn_reg: [u8; 8]) -> Zeroizing<Vec<u8>> {
    // Each half is key material: build it directly in zeroizing memory.
    let half = |k: &[u8], out: &mut [u8]| {
        out.copy_from_slice(&ksn_reg);
        xor_in_place(out, &k[8..16]);
        BlockCipher::new(Algorithm::Des, &k[..8]).encrypt_block(out);
        xor_in_place(out, &k[8..16]);
    };
    let mut out = Zeroizing::new(vec![0u8; 16]);
    half(key, &mut out[8..]);
    let mut masked = Zeroizing::new(key.to_vec());
    xor_in_place(&mut masked, &KEY_MASK);
    half(&masked, &mut out[..8]);
    out
}

fn ksn_reg(base: &[u8; 10], counter: u32) -> [u8; 8] {
    let mut r = [0u8; 8];
    r.copy_from_slice(&base[2..]);
    let c = counter.to_be_bytes();
    r[5] |= c[1];
    r[6] |= c[2];
    r[7] |= c[3];
    r
}

fn check_counter(scheme: &'static str, counter: u64, max: u32) -> Result<(), DukptError> {
    let ones = counter.count_ones();
    if ones == 0 || ones > max {
        return Err(DukptError::InvalidCounter { scheme, counter, ones, max });
    }
    Ok(())
}

/// The transaction key for `ksn` from the IPEK (what the host does after [`tdes_ipek`]).
pub fn tdes_transaction_key(ipek: &Key, ksn: &[u8]) -> Result<Key, crate::Error> {
    ipek.require(Operation::LoadInitialKey)?;
    require_alg(ipek, &[Algorithm::Tdes2], "TDES DUKPT", "2TDEA")?;
    let ksn = tdes_ksn(ksn)?;
    let counter = ksn_counter_tdes(&ksn);
    check_counter("TDES", counter.into(), TDES_MAX_ONES)?;
    let base = ksn_base_tdes(&ksn);
    let mut key = Zeroizing::new(ipek.dangerous_reveal().to_vec());
    let mut set = 0u32;
    for bit in (0..TDES_COUNTER_BITS).rev() {
        if counter & (1 << bit) != 0 {
            set |= 1 << bit;
            key = nrkgp(&key, ksn_reg(&base, set));
        }
    }
    Ok(Key::dangerous_from_bytes(Algorithm::Tdes2, KeyUsage::KeyDerivation, &key)?)
}

fn tdes_variants(ipek: Option<Key>, transaction_key: Key) -> Result<TdesKeys, crate::Error> {
    let t = transaction_key.dangerous_reveal();
    let variant = |byte: usize| -> Zeroizing<Vec<u8>> {
        let mut v = Zeroizing::new(t.to_vec());
        xor_in_place(&mut v, &variant_mask(byte));
        v
    };
    let one_way = |v: &[u8]| -> Zeroizing<Vec<u8>> {
        // X9.24-1-2009: the data key is the variant encrypting its own halves.
        let c = BlockCipher::new(Algorithm::Tdes2, v);
        let mut out = Zeroizing::new(v.to_vec());
        c.ecb_encrypt(&mut out);
        out
    };
    let tdes = |usage, bytes: &[u8]| Key::dangerous_from_bytes(Algorithm::Tdes2, usage, bytes);
    Ok(TdesKeys {
        pin: tdes(KeyUsage::PinEncryption, &variant(7))?,
        mac_request: tdes(KeyUsage::MacBoth, &variant(6))?,
        mac_response: tdes(KeyUsage::MacBoth, &variant(4))?,
        data_request: tdes(KeyUsage::DataEncryption, &one_way(&variant(5)))?,
        data_response: tdes(KeyUsage::DataEncryption, &one_way(&variant(3)))?,
        ipek,
        transaction_key,
    })
}

/// Host side: every key of the transaction identified by `ksn`, from the 2TDEA BDK.
pub fn tdes_derive(bdk: &Key, ksn: &[u8]) -> Result<TdesKeys, crate::Error> {
    let ipek = tdes_ipek(bdk, ksn)?;
    let tk = tdes_transaction_key(&ipek, ksn)?;
    tdes_variants(Some(ipek), tk)
}

/// Host side from the IPEK instead of the BDK (e.g. a test host that was given the IPEK).
pub fn tdes_derive_from_ipek(ipek: &Key, ksn: &[u8]) -> Result<TdesKeys, crate::Error> {
    let tk = tdes_transaction_key(ipek, ksn)?;
    tdes_variants(Some(ipek.clone()), tk)
}

// ---------------------------------------------------------------------------------------------
// The future-key register engine shared by both terminals
// ---------------------------------------------------------------------------------------------

/// One derivation step of a register engine: (previous key, counter value) to the new key.
type DeriveStep<'a> = &'a dyn Fn(&[u8], u64) -> Zeroizing<Vec<u8>>;

/// Registers indexed by counter bit: register `b` holds the key for the counter that sets bit `b`
/// on top of the bits above it. Invariant: the key for the current counter `c` is in register
/// `lsb(c)`; after use, registers below it are refilled from it and it is erased.
#[derive(Clone)]
struct Registers {
    bits: u32,
    max_ones: u32,
    counter: u64,
    regs: Vec<Option<Zeroizing<Vec<u8>>>>,
}

impl Registers {
    fn load(bits: u32, max_ones: u32, initial: &[u8], derive: DeriveStep<'_>) -> Self {
        let mut regs = vec![None; bits as usize];
        for b in (0..bits).rev() {
            regs[b as usize] = Some(derive(initial, 1u64 << b));
        }
        Self { bits, max_ones, counter: 1, regs }
    }

    /// The registers as they stand when `counter` is the next counter to use, each key computed
    /// directly by `key_for` (host-style derivation): the current key in register `lsb(counter)`,
    /// and above it the future key for every zero bit of the counter.
    fn at(
        bits: u32,
        max_ones: u32,
        counter: u64,
        key_for: &dyn Fn(u64) -> Result<Zeroizing<Vec<u8>>, crate::Error>,
    ) -> Result<Self, crate::Error> {
        let low = counter.trailing_zeros();
        let mut regs = vec![None; bits as usize];
        for j in low..bits {
            let above = counter & !((2u64 << j) - 1);
            let k = above | 1u64 << j;
            if (j == low || counter & (1u64 << j) == 0) && k.count_ones() <= max_ones {
                regs[j as usize] = Some(key_for(k)?);
            }
        }
        Ok(Self { bits, max_ones, counter, regs })
    }

    fn exhausted(&self) -> bool {
        self.counter >= 1u64 << self.bits
    }

    /// The key for the current counter, then advances (filling the registers below it).
    fn take(&mut self, scheme: &'static str, derive: DeriveStep<'_>) -> Result<(u64, Zeroizing<Vec<u8>>), DukptError> {
        if self.exhausted() {
            return Err(DukptError::Exhausted { scheme, counter: self.counter });
        }
        let c = self.counter;
        let b = c.trailing_zeros();
        let key = self.regs[b as usize].take().ok_or(DukptError::BadState { reason: "missing future key register" })?;
        let ones = c.count_ones();
        if ones < self.max_ones {
            for j in (0..b).rev() {
                self.regs[j as usize] = Some(derive(&key, c | 1u64 << j));
            }
            self.counter = c + 1;
        } else {
            // No key may have more one-bits: skip every counter that would.
            self.counter = c + (1u64 << b);
        }
        Ok((c, key))
    }

    fn to_bytes(&self, key_len: usize, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.counter.to_be_bytes());
        for r in &self.regs {
            if let Some(k) = r {
                out.push(1);
                out.extend_from_slice(k);
            } else {
                out.push(0);
                out.resize(out.len() + key_len, 0);
            }
        }
    }

    fn from_bytes(bits: u32, max_ones: u32, key_len: usize, b: &[u8]) -> Result<Self, DukptError> {
        let bad = |reason| DukptError::BadState { reason };
        if b.len() != 8 + bits as usize * (1 + key_len) {
            return Err(bad("wrong length"));
        }
        let counter = u64::from_be_bytes(b[..8].try_into().expect("8 bytes"));
        if counter == 0 || counter > 1u64 << bits {
            return Err(bad("counter out of range"));
        }
        let mut regs = Vec::with_capacity(bits as usize);
        for chunk in b[8..].chunks_exact(1 + key_len) {
            regs.push(match chunk[0] {
                0 => None,
                1 => Some(Zeroizing::new(chunk[1..].to_vec())),
                _ => return Err(bad("register flag is not 0 or 1")),
            });
        }
        let r = Self { bits, max_ones, counter, regs };
        if !r.exhausted() && r.regs[counter.trailing_zeros() as usize].is_none() {
            return Err(bad("no key for the current counter"));
        }
        Ok(r)
    }
}

const STATE_TDES: u8 = 0x01;
const STATE_AES: u8 = 0x02;

/// A TDES DUKPT terminal (PIN pad): the 21 future-key registers and the counter.
#[derive(Clone)]
pub struct TdesTerminal {
    ksn_base: [u8; 10],
    regs: Registers,
}

/// What a TDES terminal hands out for one transaction: the KSN to send and the keys to use.
#[derive(Debug, Clone)]
pub struct TdesTransaction {
    /// The KSN for field 53 / the PIN pad output (10 bytes).
    pub ksn: Vec<u8>,
    /// The transaction key and its variants (`keys.ipek` is `None`: a terminal has no IPEK).
    pub keys: TdesKeys,
}

impl fmt::Debug for TdesTerminal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TdesTerminal")
            .field("ksn_base", &hex_encode(&self.ksn_base))
            .field("counter", &self.regs.counter)
            .finish_non_exhaustive()
    }
}

impl TdesTerminal {
    /// Loads a terminal from its IPEK and initial KSN (counter bits ignored): computes the 21
    /// future keys, then forgets the IPEK.
    pub fn load(ipek: &Key, ksn: &[u8]) -> Result<Self, crate::Error> {
        ipek.require(Operation::LoadInitialKey)?;
        require_alg(ipek, &[Algorithm::Tdes2], "TDES DUKPT", "2TDEA")?;
        let base = ksn_base_tdes(&tdes_ksn(ksn)?);
        let regs = Registers::load(TDES_COUNTER_BITS, TDES_MAX_ONES, ipek.dangerous_reveal(), &|k, c| {
            nrkgp(k, ksn_reg(&base, c as u32))
        });
        Ok(Self { ksn_base: base, regs })
    }

    /// A terminal whose next transaction uses `ksn`'s counter, its registers derived from the
    /// IPEK exactly as a terminal loaded at counter 0 would hold them by then. For test benches and
    /// simulators that need a terminal deep in its key set (the X9.24-1 Annex A sequences); a
    /// PIN pad is loaded with [`TdesTerminal::load`].
    pub fn load_at(ipek: &Key, ksn: &[u8]) -> Result<Self, crate::Error> {
        ipek.require(Operation::LoadInitialKey)?;
        require_alg(ipek, &[Algorithm::Tdes2], "TDES DUKPT", "2TDEA")?;
        let full = tdes_ksn(ksn)?;
        let base = ksn_base_tdes(&full);
        let counter = u64::from(ksn_counter_tdes(&full));
        check_counter("TDES", counter, TDES_MAX_ONES)?;
        let regs = Registers::at(TDES_COUNTER_BITS, TDES_MAX_ONES, counter, &|c| {
            let mut k = base;
            let cb = (c as u32).to_be_bytes();
            k[7] |= cb[1];
            k[8] = cb[2];
            k[9] = cb[3];
            Ok(Zeroizing::new(tdes_transaction_key(ipek, &k)?.dangerous_reveal().to_vec()))
        })?;
        Ok(Self { ksn_base: base, regs })
    }

    /// The counter the next transaction will use.
    pub fn counter(&self) -> u64 {
        self.regs.counter
    }

    /// True when no key is left.
    pub fn is_exhausted(&self) -> bool {
        self.regs.exhausted()
    }

    /// Keys and KSN for the next transaction; the key is erased from the terminal and the counter
    /// advanced (skipping counters with more than 10 one-bits).
    pub fn next_transaction(&mut self) -> Result<TdesTransaction, crate::Error> {
        let base = self.ksn_base;
        let (c, key) = self.regs.take("TDES", &|k, c| nrkgp(k, ksn_reg(&base, c as u32)))?;
        let mut ksn = base;
        let cb = (c as u32).to_be_bytes();
        ksn[7] |= cb[1];
        ksn[8] = cb[2];
        ksn[9] = cb[3];
        let tk = Key::dangerous_from_bytes(Algorithm::Tdes2, KeyUsage::KeyDerivation, &key)?;
        Ok(TdesTransaction { ksn: ksn.to_vec(), keys: tdes_variants(None, tk)? })
    }

    /// The terminal state for persistent storage. **Dangerous**: it holds the future keys; keep it
    /// in the secure store only.
    pub fn dangerous_export_state(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(vec![STATE_TDES]);
        out.extend_from_slice(&self.ksn_base);
        self.regs.to_bytes(16, &mut out);
        out
    }

    /// Restores a terminal from [`TdesTerminal::dangerous_export_state`].
    pub fn dangerous_import_state(state: &[u8]) -> Result<Self, DukptError> {
        if state.len() < 11 || state[0] != STATE_TDES {
            return Err(DukptError::BadState { reason: "not a TDES DUKPT state" });
        }
        let ksn_base: [u8; 10] = state[1..11].try_into().expect("10 bytes");
        let regs = Registers::from_bytes(TDES_COUNTER_BITS, TDES_MAX_ONES, 16, &state[11..])?;
        Ok(Self { ksn_base, regs })
    }
}

// ---------------------------------------------------------------------------------------------
// AES DUKPT (ANSI X9.24-3-2017)
// ---------------------------------------------------------------------------------------------

const AES_COUNTER_BITS: u32 = 32;
const AES_MAX_ONES: u32 = 16;

/// The key usage field of X9.24-3 derivation data (what the working key is for).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AesKeyUsage {
    /// Key encryption key (0002).
    KeyEncryption,
    /// PIN encryption (1000).
    Pin,
    /// MAC generation (2000).
    MacGenerate,
    /// MAC verification (2001).
    MacVerify,
    /// MAC both ways (2002).
    MacBoth,
    /// Data encryption, encrypt (3000).
    DataEncrypt,
    /// Data encryption, decrypt (3001).
    DataDecrypt,
    /// Data encryption, both (3002).
    DataBoth,
}

impl AesKeyUsage {
    /// The derivation-data code.
    pub fn code(self) -> u16 {
        match self {
            Self::KeyEncryption => 0x0002,
            Self::Pin => 0x1000,
            Self::MacGenerate => 0x2000,
            Self::MacVerify => 0x2001,
            Self::MacBoth => 0x2002,
            Self::DataEncrypt => 0x3000,
            Self::DataDecrypt => 0x3001,
            Self::DataBoth => 0x3002,
        }
    }

    /// Parses a CLI/vector name: `kek`, `pin`, `mac-generate`, `mac-verify`, `mac-both`,
    /// `data-encrypt`, `data-decrypt`, `data-both`.
    pub fn from_name(name: &str) -> Result<Self, DukptError> {
        Ok(match name {
            "kek" | "key-encryption" => Self::KeyEncryption,
            "pin" => Self::Pin,
            "mac" | "mac-generate" => Self::MacGenerate,
            "mac-verify" => Self::MacVerify,
            "mac-both" => Self::MacBoth,
            "data" | "data-encrypt" => Self::DataEncrypt,
            "data-decrypt" => Self::DataDecrypt,
            "data-both" => Self::DataBoth,
            _ => return Err(DukptError::UnknownName { what: "key usage", found: name.to_owned() }),
        })
    }

    fn key_usage(self) -> KeyUsage {
        match self {
            Self::KeyEncryption => KeyUsage::KeyEncryption,
            Self::Pin => KeyUsage::PinEncryption,
            Self::MacGenerate => KeyUsage::MacGenerate,
            Self::MacVerify => KeyUsage::MacVerify,
            Self::MacBoth => KeyUsage::MacBoth,
            Self::DataEncrypt | Self::DataDecrypt | Self::DataBoth => KeyUsage::DataEncryption,
        }
    }
}

/// Parses a working-key type name: `2tdea`, `3tdea`, `aes128`, `aes192`, `aes256`.
pub fn aes_key_type_from_name(name: &str) -> Result<Algorithm, DukptError> {
    Ok(match name {
        "2tdea" | "tdes2" => Algorithm::Tdes2,
        "3tdea" | "tdes3" => Algorithm::Tdes3,
        "aes128" | "aes-128" => Algorithm::Aes128,
        "aes192" | "aes-192" => Algorithm::Aes192,
        "aes256" | "aes-256" => Algorithm::Aes256,
        _ => return Err(DukptError::UnknownName { what: "key type", found: name.to_owned() }),
    })
}

fn algorithm_code(alg: Algorithm) -> Result<u16, KeyError> {
    Ok(match alg {
        Algorithm::Tdes2 => 0x0000,
        Algorithm::Tdes3 => 0x0001,
        Algorithm::Aes128 => 0x0002,
        Algorithm::Aes192 => 0x0003,
        Algorithm::Aes256 => 0x0004,
        other => {
            return Err(KeyError::WrongAlgorithm {
                algorithm: other,
                operation: "an AES DUKPT working key",
                expected: "2TDEA, 3TDEA or AES",
            })
        }
    })
}

/// X9.24-3 derivation data: version 01, block counter, usage, algorithm, length in bits, 8 bytes
/// of key ID / counter.
fn derivation_data(usage: u16, alg: Algorithm, tail: [u8; 8]) -> Result<[u8; 16], KeyError> {
    let mut d = [0u8; 16];
    d[0] = 0x01;
    d[1] = 0x01;
    d[2..4].copy_from_slice(&usage.to_be_bytes());
    d[4..6].copy_from_slice(&algorithm_code(alg)?.to_be_bytes());
    d[6..8].copy_from_slice(&((alg.key_len() * 8) as u16).to_be_bytes());
    d[8..].copy_from_slice(&tail);
    Ok(d)
}

/// `DeriveKey`: AES-ECB of the derivation data under the derivation key, one block per 128 bits of
/// output with the block counter (byte 1) incremented, truncated to the key length.
fn derive_key(derivation_key: &[u8], alg_of_key: Algorithm, data: &[u8; 16], out_len: usize) -> Zeroizing<Vec<u8>> {
    let c = BlockCipher::new(alg_of_key, derivation_key);
    let blocks = out_len.div_ceil(16);
    let mut out = Zeroizing::new(vec![0u8; blocks * 16]);
    for (i, block) in out.chunks_exact_mut(16).enumerate() {
        block.copy_from_slice(data);
        block[1] = i as u8 + 1;
        c.encrypt_block(block);
    }
    out.truncate(out_len);
    out
}

fn tail(initial_key_id: [u8; 8], counter: u64) -> [u8; 8] {
    let mut t = [0u8; 8];
    t[..4].copy_from_slice(&initial_key_id[4..]);
    t[4..].copy_from_slice(&(counter as u32).to_be_bytes());
    t
}

fn aes_ksn(ksn: &[u8]) -> Result<([u8; 8], u64), DukptError> {
    if ksn.len() != 12 {
        return Err(DukptError::BadKsn { scheme: "AES", len: ksn.len(), expected: 12 });
    }
    let id: [u8; 8] = ksn[..8].try_into().expect("8 bytes");
    Ok((id, u64::from(u32::from_be_bytes(ksn[8..].try_into().expect("4 bytes")))))
}

const AES_ALGS: &[Algorithm] = &[Algorithm::Aes128, Algorithm::Aes192, Algorithm::Aes256];

/// Derives the initial key from an AES BDK and the 8-byte initial key ID (BDK ID + derivation ID),
/// the first 8 bytes of the KSN.
pub fn aes_initial_key(bdk: &Key, initial_key_id: &[u8]) -> Result<Key, crate::Error> {
    bdk.require(Operation::DeriveFromBdk)?;
    require_alg(bdk, AES_ALGS, "AES DUKPT", "AES-128, AES-192 or AES-256")?;
    let id: [u8; 8] = initial_key_id.try_into().map_err(|_| DukptError::BadKsn {
        scheme: "AES",
        len: initial_key_id.len(),
        expected: 8,
    })?;
    let alg = bdk.algorithm();
    let d = derivation_data(0x8001, alg, id)?;
    let ik = derive_key(bdk.dangerous_reveal(), alg, &d, alg.key_len());
    Ok(Key::dangerous_from_bytes(alg, KeyUsage::DukptInitialKey, &ik)?)
}

fn aes_intermediate(ik: &[u8], alg: Algorithm, id: [u8; 8], counter: u64) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let mut key = Zeroizing::new(ik.to_vec());
    let mut working = 0u64;
    for bit in (0..AES_COUNTER_BITS).rev() {
        if counter & (1 << bit) != 0 {
            working |= 1 << bit;
            let d = derivation_data(0x8000, alg, tail(id, working))?;
            key = derive_key(&key, alg, &d, alg.key_len());
        }
    }
    Ok(key)
}

/// The result of AES DUKPT host derivation.
#[derive(Debug, Clone)]
pub struct AesKeys {
    /// The initial key (from the BDK), or the one given.
    pub initial_key: Key,
    /// The intermediate derivation key for the KSN's counter (the "transaction key").
    pub derivation_key: Key,
    /// The working key of the requested usage and type.
    pub working_key: Key,
}

/// Host side from the initial key: the working key of `usage` and `key_type` for `ksn` (12 bytes:
/// initial key ID + 32-bit counter).
pub fn aes_derive_from_initial_key(
    initial_key: &Key,
    ksn: &[u8],
    usage: AesKeyUsage,
    key_type: Algorithm,
) -> Result<AesKeys, crate::Error> {
    initial_key.require(Operation::LoadInitialKey)?;
    require_alg(initial_key, AES_ALGS, "AES DUKPT", "AES-128, AES-192 or AES-256")?;
    let (id, counter) = aes_ksn(ksn)?;
    check_counter("AES", counter, AES_MAX_ONES)?;
    let alg = initial_key.algorithm();
    let dk = aes_intermediate(initial_key.dangerous_reveal(), alg, id, counter)?;
    let derivation_key = Key::dangerous_from_bytes(alg, KeyUsage::KeyDerivation, &dk)?;
    let working_key = aes_working_key(&derivation_key, id, counter, usage, key_type)?;
    Ok(AesKeys { initial_key: initial_key.clone(), derivation_key, working_key })
}

fn aes_working_key(
    derivation_key: &Key,
    id: [u8; 8],
    counter: u64,
    usage: AesKeyUsage,
    key_type: Algorithm,
) -> Result<Key, crate::Error> {
    // X9.24-3 forbids a working key stronger than the key that derives it (3TDEA, 112-bit
    // strength, may come from AES-128; AES-256 may not).
    let strength = |a: Algorithm| match a {
        Algorithm::Tdes2 => 80,
        Algorithm::Tdes3 => 112,
        Algorithm::Aes192 => 192,
        Algorithm::Aes256 => 256,
        _ => 128,
    };
    if strength(key_type) > strength(derivation_key.algorithm()) {
        return Err(KeyError::WrongAlgorithm {
            algorithm: key_type,
            operation: "an AES DUKPT working key stronger than its derivation key",
            expected: "a key no longer than the BDK",
        }
        .into());
    }
    let d = derivation_data(usage.code(), key_type, tail(id, counter))?;
    let wk = derive_key(derivation_key.dangerous_reveal(), derivation_key.algorithm(), &d, key_type.key_len());
    Ok(Key::dangerous_from_bytes(key_type, usage.key_usage(), &wk)?)
}

/// Host side from the BDK: initial key, derivation key and the working key of `usage` and
/// `key_type` for `ksn`.
pub fn aes_derive(bdk: &Key, ksn: &[u8], usage: AesKeyUsage, key_type: Algorithm) -> Result<AesKeys, crate::Error> {
    let (id, _) = aes_ksn(ksn)?;
    let ik = aes_initial_key(bdk, &id)?;
    aes_derive_from_initial_key(&ik, ksn, usage, key_type)
}

/// An AES DUKPT terminal: 32 intermediate derivation key registers and the counter.
#[derive(Clone)]
pub struct AesTerminal {
    initial_key_id: [u8; 8],
    algorithm: Algorithm,
    regs: Registers,
}

impl fmt::Debug for AesTerminal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AesTerminal")
            .field("initial_key_id", &hex_encode(&self.initial_key_id))
            .field("algorithm", &self.algorithm)
            .field("counter", &self.regs.counter)
            .finish_non_exhaustive()
    }
}

/// One AES DUKPT transaction on the terminal: its KSN and derivation key, from which the working
/// keys it needs are derived.
#[derive(Debug, Clone)]
pub struct AesTransaction {
    /// The 12-byte KSN to send.
    pub ksn: Vec<u8>,
    initial_key_id: [u8; 8],
    counter: u64,
    derivation_key: Key,
}

impl AesTransaction {
    /// The working key of `usage` and `key_type` for this transaction.
    pub fn working_key(&self, usage: AesKeyUsage, key_type: Algorithm) -> Result<Key, crate::Error> {
        aes_working_key(&self.derivation_key, self.initial_key_id, self.counter, usage, key_type)
    }

    /// The intermediate derivation key of this transaction.
    pub fn derivation_key(&self) -> &Key {
        &self.derivation_key
    }
}

impl AesTerminal {
    /// Loads a terminal from its initial key and initial key ID.
    pub fn load(initial_key: &Key, initial_key_id: &[u8]) -> Result<Self, crate::Error> {
        initial_key.require(Operation::LoadInitialKey)?;
        require_alg(initial_key, AES_ALGS, "AES DUKPT", "AES-128, AES-192 or AES-256")?;
        let id: [u8; 8] = initial_key_id.try_into().map_err(|_| DukptError::BadKsn {
            scheme: "AES",
            len: initial_key_id.len(),
            expected: 8,
        })?;
        let alg = initial_key.algorithm();
        let regs = Registers::load(AES_COUNTER_BITS, AES_MAX_ONES, initial_key.dangerous_reveal(), &|k, c| {
            derive_intermediate_step(k, alg, id, c)
        });
        Ok(Self { initial_key_id: id, algorithm: alg, regs })
    }

    /// A terminal whose next transaction uses `ksn`'s counter (12-byte KSN), its registers
    /// derived from the initial key as a terminal loaded at counter 0 would hold them by then. For
    /// test benches and simulators; a PIN pad is loaded with [`AesTerminal::load`].
    pub fn load_at(initial_key: &Key, ksn: &[u8]) -> Result<Self, crate::Error> {
        initial_key.require(Operation::LoadInitialKey)?;
        require_alg(initial_key, AES_ALGS, "AES DUKPT", "AES-128, AES-192 or AES-256")?;
        let (id, counter) = aes_ksn(ksn)?;
        check_counter("AES", counter, AES_MAX_ONES)?;
        let alg = initial_key.algorithm();
        let regs = Registers::at(AES_COUNTER_BITS, AES_MAX_ONES, counter, &|c| {
            Ok(aes_intermediate(initial_key.dangerous_reveal(), alg, id, c)?)
        })?;
        Ok(Self { initial_key_id: id, algorithm: alg, regs })
    }

    /// The counter the next transaction will use.
    pub fn counter(&self) -> u64 {
        self.regs.counter
    }

    /// True when no key is left.
    pub fn is_exhausted(&self) -> bool {
        self.regs.exhausted()
    }

    /// The next transaction (KSN and derivation key); advances the counter, skipping counters with
    /// more than 16 one-bits.
    pub fn next_transaction(&mut self) -> Result<AesTransaction, crate::Error> {
        let (alg, id) = (self.algorithm, self.initial_key_id);
        let (c, key) = self.regs.take("AES", &|k, c| derive_intermediate_step(k, alg, id, c))?;
        let mut ksn = id.to_vec();
        ksn.extend_from_slice(&(c as u32).to_be_bytes());
        Ok(AesTransaction {
            ksn,
            initial_key_id: id,
            counter: c,
            derivation_key: Key::dangerous_from_bytes(alg, KeyUsage::KeyDerivation, &key)?,
        })
    }

    /// The terminal state for persistent storage. **Dangerous**: it holds the derivation keys.
    pub fn dangerous_export_state(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(vec![STATE_AES, self.algorithm.key_len() as u8]);
        out.extend_from_slice(&self.initial_key_id);
        self.regs.to_bytes(self.algorithm.key_len(), &mut out);
        out
    }

    /// Restores a terminal from [`AesTerminal::dangerous_export_state`].
    pub fn dangerous_import_state(state: &[u8]) -> Result<Self, DukptError> {
        if state.len() < 10 || state[0] != STATE_AES {
            return Err(DukptError::BadState { reason: "not an AES DUKPT state" });
        }
        let algorithm =
            Algorithm::aes_for_len(state[1] as usize).map_err(|_| DukptError::BadState { reason: "bad key length" })?;
        let initial_key_id: [u8; 8] = state[2..10].try_into().expect("8 bytes");
        let regs = Registers::from_bytes(AES_COUNTER_BITS, AES_MAX_ONES, algorithm.key_len(), &state[10..])?;
        Ok(Self { initial_key_id, algorithm, regs })
    }
}

fn derive_intermediate_step(k: &[u8], alg: Algorithm, id: [u8; 8], counter: u64) -> Zeroizing<Vec<u8>> {
    let d = derivation_data(0x8000, alg, tail(id, counter)).expect("AES algorithm has a code");
    derive_key(k, alg, &d, alg.key_len())
}

fn require_alg(
    key: &Key,
    allowed: &[Algorithm],
    operation: &'static str,
    expected: &'static str,
) -> Result<(), KeyError> {
    if allowed.contains(&key.algorithm()) {
        Ok(())
    } else {
        Err(KeyError::WrongAlgorithm { algorithm: key.algorithm(), operation, expected })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::hex_decode;

    fn k(alg: Algorithm, usage: KeyUsage, hex: &str) -> Key {
        Key::dangerous_from_hex(alg, usage, hex).unwrap()
    }
    fn h(s: &str) -> Vec<u8> {
        hex_decode(s).unwrap()
    }

    const BDK: &str = "0123456789ABCDEFFEDCBA9876543210";

    #[test]
    fn tdes_terminal_matches_host() {
        let bdk = k(Algorithm::Tdes2, KeyUsage::Bdk, BDK);
        let ksn0 = h("FFFF9876543210E00000");
        let ipek = tdes_ipek(&bdk, &ksn0).unwrap();
        let mut t = TdesTerminal::load(&ipek, &ksn0).unwrap();
        for i in 1..=600u32 {
            let tx = t.next_transaction().unwrap();
            assert_eq!(ksn_counter_tdes(&tx.ksn.clone().try_into().unwrap()), i);
            let host = tdes_derive(&bdk, &tx.ksn).unwrap();
            assert_eq!(host.pin.dangerous_reveal(), tx.keys.pin.dangerous_reveal(), "counter {i}");
            assert_eq!(host.data_request.dangerous_reveal(), tx.keys.data_request.dangerous_reveal());
        }
    }

    /// The register engine over the whole TDES counter space with a stand-in derivation that
    /// records the counter: every counter with at most 10 one-bits is produced once, in order, its
    /// key is the one derived for it, and the set ends exhausted.
    #[test]
    fn register_engine_skips_and_exhausts() {
        let derive = |_: &[u8], c: u64| Zeroizing::new(c.to_be_bytes().to_vec());
        let mut r = Registers::load(21, 10, &[0; 8], &derive);
        let mut expected = (1u64..1 << 21).filter(|c| c.count_ones() <= 10);
        while !r.exhausted() {
            let (c, key) = r.take("TDES", &derive).unwrap();
            assert_eq!(Some(c), expected.next());
            assert_eq!(&key[..], &c.to_be_bytes());
        }
        assert_eq!(expected.next(), None);
        assert_eq!(r.take("TDES", &derive).unwrap_err().code(), "dukpt.exhausted");
    }

    #[test]
    fn load_at_matches_a_terminal_that_got_there() {
        let ipek = k(Algorithm::Tdes2, KeyUsage::DukptInitialKey, "6AC292FAA1315B4D858AB3A3D7D5933A");
        let ksn0 = h("FFFF9876543210E00000");
        let mut t = TdesTerminal::load(&ipek, &ksn0).unwrap();
        for _ in 0..300 {
            let mut next = ksn0.clone();
            let c = (t.counter() as u32).to_be_bytes();
            next[7] |= c[1];
            next[8] = c[2];
            next[9] = c[3];
            let jumped = TdesTerminal::load_at(&ipek, &next).unwrap();
            assert_eq!(
                &jumped.dangerous_export_state()[..],
                &t.dangerous_export_state()[..],
                "counter {}",
                t.counter()
            );
            t.next_transaction().unwrap();
        }
        let ik = k(Algorithm::Aes128, KeyUsage::DukptInitialKey, "1273671EA26AC29AFA4D1084127652A1");
        let id = h("1234567890123456");
        let mut a = AesTerminal::load(&ik, &id).unwrap();
        for _ in 0..70 {
            let mut ksn = id.clone();
            ksn.extend_from_slice(&(a.counter() as u32).to_be_bytes());
            let jumped = AesTerminal::load_at(&ik, &ksn).unwrap();
            assert_eq!(
                &jumped.dangerous_export_state()[..],
                &a.dangerous_export_state()[..],
                "counter {}",
                a.counter()
            );
            a.next_transaction().unwrap();
        }
    }

    #[test]
    fn tdes_state_round_trip() {
        let ipek = k(Algorithm::Tdes2, KeyUsage::DukptInitialKey, "6AC292FAA1315B4D858AB3A3D7D5933A");
        let mut t = TdesTerminal::load(&ipek, &h("FFFF9876543210E00000")).unwrap();
        for _ in 0..5 {
            t.next_transaction().unwrap();
        }
        let state = t.dangerous_export_state();
        let mut u = TdesTerminal::dangerous_import_state(&state).unwrap();
        assert_eq!(
            t.next_transaction().unwrap().keys.pin.dangerous_reveal(),
            u.next_transaction().unwrap().keys.pin.dangerous_reveal()
        );
        assert_eq!(TdesTerminal::dangerous_import_state(&state[..20]).unwrap_err().code(), "dukpt.bad_state");
    }

    #[test]
    fn aes_terminal_matches_host() {
        let bdk = k(Algorithm::Aes128, KeyUsage::Bdk, "FEDCBA9876543210F1F1F1F1F1F1F1F1");
        let id = h("1234567890123456");
        let ik = aes_initial_key(&bdk, &id).unwrap();
        let mut t = AesTerminal::load(&ik, &id).unwrap();
        for _ in 0..40 {
            let tx = t.next_transaction().unwrap();
            let host = aes_derive(&bdk, &tx.ksn, AesKeyUsage::Pin, Algorithm::Aes128).unwrap();
            let term = tx.working_key(AesKeyUsage::Pin, Algorithm::Aes128).unwrap();
            assert_eq!(host.working_key.dangerous_reveal(), term.dangerous_reveal());
        }
        let state = t.dangerous_export_state();
        let mut u = AesTerminal::dangerous_import_state(&state).unwrap();
        assert_eq!(u.next_transaction().unwrap().ksn, t.next_transaction().unwrap().ksn);
    }

    #[test]
    fn wrong_key_usage() {
        let pik = k(Algorithm::Tdes2, KeyUsage::PinEncryption, BDK);
        assert_eq!(tdes_derive(&pik, &h("FFFF9876543210E00001")).unwrap_err().code(), "keys.wrong_usage");
    }
}

/// Persisting a terminal's DUKPT registers through the host's [`Store`](crate::store::Store).
///
/// The registers are key material, so they are sealed (AES-GCM under a host sealing key, with the
/// record name as associated data) before they reach the store. Save after every
/// `next_transaction` and before that transaction's request leaves: a terminal restored after a
/// crash then continues with the next counter and never reuses a KSN.
pub mod persist {
    use crate::keys::{seal, unseal, Key};
    use crate::rng::Rng;
    use crate::store::Store;

    use super::{AesTerminal, TdesTerminal};

    fn save(
        state: &[u8],
        store: &mut dyn Store,
        record: &str,
        sealing_key: &Key,
        rng: &mut dyn Rng,
    ) -> Result<(), crate::Error> {
        let sealed = seal(sealing_key, record.as_bytes(), state, rng)?;
        Ok(store.put(record, &sealed)?)
    }

    fn load(
        store: &dyn Store,
        record: &str,
        sealing_key: &Key,
    ) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, crate::Error> {
        match store.get(record)? {
            None => Ok(None),
            Some(sealed) => Ok(Some(unseal(sealing_key, record.as_bytes(), &sealed)?)),
        }
    }

    impl TdesTerminal {
        /// Seals the registers and writes them to `record`.
        pub fn save(
            &self,
            store: &mut dyn Store,
            record: &str,
            sealing_key: &Key,
            rng: &mut dyn Rng,
        ) -> Result<(), crate::Error> {
            save(&self.dangerous_export_state(), store, record, sealing_key, rng)
        }

        /// The terminal saved under `record`, or `None` when there is none.
        pub fn restore(store: &dyn Store, record: &str, sealing_key: &Key) -> Result<Option<Self>, crate::Error> {
            load(store, record, sealing_key)?.map(|s| Self::dangerous_import_state(&s).map_err(Into::into)).transpose()
        }
    }

    impl AesTerminal {
        /// Seals the registers and writes them to `record`.
        pub fn save(
            &self,
            store: &mut dyn Store,
            record: &str,
            sealing_key: &Key,
            rng: &mut dyn Rng,
        ) -> Result<(), crate::Error> {
            save(&self.dangerous_export_state(), store, record, sealing_key, rng)
        }

        /// The terminal saved under `record`, or `None` when there is none.
        pub fn restore(store: &dyn Store, record: &str, sealing_key: &Key) -> Result<Option<Self>, crate::Error> {
            load(store, record, sealing_key)?.map(|s| Self::dangerous_import_state(&s).map_err(Into::into)).transpose()
        }
    }
}
