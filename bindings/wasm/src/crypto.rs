//! Payment cryptography for JS: `keys`, `pin`, `mac`, `dukpt`, `tr31`.
//!
//! Keys cross the boundary only as [`Key`] handles (the bytes stay in wasm memory, wiped on
//! `free()`), or wrapped (TR-31, field 62). Plain key bytes and clear PINs come out only through
//! functions named `dangerous*`. Names (algorithms, usages, MAC algorithms) are the snake_case /
//! CLI spellings the vectors use; `web/src/api.js` gives them their JS shape.

use poscore::dukpt::{self, AesKeyUsage, AesTerminal, TdesTerminal};
use poscore::keys::{self, Algorithm, KcvMethod, KeyError, KeyUsage};
use poscore::mac::{self, MacAlgorithm, MacError, Padding};
use poscore::pin::{self, Pin, PinBlock, PinFormat};
use poscore::rng::{FixedRng, Rng, SeededRng, SystemRng};
use poscore::tr31::{self, Header};
use wasm_bindgen::prelude::*;

use crate::{js_error, to_json};

fn unknown(what: &'static str, found: &str) -> JsValue {
    js_error(KeyError::UnknownName { what, found: found.to_owned() })
}

/// A snake_case name of a serde enum (`tdes2`, `pin_encryption`, `cmac`).
fn by_name<T: serde::de::DeserializeOwned>(what: &'static str, name: &str) -> Result<T, JsValue> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).map_err(|_| unknown(what, name))
}

/// `tdes` and `aes` pick the variant from the key length; any other name is exact.
fn algorithm(name: &str, len: usize) -> Result<Algorithm, JsValue> {
    match name {
        "tdes" | "des_family" => Algorithm::des_for_len(len).map_err(js_error),
        "aes" => Algorithm::aes_for_len(len).map_err(js_error),
        _ => by_name("algorithm", name),
    }
}

/// Production randomness unless the caller pins it (test-only `seed` or `fill`).
fn rng(seed: Option<u32>, fill: Option<Vec<u8>>) -> Box<dyn Rng> {
    match (fill, seed) {
        (Some(f), _) => Box::new(FixedRng::new(&f)),
        (None, Some(s)) => Box::new(SeededRng::new(u64::from(s))),
        (None, None) => Box::new(SystemRng::new()),
    }
}

fn format(n: u8) -> Result<PinFormat, JsValue> {
    PinFormat::from_number(n).map_err(js_error)
}

/// An opaque key: algorithm, usage, and bytes that never leave wasm memory except through the
/// `dangerous*` functions. `free()` wipes them.
#[wasm_bindgen]
pub struct Key(pub(crate) keys::Key);

#[wasm_bindgen]
impl Key {
    /// **Dangerous** (test keys, key ceremony): a key from plain hex.
    #[wasm_bindgen(js_name = dangerousFromHex)]
    pub fn dangerous_from_hex(algorithm_name: &str, usage: &str, hex: &str) -> Result<Key, JsValue> {
        let bytes = keys::hex_decode(hex).map_err(js_error)?;
        Self::dangerous_from_bytes(algorithm_name, usage, &bytes)
    }

    /// **Dangerous** (test keys, key ceremony): a key from plain bytes.
    #[wasm_bindgen(js_name = dangerousFromBytes)]
    pub fn dangerous_from_bytes(algorithm_name: &str, usage: &str, bytes: &[u8]) -> Result<Key, JsValue> {
        let alg = algorithm(algorithm_name, bytes.len())?;
        let usage: KeyUsage = by_name("key usage", usage)?;
        keys::Key::dangerous_from_bytes(alg, usage, bytes).map(Self).map_err(js_error)
    }

    /// A fresh random key from the system generator (or a test-only seed).
    pub fn generate(algorithm_name: &str, usage: &str, seed: Option<u32>) -> Result<Key, JsValue> {
        let alg = algorithm(algorithm_name, 0)?;
        let usage: KeyUsage = by_name("key usage", usage)?;
        keys::Key::generate(alg, usage, rng(seed, None).as_mut()).map(Self).map_err(js_error)
    }

