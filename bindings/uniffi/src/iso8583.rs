//! `iso8583` and `tlv` modules for Kotlin (wrapped by `org.poscore.Iso8583` and `org.poscore.Tlv`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use poscore::iso8583::{self, LengthHeader, Message, Mti, Spec, Tpdu};
use poscore::tlv;

use crate::PoscoreError;

/// One field's value: text for character fields, bytes for binary ones.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum FieldValue {
    Text { value: String },
    Binary { value: Vec<u8> },
}

/// An ISO 8583 message: MTI and field number → value.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Iso8583Message {
    pub mti: String,
    pub fields: HashMap<i32, FieldValue>,
}

/// What an MTI says about itself.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MtiInfo {
    pub mti: String,
    pub response: Option<String>,
    pub is_request: bool,
    pub is_response: bool,
    pub is_reversal: bool,
    pub is_repeat: bool,
}

/// Frame layout.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FrameConfig {
    /// `binary2`, `bcd2` or `ascii4`.
    pub length: String,
    pub tpdu: bool,
    pub header_len: u32,
    pub max_frame: u32,
}

/// One decoded frame.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DecodedFrame {
    pub tpdu: Option<Vec<u8>>,
    /// The TPDU with source and destination swapped, as the host answers.
    pub response_tpdu: Option<Vec<u8>>,
    pub header: Vec<u8>,
    pub message: Vec<u8>,
}

/// One TLV object, flattened: `path` is the tags from the outermost template down (`70/9F26`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TlvObject {
    pub path: String,
    pub tag: String,
    pub name: Option<String>,
    pub len: u32,
    /// Uppercase hex value; None for constructed objects (their children follow).
    pub value: Option<String>,
}

fn bad_field(n: i32) -> PoscoreError {
    PoscoreError::Iso8583 {
        code: "iso8583.bad_field".into(),
        detail: format!("field {n} is not 2-128"),
        field: None,
        offset: None,
    }
}

fn to_core(spec: &Spec, m: &Iso8583Message) -> Result<Message, PoscoreError> {
    let mut values = BTreeMap::new();
    for (&n, v) in &m.fields {
        let n8 = u8::try_from(n).map_err(|_| bad_field(n))?;
        values.insert(
            n8,
            match v {
                FieldValue::Text { value } => iso8583::FieldValue::Text(value.clone()),
                FieldValue::Binary { value } => iso8583::FieldValue::Binary(value.clone()),
            },
        );
    }
    let msg = Message::from_values(Mti::new(&m.mti)?, &values)?;
    // Validate against the spec now so errors name the field.
    msg.pack(spec)?;
    Ok(msg)
}

#[uniffi::export]
pub fn iso8583_pack(spec: String, message: Iso8583Message) -> Result<Vec<u8>, PoscoreError> {
    let spec = Spec::resolve(&spec)?;
    Ok(to_core(&spec, &message)?.pack(&spec)?)
}

#[uniffi::export]
pub fn iso8583_unpack(spec: String, bytes: Vec<u8>) -> Result<Iso8583Message, PoscoreError> {
    iso8583_unpack_with(&*Spec::resolve(&spec)?, &bytes)
}

#[uniffi::export]
pub fn iso8583_describe(spec: String, bytes: Vec<u8>) -> Result<String, PoscoreError> {
    Ok(iso8583::describe_bytes(&spec, &bytes)?)
}

#[uniffi::export]
pub fn iso8583_mac_block(spec: String, message: Iso8583Message) -> Result<Vec<u8>, PoscoreError> {
    let spec = Spec::resolve(&spec)?;
    Ok(to_core(&spec, &message)?.mac_block(&spec)?)
}

#[uniffi::export]
pub fn iso8583_mti_info(mti: String) -> Result<MtiInfo, PoscoreError> {
    let m = Mti::new(&mti)?;
    Ok(MtiInfo {
        mti: m.to_string(),
        response: m.response_mti().map(|r| r.to_string()),
        is_request: m.is_request(),
        is_response: m.is_response(),
        is_reversal: m.is_reversal(),
        is_repeat: m.is_repeat(),
    })
}

fn core_config(c: &FrameConfig) -> Result<iso8583::FrameConfig, PoscoreError> {
    let length: LengthHeader = serde_json::from_value(serde_json::Value::String(c.length.clone())).map_err(|e| {
        PoscoreError::Iso8583 { code: "iso8583.bad_frame".into(), detail: e.to_string(), field: None, offset: None }
    })?;
    Ok(iso8583::FrameConfig {
        length,
        tpdu: c.tpdu,
        header_len: c.header_len as usize,
        max_frame: c.max_frame as usize,
    })
}

