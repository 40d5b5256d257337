//! Receipt properties: no PAN digits beyond first 6 / last 4 in any output format; every text
//! line fits the paper; the record parser never panics and round-trips.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

use poscore::receipt::{self, Lang, ReceiptCopy, ReceiptData, RenderOptions};
use proptest::prelude::*;
use unicode_width::UnicodeWidthStr;

fn record(pan: &str, merchant: &str, entry: &str, txn: &str, amount: u64, extra: &str) -> String {
    serde_json::json!({
        "merchant_name": merchant,
        "merchant_id": "301200102310001",
        "terminal_id": "12301230",
        "operator_id": "01",
        "pan": pan,
        "entry_mode": entry,
        "txn_type": txn,
        "amount": amount,
        "currency": "344",
        "date": "2021-12-03",
        "time": "10:21:03",
        "batch_no": "000001",
        "voucher_no": "000123",
        "reference_no": "120301123012",
        "auth_code": "A1B2C3",
        "issuer_id": extra,
        "response_text": extra,
        "emv": {"aid": "A000000333010101", "app_label": extra, "tc": "1A2B3C4D0E0F1021"},
        "e_receipt_url": "https://receipt.example.com/r/000123"
    })
    .to_string()
}

/// Every output format of one copy, as bytes.
fn all_outputs(data: &ReceiptData, o: &RenderOptions) -> Vec<Vec<u8>> {
    vec![
        receipt::render_text(data, o).unwrap().into_bytes(),
        receipt::render_escpos(data, o).unwrap(),
        receipt::render_html(data, o).unwrap().into_bytes(),
        receipt::render_json(data, o).unwrap().into_bytes(),
        serde_json::to_vec(data).unwrap(),
    ]
}

fn digit_runs(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|b| !b.is_ascii_digit())
        .filter(|r| !r.is_empty())
        .map(|r| String::from_utf8(r.to_vec()).unwrap())
        .collect()
}

/// Columns each printed line of an ESC/POS stream takes on a printer in Chinese mode: an ASCII
/// byte is one column, a GBK lead byte (0x81-0xFE) and its trail byte two. Commands are skipped.
fn escpos_line_columns(b: &[u8]) -> Vec<usize> {
    let (mut i, mut cols, mut lines) = (0, 0, Vec::new());
    while i < b.len() {
        match b[i] {
            0x1B | 0x1C if matches!(b[i + 1], b'@' | b'&') => i += 2,
            0x1D if b[i + 1] == b'V' => i += 4,
            0x1D if b[i + 1] == b'(' => i += 5 + (b[i + 3] as usize | (b[i + 4] as usize) << 8),
            0x1B..=0x1D => i += 3,
            b'\n' => {
                lines.push(cols);
                cols = 0;
                i += 1;
            }
            0x81..=0xFE => {
                cols += 2;
                i += 2;
            }
            c => {
                assert!((0x20..0x80).contains(&c), "stray byte {c:#04x} at {i}");
                cols += 1;
                i += 1;
            }
        }
    }
    lines
}

fn options() -> impl Strategy<Value = RenderOptions> {
    (prop_oneof![Just(32u16), Just(48u16), 24u16..=80], any::<bool>(), 0..3u8, any::<bool>(), 0u64..200_000).prop_map(
        |(width, zh, copy, reprint, no_signature_limit)| RenderOptions {
            width,
            lang: if zh { Lang::Zh } else { Lang::En },
            copy: [ReceiptCopy::Merchant, ReceiptCopy::Cardholder, ReceiptCopy::Bank][copy as usize],
            reprint,
            no_signature_limit,
        },
    )
}

fn entry() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["chip", "swipe", "contactless", "qr", "manual"])
}

fn txn() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "sale",
        "void",
        "refund",
        "pre_auth",
        "pre_auth_completion",
        "pre_auth_void",
        "pre_auth_completion_void",
        "balance_inquiry",
    ])
}

/// Merchant names and free text mixing ASCII, CJK, full-width and ambiguous-width punctuation,
/// combining marks and characters GBK cannot encode.
fn mixed_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => "[a-zA-Z0-9&<>'\" ]",
            4 => "[\u{4e00}-\u{9fa5}]",
            1 => "[（）：，。·×—①]",
            1 => "[\u{0300}-\u{036f}]",
            1 => "[\u{1F600}-\u{1F64F}\u{20000}-\u{2000F}]",
            1 => "[ａ-ｚＡ-Ｚ]",
            1 => "[ḿǹéüāɑɡ€]",
        ],
        1..70,
    )
    .prop_map(|v| v.concat())
    .prop_filter("non-empty", |s| !s.trim().is_empty())
}

