//! [`Message`] (owned), [`MessageRef`] (borrowing, zero-copy where the spec allows), [`Mti`], and
//! the JSON form shared by the CLI, the vectors and the JS/Kotlin surfaces.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use super::ascii_tlv;
use super::bitmap::Bitmap;
use super::codec::{self, hex_decode, hex_upper, take};
use super::spec::{Content, MtiEncoding, Spec, Subfields};
use super::Iso8583Error;

type Result<T> = core::result::Result<T, Iso8583Error>;

/// Message type indicator: four digits, version / class / function / origin (ISO 8583 §4.1.1).
/// Unknown values round-trip; named constants cover what a terminal sends.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mti([u8; 4]);

impl Mti {
    /// 0100 authorization request (pre-authorization).
    pub const AUTHORIZATION_REQUEST: Mti = Mti(*b"0100");
    /// 0200 financial request (sale, void, balance inquiry).
    pub const FINANCIAL_REQUEST: Mti = Mti(*b"0200");
    /// 0220 financial advice (UnionPay refund, offline sale).
    pub const FINANCIAL_ADVICE: Mti = Mti(*b"0220");
    /// 0320 batch upload (UnionPay 批上送).
    pub const BATCH_UPLOAD: Mti = Mti(*b"0320");
    /// 0400 reversal request (冲正).
    pub const REVERSAL_REQUEST: Mti = Mti(*b"0400");
    /// 0420 reversal advice.
    pub const REVERSAL_ADVICE: Mti = Mti(*b"0420");
    /// 0500 reconciliation (settlement, 结算).
    pub const RECONCILIATION_REQUEST: Mti = Mti(*b"0500");
    /// 0620 administrative advice (UnionPay script advice).
    pub const ADMINISTRATIVE_ADVICE: Mti = Mti(*b"0620");
    /// 0800 network management (sign-on 签到, echo test).
    pub const NETWORK_MANAGEMENT_REQUEST: Mti = Mti(*b"0800");
    /// 0820 network management advice (sign-off).
    pub const NETWORK_MANAGEMENT_ADVICE: Mti = Mti(*b"0820");

    /// Parse four ASCII digits.
    pub fn new(text: &str) -> Result<Self> {
        match <[u8; 4]>::try_from(text.as_bytes()) {
            Ok(digits) if digits.iter().all(u8::is_ascii_digit) => Ok(Self(digits)),
            _ => Err(Iso8583Error::BadMti { found: text.to_owned(), offset: None }),
        }
    }

    /// The four digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("????")
    }

    fn digit(self, i: usize) -> u8 {
        self.0[i] - b'0'
    }

    /// Version digit (0 = 1987, 1 = 1993, 2 = 2003).
    pub fn version(self) -> u8 {
        self.digit(0)
    }
    /// Class digit (1 authorization, 2 financial, 4 reversal, 5 reconciliation, 8 network...).
    pub fn class(self) -> u8 {
        self.digit(1)
    }
    /// Function digit (0 request, 1 request response, 2 advice, 3 advice response...).
    pub fn function(self) -> u8 {
        self.digit(2)
    }
    /// Origin digit (0 acquirer, 1 acquirer repeat, 2 issuer, 3 issuer repeat...).
    pub fn origin(self) -> u8 {
        self.digit(3)
    }

    /// A message that expects (or is) an answer to nothing: request, advice, notification.
    pub fn is_request(self) -> bool {
        self.function().is_multiple_of(2)
    }
    /// A response to a request or advice.
    pub fn is_response(self) -> bool {
        !self.is_request()
    }
    /// Reversal class (04xx).
    pub fn is_reversal(self) -> bool {
        self.class() == 4
    }
    /// A repeat (retransmission) of an earlier message: odd origin digit (0201, 0401...).
    pub fn is_repeat(self) -> bool {
        self.origin() % 2 == 1
    }

    /// The MTI of the answer to this message (0200 → 0210, 0401 → 0410); `None` for responses.
    pub fn response_mti(self) -> Option<Mti> {
        if !self.is_request() {
            return None;
        }
        let mut d = self.0;
        d[2] += 1;
        d[3] -= (d[3] - b'0') % 2;
        Some(Mti(d))
    }

    /// The repeat form of this message (0400 → 0401); `None` when already a repeat or at 9.
    pub fn repeat(self) -> Option<Mti> {
        if self.is_repeat() || self.origin() == 9 {
            return None;
        }
        let mut d = self.0;
        d[3] += 1;
        Some(Mti(d))
    }
}

