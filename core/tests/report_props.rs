//! Report properties: for random sections, buckets and statistics rows, every printed line fits
//! the paper (text and ESC/POS), the text always carries each section's totals (debit, credit,
//! net) and the statistics totals, the JSON report's totals equal the record's, and neither the
//! parser nor the renderers panic on arbitrary input.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

use poscore::receipt::display_width;
use poscore::report::{
    Format, Lang, Period, ReportBucket, ReportKind, ReportLine, ReportOptions, ReportSection, ReportTxn, SettleResult,
    SettlementReport, StatsReport, StatsRow, MAX_AMOUNT,
};
use proptest::prelude::*;

/// `1,234.56` (exponent 2, as CNY), the way the report groups amounts.
fn money(v: i128) -> String {
    let a = v.unsigned_abs();
    let int = (a / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}{grouped}.{:02}", if v < 0 { "-" } else { "" }, a % 100)
}

/// Names mixing ASCII, CJK, full-width and ambiguous-width punctuation, combining marks and
/// characters GBK cannot encode.
fn mixed_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => "[a-zA-Z0-9&<>'\" ]",
            4 => "[\u{4e00}-\u{9fa5}]",
            1 => "[（）：，。·×—①]",
            1 => "[\u{0300}-\u{036f}]",
            1 => "[\u{1F600}-\u{1F64F}]",
            1 => "[ａ-ｚ]",
        ],
        1..max,
    )
    .prop_map(|v| v.concat())
    .prop_filter("non-empty", |s| !s.trim().is_empty())
}

fn amount() -> impl Strategy<Value = u64> {
    prop_oneof![3 => 0u64..1_000_000, 1 => 0..=MAX_AMOUNT, 1 => Just(MAX_AMOUNT)]
}

fn section(with_result: bool) -> impl Strategy<Value = ReportSection> {
    (
        prop::sample::subsequence(ReportTxn::ALL.to_vec(), 0..=6),
        prop::collection::vec((any::<u32>(), amount()), 6),
        prop::sample::select(vec![
            None,
            Some(SettleResult::Balanced),
            Some(SettleResult::Unbalanced),
            Some(SettleResult::Error),
        ]),
    )
        .prop_map(move |(kinds, figures, result)| ReportSection {
            result: if with_result { result } else { None },
            lines: kinds
                .into_iter()
                .zip(figures)
                .map(|(txn, (count, amount))| ReportLine { txn, count, amount })
                .collect(),
        })
}

