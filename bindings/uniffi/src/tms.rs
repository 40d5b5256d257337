//! `tms` module for Kotlin (wrapped by `org.poscore.Tms`). Records mirror the core's types field
//! for field; byte strings inside records are uppercase hex, as in the core.

use std::collections::HashMap;

use poscore::tms::{self, AidParams, Capk, Continuation, DialStats, KeyRef, StatusReport, Step, TerminalParams};

use crate::PoscoreError;

mirror_enum! {
    /// The first byte of a reply's field 62.
    TmsContinuation from Continuation { Last, MorePackets, MoreQuery } else Last
}

mirror_enum! {
    /// A TMS network management step.
    TmsStep from Step { ParamDownload, StatusUpload, CapkQuery, CapkDownload, CapkEnd, AidQuery, AidDownload, AidEnd } else ParamDownload
}

/// A reply's field 62, split.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TmsReply {
    pub continuation: TmsContinuation,
    pub body: Vec<u8>,
}

/// A CA public key as a query reply lists it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TmsKeyRef {
    pub rid: String,
    pub index: u8,
    #[uniffi(default = None)]
    pub expiry: Option<String>,
}

/// A CA public key as a 370 reply sends it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TmsCapk {
    pub rid: String,
    pub index: u8,
    pub expiry: String,
    pub hash_alg: Option<u8>,
    pub pk_alg: Option<u8>,
    pub modulus: String,
    pub exponent: String,
    pub checksum: String,
    pub other: HashMap<String, String>,
}

/// One AID's EMV parameters as a 380 reply sends them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TmsAidParams {
    pub aid: String,
    pub asi: Option<u8>,
    pub app_version: Option<String>,
    pub tac_default: Option<String>,
    pub tac_online: Option<String>,
    pub tac_denial: Option<String>,
    pub floor_limit: Option<u32>,
    pub threshold: Option<u32>,
    pub max_target_percent: Option<u8>,
    pub target_percent: Option<u8>,
    pub default_ddol: Option<String>,
    pub online_pin: Option<bool>,
    pub ec_limit: Option<u64>,
    pub cl_floor_limit: Option<u64>,
    pub cl_txn_limit: Option<u64>,
    pub cl_cvm_limit: Option<u64>,
    pub other: HashMap<String, String>,
}

/// The terminal parameters of a 360 reply.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct TmsTerminalParams {
    #[uniffi(default = None)]
    pub app_type: Option<String>,
    #[uniffi(default = None)]
    pub receive_timeout: Option<u8>,
    #[uniffi(default = None)]
    pub dial_retries: Option<u8>,
    #[uniffi(default = None)]
    pub host_phone1: Option<String>,
    #[uniffi(default = None)]
    pub host_phone2: Option<String>,
    #[uniffi(default = None)]
    pub host_phone3: Option<String>,
    #[uniffi(default = None)]
    pub host_phone4: Option<String>,
    #[uniffi(default = None)]
    pub tip_enabled: Option<bool>,
    #[uniffi(default = None)]
    pub tip_percent: Option<u8>,
    #[uniffi(default = None)]
    pub manual_entry: Option<bool>,
    #[uniffi(default = None)]
    pub auto_sign_off: Option<bool>,
    #[uniffi(default = None)]
    pub merchant_name: Option<String>,
    #[uniffi(default = None)]
    pub resend_count: Option<u8>,
    #[uniffi(default = None)]
    pub offline_upload: Option<String>,
    #[uniffi(default = None)]
    pub key_index: Option<u8>,
    #[uniffi(default = None)]
    pub txn_switches: Option<String>,
    #[uniffi(default)]
    pub other: HashMap<String, String>,
    #[uniffi(default = None)]
    pub unparsed: Option<String>,
}

/// Item 51 of a status upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct TmsDialStats {
    pub hours: u16,
    pub dials: u32,
    pub success_percent: u16,
}

/// What a 362 status upload reports.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TmsStatusReport {
    pub params: TmsTerminalParams,
    pub dial_stats: Option<TmsDialStats>,
}

