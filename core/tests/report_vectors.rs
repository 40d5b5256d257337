//! Runs tests/vectors/reports/index.json: every merchant report golden (settlement, terminal
//! totals, statistics), byte for byte.
//!
//! `POSCORE_BLESS=1 cargo test -p poscore --test report_vectors` rewrites the expected files from
//! the current output (review the diff by eye before committing).

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

use poscore::report::{Format, Lang, ReportOptions, SettlementReport, StatsReport};
use serde_json::Value;

#[path = "support/goldens.rs"]
mod support;
use support::{files, hex, s, Goldens};

/// Every file under tests/vectors/reports, compiled in so that the goldens also run on wasm32,
/// where a test has no file system. `no_orphan_files` checks (natively) that this is exactly the
/// directory's content.
static FILES: &[(&str, &str)] = files!["reports";
    "index.json",
    "inputs/bad_date.json",
    "inputs/bidi_name.json",
    "inputs/control_name.json",
    "inputs/duplicate_brand.json",
    "inputs/duplicate_line.json",
    "inputs/settlement.json",
    "inputs/settlement_reprint.json",
    "inputs/stats_bad_hour.json",
    "inputs/stats_bad_net.json",
    "inputs/stats_bad_week.json",
    "inputs/stats_daily.json",
    "inputs/stats_from_after_to.json",
    "inputs/stats_monthly.json",
    "inputs/stats_unordered.json",
    "inputs/stats_weekly.json",
    "inputs/terminal_totals.json",
    "inputs/totals_with_result.json",
    "inputs/unknown_field.json",
    "settlement/escpos_32_zh.hex",
    "settlement/escpos_48_en.hex",
    "settlement/report_en.html",
    "settlement/report_en.json",
    "settlement/report_zh.html",
    "settlement/report_zh.json",
    "settlement/text_32_en.txt",
    "settlement/text_32_zh.txt",
    "settlement/text_48_en.txt",
    "settlement/text_48_zh.txt",
    "settlement_reprint/text_32_zh.txt",
    "settlement_reprint/text_48_en.txt",
    "stats_daily/escpos_32_zh.hex",
    "stats_daily/escpos_48_en.hex",
    "stats_daily/report_en.html",
    "stats_daily/report_zh.html",
    "stats_daily/report_zh.json",
    "stats_daily/text_32_en.txt",
    "stats_daily/text_32_zh.txt",
    "stats_daily/text_48_en.txt",
    "stats_daily/text_48_zh.txt",
    "stats_monthly/escpos_32_zh.hex",
    "stats_monthly/escpos_48_en.hex",
    "stats_monthly/report_en.html",
    "stats_monthly/report_zh.html",
    "stats_monthly/report_zh.json",
    "stats_monthly/text_32_en.txt",
    "stats_monthly/text_32_zh.txt",
    "stats_monthly/text_48_en.txt",
    "stats_monthly/text_48_zh.txt",
    "stats_weekly/report_en.json",
    "stats_weekly/report_zh.html",
    "stats_weekly/text_32_zh.txt",
    "stats_weekly/text_48_en.txt",
    "terminal_totals/escpos_32_zh.hex",
    "terminal_totals/escpos_48_en.hex",
    "terminal_totals/report_en.html",
    "terminal_totals/report_zh.html",
    "terminal_totals/report_zh.json",
    "terminal_totals/text_32_en.txt",
    "terminal_totals/text_32_zh.txt",
    "terminal_totals/text_48_en.txt",
    "terminal_totals/text_48_zh.txt",
];

static GOLDENS: Goldens = Goldens { dir: "reports", runner: "report_vectors.rs", files: FILES };

fn read(rel: &str) -> &'static str {
    GOLDENS.read(rel)
}

fn index() -> Value {
    GOLDENS.index()
}