impl fmt::Debug for Mti {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mti({})", self.as_str())
    }
}

impl fmt::Display for Mti {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Mti {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Mti {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Mti::new(&s).map_err(serde::de::Error::custom)
    }
}

/// The JSON form of a message: `{"mti": "0200", "fields": {"2": "...", "52": "0123ABCD..."}}`.
/// Field values are strings; binary (`b`) fields are uppercase hex. The CLI, the shared vectors
/// and the JS/Kotlin surfaces all use exactly this shape.
///
/// `Debug` shows field numbers and lengths only (the values hold PANs, PIN blocks, keys).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageJson {
    /// Four-digit MTI.
    pub mti: String,
    /// Field number → value.
    pub fields: BTreeMap<u8, String>,
}

/// A field value typed by its spec row: text for character fields, bytes for binary (`b`)
/// fields. The Kotlin surface's `Map<Int, FieldValue>` maps onto this.
///
/// `Debug` shows the kind and length only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldValue {
    /// Character content (n, a, an, ans, ns, z, x+n).
    Text(String),
    /// Binary content.
    Binary(Vec<u8>),
}

impl fmt::Debug for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(t) => write!(f, "Text(<{} chars>)", t.len()),
            Self::Binary(b) => write!(f, "Binary(<{} bytes>)", b.len()),
        }
    }
}

impl fmt::Debug for MessageJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageJson")
            .field("mti", &self.mti)
            .field("fields", &format_args!("{:?}", self.fields.iter().map(|(k, v)| (k, v.len())).collect::<Vec<_>>()))
            .finish()
    }
}

/// Fields by number, kept sorted: a flat vector beats a tree for the 10-30 fields of a message
/// (one allocation instead of several nodes, and unpack appends in ascending order).
#[derive(Clone, PartialEq, Eq, Default)]
struct FieldMap(Vec<(u8, Vec<u8>)>);

impl FieldMap {
    fn find(&self, k: u8) -> core::result::Result<usize, usize> {
        self.0.binary_search_by_key(&k, |e| e.0)
    }
    fn insert(&mut self, k: u8, v: Vec<u8>) -> Option<Vec<u8>> {
        match self.find(k) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, v)),
            Err(i) => {
                self.0.insert(i, (k, v));
                None
            }
        }
    }
    /// Append a field known to be above every present one (unpack order), else insert.
    fn push_ascending(&mut self, k: u8, v: Vec<u8>) {
        if self.0.last().is_none_or(|e| e.0 < k) {
            self.0.push((k, v));
        } else {
            self.insert(k, v);
        }
    }
    fn get(&self, k: u8) -> Option<&Vec<u8>> {
        self.find(k).ok().map(|i| &self.0[i].1)
    }
    fn contains_key(&self, k: u8) -> bool {
        self.find(k).is_ok()
    }
    fn remove(&mut self, k: u8) -> Option<Vec<u8>> {
        self.find(k).ok().map(|i| self.0.remove(i).1)
    }
    fn iter(&self) -> impl Iterator<Item = (&u8, &Vec<u8>)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
    fn keys(&self) -> impl Iterator<Item = &u8> {
        self.0.iter().map(|e| &e.0)
    }
    fn values(&self) -> impl Iterator<Item = &Vec<u8>> {
        self.0.iter().map(|e| &e.1)
    }
    fn values_mut(&mut self) -> impl Iterator<Item = &mut Vec<u8>> {
        self.0.iter_mut().map(|e| &mut e.1)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// An ISO 8583 message: an MTI and fields 2-128 by number, each held as its value (the text of
/// character fields, the bytes of binary fields), independent of any wire encoding.
///
/// `Debug` shows field numbers and lengths only; values are wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    mti: Mti,
    fields: FieldMap,
}

