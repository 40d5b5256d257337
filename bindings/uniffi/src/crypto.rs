//! Payment cryptography for Kotlin (wrapped by `org.poscore.PinBlock`, `Mac`, `Dukpt`, `Tr31`, ...).
//!
//! Keys cross the FFI only as [`Key`] objects (the bytes stay in Rust memory and are wiped when
//! the object is destroyed) or wrapped (TR-31, field 62). Plain key bytes and clear PINs come out
//! only through functions named `dangerous_*`. Randomness is the system CSPRNG unless a test-only
//! `seed` or `fill` pins it.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use poscore::dukpt::{self, AesTerminal, TdesTerminal};
use poscore::keys::{self, KcvMethod as CoreKcvMethod};
use poscore::mac::{self, MacError, Padding};
use poscore::pin::{self, Pin, PinBlock, PinFormat};
use poscore::rng::{FixedRng, Rng, SeededRng, SystemRng};
use poscore::tr31;

use crate::PoscoreError;

mirror_enum! {
    /// Block cipher and key length.
    KeyAlgorithm from keys::Algorithm { Des, Tdes2, Tdes3, Aes128, Aes192, Aes256, Sm4 } else Tdes2
}

mirror_enum! {
    /// What a key may be used for.
    KeyUsage from keys::KeyUsage {
        PinEncryption, MacGenerate, MacVerify, MacBoth, DataEncryption, KeyEncryption, Bdk, DukptInitialKey,
        KeyDerivation, IssuerMasterKey
    } else KeyDerivation
}

mirror_enum! {
    /// How a key check value is computed.
    KcvMethod from keys::KcvMethod { EncryptZeros, Cmac } else EncryptZeros
}

mirror_enum! {
    /// MAC algorithm (ISO 9797-1 alg. 3 is ANSI X9.19).
    MacAlgorithm from mac::MacAlgorithm { Iso9797Alg1, Iso9797Alg3, CupEcb, AesCmac, Sm4Cmac } else Iso9797Alg1
}

mirror_enum! {
    /// AES DUKPT working-key usage (X9.24-3 derivation data).
    DukptKeyUsage from dukpt::AesKeyUsage {
        KeyEncryption, Pin, MacGenerate, MacVerify, MacBoth, DataEncrypt, DataDecrypt, DataBoth
    } else Pin
}

/// Production randomness unless a test pins it (`fill` first, then `seed`).
fn rng(seed: Option<u64>, fill: Option<Vec<u8>>) -> Box<dyn Rng> {
    match (fill, seed) {
        (Some(f), _) => Box::new(FixedRng::new(&f)),
        (None, Some(s)) => Box::new(SeededRng::new(s)),
        (None, None) => Box::new(SystemRng::new()),
    }
}

fn format(n: u8) -> Result<PinFormat, PoscoreError> {
    Ok(PinFormat::from_number(n)?)
}

/// An opaque key: algorithm, usage, and bytes that stay in Rust memory. `toString()` shows the
/// algorithm, usage and check value, never the key.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct Key(pub(crate) keys::Key);

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

fn key(k: keys::Key) -> Arc<Key> {
    Arc::new(Key(k))
}

#[uniffi::export]
impl Key {
    /// **Dangerous** (test keys, key ceremony): a key from plain bytes.
    #[uniffi::constructor]
    pub fn dangerous_from_bytes(
        algorithm: KeyAlgorithm,
        usage: KeyUsage,
        bytes: Vec<u8>,
    ) -> Result<Arc<Self>, PoscoreError> {
        Ok(key(keys::Key::dangerous_from_bytes(algorithm.into(), usage.into(), &bytes)?))
    }

    /// **Dangerous** (test keys, key ceremony): a key from plain hex.
    #[uniffi::constructor]
    pub fn dangerous_from_hex(
        algorithm: KeyAlgorithm,
        usage: KeyUsage,
        hex: String,
    ) -> Result<Arc<Self>, PoscoreError> {
        Ok(key(keys::Key::dangerous_from_hex(algorithm.into(), usage.into(), &hex)?))
    }