    /// `des`, `tdes2`, ... `sm4`.
    pub fn algorithm(&self) -> String {
        to_json(&self.0.algorithm()).unwrap_or_default().trim_matches('"').to_owned()
    }

    /// `pin_encryption`, `mac_both`, ... `bdk`.
    pub fn usage(&self) -> String {
        to_json(&self.0.usage()).unwrap_or_default().trim_matches('"').to_owned()
    }

    /// Check value: `method` `encrypt_zeros` or `cmac` (default: `cmac` for AES, else
    /// `encrypt_zeros`), `length` bytes (default 5 for AES CMAC, else 3).
    pub fn kcv(&self, method: Option<String>, length: Option<f64>) -> Result<Vec<u8>, JsValue> {
        let length = length.map(|l| crate::count("length", l)).transpose()?;
        let aes = matches!(self.0.algorithm(), Algorithm::Aes128 | Algorithm::Aes192 | Algorithm::Aes256);
        let method = match method {
            Some(m) => by_name("KCV method", &m)?,
            None if aes => KcvMethod::Cmac,
            None => KcvMethod::EncryptZeros,
        };
        let default_len = if method == KcvMethod::Cmac { 5 } else { 3 };
        Ok(self.0.kcv(method, length.unwrap_or(default_len)))
    }

    /// `Tdes2 PinEncryption key (KCV 08D7B4)`: never the key.
    #[wasm_bindgen(js_name = describe)]
    pub fn describe(&self) -> String {
        self.0.to_string()
    }

    /// **Dangerous** (key ceremony, tests): the plain key bytes.
    #[wasm_bindgen(js_name = dangerousExport)]
    pub fn dangerous_export(&self) -> Vec<u8> {
        self.0.dangerous_reveal().to_vec()
    }
}

#[wasm_bindgen(js_name = hexDecode)]
pub fn hex_decode(hex: &str) -> Result<Vec<u8>, JsValue> {
    keys::hex_decode(hex).map_err(js_error)
}

// ---- PIN blocks ---------------------------------------------------------------------------

/// The clear PIN block (the caller already holds the PIN).
#[wasm_bindgen(js_name = pinEncode)]
pub fn pin_encode(
    fmt: u8,
    pin: &str,
    pan: Option<String>,
    seed: Option<u32>,
    fill: Option<Vec<u8>>,
) -> Result<Vec<u8>, JsValue> {
    let p = Pin::new(pin).map_err(js_error)?;
    let b = pin::encode(format(fmt)?, &p, pan.as_deref(), rng(seed, fill).as_mut()).map_err(js_error)?;
    Ok(b.dangerous_reveal().to_vec())
}

/// Encode and encipher under a PIN key.
#[wasm_bindgen(js_name = pinEncrypt)]
pub fn pin_encrypt(
    key: &Key,
    fmt: u8,
    pin: &str,
    pan: Option<String>,
    seed: Option<u32>,
    fill: Option<Vec<u8>>,
) -> Result<Vec<u8>, JsValue> {
    let p = Pin::new(pin).map_err(js_error)?;
    pin::encrypt_pin(&key.0, format(fmt)?, &p, pan.as_deref(), rng(seed, fill).as_mut()).map_err(js_error)
}

/// **Dangerous**: the clear PIN of a clear block.
#[wasm_bindgen(js_name = pinDangerousDecode)]
pub fn pin_dangerous_decode(fmt: u8, block: &[u8], pan: Option<String>) -> Result<String, JsValue> {
    let b = PinBlock::dangerous_from_bytes(format(fmt)?, block).map_err(js_error)?;
    let p = pin::decode(&b, pan.as_deref()).map_err(js_error)?;
    Ok(p.dangerous_reveal().to_owned())
}

/// **Dangerous**: decipher and decode to the clear PIN (HSM-style tests).
#[wasm_bindgen(js_name = pinDangerousDecrypt)]
pub fn pin_dangerous_decrypt(key: &Key, fmt: u8, block: &[u8], pan: Option<String>) -> Result<String, JsValue> {
    let p = pin::decrypt_pin(&key.0, format(fmt)?, block, pan.as_deref()).map_err(js_error)?;
    Ok(p.dangerous_reveal().to_owned())
}

