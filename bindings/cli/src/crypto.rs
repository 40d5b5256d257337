//! `poscore pin|kcv|mac|dukpt|tr31 ...`: payment cryptography tools. Hex in and out is uppercase.
//!
//! These are test and key-ceremony tools: keys are given on the command line in the clear, which
//! is what a lab bench needs and what a terminal never does.

use std::fmt::Write as _;

use clap::{Args, Subcommand};
use poscore::dukpt::{self, AesKeyUsage};
use poscore::keys::{hex_decode, hex_encode, Algorithm, KcvMethod, Key, KeyUsage};
use poscore::mac::{self, MacAlgorithm, Padding};
use poscore::pin::{self, Pin, PinBlock, PinFormat};
use poscore::rng::{FixedRng, Rng, SeededRng, SystemRng};
use poscore::tr31;
use serde_json::json;

use crate::Output;

/// Where random fill comes from: the system, a test seed, or given bytes.
#[derive(Debug, Args, Clone, Default)]
pub struct RandomArgs {
    /// Deterministic fill from a seed (`SeededRng`, SHA-256 counter mode): TEST ONLY.
    #[arg(long)]
    seed: Option<u64>,
    /// Exact random bytes to use, hex (`FixedRng`): TEST ONLY, for published examples.
    #[arg(long)]
    fill: Option<String>,
}

