//! A scan of a terminal's journal for card data it must not keep after authorisation (PCI DSS
//! 3.3.1): track 2 (field 35/36 or any track 2 shape), PIN blocks (field 52), and the full PANs of
//! the test cards, each hit with its record, JSON path, batch and status. The demo day and the
//! kill -9 test both judge their journals with it.

use poscore::card;
use poscore::store::Store;
use serde_json::{json, Value};

use crate::cards::{CHIP_PAN, MAG_PAN};

/// Reads every record the store holds (through the store API, unsealed) and looks for card data
/// a journal must not keep after authorisation. Each hit names the record, the JSON path of the
/// value, and the record's `batch` and `status` when it has them.
pub fn scan(store: &dyn Store) -> Result<(Value, usize), String> {
    let keys = store.list("").map_err(|e| format!("list: {} ({e})", e.code()))?;
    let mut track2 = Vec::new();
    let mut full_pan = Vec::new();
    let mut pin_block = Vec::new();
    for key in &keys {
        let Some(bytes) = store.get(key).map_err(|e| format!("get {key}: {} ({e})", e.code()))? else { continue };
        let mut leaves = Vec::new();
        let (batch, status) = if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
            collect_leaves(&v, "", &mut leaves);
            record_meta(&v)
        } else {
            leaves.push(("(raw)".to_owned(), String::from_utf8_lossy(&bytes).into_owned()));
            (Value::Null, Value::Null)
        };
        let hit = |path: &str, value: Option<String>| json!({ "key": key, "where": path, "batch": batch, "status": status, "value": value });
        for (path, value) in &leaves {
            if path == "/live" {
                // The envelope's manifest: a SHA-256 in hex of journal keys and write counters,
                // which holds no card data but can spell a digit run, a D and four digits.
                continue;
            }
            // Fields 35/36 (track 2/3) and 52 (PIN block) of any message template.
            if path.ends_with("/fields/35") || path.ends_with("/fields/36") {
                track2.push(hit(path, Some(mask(value))));
            } else if path.ends_with("/fields/52") {
                pin_block.push(hit(path, None));
            }
            // Track 2 shapes anywhere: a Luhn-valid PAN, '=' or 'D', an expiry.
            for (at, pan) in track2_shapes(value) {
                track2.push(hit(&format!("{path}@{at}"), Some(mask(&pan))));
            }
            for pan in [CHIP_PAN, MAG_PAN] {
                if value.contains(pan) {
                    full_pan.push(hit(path, Some(mask(pan))));
                }
            }
        }
    }
    Ok((json!({ "track2": track2, "full_pan": full_pan, "pin_block": pin_block }), keys.len()))
}

/// `batch` and `status` of the first object under `v` that has both (a transaction record,
/// whatever envelope the journal wraps it in).
fn record_meta(v: &Value) -> (Value, Value) {
    match v {
        Value::Object(o) => {
            if let (Some(b), Some(s)) = (o.get("batch"), o.get("status")) {
                return (b.clone(), s.clone());
            }
            o.values().map(record_meta).find(|(b, _)| !b.is_null()).unwrap_or((Value::Null, Value::Null))
        }
        _ => (Value::Null, Value::Null),
    }
}

/// Every string (and number) leaf under `v` with its JSON path (`/template/fields/2`).
fn collect_leaves(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                collect_leaves(child, &format!("{path}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                collect_leaves(child, &format!("{path}/{i}"), out);
            }
        }
        Value::String(s) => out.push((path.to_owned(), s.clone())),
        Value::Number(n) => out.push((path.to_owned(), n.to_string())),
        Value::Bool(_) | Value::Null => {}
    }
}

/// `(offset, pan)` of each track 2 shape in `text`: 12-19 digits passing Luhn, then `=` or
/// `D`/`d`, then 4 digits (the expiry).
fn track2_shapes(text: &str) -> Vec<(usize, String)> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let run = &text[start..i];
        let sep = b.get(i).copied();
        let expiry = b.get(i + 1..i + 5).is_some_and(|e| e.iter().all(u8::is_ascii_digit));
        if (12..=19).contains(&run.len()) && matches!(sep, Some(b'=' | b'D' | b'd')) && expiry && card::luhn_valid(run)
        {
            found.push((start, run.to_owned()));
        }
    }
    found
}

/// First 6 and last 4 of a card number (or of a track starting with one), the rest starred; a
/// value with no card number is shown by its length only.
fn mask(s: &str) -> String {
    let digits: String = s.trim_start_matches(';').chars().take_while(char::is_ascii_digit).collect();
    if digits.len() < 12 {
        return format!("<{} chars>", s.len());
    }
    card::mask_pan(&digits, &card::MaskPolicy::default()).unwrap_or_else(|_| format!("<{} chars>", s.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scan_finds_track_2_shapes_and_not_hex_or_masked_numbers() {
        let magstripe = format!("{MAG_PAN}=25121011143878089");
        let chip = format!("x{CHIP_PAN}D28122200000000000x");
        assert_eq!(track2_shapes(&magstripe), vec![(0, MAG_PAN.to_owned())]);
        assert_eq!(track2_shapes(&chip), vec![(1, CHIP_PAN.to_owned())]);
        assert!(track2_shapes(crate::cards::ICC_DATA).is_empty());
        assert!(track2_shapes("621234******1232=2812").is_empty());
        assert!(track2_shapes("6212345678901233=2812").is_empty(), "Luhn-invalid");
        assert!(track2_shapes(&format!("{CHIP_PAN}=28")).is_empty(), "no expiry");
        assert_eq!(mask(CHIP_PAN), "621234******1232");
        assert_eq!(mask(&format!(";{MAG_PAN}=2512")), "476173******0010");
    }

    #[test]
    fn record_meta_looks_inside_envelopes() {
        let v = json!({ "seq": 4, "body": { "batch": "000002", "status": "approved", "template": {} } });
        assert_eq!(record_meta(&v), (json!("000002"), json!("approved")));
        assert_eq!(record_meta(&json!({ "limit": 10 })), (Value::Null, Value::Null));
    }

    #[test]
    fn leaves_carry_their_json_path() {
        let v = json!({ "template": { "fields": { "2": CHIP_PAN, "35": "x" } }, "amount": 5, "ok": true });
        let mut leaves = Vec::new();
        collect_leaves(&v, "", &mut leaves);
        leaves.sort();
        assert_eq!(
            leaves,
            [
                ("/amount".to_owned(), "5".to_owned()),
                ("/template/fields/2".to_owned(), CHIP_PAN.to_owned()),
                ("/template/fields/35".to_owned(), "x".to_owned()),
            ]
        );
    }

    #[test]
    fn the_manifest_digest_is_not_scanned_but_every_other_value_is() {
        // A 500-kill run met a manifest digest spelling a Luhn-valid run, a D and four digits.
        let shape = format!("a{MAG_PAN}D2512");
        let mut store = poscore::store::MemoryStore::new();
        let record = json!({ "tid": "12345678", "seq": 1, "live": shape, "body": { "note": "x" } });
        store.put("term/head", &serde_json::to_vec(&record).unwrap()).unwrap();
        let (found, _) = scan(&store).unwrap();
        assert_eq!(found["track2"], json!([]), "{found}");
        let record = json!({ "tid": "12345678", "seq": 1, "live": "00", "body": { "note": shape } });
        store.put("term/head", &serde_json::to_vec(&record).unwrap()).unwrap();
        let (found, _) = scan(&store).unwrap();
        assert_eq!(found["track2"].as_array().map(Vec::len), Some(1), "{found}");
    }
}