impl Drop for Message {
    fn drop(&mut self) {
        for v in self.fields.values_mut() {
            v.zeroize();
        }
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Message");
        d.field("mti", &self.mti);
        d.field("fields", &format_args!("{:?}", self.fields.iter().map(|(k, v)| (k, v.len())).collect::<Vec<_>>()));
        d.finish()
    }
}

fn check_number(field: u8) -> Result<()> {
    if (2..=128).contains(&field) {
        Ok(())
    } else {
        Err(Iso8583Error::UnknownField { field, spec: "ISO 8583 (data fields are 2-128)".into(), offset: None })
    }
}

impl Message {
    /// An empty message of type `mti`.
    pub fn new(mti: Mti) -> Self {
        Self { mti, fields: FieldMap::default() }
    }

    /// The message type.
    pub fn mti(&self) -> Mti {
        self.mti
    }

    /// Change the message type (e.g. when building a response from a request).
    pub fn set_mti(&mut self, mti: Mti) {
        self.mti = mti;
    }

    /// Set a character field. The content is checked against the spec when packing.
    pub fn set_str(&mut self, field: u8, value: &str) -> Result<&mut Self> {
        self.set_bytes(field, value.as_bytes())
    }

    /// Set a field to raw bytes (binary fields), or to the ASCII bytes of a character field.
    pub fn set_bytes(&mut self, field: u8, value: impl Into<Vec<u8>>) -> Result<&mut Self> {
        check_number(field)?;
        if let Some(mut old) = self.fields.insert(field, value.into()) {
            old.zeroize();
        }
        Ok(self)
    }

    /// A field's value as text; `None` when absent or not UTF-8 (binary fields: use
    /// [`Message::get_bytes`]).
    pub fn get_str(&self, field: u8) -> Option<&str> {
        self.fields.get(field).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// A field's value as bytes.
    pub fn get_bytes(&self, field: u8) -> Option<&[u8]> {
        self.fields.get(field).map(Vec::as_slice)
    }

    /// Whether a field is present.
    pub fn has(&self, field: u8) -> bool {
        self.fields.contains_key(field)
    }

    /// Remove a field, returning its value.
    pub fn remove(&mut self, field: u8) -> Option<Vec<u8>> {
        self.fields.remove(field)
    }

    /// Present fields in ascending order.
    pub fn fields(&self) -> impl Iterator<Item = (u8, &[u8])> {
        self.fields.iter().map(|(&k, v)| (k, v.as_slice()))
    }

    /// Number of fields present.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether no field is present.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Positional subfield `id` of a composite field (UnionPay 60.1, 60.2...), when the spec
    /// defines it and the value is long enough to hold it.
    pub fn subfield(&self, spec: &Spec, field: u8, id: u8) -> Option<&str> {
        let v = self.get_str(field)?;
        let Some(Subfields::Composite { parts }) = spec.field(field)?.subfields.as_ref() else { return None };
        let mut start = 0;
        for p in parts {
            if p.id == id {
                return v.get(start..(start + p.len).min(v.len())).filter(|s| !s.is_empty());
            }
            start += p.len;
        }
        None
    }

    /// A subfield by path, for any structured field: a composite part by number (`"2"` for 60.2)
    /// or an ASCII TLV entry by tag (`"A2"`) or nested tag (`"A2.01"`, UnionPay 59.A2.01). `None`
    /// when the field is absent, the path names nothing, or the field's text does not decode (use
    /// [`Message::ascii_tlv`] to see why).
    pub fn subfield_path(&self, spec: &Spec, field: u8, path: &str) -> Option<&str> {
        match spec.field(field)?.subfields.as_ref()? {
            Subfields::Composite { .. } => self.subfield(spec, field, path.parse().ok()?),
            Subfields::AsciiTlv { .. } => {
                let entries = self.ascii_tlv(spec, field).ok()??;
                ascii_tlv::find(&entries, path).map(|e| e.value)
            }
            Subfields::Tlv {} => None,
        }
    }

    /// The ASCII TLV entries of `field` (UnionPay 59), decoded as its spec row's `ascii_tlv`
    /// subfields say: `Ok(None)` when the field is absent, an error naming the field and the
    /// offset in its text when the text is malformed (see [`ascii_tlv::decode`]).
    pub fn ascii_tlv(&self, spec: &Spec, field: u8) -> Result<Option<Vec<ascii_tlv::Entry<'_>>>> {
        let row = spec.field(field).ok_or_else(|| Iso8583Error::UnknownField {
            field,
            spec: spec.name.clone(),
            offset: None,
        })?;
        let Some(Subfields::AsciiTlv { len_digits, nested, .. }) = &row.subfields else {
            return Err(Iso8583Error::BadSpec {
                field: Some(field),
                reason: "the field has no ascii_tlv subfields".into(),
            });
        };
        let Some(bytes) = self.get_bytes(field) else { return Ok(None) };
        let text = std::str::from_utf8(bytes).map_err(|e| Iso8583Error::AsciiTlvBadChar {
            field: Some(field),
            tag: String::new(),
            offset: e.valid_up_to(),
            found: format!("0x{:02X}", bytes.get(e.valid_up_to()).copied().unwrap_or_default()),
        })?;
        let nested: Vec<&str> = nested.iter().map(String::as_str).collect();
        ascii_tlv::decode_in(text, *len_digits, &nested, Some(field)).map(Some)
    }