    /// A fresh random key from the system CSPRNG (`seed`: deterministic, tests only).
    #[uniffi::constructor(default(seed = None))]
    pub fn generate(algorithm: KeyAlgorithm, usage: KeyUsage, seed: Option<u64>) -> Result<Arc<Self>, PoscoreError> {
        Ok(key(keys::Key::generate(algorithm.into(), usage.into(), rng(seed, None).as_mut())?))
    }

    pub fn algorithm(&self) -> KeyAlgorithm {
        self.0.algorithm().into()
    }

    pub fn usage(&self) -> KeyUsage {
        self.0.usage().into()
    }

    /// Check value. Defaults: AES keys CMAC of zeros, 5 bytes; others encrypt zeros, 3 bytes.
    #[uniffi::method(default(method = None, length = None))]
    pub fn kcv(&self, method: Option<KcvMethod>, length: Option<u32>) -> Vec<u8> {
        let aes =
            matches!(self.0.algorithm(), keys::Algorithm::Aes128 | keys::Algorithm::Aes192 | keys::Algorithm::Aes256);
        let method: CoreKcvMethod = match method {
            Some(m) => m.into(),
            None if aes => CoreKcvMethod::Cmac,
            None => CoreKcvMethod::EncryptZeros,
        };
        let default_len = if method == CoreKcvMethod::Cmac { 5 } else { 3 };
        self.0.kcv(method, length.map_or(default_len, |n| n as usize))
    }

    /// **Dangerous** (key ceremony, tests): the plain key bytes.
    pub fn dangerous_export(&self) -> Vec<u8> {
        self.0.dangerous_reveal().to_vec()
    }
}

/// Hex (either case) to bytes; errors are `keys.bad_hex` with the offset.
#[uniffi::export]
pub fn hex_decode(hex: String) -> Result<Vec<u8>, PoscoreError> {
    Ok(keys::hex_decode(&hex)?)
}

/// Bytes to UPPERCASE hex.
#[uniffi::export]
pub fn hex_encode(bytes: Vec<u8>) -> String {
    keys::hex_encode(&bytes)
}

// ---- PIN blocks ---------------------------------------------------------------------------

/// The clear PIN block (the caller already holds the PIN).
#[uniffi::export(default(pan = None, seed = None, fill = None))]
pub fn pin_encode(
    format_number: u8,
    pin: String,
    pan: Option<String>,
    seed: Option<u64>,
    fill: Option<Vec<u8>>,
) -> Result<Vec<u8>, PoscoreError> {
    let b = pin::encode(format(format_number)?, &Pin::new(&pin)?, pan.as_deref(), rng(seed, fill).as_mut())?;
    Ok(b.dangerous_reveal().to_vec())
}

/// Encode and encipher under a PIN key (field 52).
#[uniffi::export(default(pan = None, seed = None, fill = None))]
pub fn pin_encrypt(
    key: Arc<Key>,
    format_number: u8,
    pin: String,
    pan: Option<String>,
    seed: Option<u64>,
    fill: Option<Vec<u8>>,
) -> Result<Vec<u8>, PoscoreError> {
    let p = Pin::new(&pin)?;
    Ok(pin::encrypt_pin(&key.0, format(format_number)?, &p, pan.as_deref(), rng(seed, fill).as_mut())?)
}

/// **Dangerous** (HSM-style tests): the clear PIN in a clear block.
#[uniffi::export(default(pan = None))]
pub fn pin_dangerous_decode(format_number: u8, block: Vec<u8>, pan: Option<String>) -> Result<String, PoscoreError> {
    let b = PinBlock::dangerous_from_bytes(format(format_number)?, &block)?;
    Ok(pin::decode(&b, pan.as_deref())?.dangerous_reveal().to_owned())
}