fn id_buckets(ids: &[&'static str]) -> impl Strategy<Value = Vec<ReportBucket>> {
    let max = i64::try_from(MAX_AMOUNT).unwrap();
    prop::sample::subsequence(ids.to_vec(), 0..=ids.len()).prop_flat_map(move |names| {
        let n = names.len();
        (Just(names), prop::collection::vec((any::<u32>(), -max..=max), n)).prop_map(|(names, figs)| {
            names
                .into_iter()
                .zip(figs)
                .map(|(name, (count, amount))| ReportBucket { name: name.to_owned(), count, amount })
                .collect()
        })
    })
}

const BRANDS: [&str; 9] =
    ["union_pay", "visa", "mastercard", "jcb", "amex", "discover", "diners_club", "unknown", "some_new_scheme"];
const METHODS: [&str; 10] =
    ["card", "chip", "swipe", "contactless", "manual", "qr", "wechat_pay", "alipay", "union_pay_qr", "octopus"];

fn options() -> impl Strategy<Value = ReportOptions> {
    (prop_oneof![Just(32u16), Just(48u16)], any::<bool>())
        .prop_map(|(width, zh)| ReportOptions { width, lang: if zh { Lang::Zh } else { Lang::En } })
}

fn settlement() -> impl Strategy<Value = SettlementReport> {
    (any::<bool>(), mixed_text(60), any::<bool>())
        .prop_flat_map(|(settle, name, reprint)| {
            (
                Just((settle, name, reprint)),
                section(settle),
                section(settle),
                id_buckets(&BRANDS),
                id_buckets(&METHODS),
                prop::option::of(mixed_text(12)),
            )
        })
        .prop_map(|((settle, name, reprint), domestic, foreign, by_brand, by_method, operator_id)| SettlementReport {
            kind: if settle { ReportKind::Settlement } else { ReportKind::TerminalTotals },
            merchant_name: name,
            merchant_id: "898310048160001".into(),
            terminal_id: "12345678".into(),
            operator_id,
            batch: "000123".into(),
            date: "2026-12-06".into(),
            time: "22:30:15".into(),
            currency: "156".into(),
            domestic,
            foreign,
            by_brand,
            by_method,
            reprint,
        })
}

/// Columns each printed line of an ESC/POS stream takes in Chinese mode: an ASCII byte is one
/// column, a GBK lead byte and its trail byte two; commands are skipped.
fn escpos_line_columns(b: &[u8]) -> Vec<usize> {
    let (mut i, mut cols, mut lines) = (0, 0, Vec::new());
    while i < b.len() {
        match b[i] {
            0x1B | 0x1C if matches!(b[i + 1], b'@' | b'&') => i += 2,
            0x1D if b[i + 1] == b'V' => i += 4,
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn settlement_text_fits_and_carries_the_section_totals(r in settlement(), o in options()) {
        let text = r.render_text(&o).unwrap();
        for line in text.lines() {
            prop_assert!(display_width(line) <= o.width as usize, "{:?} wider than {}", line, o.width);
        }
        for s in [&r.domestic, &r.foreign] {
            let t = s.totals();
            for figure in [money(t.debit_amount.into()), money(t.credit_amount.into()), money(t.net().into())] {
                prop_assert!(text.contains(&figure), "{} missing from\n{}", figure, text);
            }
            for count in [t.debit_count, t.credit_count] {
                prop_assert!(text.contains(&count.to_string()));
            }
        }
        let escpos = r.render_escpos(&o).unwrap();
        for cols in escpos_line_columns(&escpos) {
            prop_assert!(cols <= o.width as usize);
        }
        let json: serde_json::Value = serde_json::from_str(&r.render_json(&o).unwrap()).unwrap();
        prop_assert_eq!(json["totals"]["net"].as_i64().unwrap(), r.totals().net());
        prop_assert_eq!(json["sections"][1]["totals"]["credit_amount"].as_u64().unwrap(), r.foreign.totals().credit_amount);
        let html = r.render_html(&o).unwrap();
        prop_assert!(html.contains(&money(r.domestic.totals().net().into())));
        prop_assert!(!html.contains("<script"));
    }

    #[test]
    fn stats_text_fits_and_carries_the_totals(
        rows in prop::collection::vec((0u32..5000, amount(), 0u64..100_000_000, 0u64..100_000_000), 0..40),
        name in mixed_text(50),
        operators in prop::collection::btree_set(mixed_text(16), 0..6),
        hours in prop::collection::btree_set(0u8..24, 0..24),
        o in options(),
    ) {
        // Consecutive days from 2026-11-20 (into December: the month boundary is crossed).
        let label = |i: usize| {
            let d = 20 + i;
            if d <= 30 { format!("2026-11-{d:02}") } else { format!("2026-12-{:02}", d - 30) }
        };
        let r = StatsReport {
            merchant_name: name,
            merchant_id: "898310048160001".into(),
            terminal_id: "12345678".into(),
            period: Period::Day,
            from: "2026-11-20".into(),
            to: "2026-12-31".into(),
            currency: "CNY".into(),
            rows: rows.iter().enumerate().map(|(i, &(c, g, rf, v))| StatsRow::new(label(i), c, g, rf, v)).collect(),
            by_method: vec![ReportBucket { name: "wechat_pay".into(), count: 3, amount: -5 }],
            by_brand: vec![],
            by_operator: operators.into_iter().map(|n| ReportBucket { name: n, count: 1, amount: 100 }).collect(),
            by_hour: hours.into_iter().map(|h| ReportBucket { name: format!("{h:02}"), count: 1, amount: 1 }).collect(),
        };
        let text = r.render_text(&o).unwrap();
        for line in text.lines() {
            prop_assert!(display_width(line) <= o.width as usize, "{:?} wider than {}", line, o.width);
        }
        let t = r.totals();
        for figure in [money(t.gross.into()), money(t.refunds.into()), money(t.voids.into()), money(t.net.into())] {
            prop_assert!(text.contains(&figure), "{} missing", figure);
        }
        for cols in escpos_line_columns(&r.render_escpos(&o).unwrap()) {
            prop_assert!(cols <= o.width as usize);
        }
        let html = r.render_html(&o).unwrap();
        prop_assert_eq!(html.matches("<rect").count(), r.rows.len());
        let json: serde_json::Value = serde_json::from_str(&r.render_json(&o).unwrap()).unwrap();
        prop_assert_eq!(json["totals"]["net"].as_i64().unwrap(), t.net);
    }

    /// Whatever the JSON, parsing and rendering return a value or an error, never a panic.
    #[test]
    fn parsers_never_panic(s in ".{0,300}") {
        let _ = SettlementReport::from_json(&s);
        let _ = StatsReport::from_json(&s);
    }

    /// Any strings in the text fields: an error names the field, or the report renders and fits.
    #[test]
    fn hostile_fields_are_refused_or_fit(
        name in "\\PC{0,4}[\u{0}-\u{1f}\u{7f}-\u{9f}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{200e}\u{200f}\u{2028}\u{2029}]?\\PC{0,30}",
        date in "20[0-9]{2}-[01][0-9]-[0-3][0-9]",
        hour in "[0-9]{1,3}",
        o in options(),
    ) {
        let mut r = SettlementReport::from_json(include_str!("../../tests/vectors/reports/inputs/settlement.json")).unwrap();
        r.merchant_name = name.clone();
        r.date = date;
        match r.render(Format::Text, &o) {
            Ok(t) => {
                let hostile = name.chars().any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c));
                prop_assert!(!hostile, "rendered {:?}", name);
                for line in String::from_utf8(t).unwrap().lines() {
                    prop_assert!(display_width(line) <= o.width as usize);
                }
            }
            Err(e) => prop_assert!(e.code() == "report.bad_field", "{}", e),
        }
        let mut s = StatsReport::from_json(include_str!("../../tests/vectors/reports/inputs/stats_daily.json")).unwrap();
        s.by_hour[0].name = hour.clone();
        let ok = hour.len() == 2 && hour.parse::<u8>().is_ok_and(|h| h < 24) && !s.by_hour[1..].iter().any(|b| b.name == hour);
        prop_assert_eq!(s.validate().is_ok(), ok, "{}", hour);
    }
}