    /// Pack with `spec`: MTI, bitmap(s), then each field.
    pub fn pack(&self, spec: &Spec) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.size_hint());
        self.pack_into(spec, &mut out)?;
        Ok(out)
    }

    /// Pack, appending to `out` (lets a host reuse one buffer).
    pub fn pack_into(&self, spec: &Spec, out: &mut Vec<u8>) -> Result<()> {
        self.pack_until(spec, out, None).map(|_| ())
    }

    fn size_hint(&self) -> usize {
        36 + self.fields.values().map(|v| 4 + 2 * v.len()).sum::<usize>()
    }

    /// Pack, returning the offset in `out` where field `stop` starts (when present).
    fn pack_until(&self, spec: &Spec, out: &mut Vec<u8>, stop: Option<u8>) -> Result<Option<usize>> {
        let base = out.len();
        write_mti(spec.mti, self.mti, out);
        let mut bm = Bitmap::default();
        for &n in self.fields.keys() {
            bm.set(n);
        }
        bm.encode(spec.bitmap, out);
        let mut at = None;
        for (&n, v) in self.fields.iter() {
            let f = spec.field(n).ok_or_else(|| Iso8583Error::UnknownField {
                field: n,
                spec: spec.name.clone(),
                offset: None,
            })?;
            if Some(n) == stop {
                at = Some(out.len() - base);
            }
            codec::encode_field(out, n, f, v)?;
        }
        Ok(at)
    }

    /// Unpack a message (MTI first; framing already removed). Never panics; see
    /// [`MessageRef::unpack`] for a borrowing form that copies nothing for ASCII and binary fields.
    pub fn unpack(spec: &Spec, input: &[u8]) -> Result<Self> {
        let mut fields = FieldMap::default();
        let mti = unpack_with(spec, input, &mut fields)?;
        Ok(Self { mti, fields })
    }

    /// The MAC field for this message under `spec`: 128 when a secondary bitmap is needed,
    /// otherwise the spec's MAC field (64).
    pub fn mac_field(&self, spec: &Spec) -> Result<u8> {
        let m = spec.mac.as_ref().ok_or(Iso8583Error::NoMac { reason: "the spec defines no MAC" })?;
        let secondary = self.fields.keys().any(|&k| k > 64);
        Ok(if secondary || m.field == 128 { 128 } else { 64 })
    }

    /// The MAC block (MAB): the packed message from the MTI up to, not including, the MAC field,
    /// with the MAC field's bitmap bit set. The `mac` module computes the MAC over these bytes
    /// with the spec's `mac.algorithm`; the caller then sets the MAC field and packs.
    pub fn mac_block(&self, spec: &Spec) -> Result<Vec<u8>> {
        let field = self.mac_field(spec)?;
        let f = spec.field(field).ok_or(Iso8583Error::NoMac { reason: "the spec does not define the MAC field" })?;
        let mut m = self.clone();
        if !m.has(field) {
            m.fields.insert(field, vec![0; codec::fixed_units(f)]);
        }
        let mut out = Vec::with_capacity(m.size_hint());
        let at = m.pack_until(spec, &mut out, Some(field))?.unwrap_or(out.len());
        out.truncate(at);
        Ok(out)
    }

    /// The JSON form under `spec` (binary fields as uppercase hex).
    pub fn to_json(&self, spec: &Spec) -> MessageJson {
        MessageJson {
            mti: self.mti.to_string(),
            fields: self.fields().map(|(n, v)| (n, value_json(spec, n, v))).collect(),
        }
    }

    /// Build from the JSON form under `spec` (binary fields given as hex, either case).
    pub fn from_json(spec: &Spec, json: &MessageJson) -> Result<Self> {
        let mti = Mti::new(&json.mti)?;
        let mut m = Self::new(mti);
        for (&n, v) in &json.fields {
            check_number(n)?;
            let f = spec.field(n).ok_or_else(|| Iso8583Error::UnknownField {
                field: n,
                spec: spec.name.clone(),
                offset: None,
            })?;
            if f.content == Content::B {
                let bytes = hex_decode(v.as_bytes())
                    .ok_or_else(|| Iso8583Error::BadJson { reason: format!("field {n}: {v:?} is not hex") })?;
                m.fields.insert(n, bytes);
            } else {
                m.fields.insert(n, v.as_bytes().to_vec());
            }
        }
        Ok(m)
    }

    /// Fields typed by `spec` (text or bytes), by number.
    pub fn values(&self, spec: &Spec) -> BTreeMap<u8, FieldValue> {
        self.fields()
            .map(|(n, v)| {
                let value = match spec.field(n) {
                    Some(f) if f.content != Content::B => FieldValue::Text(String::from_utf8_lossy(v).into_owned()),
                    _ => FieldValue::Binary(v.to_vec()),
                };
                (n, value)
            })
            .collect()
    }

    /// Build from typed values (the inverse of [`Message::values`]); content is checked when packing.
    pub fn from_values(mti: Mti, values: &BTreeMap<u8, FieldValue>) -> Result<Self> {
        let mut m = Self::new(mti);
        for (&n, v) in values {
            match v {
                FieldValue::Text(t) => m.set_str(n, t)?,
                FieldValue::Binary(b) => m.set_bytes(n, b.clone())?,
            };
        }
        Ok(m)
    }

    /// Parse the JSON text form.
    pub fn from_json_str(spec: &Spec, json: &str) -> Result<Self> {
        let j: MessageJson = serde_json::from_str(json).map_err(|e| Iso8583Error::BadJson { reason: e.to_string() })?;
        Self::from_json(spec, &j)
    }
}

