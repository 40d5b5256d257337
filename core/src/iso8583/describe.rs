//! Human-readable rendering of a message, safe to log: every field with its name, the PAN and
//! track data masked, PIN block, keys and MAC redacted, chip data decoded with its cryptograms
//! redacted.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::codec::hex_upper;
use super::message::Message;
use super::spec::{Content, Sensitivity, Spec, Subfields};
use crate::card::{self, MaskPolicy, Track2};
use crate::tlv;

impl Message {
    /// Render every field with its name under `spec`, masking sensitive values (see the module
    /// docs). This never prints a full PAN, track data, PIN block, key, MAC or cryptogram.
    pub fn describe(&self, spec: &Spec) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "MTI  {}  {}", self.mti(), mti_name(self.mti().as_str()));
        for (n, v) in self.fields() {
            let f = spec.field(n);
            let name = f.map_or("(not in spec)", |f| f.name.as_str());
            let notation = f.map(super::FieldSpec::notation).unwrap_or_default();
            let sens = f.map_or(Sensitivity::Redact, |f| f.sensitivity_for(n));
            let binary = f.is_none_or(|f| f.content == Content::B);
            let sub = f.and_then(|f| f.subfields.as_ref());
            if let (Some(Subfields::AsciiTlv { names, mask, .. }), Sensitivity::None) = (sub, sens) {
                self.describe_ascii_tlv(spec, n, (name, &notation), names, mask, &mut s);
                continue;
            }
            let shown = show(sens, v, binary);
            let _ = writeln!(s, "{n:>4}  {name:<52} {notation:<9} {shown}");
            match sub {
                Some(Subfields::Composite { parts }) if sens == Sensitivity::None => {
                    for p in parts {
                        if let Some(val) = self.subfield(spec, n, p.id) {
                            let _ = writeln!(s, "{:>6}.{:<2} {:<50} {val}", n, p.id, p.name);
                        }
                    }
                }
                _ => {}
            }
        }
        s
    }

    /// An ASCII TLV field (UnionPay 59): a summary line, then one line per entry and nested
    /// entry, paths as `59.A2.01`. Masked tags show first 6 / last 4; when the spec masks any tag,
    /// the raw text is never shown (not even when it does not decode).
    fn describe_ascii_tlv(
        &self,
        spec: &Spec,
        n: u8,
        (name, notation): (&str, &str),
        names: &BTreeMap<String, String>,
        mask: &[String],
        s: &mut String,
    ) {
        let raw = self.get_bytes(n).unwrap_or_default();
        let entries = match self.ascii_tlv(spec, n) {
            Ok(Some(e)) => e,
            Ok(None) => return,
            Err(e) => {
                let shown = if mask.is_empty() {
                    format!("{} (not valid ASCII TLV: {e})", String::from_utf8_lossy(raw))
                } else {
                    format!("<{} chars, not valid ASCII TLV ({}); redacted>", raw.len(), e.code())
                };
                let _ = writeln!(s, "{n:>4}  {name:<52} {notation:<9} {shown}");
                return;
            }
        };
        let _ = writeln!(s, "{n:>4}  {name:<52} {notation:<9} ({} chars of ASCII TLV)", raw.len());
        let line = |s: &mut String, path: &str, value: &str| {
            let label = names.get(path).map_or("(not in spec)", String::as_str);
            let shown = if mask.iter().any(|m| m == path) { masked(value) } else { value.to_owned() };
            let _ = writeln!(s, "{n:>6}.{path:<5} {label:<47} {shown}");
        };
        for e in &entries {
            line(s, e.tag, e.value);
            for c in &e.children {
                line(s, &format!("{}.{}", e.tag, c.tag), c.value);
            }
        }
    }
}