fn decoded(f: iso8583::Frame) -> DecodedFrame {
    DecodedFrame {
        tpdu: f.tpdu.map(|t| t.to_bytes().to_vec()),
        response_tpdu: f.tpdu.map(|t| t.response().to_bytes().to_vec()),
        header: f.header,
        message: f.message,
    }
}

/// Frame one message: length header, optional TPDU, header, message.
#[uniffi::export]
pub fn frame_encode(
    length: String,
    tpdu: Option<Vec<u8>>,
    header: Vec<u8>,
    message: Vec<u8>,
) -> Result<Vec<u8>, PoscoreError> {
    let tpdu = tpdu.map(|t| Tpdu::parse(&t)).transpose()?;
    let cfg = core_config(&FrameConfig {
        length,
        tpdu: tpdu.is_some(),
        header_len: header.len() as u32,
        max_frame: u32::MAX,
    })?;
    Ok(cfg.encode(&iso8583::Frame { tpdu, header, message })?)
}

/// Decode one whole frame.
#[uniffi::export]
pub fn frame_decode(config: FrameConfig, bytes: Vec<u8>) -> Result<DecodedFrame, PoscoreError> {
    Ok(decoded(core_config(&config)?.decode(&bytes)?))
}

/// Streaming frame decoder: push socket chunks of any size, take whole frames.
#[derive(Debug, uniffi::Object)]
pub struct FrameDecoder(Mutex<iso8583::FrameDecoder>);

#[uniffi::export]
impl FrameDecoder {
    #[uniffi::constructor]
    pub fn new(config: FrameConfig) -> Result<Arc<Self>, PoscoreError> {
        Ok(Arc::new(Self(Mutex::new(iso8583::FrameDecoder::new(core_config(&config)?)))))
    }

    pub fn push(&self, chunk: Vec<u8>) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(&chunk);
    }

    /// The next whole frame, or null when more bytes are needed.
    pub fn next_frame(&self) -> Result<Option<DecodedFrame>, PoscoreError> {
        Ok(self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).next_frame()?.map(decoded))
    }
}

/// EMV BER-TLV objects, flattened in order (a template, then its children).
#[uniffi::export]
pub fn tlv_decode(bytes: Vec<u8>, masked: bool) -> Result<Vec<TlvObject>, PoscoreError> {
    fn flatten(items: Vec<tlv::TlvJson>, prefix: &str, out: &mut Vec<TlvObject>) {
        for t in items {
            let path = if prefix.is_empty() { t.tag.clone() } else { format!("{prefix}/{}", t.tag) };
            out.push(TlvObject { path: path.clone(), tag: t.tag, name: t.name, len: t.len as u32, value: t.value });
            if let Some(children) = t.children {
                flatten(children, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    flatten(tlv::to_json(&tlv::decode(&bytes)?, masked), "", &mut out);
    Ok(out)
}

/// A message from the CLI's JSON (`{"mti":"0200","fields":{"2":"...","55":"HEX"}}`).
#[uniffi::export]
pub fn iso8583_message_from_json(spec: String, json: String) -> Result<Iso8583Message, PoscoreError> {
    let spec = Spec::resolve(&spec)?;
    let m = Message::from_json_str(&spec, &json)?;
    let packed = m.pack(&spec)?;
    iso8583_unpack_with(&spec, &packed)
}

/// The CLI's JSON for a message (binary fields as uppercase hex).
#[uniffi::export]
pub fn iso8583_message_to_json(spec: String, message: Iso8583Message) -> Result<String, PoscoreError> {
    let spec = Spec::resolve(&spec)?;
    let m = to_core(&spec, &message)?;
    Ok(serde_json::to_string(&m.to_json(&spec)).unwrap_or_default())
}

fn iso8583_unpack_with(spec: &Spec, bytes: &[u8]) -> Result<Iso8583Message, PoscoreError> {
    let m = Message::unpack(spec, bytes)?;
    let fields = m
        .values(spec)
        .into_iter()
        .map(|(n, v)| {
            let v = match v {
                iso8583::FieldValue::Text(value) => FieldValue::Text { value },
                iso8583::FieldValue::Binary(value) => FieldValue::Binary { value },
            };
            (i32::from(n), v)
        })
        .collect();
    Ok(Iso8583Message { mti: m.mti().to_string(), fields })
}