fn value_json(spec: &Spec, n: u8, v: &[u8]) -> String {
    match spec.field(n) {
        Some(f) if f.content != Content::B => String::from_utf8_lossy(v).into_owned(),
        _ => hex_upper(v),
    }
}

fn write_mti(enc: MtiEncoding, mti: Mti, out: &mut Vec<u8>) {
    let d = mti.0;
    match enc {
        MtiEncoding::Ascii => out.extend_from_slice(&d),
        MtiEncoding::Ebcdic => out.extend(d.iter().map(|c| c - b'0' + 0xf0)),
        MtiEncoding::Bcd => {
            out.push((d[0] - b'0') << 4 | (d[1] - b'0'));
            out.push((d[2] - b'0') << 4 | (d[3] - b'0'));
        }
    }
}

fn read_mti(enc: MtiEncoding, input: &[u8], pos: &mut usize) -> Result<Mti> {
    let bad = |found: String| Iso8583Error::BadMti { found, offset: Some(0) };
    match enc {
        MtiEncoding::Ascii => {
            let b = take(input, pos, 4, 0, "the MTI")?;
            if b.iter().all(u8::is_ascii_digit) {
                Ok(Mti([b[0], b[1], b[2], b[3]]))
            } else {
                Err(bad(String::from_utf8_lossy(b).into_owned()))
            }
        }
        MtiEncoding::Ebcdic => {
            let b = take(input, pos, 4, 0, "the MTI")?;
            if b.iter().all(|c| (0xf0..=0xf9).contains(c)) {
                Ok(Mti([b[0] - 0xc0, b[1] - 0xc0, b[2] - 0xc0, b[3] - 0xc0]))
            } else {
                Err(bad(hex_upper(b)))
            }
        }
        MtiEncoding::Bcd => {
            let b = take(input, pos, 2, 0, "the MTI")?;
            let n = [b[0] >> 4, b[0] & 0xf, b[1] >> 4, b[1] & 0xf];
            if n.iter().all(|&x| x <= 9) {
                Ok(Mti(n.map(|x| x + b'0')))
            } else {
                Err(bad(hex_upper(b)))
            }
        }
    }
}