/// The free-text fields of a record (JSON names; `emv.` ones nested).
const TEXT_FIELDS: &[&str] = &[
    "merchant_name",
    "merchant_id",
    "terminal_id",
    "operator_id",
    "reference_no",
    "auth_code",
    "issuer_id",
    "acquirer_id",
    "response_text",
    "original_reference_no",
    "emv.app_label",
];

/// Characters no receipt text may hold: controls, bidi formatting, line/paragraph separators.
const FORBIDDEN: &[char] = &[
    '\u{0}', '\u{9}', '\u{a}', '\u{d}', '\u{1b}', '\u{1d}', '\u{7f}', '\u{85}', '\u{9b}', '\u{202a}', '\u{202b}',
    '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{200e}', '\u{200f}',
    '\u{61c}', '\u{2028}', '\u{2029}',
];

/// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms,
/// <https://howardhinnant.github.io/date_algorithms.html>). Out-of-range days or months wrap,
/// so a round trip tells a real date from an impossible one.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[test]
fn calendar_edges() {
    let ok = |date: &str| {
        let mut v: serde_json::Value =
            serde_json::from_str(&record("6212345678901232", "Shop", "chip", "sale", 100, "OK")).unwrap();
        v["date"] = serde_json::Value::String(date.into());
        ReceiptData::from_json(&v.to_string()).map(|_| ()).map_err(|e| e.to_string())
    };
    for good in ["2024-02-29", "2000-02-29", "2026-02-28", "2026-04-30", "2026-12-31", "1999-01-01"] {
        ok(good).unwrap();
    }
    for bad in [
        "2026-02-30",
        "2026-02-29",
        "1900-02-29",
        "2100-02-29",
        "2026-04-31",
        "2026-06-31",
        "2026-00-10",
        "2026-13-01",
        "2026-01-00",
        "2026-1-01",
    ] {
        let e = ok(bad).unwrap_err();
        assert!(e.starts_with("field date:") && e.contains("calendar date"), "{bad}: {e}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The output depends only on the first 6 / last 4 digits: changing the middle digits
    /// changes nothing in any format.
    #[test]
    fn output_ignores_middle_digits(
        pan in "[1-9][0-9]{12,18}",
        other_middle in "[0-9]{9}",
        entry in entry(),
        txn in txn(),
        amount in 0u64..10_000_000,
        o in options(),
    ) {
        let len = pan.len();
        let data = ReceiptData::from_json(&record(&pan, "测试商户 Test", entry, txn, amount, "APPROVED")).unwrap();
        let mut twin = pan.clone();
        twin.replace_range(6..len - 4, &other_middle[..len - 10]);
        let twin_data = ReceiptData::from_json(&record(&twin, "测试商户 Test", entry, txn, amount, "APPROVED")).unwrap();
        prop_assert_eq!(all_outputs(&data, &o), all_outputs(&twin_data, &o));
    }

    /// The PAN's hidden middle digits are drawn from 5-9 and every other digit of the record
    /// (first 6, last 4, ids, dates, amount) from 0-4, so any 5-9 digit in any digit run of any
    /// output would be a leaked PAN digit. (The HTML head, charset and style sheet, is skipped.)
    #[test]
    fn no_pan_digits_beyond_first6_last4(
        first in "[1-4][0-4]{5}",
        middle in "[5-9]{3,9}",
        last in "[0-4]{4}",
        entry in entry(),
        txn in txn(),
        amount in "[1-4][0-4]{0,8}",
        o in options(),
    ) {
        let pan = format!("{first}{middle}{last}");
        let data = ReceiptData::from_json(&record(&pan, "测试商户 Test", entry, txn, amount.parse().unwrap(), "OK")).unwrap();
        for (i, out) in all_outputs(&data, &o).into_iter().enumerate() {
            let out = if i == 2 {
                // HTML: only the body; the head's charset and style sheet numbers are not data.
                let h = String::from_utf8(out).unwrap();
                h.as_bytes()[h.find("<body>").unwrap()..].to_vec()
            } else {
                out
            };
            for run in digit_runs(&out) {
                prop_assert!(!run.bytes().any(|d| d >= b'5'), "format {}: hidden PAN digit in run {}", i, run);
                prop_assert!(!run.contains(&middle));
            }
        }
    }

    /// Every text line fits the width, by the printer's measure (ambiguous = 2) and by UAX #11.
    #[test]
    fn text_lines_fit(merchant in mixed_text(), extra in mixed_text(), entry in entry(), txn in txn(), o in options()) {
        let data = ReceiptData::from_json(&record("6212345678901232", &merchant, entry, txn, 123_456, &extra)).unwrap();
        let text = receipt::render_text(&data, &o).unwrap();
        for line in text.lines() {
            prop_assert!(receipt::display_width(line) <= o.width as usize, "{:?} > {}", line, o.width);
            prop_assert!(line.width() <= o.width as usize);
        }
        // Nothing of the name is lost to wrapping (spaces aside).
        let squeezed: String = text.split_whitespace().collect();
        let name: String = merchant.split_whitespace().collect();
        prop_assert!(squeezed.contains(&name) || o.width < 32, "merchant name lost");
        for (i, cols) in escpos_line_columns(&receipt::render_escpos(&data, &o).unwrap()).into_iter().enumerate() {
            prop_assert!(cols <= o.width as usize, "ESC/POS line {} prints {} columns > {}", i, cols, o.width);
        }
        let html = receipt::render_html(&data, &o).unwrap();
        prop_assert!(!html.contains("<script") && !html.contains("<>"));
    }

    #[test]
    fn wrap_fits_and_keeps_every_character(s in "\\PC{0,80}", width in 2usize..50) {
        let lines = receipt::wrap(&s, width);
        for l in &lines {
            prop_assert!(receipt::display_width(l) <= width);
        }
        let joined: String = lines.concat().chars().filter(|c| !c.is_whitespace()).collect();
        let want: String = s.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
        prop_assert_eq!(joined, want);
    }

    #[test]
    fn record_parser_never_panics(s in "\\PC{0,200}") {
        let _ = ReceiptData::from_json(&s);
    }

    /// Every text field refuses control, bidirectional-formatting and line/paragraph-separator
    /// characters wherever they sit, and the error names the field.
    #[test]
    fn forbidden_characters_are_refused_in_every_text_field(
        field in prop::sample::select(TEXT_FIELDS),
        bad in prop::sample::select(FORBIDDEN),
        at in 0usize..8,
    ) {
        let mut v: serde_json::Value = serde_json::from_str(&record("6212345678901232", "Shop", "chip", "sale", 100, "OK")).unwrap();
        let slot = match field.split_once('.') {
            Some((outer, inner)) => &mut v[outer][inner],
            None => &mut v[field],
        };
        let mut text: Vec<char> = slot.as_str().map_or_else(|| "0123456".into(), str::to_owned).chars().collect();
        text.insert(at.min(text.len()), bad);
        *slot = serde_json::Value::String(text.into_iter().collect());
        let e = ReceiptData::from_json(&v.to_string()).unwrap_err();
        prop_assert_eq!(e.code(), "receipt.bad_field");
        prop_assert!(e.to_string().starts_with(&format!("field {field}:")), "{}", e);
    }

    /// `date` is accepted exactly when it is a day of the proleptic Gregorian calendar, checked
    /// against a day-count round trip (a different algorithm from the validator's month table).
    #[test]
    fn dates_are_calendar_dates(y in 0u16..=9999, m in 0u8..=13, d in 0u8..=32) {
        let mut v: serde_json::Value = serde_json::from_str(&record("6212345678901232", "Shop", "chip", "sale", 100, "OK")).unwrap();
        v["date"] = serde_json::Value::String(format!("{y:04}-{m:02}-{d:02}"));
        let accepted = ReceiptData::from_json(&v.to_string()).is_ok();
        let real = (1..=12).contains(&m) && d >= 1 && civil_from_days(days_from_civil(y.into(), m.into(), d.into())) == (y.into(), m.into(), d.into());
        prop_assert_eq!(accepted, real, "{}", v["date"]);
    }

    #[test]
    fn times_are_clock_times(h in 0u8..=30, mi in 0u8..=70, sec in 0u8..=70) {
        let mut v: serde_json::Value = serde_json::from_str(&record("6212345678901232", "Shop", "chip", "sale", 100, "OK")).unwrap();
        v["time"] = serde_json::Value::String(format!("{h:02}:{mi:02}:{sec:02}"));
        let accepted = ReceiptData::from_json(&v.to_string()).is_ok();
        // Second 60 is a leap second.
        prop_assert_eq!(accepted, h < 24 && mi < 60 && sec <= 60, "{}", v["time"]);
    }

    #[test]
    fn record_round_trips(pan in "[1-9][0-9]{12,18}", merchant in mixed_text(), txn in txn(), amount in 0u64..1_000_000_000) {
        let data = ReceiptData::from_json(&record(&pan, &merchant, "chip", txn, amount, "OK")).unwrap();
        let again = ReceiptData::from_json(&serde_json::to_string(&data).unwrap()).unwrap();
        prop_assert_eq!(data, again);
    }
}
