//! EMV issuer cryptograms for JS (`poscore::emv`): ICC master keys, session keys, ARQC, ARPC.
//!
//! Keys cross as [`Key`] handles. CVNs are numbers (10, 18), master key options and paddings
//! their snake_case names (`option_a`, `emv`); `web/src/emv.js` gives them their JS shape and turns
//! `emv.arqc_mismatch` into `false`.

use poscore::emv::{self, AcPadding, ArpcData, Cvn, MasterKeyOption};
use wasm_bindgen::prelude::*;

use crate::crypto::Key;
use crate::js_error;

fn cvn(n: u32) -> Result<Cvn, JsValue> {
    Cvn::from_number(n).map_err(js_error)
}

/// The ICC master key from an issuer master key, PAN and PSN (`option_a` or `option_b`).
#[wasm_bindgen(js_name = emvIccMasterKey)]
pub fn emv_icc_master_key(imk: &Key, pan: &str, psn: &str, option: &str) -> Result<Key, JsValue> {
    let option = MasterKeyOption::from_name(option).map_err(js_error)?;
    emv::derive_icc_master_key(&imk.0, pan, psn, option).map(Key).map_err(js_error)
}

/// The EMV common session key for the 8-byte diversification value `r`.
#[wasm_bindgen(js_name = emvCommonSessionKey)]
pub fn emv_common_session_key(mk: &Key, r: &[u8]) -> Result<Key, JsValue> {
    emv::common_session_key(&mk.0, r).map(Key).map_err(js_error)
}

/// The AC key of `cvn` for the ATC.
#[wasm_bindgen(js_name = emvSessionKey)]
pub fn emv_session_key(mk: &Key, cvn_number: u32, atc: &[u8]) -> Result<Key, JsValue> {
    emv::session_key(&mk.0, cvn(cvn_number)?, atc).map(Key).map_err(js_error)
}

/// An application cryptogram with `visa` or `emv` padding.
#[wasm_bindgen(js_name = emvApplicationCryptogram)]
pub fn emv_application_cryptogram(key: &Key, data: &[u8], padding: &str) -> Result<Vec<u8>, JsValue> {
    let padding = AcPadding::from_name(padding).map_err(js_error)?;
    emv::application_cryptogram(&key.0, data, padding).map(|a| a.to_vec()).map_err(js_error)
}

/// The ARQC `cvn` computes over `data`.
#[wasm_bindgen(js_name = emvArqc)]
pub fn emv_arqc(key: &Key, cvn_number: u32, data: &[u8]) -> Result<Vec<u8>, JsValue> {
    emv::arqc(&key.0, cvn(cvn_number)?, data).map(|a| a.to_vec()).map_err(js_error)
}

/// Constant-time ARQC check; throws `emv.arqc_mismatch` when it does not match.
#[wasm_bindgen(js_name = emvVerifyArqc)]
pub fn emv_verify_arqc(key: &Key, cvn_number: u32, data: &[u8], arqc: &[u8]) -> Result<(), JsValue> {
    emv::verify_arqc(&key.0, cvn(cvn_number)?, data, arqc).map_err(js_error)
}

#[wasm_bindgen(js_name = emvArpcMethod1)]
pub fn emv_arpc_method1(key: &Key, arqc: &[u8], arc: &[u8]) -> Result<Vec<u8>, JsValue> {
    emv::arpc_method1(&key.0, arqc, arc).map(|a| a.to_vec()).map_err(js_error)
}

#[wasm_bindgen(js_name = emvArpcMethod2)]
pub fn emv_arpc_method2(
    key: &Key,
    arqc: &[u8],
    csu: &[u8],
    prop_auth_data: Option<Vec<u8>>,
) -> Result<Vec<u8>, JsValue> {
    emv::arpc_method2(&key.0, arqc, csu, &prop_auth_data.unwrap_or_default()).map(|a| a.to_vec()).map_err(js_error)
}

/// An ARPC and the tag 91 value that carries it.
#[wasm_bindgen]
pub struct EmvArpc {
    arpc: Vec<u8>,
    issuer_authentication_data: Vec<u8>,
}

#[wasm_bindgen]
impl EmvArpc {
    pub fn arpc(&self) -> Vec<u8> {
        self.arpc.clone()
    }
    #[wasm_bindgen(js_name = issuerAuthenticationData)]
    pub fn issuer_authentication_data(&self) -> Vec<u8> {
        self.issuer_authentication_data.clone()
    }
}

/// An issuer: its master key, and the checks and answers it computes for its cards.
#[wasm_bindgen]
pub struct EmvIssuer(emv::Issuer);

#[wasm_bindgen]
impl EmvIssuer {
    #[wasm_bindgen(constructor)]
    pub fn new(imk: &Key) -> Result<EmvIssuer, JsValue> {
        emv::Issuer::new(imk.0.clone()).map(Self).map_err(js_error)
    }

    #[wasm_bindgen(js_name = iccMasterKey)]
    pub fn icc_master_key(&self, pan: &str, psn: &str, cvn_number: u32) -> Result<Key, JsValue> {
        self.0.icc_master_key(pan, psn, cvn(cvn_number)?).map(Key).map_err(js_error)
    }

    #[wasm_bindgen(js_name = acKey)]
    pub fn ac_key(&self, pan: &str, psn: &str, atc: &[u8], cvn_number: u32) -> Result<Key, JsValue> {
        self.0.ac_key(pan, psn, atc, cvn(cvn_number)?).map(Key).map_err(js_error)
    }

    /// Throws `emv.arqc_mismatch` when the ARQC does not verify.
    #[wasm_bindgen(js_name = checkArqc)]
    pub fn check_arqc(
        &self,
        pan: &str,
        psn: &str,
        atc: &[u8],
        data: &[u8],
        arqc: &[u8],
        cvn_number: u32,
    ) -> Result<(), JsValue> {
        self.0.check_arqc(pan, psn, atc, data, arqc, cvn(cvn_number)?).map_err(js_error)
    }

    /// The ARPC for `cvn`'s method: `arc` (method 1) or `csu` and optional `prop_auth_data`
    /// (method 2).
    #[allow(clippy::too_many_arguments)]
    pub fn arpc(
        &self,
        pan: &str,
        psn: &str,
        atc: &[u8],
        arqc: &[u8],
        cvn_number: u32,
        arc: Option<Vec<u8>>,
        csu: Option<Vec<u8>>,
        prop_auth_data: Option<Vec<u8>>,
    ) -> Result<EmvArpc, JsValue> {
        let cvn = cvn(cvn_number)?;
        let response =
            ArpcData::for_cvn(cvn, arc.as_deref(), csu.as_deref(), prop_auth_data.as_deref()).map_err(js_error)?;
        let arpc = self.0.arpc(pan, psn, atc, arqc, cvn, &response).map_err(js_error)?;
        Ok(EmvArpc { issuer_authentication_data: response.issuer_authentication_data(&arpc), arpc })
    }

    /// The issuer master key's algorithm, usage and check value, never the key.
    pub fn describe(&self) -> String {
        format!("{:?}", self.0)
    }
}