/// One parameter item as sent.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TmsParamItem {
    pub tag: String,
    pub value: String,
}

impl From<KeyRef> for TmsKeyRef {
    fn from(k: KeyRef) -> Self {
        Self { rid: k.rid, index: k.index, expiry: k.expiry }
    }
}

impl From<TmsKeyRef> for KeyRef {
    fn from(k: TmsKeyRef) -> Self {
        Self { rid: k.rid, index: k.index, expiry: k.expiry }
    }
}

impl From<Capk> for TmsCapk {
    fn from(k: Capk) -> Self {
        Self {
            rid: k.rid,
            index: k.index,
            expiry: k.expiry,
            hash_alg: k.hash_alg,
            pk_alg: k.pk_alg,
            modulus: k.modulus,
            exponent: k.exponent,
            checksum: k.checksum,
            other: k.other.into_iter().collect(),
        }
    }
}

impl From<TmsCapk> for Capk {
    fn from(k: TmsCapk) -> Self {
        Self {
            rid: k.rid,
            index: k.index,
            expiry: k.expiry,
            hash_alg: k.hash_alg,
            pk_alg: k.pk_alg,
            modulus: k.modulus,
            exponent: k.exponent,
            checksum: k.checksum,
            other: k.other.into_iter().collect(),
        }
    }
}

/// Both directions of a record whose fields all have the same names and types on both sides
/// (the `other` map converts between `BTreeMap` and `HashMap`).
macro_rules! same_fields {
    ($ffi:ident, $core:ty { $($f:ident),+ } other $($o:ident),*) => {
        impl From<$core> for $ffi {
            fn from(p: $core) -> Self {
                Self { $($f: p.$f,)+ $($o: p.$o.into_iter().collect(),)* }
            }
        }
        impl From<$ffi> for $core {
            fn from(p: $ffi) -> Self {
                Self { $($f: p.$f,)+ $($o: p.$o.into_iter().collect(),)* }
            }
        }
    };
}

same_fields!(TmsAidParams, AidParams {
    aid, asi, app_version, tac_default, tac_online, tac_denial, floor_limit, threshold, max_target_percent,
    target_percent, default_ddol, online_pin, ec_limit, cl_floor_limit, cl_txn_limit, cl_cvm_limit
} other other);

same_fields!(TmsTerminalParams, TerminalParams {
    app_type, receive_timeout, dial_retries, host_phone1, host_phone2, host_phone3, host_phone4, tip_enabled,
    tip_percent, manual_entry, auto_sign_off, merchant_name, resend_count, offline_upload, key_index, txn_switches,
    unparsed
} other other);

same_fields!(TmsDialStats, DialStats { hours, dials, success_percent } other);

#[uniffi::export]
pub fn tms_split_reply(field62: Vec<u8>) -> Result<TmsReply, PoscoreError> {
    let (c, body) = tms::split_reply(&field62)?;
    Ok(TmsReply { continuation: c.into(), body: body.to_vec() })
}

#[uniffi::export]
pub fn tms_query_request(start_index: u32) -> Result<Vec<u8>, PoscoreError> {
    Ok(tms::query_request(start_index)?)
}

#[uniffi::export]
pub fn tms_parse_capk_query(body: Vec<u8>) -> Result<Vec<TmsKeyRef>, PoscoreError> {
    Ok(tms::parse_capk_query(&body)?.into_iter().map(Into::into).collect())
}

#[uniffi::export]
pub fn tms_encode_capk_query(continuation: TmsContinuation, keys: Vec<TmsKeyRef>) -> Result<Vec<u8>, PoscoreError> {
    let keys: Vec<KeyRef> = keys.into_iter().map(Into::into).collect();
    Ok(tms::encode_capk_query(continuation.into(), &keys)?)
}

#[uniffi::export]
pub fn tms_capk_download_request(key: TmsKeyRef) -> Result<Vec<u8>, PoscoreError> {
    Ok(tms::capk_download_request(&key.into())?)
}

#[uniffi::export]
pub fn tms_parse_capk(entry: Vec<u8>) -> Result<TmsCapk, PoscoreError> {
    Ok(Capk::parse(&entry)?.into())
}