/// Where [`unpack_with`] puts what it decodes.
trait Sink<'a> {
    /// Called once the bitmap says how many fields follow.
    fn reserve(&mut self, count: usize);
    /// One decoded field: number, offset of its prefix, bytes on the wire, value.
    fn field(&mut self, n: u8, offset: usize, wire_len: usize, value: Cow<'a, [u8]>);
}

impl<'a> Sink<'a> for FieldMap {
    fn reserve(&mut self, count: usize) {
        self.0.reserve_exact(count);
    }
    fn field(&mut self, n: u8, _: usize, _: usize, value: Cow<'a, [u8]>) {
        self.push_ascending(n, value.into_owned());
    }
}

impl<'a> Sink<'a> for Vec<FieldRef<'a>> {
    fn reserve(&mut self, count: usize) {
        self.reserve_exact(count);
    }
    fn field(&mut self, field: u8, offset: usize, wire_len: usize, value: Cow<'a, [u8]>) {
        self.push(FieldRef { field, offset, wire_len, value });
    }
}

/// Decode MTI, bitmaps and fields, handing each field to `sink(number, offset, wire_len, value)`.
fn unpack_with<'a>(spec: &Spec, input: &'a [u8], sink: &mut impl Sink<'a>) -> Result<Mti> {
    let mut pos = 0;
    let mti = read_mti(spec.mti, input, &mut pos)?;
    let bm_off = pos;
    let bm = Bitmap::decode(input, &mut pos, spec.bitmap)?;
    // At most 127 entries, and only once the bitmap has been read: bounded by the input.
    sink.reserve(bm.fields().count());
    for n in bm.fields() {
        let Some(f) = spec.field(n) else {
            return Err(Iso8583Error::UnknownField { field: n, spec: spec.name.clone(), offset: Some(bm_off) });
        };
        let start = pos;
        let v = codec::decode_field(input, &mut pos, n, f)?;
        sink.field(n, start, pos - start, v);
    }
    if pos != input.len() {
        return Err(Iso8583Error::TrailingData { offset: pos, count: input.len() - pos });
    }
    Ok(mti)
}