impl RandomArgs {
    fn rng(&self) -> poscore::Result<Box<dyn Rng>> {
        Ok(match (&self.fill, self.seed) {
            (Some(f), _) => Box::new(FixedRng::new(&hex_decode(f)?)),
            (None, Some(s)) => Box::new(SeededRng::new(s)),
            (None, None) => Box::new(SystemRng::new()),
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum PinCmd {
    /// Build a PIN block (clear, or encrypted when --key is given).
    Encode {
        /// ISO 9564-1 format: 0, 1, 2, 3 or 4.
        #[arg(long)]
        format: u8,
        /// The PIN (4-12 digits).
        #[arg(long)]
        pin: String,
        /// The PAN (formats 0, 3, 4).
        #[arg(long)]
        pan: Option<String>,
        /// PIN key, hex (TDES for formats 0-3, AES for format 4).
        #[arg(long)]
        key: Option<String>,
        #[command(flatten)]
        random: RandomArgs,
    },
    /// Decode a PIN block (decrypting it first when --key is given).
    Decode {
        /// ISO 9564-1 format: 0, 1, 2, 3 or 4.
        #[arg(long)]
        format: u8,
        /// The block, hex.
        #[arg(long)]
        block: String,
        /// The PAN (formats 0, 3, 4).
        #[arg(long)]
        pan: Option<String>,
        /// PIN key, hex.
        #[arg(long)]
        key: Option<String>,
    },
    /// Translate an encrypted PIN block to another key and/or format (what an HSM does).
    Translate {
        /// Source format.
        #[arg(long)]
        from_format: u8,
        /// Source PIN key, hex.
        #[arg(long)]
        from_key: String,
        /// Target format.
        #[arg(long)]
        to_format: u8,
        /// Target PIN key, hex.
        #[arg(long)]
        to_key: String,
        /// The encrypted block, hex.
        #[arg(long)]
        block: String,
        /// The PAN.
        #[arg(long)]
        pan: Option<String>,
        #[command(flatten)]
        random: RandomArgs,
    },
}

fn pin_key(format: PinFormat, hex: &str) -> poscore::Result<Key> {
    let bytes = hex_decode(hex)?;
    let alg = if format == PinFormat::Iso4 {
        Algorithm::aes_for_len(bytes.len())?
    } else {
        Algorithm::des_for_len(bytes.len())?
    };
    Ok(Key::dangerous_from_bytes(alg, KeyUsage::PinEncryption, &bytes)?)
}

pub fn run_pin(cmd: PinCmd) -> poscore::Result<Output> {
    match cmd {
        PinCmd::Encode { format, pin, pan, key, random } => {
            let format = PinFormat::from_number(format)?;
            let p = Pin::new(&pin)?;
            let mut rng = random.rng()?;
            let out = match key {
                Some(k) => pin::encrypt_pin(&pin_key(format, &k)?, format, &p, pan.as_deref(), rng.as_mut())?,
                None => pin::encode(format, &p, pan.as_deref(), rng.as_mut())?.dangerous_reveal().to_vec(),
            };
            let h = hex_encode(&out);
            Ok(Output::new(json!({ "pin_block": h }), h))
        }
        PinCmd::Decode { format, block, pan, key } => {
            let format = PinFormat::from_number(format)?;
            let bytes = hex_decode(&block)?;
            let p = match key {
                Some(k) => pin::decrypt_pin(&pin_key(format, &k)?, format, &bytes, pan.as_deref())?,
                None => pin::decode(&PinBlock::dangerous_from_bytes(format, &bytes)?, pan.as_deref())?,
            };
            let s = p.dangerous_reveal().to_owned();
            Ok(Output::new(json!({ "pin": s }), s))
        }
        PinCmd::Translate { from_format, from_key, to_format, to_key, block, pan, random } => {
            let (ff, tf) = (PinFormat::from_number(from_format)?, PinFormat::from_number(to_format)?);
            let out = pin::translate(
                &pin_key(ff, &from_key)?,
                ff,
                &pin_key(tf, &to_key)?,
                tf,
                &hex_decode(&block)?,
                pan.as_deref(),
                random.rng()?.as_mut(),
            )?;
            let h = hex_encode(&out);
            Ok(Output::new(json!({ "pin_block": h }), h))
        }
    }
}

/// `poscore kcv`.
#[derive(Debug, Args)]
pub struct KcvArgs {
    /// The key, hex.
    #[arg(long)]
    key: String,
    /// tdes (DES/2TDEA/3TDEA, encrypt zeros), aes (CMAC of zeros, X9.24-3/TR-31), aes-legacy
    /// (encrypt zeros), sm4 (encrypt zeros).
    #[arg(long, default_value = "tdes")]
    algorithm: String,
    /// Bytes of check value (default 3; 5 for aes, as X9.24-3 specifies).
    #[arg(long)]
    length: Option<usize>,
}

pub fn run_kcv(a: &KcvArgs) -> poscore::Result<Output> {
    let bytes = hex_decode(&a.key)?;
    let (alg, method, default_len) = match a.algorithm.as_str() {
        "tdes" | "des" => (Algorithm::des_for_len(bytes.len())?, KcvMethod::EncryptZeros, 3),
        "aes" => (Algorithm::aes_for_len(bytes.len())?, KcvMethod::Cmac, 5),
        "aes-legacy" => (Algorithm::aes_for_len(bytes.len())?, KcvMethod::EncryptZeros, 3),
        "sm4" => (Algorithm::Sm4, KcvMethod::EncryptZeros, 3),
        other => {
            return Err(poscore::keys::KeyError::UnknownName { what: "KCV algorithm", found: other.to_owned() }.into())
        }
    };
    let key = Key::dangerous_from_bytes(alg, KeyUsage::KeyEncryption, &bytes)?;
    let h = hex_encode(&key.kcv(method, a.length.unwrap_or(default_len)));
    Ok(Output::new(json!({ "kcv": h }), h))
}

/// `poscore mac`.
#[derive(Debug, Args)]
pub struct MacArgs {
    /// iso9797-1-alg1, iso9797-1-alg3 (= x9.19), cup-ecb, aes-cmac, sm4-cmac.
    #[arg(long)]
    algorithm: String,
    /// MAC key, hex.
    #[arg(long)]
    key: String,
    /// Data, hex.
    #[arg(long)]
    data: String,
    /// ISO 9797-1 padding method (algorithms 1 and 3).
    #[arg(long, default_value_t = 1)]
    padding: u8,
    /// Truncate the MAC to N bytes.
    #[arg(long)]
    length: Option<usize>,
}

pub fn run_mac(a: &MacArgs) -> poscore::Result<Output> {
    let alg = MacAlgorithm::from_name(&a.algorithm)?;
    let bytes = hex_decode(&a.key)?;
    let key_alg = match alg {
        MacAlgorithm::Iso9797Alg1 | MacAlgorithm::CupEcb => Algorithm::des_for_len(bytes.len())?,
        MacAlgorithm::Iso9797Alg3 => Algorithm::Tdes2,
        MacAlgorithm::AesCmac => Algorithm::aes_for_len(bytes.len())?,
        MacAlgorithm::Sm4Cmac => Algorithm::Sm4,
    };
    let key = Key::dangerous_from_bytes(key_alg, KeyUsage::MacBoth, &bytes)?;
    let mut m = mac::generate(&key, alg, &hex_decode(&a.data)?, Padding::from_number(a.padding)?)?;
    if let Some(n) = a.length {
        if !(4..=m.len()).contains(&n) {
            return Err(mac::MacError::BadLength { len: n, min: 4, max: m.len() }.into());
        }
        m.truncate(n);
    }
    let h = hex_encode(&m);
    let mut j = json!({ "mac": h });
    if alg == MacAlgorithm::CupEcb {
        // The UnionPay MAC is 8 ASCII hex characters; show them too.
        j["mac_text"] = json!(String::from_utf8_lossy(&m));
    }
    Ok(Output::new(j, h))
}

#[derive(Debug, Subcommand)]
pub enum DukptCmd {
    /// Host-side derivation from a BDK (or an initial key) and a KSN.
    Derive {
        /// Base derivation key, hex (2TDEA for TDES DUKPT, AES for --aes).
        #[arg(long, required_unless_present = "ipek")]
        bdk: Option<String>,
        /// Initial key (IPEK / AES initial key) instead of the BDK, hex.
        #[arg(long)]
        ipek: Option<String>,
        /// Key serial number, hex (10 bytes TDES, 12 bytes AES).
        #[arg(long)]
        ksn: String,
        /// AES DUKPT (ANSI X9.24-3-2017) instead of TDES.
        #[arg(long)]
        aes: bool,
        /// AES working key usage: pin, mac-generate, mac-verify, mac-both, data-encrypt,
        /// data-decrypt, data-both, kek.
        #[arg(long, default_value = "pin")]
        key_type: String,
        /// AES working key algorithm: 2tdea, 3tdea, aes128, aes192, aes256 (default: the BDK's).
        #[arg(long)]
        working_key: Option<String>,
    },
}

pub fn run_dukpt(cmd: DukptCmd) -> poscore::Result<Output> {
    let DukptCmd::Derive { bdk, ipek, ksn, aes, key_type, working_key } = cmd;
    let ksn_b = hex_decode(&ksn)?;
    let (hex, usage) = match (&bdk, &ipek) {
        (Some(b), _) => (b.as_str(), KeyUsage::Bdk),
        (None, Some(i)) => (i.as_str(), KeyUsage::DukptInitialKey),
        (None, None) => unreachable!("clap requires one"),
    };
    let bytes = hex_decode(hex)?;
    if aes {
        let key = Key::dangerous_from_bytes(Algorithm::aes_for_len(bytes.len())?, usage, &bytes)?;
        let u = AesKeyUsage::from_name(&key_type)?;
        let kt = match &working_key {
            Some(n) => dukpt::aes_key_type_from_name(n)?,
            None => key.algorithm(),
        };
        let k = if usage == KeyUsage::Bdk {
            dukpt::aes_derive(&key, &ksn_b, u, kt)?
        } else {
            dukpt::aes_derive_from_initial_key(&key, &ksn_b, u, kt)?
        };
        let j = json!({
            "initial_key": hex_encode(k.initial_key.dangerous_reveal()),
            "transaction_key": hex_encode(k.derivation_key.dangerous_reveal()),
            "key_usage": key_type,
            "key_type": format!("{kt:?}").to_lowercase(),
            "working_key": hex_encode(k.working_key.dangerous_reveal()),
        });
        let text = format!(
            "initial key:     {}\ntransaction key: {}\nworking key:     {}",
            j["initial_key"].as_str().unwrap_or(""),
            j["transaction_key"].as_str().unwrap_or(""),
            j["working_key"].as_str().unwrap_or("")
        );
        Ok(Output::new(j, text))
    } else {
        let key = Key::dangerous_from_bytes(Algorithm::Tdes2, usage, &bytes)?;
        let k = if usage == KeyUsage::Bdk {
            dukpt::tdes_derive(&key, &ksn_b)?
        } else {
            dukpt::tdes_derive_from_ipek(&key, &ksn_b)?
        };
        let hx = |k: &Key| hex_encode(k.dangerous_reveal());
        let j = json!({
            "ipek": k.ipek.as_ref().map(hx),
            "transaction_key": hx(&k.transaction_key),
            "pin_key": hx(&k.pin),
            "mac_key": hx(&k.mac_request),
            "mac_response_key": hx(&k.mac_response),
            "data_key": hx(&k.data_request),
            "data_response_key": hx(&k.data_response),
        });
        let mut text = String::new();
        for f in ["ipek", "transaction_key", "pin_key", "mac_key", "mac_response_key", "data_key", "data_response_key"]
        {
            let _ = writeln!(text, "{f:<18} {}", j[f].as_str().unwrap_or(""));
        }
        Ok(Output::new(j, text))
    }
}

#[derive(Debug, Subcommand)]
pub enum Tr31Cmd {
    /// Unwrap a key block (the MAC is verified first).
    Unwrap {
        /// Key block protection key, hex (2TDEA/3TDEA for version B, AES for D).
        #[arg(long)]
        kbpk: String,
        /// The key block.
        #[arg(long)]
        block: String,
    },
    /// Wrap a key into a key block.
    Wrap {
        /// Key block protection key, hex.
        #[arg(long)]
        kbpk: String,
        /// The key to wrap, hex.
        #[arg(long)]
        key: String,
        /// Header template, e.g. B0000P0TE00N0000 (length field recomputed; optional blocks kept).
        #[arg(long)]
        header: String,
        /// Pad the key data as if the key had N bytes (default 24 for TDES, 32 for AES).
        #[arg(long)]
        masked_key_len: Option<usize>,
        #[command(flatten)]
        random: RandomArgs,
    },
}

fn kbpk_for(version: &str, hex: &str) -> poscore::Result<Key> {
    let b = hex_decode(hex)?;
    let alg = if version == "D" { Algorithm::aes_for_len(b.len())? } else { Algorithm::des_for_len(b.len())? };
    Ok(Key::dangerous_from_bytes(alg, KeyUsage::KeyEncryption, &b)?)
}

pub fn run_tr31(cmd: Tr31Cmd) -> poscore::Result<Output> {
    match cmd {
        Tr31Cmd::Unwrap { kbpk, block } => {
            let version = block.get(..1).unwrap_or("");
            let kb = tr31::unwrap(&kbpk_for(version, &kbpk)?, &block)?;
            let key = hex_encode(kb.dangerous_key_bytes());
            let j = json!({ "header": kb.header, "key": key });
            Ok(Output::new(
                j,
                format!("{} {} {} key {key}", kb.header.key_usage, kb.header.algorithm, kb.header.mode_of_use),
            ))
        }
        Tr31Cmd::Wrap { kbpk, key, header, masked_key_len, random } => {
            let (h, _) = tr31::Header::parse(&header)?;
            let kb = hex_decode(&key)?;
            let alg = match h.algorithm.as_str() {
                "A" => Algorithm::aes_for_len(kb.len())?,
                _ => Algorithm::des_for_len(kb.len())?,
            };
            let k = Key::dangerous_from_bytes(alg, KeyUsage::DataEncryption, &kb)?;
            let s = tr31::wrap(&kbpk_for(&h.version, &kbpk)?, &h, &k, masked_key_len, random.rng()?.as_mut())?;
            Ok(Output::new(json!({ "key_block": s }), s))
        }
    }
}