#[uniffi::export]
pub fn tms_new_capk(
    rid: String,
    index: u8,
    expiry: String,
    modulus: String,
    exponent: String,
) -> Result<TmsCapk, PoscoreError> {
    Ok(Capk::new(&rid, index, &expiry, &modulus, &exponent)?.into())
}

#[uniffi::export]
pub fn tms_capk_to_tlv(capk: TmsCapk) -> Result<Vec<u8>, PoscoreError> {
    Ok(Capk::from(capk).to_tlv()?)
}

#[uniffi::export]
pub fn tms_encode_capk_download(capk: Option<TmsCapk>) -> Result<Vec<u8>, PoscoreError> {
    Ok(tms::encode_capk_download(capk.map(Capk::from).as_ref())?)
}

#[uniffi::export]
pub fn tms_parse_aid_query(body: Vec<u8>) -> Result<Vec<String>, PoscoreError> {
    Ok(tms::parse_aid_query(&body)?)
}

#[uniffi::export]
pub fn tms_encode_aid_query(continuation: TmsContinuation, aids: Vec<String>) -> Result<Vec<u8>, PoscoreError> {
    Ok(tms::encode_aid_query(continuation.into(), &aids)?)
}

#[uniffi::export]
pub fn tms_aid_download_request(aid: String) -> Result<Vec<u8>, PoscoreError> {
    Ok(tms::aid_download_request(&aid)?)
}

#[uniffi::export]
pub fn tms_parse_aid(entry: Vec<u8>) -> Result<TmsAidParams, PoscoreError> {
    Ok(AidParams::parse(&entry)?.into())
}

#[uniffi::export]
pub fn tms_aid_to_tlv(params: TmsAidParams) -> Result<Vec<u8>, PoscoreError> {
    Ok(AidParams::from(params).to_tlv()?)
}

#[uniffi::export]
pub fn tms_encode_aid_download(params: Option<TmsAidParams>) -> Result<Vec<u8>, PoscoreError> {
    Ok(tms::encode_aid_download(params.map(AidParams::from).as_ref())?)
}

#[uniffi::export]
pub fn tms_parse_params(field62: Vec<u8>) -> Result<TmsTerminalParams, PoscoreError> {
    Ok(TerminalParams::parse(&field62)?.into())
}

#[uniffi::export]
pub fn tms_raw_param_items(field62: Vec<u8>) -> Result<Vec<TmsParamItem>, PoscoreError> {
    Ok(TerminalParams::raw_items(&field62)?.into_iter().map(|i| TmsParamItem { tag: i.tag, value: i.value }).collect())
}

#[uniffi::export]
pub fn tms_encode_params(params: TmsTerminalParams) -> Result<Vec<u8>, PoscoreError> {
    Ok(TerminalParams::from(params).encode()?)
}

#[uniffi::export(default(dial_stats = None))]
pub fn tms_status_upload_request(
    params: TmsTerminalParams,
    dial_stats: Option<TmsDialStats>,
) -> Result<Vec<u8>, PoscoreError> {
    Ok(tms::status_upload_request(&params.into(), dial_stats.map(DialStats::from).as_ref())?)
}

#[uniffi::export]
pub fn tms_parse_status_report(field62: Vec<u8>) -> Result<TmsStatusReport, PoscoreError> {
    let r: StatusReport = StatusReport::parse(&field62)?;
    Ok(TmsStatusReport { params: r.params.into(), dial_stats: r.dial_stats.map(Into::into) })
}

/// 60.3 of a step (`372`).
#[uniffi::export]
pub fn tms_step_nmi(step: TmsStep) -> String {
    Step::from(step).nmi().to_owned()
}

/// The request MTI of a step (`0820`).
#[uniffi::export]
pub fn tms_step_mti(step: TmsStep) -> String {
    Step::from(step).mti().as_str().to_owned()
}

/// The step a 60.3 value names.
#[uniffi::export]
pub fn tms_step_from_nmi(nmi: String) -> Option<TmsStep> {
    Step::from_nmi(&nmi).map(Into::into)
}