/// PIN translation between keys and formats; the clear PIN never leaves the core.
#[allow(clippy::too_many_arguments)]
#[wasm_bindgen(js_name = pinTranslate)]
pub fn pin_translate(
    from_key: &Key,
    from_format: u8,
    to_key: &Key,
    to_format: u8,
    block: &[u8],
    pan: Option<String>,
    seed: Option<u32>,
    fill: Option<Vec<u8>>,
) -> Result<Vec<u8>, JsValue> {
    let (ff, tf) = (format(from_format)?, format(to_format)?);
    pin::translate(&from_key.0, ff, &to_key.0, tf, block, pan.as_deref(), rng(seed, fill).as_mut()).map_err(js_error)
}

// ---- MACs ---------------------------------------------------------------------------------

fn mac_args(algorithm: &str, padding: u8) -> Result<(MacAlgorithm, Padding), JsValue> {
    Ok((MacAlgorithm::from_name(algorithm).map_err(js_error)?, Padding::from_number(padding).map_err(js_error)?))
}

/// The MAC, truncated to `length` bytes (at least 4) when given.
#[wasm_bindgen(js_name = macGenerate)]
pub fn mac_generate(
    key: &Key,
    algorithm: &str,
    data: &[u8],
    padding: u8,
    length: Option<f64>,
) -> Result<Vec<u8>, JsValue> {
    let length = length.map(|l| crate::count("length", l)).transpose()?;
    let (alg, pad) = mac_args(algorithm, padding)?;
    let mut m = mac::generate(&key.0, alg, data, pad).map_err(js_error)?;
    if let Some(n) = length {
        if !(4..=m.len()).contains(&n) {
            return Err(js_error(MacError::BadLength { len: n, min: 4, max: m.len() }));
        }
        m.truncate(n);
    }
    Ok(m)
}

/// Constant-time verification; throws `mac.mismatch` when the MAC is wrong. `length` is the tag
/// length the protocol prescribes, the algorithm's full MAC when absent: a tag of any other
/// length throws `mac.bad_length`, so a received message cannot choose a shorter truncation.
#[wasm_bindgen(js_name = macVerify)]
pub fn mac_verify(
    key: &Key,
    algorithm: &str,
    data: &[u8],
    padding: u8,
    expected: &[u8],
    length: Option<f64>,
) -> Result<(), JsValue> {
    let length = length.map(|l| crate::count("length", l)).transpose()?;
    let (alg, pad) = mac_args(algorithm, padding)?;
    mac::verify(&key.0, alg, data, pad, expected, length.unwrap_or(alg.mac_len())).map_err(js_error)
}

// ---- Data encryption ----------------------------------------------------------------------

#[wasm_bindgen(js_name = dataEncrypt)]
pub fn data_encrypt(key: &Key, iv: &[u8], data: &[u8]) -> Result<Vec<u8>, JsValue> {
    keys::encrypt_data(&key.0, iv, data).map_err(js_error)
}

#[wasm_bindgen(js_name = dataDecrypt)]
pub fn data_decrypt(key: &Key, iv: &[u8], data: &[u8]) -> Result<Vec<u8>, JsValue> {
    keys::decrypt_data(&key.0, iv, data).map_err(js_error)
}

// ---- Working keys (UnionPay field 62) -----------------------------------------------------

/// The PIK, MAK and optional TDK installed from a sign-on, each check value verified.
#[wasm_bindgen]
pub struct WorkingKeys(keys::WorkingKeys);

#[wasm_bindgen]
impl WorkingKeys {
    /// Decrypt field 62 under the TMK and verify every check value.
    #[wasm_bindgen(js_name = parseField62)]
    pub fn parse_field62(tmk: &Key, field: &[u8]) -> Result<WorkingKeys, JsValue> {
        keys::parse_field62(&tmk.0, field).map(Self).map_err(js_error)
    }