fn options(o: &Value) -> ReportOptions {
    ReportOptions {
        width: o["width"].as_u64().expect("width") as u16,
        lang: match s(o, "lang") {
            "zh" => Lang::Zh,
            "en" => Lang::En,
            l => panic!("lang {l}"),
        },
    }
}

fn format(o: &Value) -> Format {
    match s(o, "format") {
        "text" => Format::Text,
        "escpos" => Format::Escpos,
        "html" => Format::Html,
        "json" => Format::Json,
        f => panic!("format {f}"),
    }
}

/// Render one case: the output as it is stored in the expected file, or the error code.
fn render(case: &Value) -> Result<String, String> {
    let input = read(s(case, "input"));
    let o = options(&case["options"]);
    let f = format(&case["options"]);
    let bytes = match s(case, "report") {
        "settlement" => SettlementReport::from_json(input).and_then(|r| r.render(f, &o)),
        "statistics" => StatsReport::from_json(input).and_then(|r| r.render(f, &o)),
        r => panic!("report {r}"),
    }
    .map_err(|e| e.code().to_owned())?;
    Ok(if f == Format::Escpos { hex(&bytes) + "\n" } else { String::from_utf8(bytes).expect("UTF-8 output") })
}

#[test]
fn every_case_cites_a_source() {
    GOLDENS.check_sources(|_| false);
}

#[test]
fn goldens() {
    GOLDENS.check(50, render);
}

/// Every file under the directory is used by the index (no stale goldens) and compiled in.
#[test]
fn no_orphan_files() {
    GOLDENS.check_no_orphans();
}

/// Golden text: every line fits its width in display columns.
#[test]
fn golden_text_fits() {
    GOLDENS.check_text_fits();
}

/// The golden inputs are consistent the way the engine's records must be: every bucket list
/// sums to the batch (or period) net and count.
#[test]
fn golden_inputs_are_consistent() {
    for c in index()["cases"].as_array().unwrap() {
        if c["expected"].is_null() {
            continue;
        }
        let input = read(s(c, "input"));
        if s(c, "report") == "settlement" {
            let r = SettlementReport::from_json(input).unwrap();
            let t = r.totals();
            for list in [&r.by_brand, &r.by_method] {
                assert_eq!(list.iter().map(|b| b.amount).sum::<i64>(), t.net(), "{}", s(c, "name"));
                let count: u64 = list.iter().map(|b| u64::from(b.count)).sum();
                assert_eq!(count, t.debit_count + t.credit_count, "{}", s(c, "name"));
            }
        } else {
            let r = StatsReport::from_json(input).unwrap();
            let t = r.totals();
            for list in [&r.by_method, &r.by_brand, &r.by_operator, &r.by_hour] {
                if !list.is_empty() {
                    assert_eq!(list.iter().map(|b| b.amount).sum::<i64>(), t.net, "{}", s(c, "name"));
                }
            }
        }
    }
}

/// The HTML pages are self-contained: no script, no external resource.
#[test]
fn golden_html_is_self_contained() {
    for c in index()["cases"].as_array().unwrap() {
        if s(&c["options"], "format") != "html" || c["expected"].is_null() {
            continue;
        }
        let html = read(s(c, "expected"));
        for bad in ["<script", "src=", "href=", "url(", "@import"] {
            assert!(!html.contains(bad), "{}: has {bad}", s(c, "name"));
        }
        if s(c, "report") == "statistics" {
            assert!(html.contains("<svg") && html.contains("<rect"), "{}: no chart", s(c, "name"));
        }
    }
}

/// With `POSCORE_SCREENSHOTS=1` (and Chromium on PATH, or its path in `POSCORE_CHROMIUM`),
/// renders every golden HTML report to `tests/artifacts/reports/<case>.png` for a person to look
/// at. Off by default: it starts a browser per page.
#[cfg(not(target_arch = "wasm32"))] // starts a process and writes files
#[test]
fn html_screenshots() {
    GOLDENS.screenshots("800,2400");
}