/// **Dangerous** (HSM-style tests): decipher and decode to the clear PIN.
#[uniffi::export(default(pan = None))]
pub fn pin_dangerous_decrypt(
    key: Arc<Key>,
    format_number: u8,
    block: Vec<u8>,
    pan: Option<String>,
) -> Result<String, PoscoreError> {
    Ok(pin::decrypt_pin(&key.0, format(format_number)?, &block, pan.as_deref())?.dangerous_reveal().to_owned())
}

/// PIN translation between keys and formats; the clear PIN never leaves the core.
#[allow(clippy::too_many_arguments)]
#[uniffi::export(default(pan = None, seed = None, fill = None))]
pub fn pin_translate(
    from_key: Arc<Key>,
    from_format: u8,
    to_key: Arc<Key>,
    to_format: u8,
    block: Vec<u8>,
    pan: Option<String>,
    seed: Option<u64>,
    fill: Option<Vec<u8>>,
) -> Result<Vec<u8>, PoscoreError> {
    let (ff, tf) = (format(from_format)?, format(to_format)?);
    Ok(pin::translate(&from_key.0, ff, &to_key.0, tf, &block, pan.as_deref(), rng(seed, fill).as_mut())?)
}

// ---- MACs and data ------------------------------------------------------------------------

/// The MAC, truncated to `length` bytes (at least 4) when given.
#[uniffi::export(default(padding = 1, length = None))]
pub fn mac_generate(
    key: Arc<Key>,
    algorithm: MacAlgorithm,
    data: Vec<u8>,
    padding: u8,
    length: Option<u32>,
) -> Result<Vec<u8>, PoscoreError> {
    let mut m = mac::generate(&key.0, algorithm.into(), &data, Padding::from_number(padding)?)?;
    if let Some(n) = length.map(|n| n as usize) {
        if !(4..=m.len()).contains(&n) {
            return Err(MacError::BadLength { len: n, min: 4, max: m.len() }.into());
        }
        m.truncate(n);
    }
    Ok(m)
}