    pub fn pik(&self) -> Key {
        Key(self.0.pik.clone())
    }

    pub fn mak(&self) -> Key {
        Key(self.0.mak.clone())
    }

    pub fn tdk(&self) -> Option<Key> {
        self.0.tdk.clone().map(Key)
    }

    pub fn describe(&self) -> String {
        self.0.to_string()
    }
}

/// Host side: field 62 for a PIK and MAK under the TMK.
#[wasm_bindgen(js_name = buildField62)]
pub fn build_field62(tmk: &Key, pik: &Key, mak: &Key) -> Result<Vec<u8>, JsValue> {
    let wk = keys::WorkingKeys { pik: pik.0.clone(), mak: mak.0.clone(), tdk: None };
    keys::build_field62(&tmk.0, &wk).map_err(js_error)
}

/// Host side: field 62 for a PIK, MAK and TDK under the TMK.
#[wasm_bindgen(js_name = buildField62WithTdk)]
pub fn build_field62_with_tdk(tmk: &Key, pik: &Key, mak: &Key, tdk: &Key) -> Result<Vec<u8>, JsValue> {
    let wk = keys::WorkingKeys { pik: pik.0.clone(), mak: mak.0.clone(), tdk: Some(tdk.0.clone()) };
    keys::build_field62(&tmk.0, &wk).map_err(js_error)
}

// ---- DUKPT --------------------------------------------------------------------------------

/// The TDES DUKPT keys of one KSN.
#[wasm_bindgen]
pub struct TdesDukptKeys(dukpt::TdesKeys);

#[wasm_bindgen]
impl TdesDukptKeys {
    pub fn ipek(&self) -> Option<Key> {
        self.0.ipek.clone().map(Key)
    }
    #[wasm_bindgen(js_name = transactionKey)]
    pub fn transaction_key(&self) -> Key {
        Key(self.0.transaction_key.clone())
    }
    #[wasm_bindgen(js_name = pinKey)]
    pub fn pin_key(&self) -> Key {
        Key(self.0.pin.clone())
    }
    #[wasm_bindgen(js_name = macRequestKey)]
    pub fn mac_request_key(&self) -> Key {
        Key(self.0.mac_request.clone())
    }
    #[wasm_bindgen(js_name = macResponseKey)]
    pub fn mac_response_key(&self) -> Key {
        Key(self.0.mac_response.clone())
    }
    #[wasm_bindgen(js_name = dataRequestKey)]
    pub fn data_request_key(&self) -> Key {
        Key(self.0.data_request.clone())
    }
    #[wasm_bindgen(js_name = dataResponseKey)]
    pub fn data_response_key(&self) -> Key {
        Key(self.0.data_response.clone())
    }
}

/// TDES DUKPT from a BDK (host) or an IPEK (usage decides).
#[wasm_bindgen(js_name = dukptTdesDerive)]
pub fn dukpt_tdes_derive(key: &Key, ksn: &[u8]) -> Result<TdesDukptKeys, JsValue> {
    let k = if key.0.usage() == KeyUsage::Bdk {
        dukpt::tdes_derive(&key.0, ksn)
    } else {
        dukpt::tdes_derive_from_ipek(&key.0, ksn)
    };
    k.map(TdesDukptKeys).map_err(js_error)
}

#[wasm_bindgen(js_name = dukptTdesIpek)]
pub fn dukpt_tdes_ipek(bdk: &Key, ksn: &[u8]) -> Result<Key, JsValue> {
    dukpt::tdes_ipek(&bdk.0, ksn).map(Key).map_err(js_error)
}

/// The AES DUKPT keys of one KSN for one working-key usage and type.
#[wasm_bindgen]
pub struct AesDukptKeys(dukpt::AesKeys);