/// One field of a [`MessageRef`]: its value (borrowed from the input when the wire form is the
/// value itself) and where it sat on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct FieldRef<'a> {
    /// Field number.
    pub field: u8,
    /// Offset of the field (its length prefix, if any) in the input.
    pub offset: usize,
    /// Bytes the field took on the wire, prefix included.
    pub wire_len: usize,
    /// The value.
    pub value: Cow<'a, [u8]>,
}

impl fmt::Debug for FieldRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldRef({} at {}, {} bytes)", self.field, self.offset, self.wire_len)
    }
}

/// A message unpacked without copying: ASCII and binary field values borrow from the input.
/// Also records each field's offset, which is what verifying a received MAC needs.
#[derive(Clone, PartialEq, Eq)]
pub struct MessageRef<'a> {
    input: &'a [u8],
    mti: Mti,
    fields: Vec<FieldRef<'a>>,
}

impl fmt::Debug for MessageRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageRef").field("mti", &self.mti).field("fields", &self.fields).finish()
    }
}

impl<'a> MessageRef<'a> {
    /// Unpack `input` under `spec`, borrowing where possible.
    pub fn unpack(spec: &Spec, input: &'a [u8]) -> Result<Self> {
        let mut fields = Vec::new();
        let mti = unpack_with(spec, input, &mut fields)?;
        Ok(Self { input, mti, fields })
    }

    /// The message type.
    pub fn mti(&self) -> Mti {
        self.mti
    }

    /// The fields in wire order.
    pub fn fields(&self) -> &[FieldRef<'a>] {
        &self.fields
    }

    /// A field's value.
    pub fn get(&self, field: u8) -> Option<&[u8]> {
        self.fields.iter().find(|f| f.field == field).map(|f| &*f.value)
    }