/// Constant-time check: false when the MAC does not match; errors for a wrong key or input.
/// `length` is the tag length the protocol prescribes, the algorithm's full MAC when absent: a
/// tag of any other length is `mac.bad_length`, so a received message cannot choose a shorter
/// truncation.
#[uniffi::export(default(padding = 1, length = None))]
pub fn mac_verify(
    key: Arc<Key>,
    algorithm: MacAlgorithm,
    data: Vec<u8>,
    mac: Vec<u8>,
    padding: u8,
    length: Option<u32>,
) -> Result<bool, PoscoreError> {
    let algorithm: mac::MacAlgorithm = algorithm.into();
    // u32 -> usize cannot fail on the 32- and 64-bit targets UniFFI builds for; saturate anyway.
    let expected_len = length.map_or(algorithm.mac_len(), |n| usize::try_from(n).unwrap_or(usize::MAX));
    match mac::verify(&key.0, algorithm, &data, Padding::from_number(padding)?, &mac, expected_len) {
        Ok(()) => Ok(true),
        Err(e) if e.code() == "mac.mismatch" => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// CBC encryption of whole blocks under a data key.
#[uniffi::export]
pub fn data_encrypt(key: Arc<Key>, iv: Vec<u8>, data: Vec<u8>) -> Result<Vec<u8>, PoscoreError> {
    Ok(keys::encrypt_data(&key.0, &iv, &data)?)
}

/// CBC decryption under a data key.
#[uniffi::export]
pub fn data_decrypt(key: Arc<Key>, iv: Vec<u8>, data: Vec<u8>) -> Result<Vec<u8>, PoscoreError> {
    Ok(keys::decrypt_data(&key.0, &iv, &data)?)
}

// ---- Working keys (UnionPay field 62) -----------------------------------------------------

/// The PIK, MAK and optional TDK a sign-on installs. `toString()` shows check values only.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct WorkingKeys(keys::WorkingKeys);

impl fmt::Display for WorkingKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[uniffi::export]
impl WorkingKeys {
    /// Decrypt field 62 under the TMK and verify every check value (`keys.kcv_mismatch`).
    #[uniffi::constructor]
    pub fn parse_field62(tmk: Arc<Key>, field62: Vec<u8>) -> Result<Arc<Self>, PoscoreError> {
        Ok(Arc::new(Self(keys::parse_field62(&tmk.0, &field62)?)))
    }

    pub fn pik(&self) -> Arc<Key> {
        key(self.0.pik.clone())
    }

    pub fn mak(&self) -> Arc<Key> {
        key(self.0.mak.clone())
    }

    pub fn tdk(&self) -> Option<Arc<Key>> {
        self.0.tdk.clone().map(key)
    }
}

/// Host / simulator side: field 62 for these keys under the TMK.
#[uniffi::export(default(tdk = None))]
pub fn build_field62(
    tmk: Arc<Key>,
    pik: Arc<Key>,
    mak: Arc<Key>,
    tdk: Option<Arc<Key>>,
) -> Result<Vec<u8>, PoscoreError> {
    let wk = keys::WorkingKeys { pik: pik.0.clone(), mak: mak.0.clone(), tdk: tdk.map(|k| k.0.clone()) };
    Ok(keys::build_field62(&tmk.0, &wk)?)
}

// ---- DUKPT --------------------------------------------------------------------------------

/// Every TDES DUKPT key of one KSN (handles).
#[derive(Debug, Clone, uniffi::Record)]
pub struct TdesDukptKeys {
    /// The IPEK (host side only).
    pub ipek: Option<Arc<Key>>,
    pub transaction_key: Arc<Key>,
    pub pin_key: Arc<Key>,
    pub mac_request_key: Arc<Key>,
    pub mac_response_key: Arc<Key>,
    pub data_request_key: Arc<Key>,
    pub data_response_key: Arc<Key>,
}

impl From<dukpt::TdesKeys> for TdesDukptKeys {
    fn from(k: dukpt::TdesKeys) -> Self {
        Self {
            ipek: k.ipek.map(key),
            transaction_key: key(k.transaction_key),
            pin_key: key(k.pin),
            mac_request_key: key(k.mac_request),
            mac_response_key: key(k.mac_response),
            data_request_key: key(k.data_request),
            data_response_key: key(k.data_response),
        }
    }
}

/// TDES DUKPT from a BDK (host) or an IPEK (the key's usage decides).
#[uniffi::export]
pub fn dukpt_tdes_derive(key: Arc<Key>, ksn: Vec<u8>) -> Result<TdesDukptKeys, PoscoreError> {
    let k = if key.0.usage() == keys::KeyUsage::Bdk {
        dukpt::tdes_derive(&key.0, &ksn)?
    } else {
        dukpt::tdes_derive_from_ipek(&key.0, &ksn)?
    };
    Ok(k.into())
}

/// The TDES IPEK for a KSN's initial key ID.
#[uniffi::export]
pub fn dukpt_tdes_ipek(bdk: Arc<Key>, ksn: Vec<u8>) -> Result<Arc<Key>, PoscoreError> {
    Ok(key(dukpt::tdes_ipek(&bdk.0, &ksn)?))
}

/// AES DUKPT keys of one KSN for one working-key usage and type.
#[derive(Debug, Clone, uniffi::Record)]
pub struct AesDukptKeys {
    pub initial_key: Arc<Key>,
    pub derivation_key: Arc<Key>,
    pub working_key: Arc<Key>,
}

/// AES DUKPT from a BDK (host) or an initial key (the key's usage decides).
#[uniffi::export]
pub fn dukpt_aes_derive(
    key: Arc<Key>,
    ksn: Vec<u8>,
    key_usage: DukptKeyUsage,
    key_type: KeyAlgorithm,
) -> Result<AesDukptKeys, PoscoreError> {
    let k = if key.0.usage() == keys::KeyUsage::Bdk {
        dukpt::aes_derive(&key.0, &ksn, key_usage.into(), key_type.into())?
    } else {
        dukpt::aes_derive_from_initial_key(&key.0, &ksn, key_usage.into(), key_type.into())?
    };
    Ok(AesDukptKeys {
        initial_key: self::key(k.initial_key),
        derivation_key: self::key(k.derivation_key),
        working_key: self::key(k.working_key),
    })
}

/// The AES DUKPT initial key for an 8-byte initial key ID.
#[uniffi::export]
pub fn dukpt_aes_initial_key(bdk: Arc<Key>, initial_key_id: Vec<u8>) -> Result<Arc<Key>, PoscoreError> {
    Ok(key(dukpt::aes_initial_key(&bdk.0, &initial_key_id)?))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One TDES terminal transaction: the KSN to send and its keys.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TdesDukptTransaction {
    pub ksn: Vec<u8>,
    pub keys: TdesDukptKeys,
}

/// A TDES DUKPT terminal (PIN pad side).
#[derive(uniffi::Object)]
pub struct TdesDukptTerminal(Mutex<TdesTerminal>);

#[uniffi::export]
impl TdesDukptTerminal {
    /// Load from the IPEK and initial KSN; `resume` starts at the KSN's counter (test benches).
    #[uniffi::constructor(default(resume = false))]
    pub fn load(ipek: Arc<Key>, ksn: Vec<u8>, resume: bool) -> Result<Arc<Self>, PoscoreError> {
        let t = if resume { TdesTerminal::load_at(&ipek.0, &ksn)? } else { TdesTerminal::load(&ipek.0, &ksn)? };
        Ok(Arc::new(Self(Mutex::new(t))))
    }

    /// **Dangerous**: restore from [`TdesDukptTerminal::dangerous_export_state`].
    #[uniffi::constructor]
    pub fn dangerous_import_state(state: Vec<u8>) -> Result<Arc<Self>, PoscoreError> {
        Ok(Arc::new(Self(Mutex::new(TdesTerminal::dangerous_import_state(&state).map_err(poscore::Error::from)?))))
    }

    /// **Dangerous**: the registers (future keys), for the terminal's secure store.
    pub fn dangerous_export_state(&self) -> Vec<u8> {
        lock(&self.0).dangerous_export_state().to_vec()
    }

    pub fn counter(&self) -> u64 {
        lock(&self.0).counter()
    }

    pub fn is_exhausted(&self) -> bool {
        lock(&self.0).is_exhausted()
    }

    /// The next transaction; `dukpt.exhausted` at the end of the key set.
    pub fn next_transaction(&self) -> Result<TdesDukptTransaction, PoscoreError> {
        let t = lock(&self.0).next_transaction()?;
        Ok(TdesDukptTransaction { ksn: t.ksn, keys: t.keys.into() })
    }
}

/// One AES terminal transaction: the KSN and the derivation key its working keys come from.
#[derive(uniffi::Object)]
pub struct AesDukptTransaction(dukpt::AesTransaction);

#[uniffi::export]
impl AesDukptTransaction {
    pub fn ksn(&self) -> Vec<u8> {
        self.0.ksn.clone()
    }

    pub fn working_key(&self, key_usage: DukptKeyUsage, key_type: KeyAlgorithm) -> Result<Arc<Key>, PoscoreError> {
        Ok(key(self.0.working_key(key_usage.into(), key_type.into())?))
    }
}

/// An AES DUKPT terminal.
#[derive(uniffi::Object)]
pub struct AesDukptTerminal(Mutex<AesTerminal>);

#[uniffi::export]
impl AesDukptTerminal {
    /// Load from the initial key and its 8-byte ID, or (`resume`) at a 12-byte KSN's counter.
    #[uniffi::constructor(default(resume = false))]
    pub fn load(initial_key: Arc<Key>, id_or_ksn: Vec<u8>, resume: bool) -> Result<Arc<Self>, PoscoreError> {
        let t = if resume {
            AesTerminal::load_at(&initial_key.0, &id_or_ksn)?
        } else {
            AesTerminal::load(&initial_key.0, &id_or_ksn)?
        };
        Ok(Arc::new(Self(Mutex::new(t))))
    }

    /// **Dangerous**: restore from [`AesDukptTerminal::dangerous_export_state`].
    #[uniffi::constructor]
    pub fn dangerous_import_state(state: Vec<u8>) -> Result<Arc<Self>, PoscoreError> {
        Ok(Arc::new(Self(Mutex::new(AesTerminal::dangerous_import_state(&state).map_err(poscore::Error::from)?))))
    }

    /// **Dangerous**: the registers, for the terminal's secure store.
    pub fn dangerous_export_state(&self) -> Vec<u8> {
        lock(&self.0).dangerous_export_state().to_vec()
    }

    pub fn counter(&self) -> u64 {
        lock(&self.0).counter()
    }

    pub fn is_exhausted(&self) -> bool {
        lock(&self.0).is_exhausted()
    }

    pub fn next_transaction(&self) -> Result<Arc<AesDukptTransaction>, PoscoreError> {
        Ok(Arc::new(AesDukptTransaction(lock(&self.0).next_transaction()?)))
    }
}

// ---- TR-31 --------------------------------------------------------------------------------

/// A TR-31 optional header block.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Tr31OptionalBlock {
    pub id: String,
    pub data: String,
}

/// A TR-31 header (the TR-31 codes as strings).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Tr31Header {
    pub version: String,
    pub key_usage: String,
    pub algorithm: String,
    pub mode_of_use: String,
    pub key_version: String,
    pub exportability: String,
    #[uniffi(default = "00")]
    pub reserved: String,
    #[uniffi(default = [])]
    pub optional_blocks: Vec<Tr31OptionalBlock>,
}

impl From<tr31::Header> for Tr31Header {
    fn from(h: tr31::Header) -> Self {
        Self {
            version: h.version,
            key_usage: h.key_usage,
            algorithm: h.algorithm,
            mode_of_use: h.mode_of_use,
            key_version: h.key_version,
            exportability: h.exportability,
            reserved: h.reserved,
            optional_blocks: h
                .optional_blocks
                .into_iter()
                .map(|b| Tr31OptionalBlock { id: b.id, data: b.data })
                .collect(),
        }
    }
}

impl From<Tr31Header> for tr31::Header {
    fn from(h: Tr31Header) -> Self {
        Self {
            version: h.version,
            key_usage: h.key_usage,
            algorithm: h.algorithm,
            mode_of_use: h.mode_of_use,
            key_version: h.key_version,
            exportability: h.exportability,
            reserved: h.reserved,
            optional_blocks: h
                .optional_blocks
                .into_iter()
                .map(|b| tr31::OptionalBlock { id: b.id, data: b.data })
                .collect(),
        }
    }
}

/// Parse a header or a template such as `B0000P0TE00N0000`.
#[uniffi::export]
pub fn tr31_parse_header(header: String) -> Result<Tr31Header, PoscoreError> {
    Ok(tr31::Header::parse(&header).map_err(poscore::Error::from)?.0.into())
}

/// Wrap `key` under the KBPK; `seed` pins the random padding (tests only).
#[uniffi::export(default(masked_key_len = None, seed = None))]
pub fn tr31_wrap(
    kbpk: Arc<Key>,
    key: Arc<Key>,
    header: Tr31Header,
    masked_key_len: Option<u32>,
    seed: Option<u64>,
) -> Result<String, PoscoreError> {
    let masked = masked_key_len.map(|n| n as usize);
    Ok(tr31::wrap(&kbpk.0, &header.into(), &key.0, masked, rng(seed, None).as_mut())?)
}

/// An unwrapped key block: its authenticated header and the key as a handle.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Tr31Block {
    pub header: Tr31Header,
    pub key: Arc<Key>,
}

/// Unwrap (the MAC is verified first); the key's algorithm and usage come from the header.
#[uniffi::export]
pub fn tr31_unwrap(kbpk: Arc<Key>, block: String) -> Result<Tr31Block, PoscoreError> {
    let kb = tr31::unwrap(&kbpk.0, &block)?;
    let k = kb.to_key()?;
    Ok(Tr31Block { header: kb.header.clone().into(), key: key(k) })
}
