//! `iso8583` and `tlv` modules for JS. A spec is named (`cup-pos`, `iso87ascii`, `iso87binary`)
//! or given as JSON text; messages cross as the CLI's JSON (`{"mti":"0200","fields":{"2":"..."}}`).

use poscore::iso8583::{self, FrameConfig, FrameDecoder, LengthHeader, Message, Mti, Spec, Tpdu};
use poscore::tlv;
use wasm_bindgen::prelude::*;

use crate::{js_error, to_json};

fn message(spec: &Spec, json: &str) -> Result<Message, JsValue> {
    Message::from_json_str(spec, json).map_err(js_error)
}

#[wasm_bindgen(js_name = iso8583Pack)]
pub fn pack(spec: &str, message_json: &str) -> Result<Vec<u8>, JsValue> {
    let spec = Spec::resolve(spec).map_err(js_error)?;
    message(&spec, message_json)?.pack(&spec).map_err(js_error)
}

#[wasm_bindgen(js_name = iso8583Unpack)]
pub fn unpack(spec: &str, bytes: &[u8]) -> Result<String, JsValue> {
    let spec = Spec::resolve(spec).map_err(js_error)?;
    to_json(&Message::unpack(&spec, bytes).map_err(js_error)?.to_json(&spec))
}

/// Field-by-field description with PAN/track masked and PIN block, cryptograms, keys, MAC redacted.
#[wasm_bindgen(js_name = iso8583Describe)]
pub fn describe(spec: &str, bytes: &[u8]) -> Result<String, JsValue> {
    iso8583::describe_bytes(spec, bytes).map_err(js_error)
}

/// The bytes a MAC is computed over (MTI through the field before the MAC field).
#[wasm_bindgen(js_name = iso8583MacBlock)]
pub fn mac_block(spec: &str, message_json: &str) -> Result<Vec<u8>, JsValue> {
    let spec = Spec::resolve(spec).map_err(js_error)?;
    message(&spec, message_json)?.mac_block(&spec).map_err(js_error)
}

/// `{mti, response, is_request, is_response, is_reversal, is_repeat}`.
#[wasm_bindgen(js_name = iso8583Mti)]
pub fn mti(mti: &str) -> Result<String, JsValue> {
    let m = Mti::new(mti).map_err(js_error)?;
    to_json(&serde_json::json!({
        "mti": m.to_string(),
        "response": m.response_mti().map(|r| r.to_string()),
        "is_request": m.is_request(),
        "is_response": m.is_response(),
        "is_reversal": m.is_reversal(),
        "is_repeat": m.is_repeat(),
    }))
}

fn frame_config(length: &str, tpdu: bool, header_len: usize, max_frame: usize) -> Result<FrameConfig, JsValue> {
    let length: LengthHeader = serde_json::from_value(serde_json::Value::String(length.to_owned()))
        .map_err(|e| js_sys::Error::new(&format!("frame length header: {e}")))?;
    Ok(FrameConfig { length, tpdu, header_len, max_frame })
}

/// Frame one message: length header, optional TPDU (hex, empty for none), header, message.
#[wasm_bindgen(js_name = frameEncode)]
pub fn frame_encode(length: &str, tpdu_hex: &str, header: &[u8], message: &[u8]) -> Result<Vec<u8>, JsValue> {
    let tpdu = if tpdu_hex.is_empty() {
        None
    } else {
        Some(Tpdu::parse(&iso8583::parse_hex(tpdu_hex).map_err(js_error)?).map_err(js_error)?)
    };
    let cfg = frame_config(length, tpdu.is_some(), header.len(), usize::MAX)?;
    cfg.encode(&iso8583::Frame { tpdu, header: header.to_vec(), message: message.to_vec() }).map_err(js_error)
}

/// Decode one whole frame to `{tpdu, header, message, response_tpdu}` (hex strings).
#[wasm_bindgen(js_name = frameDecode)]
pub fn frame_decode(
    length: &str,
    tpdu: bool,
    header_len: f64,
    max_frame: f64,
    bytes: &[u8],
) -> Result<String, JsValue> {
    let (header_len, max_frame) = (crate::count("headerLen", header_len)?, crate::count("maxFrame", max_frame)?);
    let f = frame_config(length, tpdu, header_len, max_frame)?.decode(bytes).map_err(js_error)?;
    to_json(&frame_json(&f))
}

fn frame_json(f: &iso8583::Frame) -> serde_json::Value {
    serde_json::json!({
        "tpdu": f.tpdu.map(|t| iso8583::to_hex(&t.to_bytes())),
        "response_tpdu": f.tpdu.map(|t| iso8583::to_hex(&t.response().to_bytes())),
        "header": iso8583::to_hex(&f.header),
        "message": iso8583::to_hex(&f.message),
    })
}

/// Streaming frame decoder: push TCP chunks of any size, take whole frames.
#[wasm_bindgen(js_name = FrameDecoder)]
#[derive(Debug)]
pub struct JsFrameDecoder(FrameDecoder);

#[wasm_bindgen(js_class = FrameDecoder)]
impl JsFrameDecoder {
    #[wasm_bindgen(constructor)]
    pub fn new(length: &str, tpdu: bool, header_len: f64, max_frame: f64) -> Result<JsFrameDecoder, JsValue> {
        let (header_len, max_frame) = (crate::count("headerLen", header_len)?, crate::count("maxFrame", max_frame)?);
        Ok(Self(FrameDecoder::new(frame_config(length, tpdu, header_len, max_frame)?)))
    }
    pub fn push(&mut self, chunk: &[u8]) {
        self.0.push(chunk);
    }
    /// The next whole frame as JSON, or undefined when more bytes are needed.
    #[wasm_bindgen(js_name = nextFrame)]
    pub fn next_frame(&mut self) -> Result<Option<String>, JsValue> {
        match self.0.next_frame().map_err(js_error)? {
            Some(f) => Ok(Some(to_json(&frame_json(&f))?)),
            None => Ok(None),
        }
    }
}

/// EMV BER-TLV objects as JSON (`[{tag, name, len, value | children}]`), unmasked or masked.
#[wasm_bindgen(js_name = tlvDecode)]
pub fn tlv_decode(bytes: &[u8], masked: bool) -> Result<String, JsValue> {
    to_json(&tlv::to_json(&tlv::decode(bytes).map_err(js_error)?, masked))
}
