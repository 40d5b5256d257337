//! EMV issuer cryptograms for Kotlin (wrapped by `org.poscore.Emv` and `EmvIssuer`): ICC master
//! keys, session keys, ARQC and ARPC (`poscore::emv`). Keys cross as [`Key`] objects; an ARQC that
//! does not verify is `false`, never an exception.

use std::fmt;
use std::sync::Arc;

use poscore::emv::{self, ArpcData};

use crate::{Key, PoscoreError};

mirror_enum! {
    /// A Cryptogram Version Number poscore computes (Visa CVN 10 and 18).
    Cvn from emv::Cvn { Visa10, Visa18 } else Visa10
}

mirror_enum! {
    /// ICC master key derivation, EMV Book 2 Annex A1.4.1 (Option A) / A1.4.2 (Option B).
    MasterKeyOption from emv::MasterKeyOption { OptionA, OptionB } else OptionA
}

mirror_enum! {
    /// Application cryptogram padding: Visa (zeros, CVN 10) or EMV (80, CVN 18).
    AcPadding from emv::AcPadding { Visa, Emv } else Emv
}

fn key(k: poscore::keys::Key) -> Arc<Key> {
    Arc::new(Key(k))
}

/// `emv.arqc_mismatch` -> false.
fn verified(r: poscore::Result<()>) -> Result<bool, PoscoreError> {
    match r {
        Ok(()) => Ok(true),
        Err(e) if e.code() == "emv.arqc_mismatch" => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The CVN of a number (10 or 18; others are `emv.unsupported_cvn`).
#[uniffi::export]
pub fn emv_cvn(number: u32) -> Result<Cvn, PoscoreError> {
    Ok(emv::Cvn::from_number(number)?.into())
}

/// The number of a CVN, as in tag 9F10.
#[uniffi::export]
pub fn emv_cvn_number(cvn: Cvn) -> u8 {
    emv::Cvn::from(cvn).number()
}

/// The ICC master key (2TDEA, usage MAC_BOTH) from an issuer master key, PAN and PSN.
#[uniffi::export]
pub fn emv_icc_master_key(
    imk: Arc<Key>,
    pan: String,
    psn: String,
    option: MasterKeyOption,
) -> Result<Arc<Key>, PoscoreError> {
    Ok(key(emv::derive_icc_master_key(&imk.0, &pan, &psn, option.into())?))
}

/// The EMV common session key for an 8-byte diversification value.
#[uniffi::export]
pub fn emv_common_session_key(master_key: Arc<Key>, r: Vec<u8>) -> Result<Arc<Key>, PoscoreError> {
    Ok(key(emv::common_session_key(&master_key.0, &r)?))
}

/// The AC key of a CVN for the ATC (CVN 10: the master key itself).
#[uniffi::export]
pub fn emv_session_key(master_key: Arc<Key>, cvn: Cvn, atc: Vec<u8>) -> Result<Arc<Key>, PoscoreError> {
    Ok(key(emv::session_key(&master_key.0, cvn.into(), &atc)?))
}

/// An application cryptogram (ARQC, TC, AAC), 8 bytes.
#[uniffi::export]
pub fn emv_application_cryptogram(key: Arc<Key>, data: Vec<u8>, padding: AcPadding) -> Result<Vec<u8>, PoscoreError> {
    Ok(emv::application_cryptogram(&key.0, &data, padding.into())?.to_vec())
}

/// The ARQC a CVN computes over `data` under its AC key.
#[uniffi::export]
pub fn emv_arqc(key: Arc<Key>, cvn: Cvn, data: Vec<u8>) -> Result<Vec<u8>, PoscoreError> {
    Ok(emv::arqc(&key.0, cvn.into(), &data)?.to_vec())
}

/// Constant-time ARQC check: false when it does not match.
#[uniffi::export]
pub fn emv_verify_arqc(key: Arc<Key>, cvn: Cvn, data: Vec<u8>, arqc: Vec<u8>) -> Result<bool, PoscoreError> {
    verified(emv::verify_arqc(&key.0, cvn.into(), &data, &arqc))
}

/// ARPC method 1, 8 bytes, for a 2-byte ARC.
#[uniffi::export]
pub fn emv_arpc_method1(key: Arc<Key>, arqc: Vec<u8>, arc: Vec<u8>) -> Result<Vec<u8>, PoscoreError> {
    Ok(emv::arpc_method1(&key.0, &arqc, &arc)?.to_vec())
}

/// ARPC method 2, 4 bytes, for a 4-byte CSU and 0-8 bytes of proprietary authentication data.
#[uniffi::export(default(prop_auth_data = None))]
pub fn emv_arpc_method2(
    key: Arc<Key>,
    arqc: Vec<u8>,
    csu: Vec<u8>,
    prop_auth_data: Option<Vec<u8>>,
) -> Result<Vec<u8>, PoscoreError> {
    Ok(emv::arpc_method2(&key.0, &arqc, &csu, &prop_auth_data.unwrap_or_default())?.to_vec())
}

/// An ARPC and the value of tag 91 (issuer authentication data) that carries it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct EmvArpc {
    /// 8 bytes (method 1) or 4 (method 2).
    pub arpc: Vec<u8>,
    /// ARPC ‖ ARC, or ARPC ‖ CSU ‖ proprietary authentication data.
    pub issuer_authentication_data: Vec<u8>,
}

/// An issuer (or a simulator acting as one): its master key, and the checks and answers it
/// computes for its cards. `toString()` shows the key's check value only.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct EmvIssuer(emv::Issuer);

impl fmt::Display for EmvIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[uniffi::export]
impl EmvIssuer {
    /// An issuer with a 2TDEA key of usage ISSUER_MASTER_KEY.
    #[uniffi::constructor]
    pub fn new(imk: Arc<Key>) -> Result<Arc<Self>, PoscoreError> {
        Ok(Arc::new(Self(emv::Issuer::new(imk.0.clone())?)))
    }

    /// The card's ICC master key, by the CVN's option.
    pub fn icc_master_key(&self, pan: String, psn: String, cvn: Cvn) -> Result<Arc<Key>, PoscoreError> {
        Ok(key(self.0.icc_master_key(&pan, &psn, cvn.into())?))
    }

    /// The card's AC key for the transaction with counter `atc`.
    pub fn ac_key(&self, pan: String, psn: String, atc: Vec<u8>, cvn: Cvn) -> Result<Arc<Key>, PoscoreError> {
        Ok(key(self.0.ac_key(&pan, &psn, &atc, cvn.into())?))
    }

    /// True when the card's ARQC verifies (constant time), false when it does not.
    pub fn check_arqc(
        &self,
        pan: String,
        psn: String,
        atc: Vec<u8>,
        data: Vec<u8>,
        arqc: Vec<u8>,
        cvn: Cvn,
    ) -> Result<bool, PoscoreError> {
        verified(self.0.check_arqc(&pan, &psn, &atc, &data, &arqc, cvn.into()))
    }

    /// The ARPC answering `arqc`: `arc` for CVN 10 (method 1), `csu` and optional
    /// `prop_auth_data` for CVN 18 (method 2).
    #[uniffi::method(default(arc = None, csu = None, prop_auth_data = None))]
    #[allow(clippy::too_many_arguments)]
    pub fn arpc(
        &self,
        pan: String,
        psn: String,
        atc: Vec<u8>,
        arqc: Vec<u8>,
        cvn: Cvn,
        arc: Option<Vec<u8>>,
        csu: Option<Vec<u8>>,
        prop_auth_data: Option<Vec<u8>>,
    ) -> Result<EmvArpc, PoscoreError> {
        let cvn: emv::Cvn = cvn.into();
        let response = ArpcData::for_cvn(cvn, arc.as_deref(), csu.as_deref(), prop_auth_data.as_deref())?;
        let arpc = self.0.arpc(&pan, &psn, &atc, &arqc, cvn, &response)?;
        Ok(EmvArpc { issuer_authentication_data: response.issuer_authentication_data(&arpc), arpc })
    }
}