    /// A field's value as text.
    pub fn get_str(&self, field: u8) -> Option<&str> {
        self.get(field).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// An owned copy.
    pub fn to_message(&self) -> Message {
        Message {
            mti: self.mti,
            fields: FieldMap(self.fields.iter().map(|f| (f.field, f.value.clone().into_owned())).collect()),
        }
    }

    /// The received MAC block: the input from the MTI up to the MAC field (64, or 128 with a
    /// secondary bitmap), exactly as it arrived, for verifying the MAC the host sent.
    pub fn mac_block(&self, spec: &Spec) -> Result<&'a [u8]> {
        if spec.mac.is_none() {
            return Err(Iso8583Error::NoMac { reason: "the spec defines no MAC" });
        }
        let secondary = self.fields.iter().any(|f| f.field > 64);
        let mac_field = if secondary { 128 } else { 64 };
        let f = self
            .fields
            .iter()
            .find(|f| f.field == mac_field)
            .ok_or(Iso8583Error::NoMac { reason: "the message carries no MAC field" })?;
        Ok(&self.input[..f.offset])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mti_helpers() {
        let m = Mti::REVERSAL_REQUEST;
        assert!(m.is_reversal() && m.is_request() && !m.is_repeat());
        assert_eq!(m.repeat(), Some(Mti::new("0401").unwrap()));
        assert_eq!(Mti::new("0401").unwrap().response_mti(), Some(Mti::new("0410").unwrap()));
        assert_eq!(Mti::new("0210").unwrap().response_mti(), None);
        assert!(Mti::new("02A0").is_err() && Mti::new("020").is_err());
    }

    #[test]
    fn setters_getters_and_debug_hide_values() {
        let mut m = Message::new(Mti::FINANCIAL_REQUEST);
        m.set_str(2, "6212345678901232").unwrap().set_bytes(52, vec![1, 2, 3]).unwrap();
        assert_eq!(m.get_str(2), Some("6212345678901232"));
        assert_eq!(m.get_bytes(52), Some(&[1u8, 2, 3][..]));
        assert!(m.set_str(1, "x").is_err() && m.set_str(129, "x").is_err() && m.set_str(0, "x").is_err());
        let dbg = format!("{m:?}");
        assert!(!dbg.contains("6212345678901232"), "{dbg}");
        assert_eq!(m.remove(52), Some(vec![1, 2, 3]));
        assert_eq!(m.fields().map(|(n, _)| n).collect::<Vec<_>>(), vec![2]);
    }

    #[test]
    fn subfields_of_field_60() {
        let spec = Spec::bundled("cup-pos").unwrap();
        let mut m = Message::new(Mti::FINANCIAL_REQUEST);
        m.set_str(60, "22000123").unwrap();
        assert_eq!(m.subfield(spec, 60, 1), Some("22"));
        assert_eq!(m.subfield(spec, 60, 2), Some("000123"));
        assert_eq!(m.subfield(spec, 60, 3), None);
    }

    #[test]
    fn field_59_ascii_tlv_by_path_and_in_describe() {
        let spec = Spec::bundled("cup-pos").unwrap();
        let mut m = Message::new(Mti::FINANCIAL_REQUEST);
        assert_eq!(m.ascii_tlv(spec, 59).unwrap(), None);
        assert_eq!(m.subfield_path(spec, 59, "A2"), None);
        m.set_str(59, "A2033010020202008SN00000105008V1.0    A30196212345678901234567").unwrap();
        m.set_str(60, "22000123").unwrap();
        assert_eq!(m.subfield_path(spec, 59, "A2.02"), Some("SN000001"));
        assert_eq!(m.subfield_path(spec, 59, "A3"), Some("6212345678901234567"));
        assert_eq!(m.subfield_path(spec, 59, "A2.09"), None);
        assert_eq!(m.subfield_path(spec, 60, "2"), Some("000123"));
        assert_eq!(m.subfield_path(spec, 60, "x"), None);
        assert_eq!(m.ascii_tlv(spec, 59).unwrap().unwrap()[1].tag, "A3");
        let d = m.describe(spec);
        assert!(d.contains("59.A2.02 ") && d.contains("SN000001"), "{d}");
        assert!(d.contains("(62 chars of ASCII TLV)"), "{d}");
        assert!(d.contains("621234*********4567") && !d.contains("6212345678901234567"), "payment code shown: {d}");
        // Malformed: the error names the field and the offset in its text; describe redacts it
        // (cup-pos masks A3) instead of printing the raw text.
        m.set_str(59, "A2033010020202008SN000001").unwrap();
        let e = m.ascii_tlv(spec, 59).unwrap_err();
        assert_eq!((e.code(), e.field(), e.offset()), ("iso8583.ascii_tlv_overrun", Some(59), Some(0)), "{e}");
        assert!(e.to_string().starts_with("field 59: "), "{e}");
        assert_eq!(m.subfield_path(spec, 59, "A2"), None);
        assert!(m.describe(spec).contains("<25 chars, not valid ASCII TLV (iso8583.ascii_tlv_overrun); redacted>"));
        assert_eq!(m.ascii_tlv(spec, 60).unwrap_err().code(), "iso8583.bad_spec");
        assert_eq!(m.ascii_tlv(spec, 5).unwrap_err().code(), "iso8583.unknown_field");
        m.set_bytes(59, vec![b'A', 0xFF]).unwrap();
        assert_eq!(m.ascii_tlv(spec, 59).unwrap_err().offset(), Some(1));
    }

    #[test]
    fn mac_block_sets_the_mac_bit_and_stops_before_it() {
        let spec = Spec::bundled("cup-pos").unwrap();
        let mut m = Message::new(Mti::FINANCIAL_REQUEST);
        m.set_str(3, "000000").unwrap();
        let mab = m.mac_block(spec).unwrap();
        // MTI (2) + bitmap (8) + field 3 (3): the MAC field's bit is set in the bitmap.
        assert_eq!(mab.len(), 13);
        assert_eq!(mab[9] & 1, 1);
        assert_eq!(
            Message::new(Mti::FINANCIAL_REQUEST).mac_block(Spec::bundled("iso87ascii").unwrap()).unwrap_err().code(),
            "iso8583.no_mac"
        );
    }
}
