//! Report labels (Chinese and English per key) from `core/data/report.json`, the receipt
//! module's data-file approach: compiled in with `include_str!`, replaceable at run time.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::ReportError;
use crate::receipt::Lang;

const BUNDLED: &str = include_str!("../../data/report.json");

/// Every label key a data file must define (bucket names, `brand_*` and `method_*`, are
/// optional: an id without a label prints as given).
pub(crate) const KEYS: &[&str] = &[
    "title_settlement",
    "title_terminal_totals",
    "title_statistics",
    "not_settled",
    "reprint",
    "merchant_name",
    "merchant_id",
    "terminal_id",
    "operator_id",
    "batch_no",
    "datetime",
    "currency",
    "period",
    "period_to",
    "period_day",
    "period_week",
    "period_month",
    "domestic",
    "foreign",
    "all_cards",
    "result_balanced",
    "result_unbalanced",
    "result_error",
    "col_type",
    "col_count",
    "col_amount",
    "col_gross",
    "col_refunds",
    "col_voids",
    "col_net",
    "col_average",
    "col_day",
    "col_week",
    "col_month",
    "col_brand",
    "col_method",
    "col_operator",
    "col_hour",
    "txn_sale",
    "txn_completion",
    "txn_offline_sale",
    "txn_refund",
    "txn_void",
    "txn_completion_void",
    "debit_total",
    "credit_total",
    "net_total",
    "total",
    "average_ticket",
    "by_brand",
    "by_method",
    "by_operator",
    "by_hour",
    "none",
    "chart_title",
];

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Label {
    zh: String,
    en: String,
}

#[derive(Deserialize)]
struct File {
    labels: BTreeMap<String, Label>,
}

/// Report labels, from `core/data/report.json` or a file of the same shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    labels: BTreeMap<String, Label>,
}

impl Labels {
    /// The bundled labels.
    pub fn bundled() -> &'static Labels {
        static L: OnceLock<Labels> = OnceLock::new();
        L.get_or_init(|| Labels::from_json(BUNDLED).expect("bundled core/data/report.json is valid"))
    }

    /// Load a labels file: every key of [`KEYS`] must be present, and no label may hold a
    /// character a report refuses in its data (controls, bidirectional formatting).
    pub fn from_json(json: &str) -> Result<Self, ReportError> {
        let f: File = serde_json::from_str(json).map_err(|e| ReportError::BadLabels { message: e.to_string() })?;
        if let Some(k) = KEYS.iter().find(|k| !f.labels.contains_key(**k)) {
            return Err(ReportError::BadLabels { message: format!("label {k:?} missing") });
        }
        if let Some((k, _)) =
            f.labels.iter().find(|(_, l)| l.zh.chars().chain(l.en.chars()).any(crate::receipt::forbidden_in_text))
        {
            return Err(ReportError::BadLabels { message: format!("label {k:?} has a control or bidi character") });
        }
        Ok(Self { labels: f.labels })
    }

    /// One language only. Every key used in code is in [`KEYS`], checked on load (tested).
    pub fn text<'a>(&'a self, key: &'a str, lang: Lang) -> &'a str {
        self.labels.get(key).map_or(key, |l| match lang {
            Lang::Zh => &l.zh,
            Lang::En => &l.en,
        })
    }

    /// A title: `结算单 SETTLEMENT REPORT` in zh, `SETTLEMENT REPORT` in en.
    pub fn heading(&self, key: &str, lang: Lang) -> String {
        match (lang, self.labels.get(key)) {
            (Lang::Zh, Some(l)) if l.zh != l.en => format!("{} {}", l.zh, l.en),
            _ => self.text(key, lang).to_owned(),
        }
    }

    /// The display name of a bucket: its `brand_<id>` / `method_<id>` label, or the name as given.
    pub(crate) fn bucket<'a>(&'a self, prefix: &str, name: &'a str, lang: Lang) -> &'a str {
        match self.labels.get(&format!("{prefix}_{name}")) {
            Some(l) => match lang {
                Lang::Zh => &l.zh,
                Lang::En => &l.en,
            },
            None => name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::Brand;
    use crate::receipt::EntryMode;

    #[test]
    fn bundled_labels_load() {
        let l = Labels::bundled();
        assert_eq!(l.heading("title_settlement", Lang::Zh), "结算单 SETTLEMENT REPORT");
        assert_eq!(l.heading("title_settlement", Lang::En), "SETTLEMENT REPORT");
        assert_eq!(l.text("domestic", Lang::Zh), "内卡");
        assert_eq!(l.bucket("brand", "union_pay", Lang::Zh), "银联");
        assert_eq!(l.bucket("method", "wechat_pay", Lang::En), "WECHAT PAY");
        assert_eq!(l.bucket("method", "octopus", Lang::Zh), "octopus");
    }

    #[test]
    fn every_key_is_bundled_and_listed() {
        let json: serde_json::Value = serde_json::from_str(BUNDLED).unwrap();
        let labels = json["labels"].as_object().unwrap();
        for k in labels.keys() {
            assert!(
                KEYS.contains(&k.as_str()) || k.starts_with("brand_") || k.starts_with("method_"),
                "{k} is not in KEYS"
            );
        }
        for t in super::super::ReportTxn::ALL {
            assert!(labels.contains_key(&format!("txn_{}", t.as_str())));
        }
        for b in [
            Brand::UnionPay,
            Brand::Visa,
            Brand::Mastercard,
            Brand::Amex,
            Brand::Jcb,
            Brand::Discover,
            Brand::DinersClub,
            Brand::Unknown,
        ] {
            assert!(labels.contains_key(&format!("brand_{}", b.as_str())), "{b:?}");
        }
        for e in [EntryMode::Chip, EntryMode::Swipe, EntryMode::Contactless, EntryMode::Manual, EntryMode::Qr] {
            assert!(labels.contains_key(&format!("method_{}", e.as_str())), "{e:?}");
        }
        for w in [
            crate::card::PaymentCodeKind::WechatPay,
            crate::card::PaymentCodeKind::Alipay,
            crate::card::PaymentCodeKind::UnionPayQr,
        ] {
            assert!(labels.contains_key(&format!("method_{}", w.as_str())));
        }
    }

    #[test]
    fn missing_or_hostile_label_is_an_error() {
        assert_eq!(Labels::from_json(r#"{"labels": {}}"#).unwrap_err().code(), "report.bad_labels");
        let hostile = BUNDLED.replace("\"结算单\"", "\"结算\\u202e单\"");
        assert_eq!(Labels::from_json(&hostile).unwrap_err().code(), "report.bad_labels");
    }
}