impl Message {
    /// The message as JSON a log, a ticket or a support desk may keep, under the same rules as
    /// [`Message::describe`]: `{"mti", "fields"}` with the PAN and tracks masked, PIN blocks,
    /// keys and MAC redacted, chip data (55) decoded with its sensitive tags masked
    /// (`{"tlv": [...]}`), and an ASCII TLV field (59) decoded with its masked tags masked
    /// (`{"A2": {"01": ...}}`). [`Message::to_json`] is the unmasked form, for test hosts only.
    pub fn to_masked_json(&self, spec: &Spec) -> serde_json::Value {
        let mut fields = serde_json::Map::new();
        for (n, v) in self.fields() {
            let f = spec.field(n);
            let sens = f.map_or(Sensitivity::Redact, |f| f.sensitivity_for(n));
            let binary = f.is_none_or(|f| f.content == Content::B);
            let value = match (f.and_then(|f| f.subfields.as_ref()), sens) {
                (Some(Subfields::AsciiTlv { mask, .. }), Sensitivity::None) => match self.ascii_tlv(spec, n) {
                    Ok(Some(entries)) => {
                        let shown = |path: &str, value: &str| {
                            serde_json::Value::String(if mask.iter().any(|m| m == path) {
                                masked(value)
                            } else {
                                value.to_owned()
                            })
                        };
                        let mut m = serde_json::Map::new();
                        for e in &entries {
                            if e.children.is_empty() {
                                m.insert(e.tag.to_owned(), shown(e.tag, e.value));
                            } else {
                                let mut c = serde_json::Map::new();
                                for ch in &e.children {
                                    c.insert(ch.tag.to_owned(), shown(&format!("{}.{}", e.tag, ch.tag), ch.value));
                                }
                                m.insert(e.tag.to_owned(), serde_json::Value::Object(c));
                            }
                        }
                        serde_json::Value::Object(m)
                    }
                    _ if mask.is_empty() => serde_json::Value::String(String::from_utf8_lossy(v).into_owned()),
                    _ => serde_json::Value::String(format!("<{} chars redacted>", v.len())),
                },
                (_, Sensitivity::Tlv) => {
                    let bytes = if binary { v.to_vec() } else { super::codec::hex_decode(v).unwrap_or_default() };
                    match tlv::decode(&bytes) {
                        Ok(items) => serde_json::json!({ "tlv": tlv::to_json(&items, true) }),
                        Err(_) => serde_json::Value::String(format!("<{} bytes, not valid TLV; redacted>", v.len())),
                    }
                }
                _ => serde_json::Value::String(show(sens, v, binary)),
            };
            fields.insert(n.to_string(), value);
        }
        serde_json::json!({ "mti": self.mti().as_str(), "fields": fields })
    }
}

/// A payment code or card number inside a text field: first 6 / last 4, else fully redacted.
fn masked(value: &str) -> String {
    card::mask_pan(value, &MaskPolicy::default()).unwrap_or_else(|_| format!("<{} chars redacted>", value.len()))
}

fn show(sens: Sensitivity, v: &[u8], binary: bool) -> String {
    let text = || if binary { hex_upper(v) } else { String::from_utf8_lossy(v).into_owned() };
    match sens {
        Sensitivity::None => text(),
        Sensitivity::Redact => format!("<{} bytes redacted>", v.len()),
        Sensitivity::Pan => {
            let t = text();
            card::mask_pan(&t, &MaskPolicy::default()).unwrap_or_else(|_| format!("<{} chars redacted>", t.len()))
        }
        Sensitivity::Track => {
            let t = text();
            match Track2::parse(&t) {
                Ok(tr) => format!(
                    "{} <{} more chars redacted>",
                    tr.pan().masked(),
                    t.len() - tr.pan().dangerous_reveal().len()
                ),
                Err(_) => format!("<{} chars redacted>", t.len()),
            }
        }
        Sensitivity::Tlv => {
            let bytes = if binary { v.to_vec() } else { super::codec::hex_decode(v).unwrap_or_default() };
            match tlv::decode(&bytes) {
                Ok(items) => {
                    let mut s = format!("({} bytes of TLV)", bytes.len());
                    for line in tlv::describe(&items).lines() {
                        s.push_str("\n        ");
                        s.push_str(line);
                    }
                    s
                }
                Err(e) => format!("<{} bytes, not valid TLV ({}); redacted>", v.len(), e.code()),
            }
        }
    }
}

fn mti_name(mti: &str) -> &'static str {
    match mti {
        "0100" => "authorization request",
        "0110" => "authorization response",
        "0200" => "financial request",
        "0210" => "financial response",
        "0220" => "financial advice",
        "0230" => "financial advice response",
        "0320" => "batch upload",
        "0330" => "batch upload response",
        "0400" => "reversal request",
        "0410" => "reversal response",
        "0420" => "reversal advice",
        "0430" => "reversal advice response",
        "0500" => "reconciliation request",
        "0510" => "reconciliation response",
        "0620" => "administrative advice",
        "0630" => "administrative advice response",
        "0800" => "network management request",
        "0810" => "network management response",
        "0820" => "network management advice",
        "0830" => "network management advice response",
        _ => "",
    }
}