#[wasm_bindgen]
impl AesDukptKeys {
    #[wasm_bindgen(js_name = initialKey)]
    pub fn initial_key(&self) -> Key {
        Key(self.0.initial_key.clone())
    }
    #[wasm_bindgen(js_name = derivationKey)]
    pub fn derivation_key(&self) -> Key {
        Key(self.0.derivation_key.clone())
    }
    #[wasm_bindgen(js_name = workingKey)]
    pub fn working_key(&self) -> Key {
        Key(self.0.working_key.clone())
    }
}

fn aes_usage_type(key_usage: &str, key_type: &str) -> Result<(AesKeyUsage, Algorithm), JsValue> {
    Ok((
        AesKeyUsage::from_name(key_usage).map_err(js_error)?,
        dukpt::aes_key_type_from_name(key_type).map_err(js_error)?,
    ))
}

/// AES DUKPT from a BDK (host) or an initial key (usage decides).
#[wasm_bindgen(js_name = dukptAesDerive)]
pub fn dukpt_aes_derive(key: &Key, ksn: &[u8], key_usage: &str, key_type: &str) -> Result<AesDukptKeys, JsValue> {
    let (u, t) = aes_usage_type(key_usage, key_type)?;
    let k = if key.0.usage() == KeyUsage::Bdk {
        dukpt::aes_derive(&key.0, ksn, u, t)
    } else {
        dukpt::aes_derive_from_initial_key(&key.0, ksn, u, t)
    };
    k.map(AesDukptKeys).map_err(js_error)
}

#[wasm_bindgen(js_name = dukptAesInitialKey)]
pub fn dukpt_aes_initial_key(bdk: &Key, initial_key_id: &[u8]) -> Result<Key, JsValue> {
    dukpt::aes_initial_key(&bdk.0, initial_key_id).map(Key).map_err(js_error)
}

/// A TDES DUKPT terminal (PIN pad side).
#[wasm_bindgen]
pub struct TdesDukptTerminal(TdesTerminal);

/// One TDES terminal transaction: the KSN to send and its keys.
#[wasm_bindgen]
pub struct TdesDukptTransaction {
    ksn: Vec<u8>,
    keys: dukpt::TdesKeys,
}

#[wasm_bindgen]
impl TdesDukptTransaction {
    pub fn ksn(&self) -> Vec<u8> {
        self.ksn.clone()
    }
    pub fn keys(&self) -> TdesDukptKeys {
        TdesDukptKeys(self.keys.clone())
    }
}

#[wasm_bindgen]
impl TdesDukptTerminal {
    /// Load from the IPEK and initial KSN (`at`: resume at the KSN's counter, for test benches).
    pub fn load(ipek: &Key, ksn: &[u8], at: bool) -> Result<TdesDukptTerminal, JsValue> {
        let t = if at { TdesTerminal::load_at(&ipek.0, ksn) } else { TdesTerminal::load(&ipek.0, ksn) };
        t.map(Self).map_err(js_error)
    }
    #[wasm_bindgen(js_name = dangerousImportState)]
    pub fn dangerous_import_state(state: &[u8]) -> Result<TdesDukptTerminal, JsValue> {
        TdesTerminal::dangerous_import_state(state).map(Self).map_err(js_error)
    }
    #[wasm_bindgen(js_name = dangerousExportState)]
    pub fn dangerous_export_state(&self) -> Vec<u8> {
        self.0.dangerous_export_state().to_vec()
    }
    pub fn counter(&self) -> f64 {
        self.0.counter() as f64
    }
    #[wasm_bindgen(js_name = isExhausted)]
    pub fn is_exhausted(&self) -> bool {
        self.0.is_exhausted()
    }
    #[wasm_bindgen(js_name = nextTransaction)]
    pub fn next_transaction(&mut self) -> Result<TdesDukptTransaction, JsValue> {
        let t = self.0.next_transaction().map_err(js_error)?;
        Ok(TdesDukptTransaction { ksn: t.ksn, keys: t.keys })
    }
}

/// An AES DUKPT terminal.
#[wasm_bindgen]
pub struct AesDukptTerminal(AesTerminal);

/// One AES terminal transaction: the KSN and the derivation key its working keys come from.
#[wasm_bindgen]
pub struct AesDukptTransaction(dukpt::AesTransaction);

#[wasm_bindgen]
impl AesDukptTransaction {
    pub fn ksn(&self) -> Vec<u8> {
        self.0.ksn.clone()
    }
    /// The AES length of the terminal's keys (`aes128`, ...): the default working-key type.
    #[wasm_bindgen(js_name = keyAlgorithm)]
    pub fn key_algorithm(&self) -> String {
        Key(self.0.derivation_key().clone()).algorithm()
    }
    #[wasm_bindgen(js_name = workingKey)]
    pub fn working_key(&self, key_usage: &str, key_type: &str) -> Result<Key, JsValue> {
        let (u, t) = aes_usage_type(key_usage, key_type)?;
        self.0.working_key(u, t).map(Key).map_err(js_error)
    }
}

#[wasm_bindgen]
impl AesDukptTerminal {
    /// Load from the initial key and its 8-byte ID, or (`at`) at a 12-byte KSN's counter.
    pub fn load(initial_key: &Key, id_or_ksn: &[u8], at: bool) -> Result<AesDukptTerminal, JsValue> {
        let t = if at {
            AesTerminal::load_at(&initial_key.0, id_or_ksn)
        } else {
            AesTerminal::load(&initial_key.0, id_or_ksn)
        };
        t.map(Self).map_err(js_error)
    }
    #[wasm_bindgen(js_name = dangerousImportState)]
    pub fn dangerous_import_state(state: &[u8]) -> Result<AesDukptTerminal, JsValue> {
        AesTerminal::dangerous_import_state(state).map(Self).map_err(js_error)
    }
    #[wasm_bindgen(js_name = dangerousExportState)]
    pub fn dangerous_export_state(&self) -> Vec<u8> {
        self.0.dangerous_export_state().to_vec()
    }
    pub fn counter(&self) -> f64 {
        self.0.counter() as f64
    }
    #[wasm_bindgen(js_name = isExhausted)]
    pub fn is_exhausted(&self) -> bool {
        self.0.is_exhausted()
    }
    #[wasm_bindgen(js_name = nextTransaction)]
    pub fn next_transaction(&mut self) -> Result<AesDukptTransaction, JsValue> {
        self.0.next_transaction().map(AesDukptTransaction).map_err(js_error)
    }
}

// ---- TR-31 --------------------------------------------------------------------------------

/// `header`: a template (`B0000P0TE00N0000`) or the header as JSON.
#[wasm_bindgen(js_name = tr31Wrap)]
pub fn tr31_wrap(
    kbpk: &Key,
    key: &Key,
    header: &str,
    masked_key_len: Option<f64>,
    seed: Option<u32>,
) -> Result<String, JsValue> {
    let masked_key_len = masked_key_len.map(|l| crate::count("maskedKeyLen", l)).transpose()?;
    let h = if header.trim_start().starts_with('{') {
        serde_json::from_str(header).map_err(|e| js_sys::Error::new(&format!("TR-31 header: {e}")))?
    } else {
        Header::parse(header).map_err(js_error)?.0
    };
    tr31::wrap(&kbpk.0, &h, &key.0, masked_key_len, rng(seed, None).as_mut()).map_err(js_error)
}

/// An unwrapped key block: its (authenticated) header and the key as a handle.
#[wasm_bindgen]
pub struct Tr31Block {
    header: Header,
    key: keys::Key,
}

#[wasm_bindgen]
impl Tr31Block {
    /// The header as JSON.
    pub fn header(&self) -> Result<String, JsValue> {
        to_json(&self.header)
    }
    pub fn key(&self) -> Key {
        Key(self.key.clone())
    }
}

/// Unwrap (MAC verified first); the key's algorithm and usage come from the header.
#[wasm_bindgen(js_name = tr31Unwrap)]
pub fn tr31_unwrap(kbpk: &Key, block: &str) -> Result<Tr31Block, JsValue> {
    let kb = tr31::unwrap(&kbpk.0, block).map_err(js_error)?;
    let key = kb.to_key().map_err(js_error)?;
    Ok(Tr31Block { header: kb.header, key })
}
