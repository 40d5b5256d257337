//! The report records the engine fills in, and their validation.
//!
//! Every record is plain data with public fields: the engine builds it from the journal (or a
//! host from JSON), and every renderer validates it first, so a bad record is an error and never
//! a half-printed slip.

use serde::{Deserialize, Serialize};

use super::{ReportError, MAX_AMOUNT, MAX_ENTRIES};
use crate::receipt::Currency;

/// Which report a [`SettlementReport`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// 结算单: printed after the 0510 answer, with the host's result per card scope.
    Settlement,
    /// 终端统计 / 打印交易汇总: the open batch's totals, printed without settling (openpos
    /// `PRINT_List` with `PRINT_TOTAL_FLAG`); no result, since the host was not asked.
    TerminalTotals,
}

impl ReportKind {
    /// snake_case identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Settlement => "settlement",
            Self::TerminalTotals => "terminal_totals",
        }
    }
}

/// The host's reconciliation result for one card scope, the result digit of field 48 in the
/// 0510 (offset 30 for domestic cards, 61 for foreign ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettleResult {
    /// `1`, 对账平: the host's totals equal the terminal's.
    Balanced,
    /// `2`, 对账不平: they differ; the terminal uploads every transaction of the batch.
    Unbalanced,
    /// `3`, 对账错误.
    Error,
}

impl SettleResult {
    /// The result of a field 48 result digit (`1`, `2`, `3`), as openpos `serv.c`
    /// `SERV_SettleOnline` reads it; `None` for any other byte.
    pub fn from_field48_digit(digit: u8) -> Option<Self> {
        match digit {
            b'1' => Some(Self::Balanced),
            b'2' => Some(Self::Unbalanced),
            b'3' => Some(Self::Error),
            _ => None,
        }
    }

    /// snake_case identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Balanced => "balanced",
            Self::Unbalanced => "unbalanced",
            Self::Error => "error",
        }
    }
}

/// A kind of transaction counted on the settlement report. Debits (money to the merchant) are
/// sales, completions and offline sales; credits are refunds, voids and completion voids: the
/// engine's batch totals and field 48 count them the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportTxn {
    /// 消费.
    Sale,
    /// 预授权完成.
    Completion,
    /// 离线消费: offline sales forwarded as advices.
    OfflineSale,
    /// 退货.
    Refund,
    /// 撤销 (of a sale).
    Void,
    /// 预授权完成撤销.
    CompletionVoid,
}

impl ReportTxn {
    /// Every kind, in the order a report prints them (debits, then credits).
    pub const ALL: [Self; 6] =
        [Self::Sale, Self::Completion, Self::OfflineSale, Self::Refund, Self::Void, Self::CompletionVoid];

    /// snake_case identifier (JSON, label keys).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sale => "sale",
            Self::Completion => "completion",
            Self::OfflineSale => "offline_sale",
            Self::Refund => "refund",
            Self::Void => "void",
            Self::CompletionVoid => "completion_void",
        }
    }

    /// Money goes back to the cardholder (贷记).
    pub fn is_credit(self) -> bool {
        matches!(self, Self::Refund | Self::Void | Self::CompletionVoid)
    }

    /// Printed even with nothing in it, as field terminals print their fixed rows; the others
    /// only when the section has them.
    pub(crate) fn always_printed(self) -> bool {
        matches!(self, Self::Sale | Self::Completion | Self::Refund | Self::Void)
    }
}

/// Count and amount of one kind of transaction in one card scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportLine {
    /// The kind.
    pub txn: ReportTxn,
    /// Number of approved transactions.
    pub count: u32,
    /// Their sum in minor units (at most [`MAX_AMOUNT`]).
    pub amount: u64,
}

/// One card scope of a settlement report: domestic (内卡) or foreign (外卡) cards.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSection {
    /// The host's result; `None` on terminal totals (and printed as nothing on a settlement, as
    /// openpos does for a digit it does not know).
    #[serde(default)]
    pub result: Option<SettleResult>,
    /// One line per kind, each kind at most once; kinds left out count zero.
    #[serde(default)]
    pub lines: Vec<ReportLine>,
}

/// Debit and credit totals of a section (借记总计, 贷记总计), as field 48 carries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SectionTotals {
    /// Number of debits (sales, completions, offline sales).
    pub debit_count: u64,
    /// Their amount, minor units.
    pub debit_amount: u64,
    /// Number of credits (refunds, voids, completion voids).
    pub credit_count: u64,
    /// Their amount, minor units.
    pub credit_amount: u64,
}

impl SectionTotals {
    /// Debits minus credits (借记-贷记), minor units (clamped to `i64`, which validated amounts
    /// never come near).
    pub fn net(&self) -> i64 {
        clamp(i128::from(self.debit_amount) - i128::from(self.credit_amount))
    }

    /// Sum of two scopes (domestic + foreign = the batch).
    #[must_use]
    pub fn plus(&self, o: &Self) -> Self {
        Self {
            debit_count: self.debit_count.saturating_add(o.debit_count),
            debit_amount: self.debit_amount.saturating_add(o.debit_amount),
            credit_count: self.credit_count.saturating_add(o.credit_count),
            credit_amount: self.credit_amount.saturating_add(o.credit_amount),
        }
    }
}

impl ReportSection {
    /// Debit and credit totals of the lines. Saturating, so an unvalidated section cannot panic;
    /// a validated one never comes near the limits.
    pub fn totals(&self) -> SectionTotals {
        let mut t = SectionTotals::default();
        for l in &self.lines {
            let (c, a) = if l.txn.is_credit() {
                (&mut t.credit_count, &mut t.credit_amount)
            } else {
                (&mut t.debit_count, &mut t.debit_amount)
            };
            *c = c.saturating_add(u64::from(l.count));
            *a = a.saturating_add(l.amount);
        }
        t
    }

    /// The line of `txn`, or a zero line.
    pub fn line(&self, txn: ReportTxn) -> ReportLine {
        self.lines.iter().find(|l| l.txn == txn).copied().unwrap_or(ReportLine { txn, count: 0, amount: 0 })
    }
}

/// Count and net amount of one group: a card brand, a payment method, an operator, an hour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportBucket {
    /// The group. Brands: [`crate::card::Brand`] ids (`union_pay`, `visa`, `mastercard`, `jcb`,
    /// `amex`, `discover`, `diners_club`, `unknown`); methods: `card`, `chip`, `swipe`,
    /// `contactless`, `manual`, `qr` and the [`crate::card::PaymentCodeKind`] ids (`wechat_pay`,
    /// `alipay`, `union_pay_qr`), or any other lower-case id, printed as given; operators: the
    /// operator number; hours: `00` to `23`.
    pub name: String,
    /// Number of transactions.
    pub count: u32,
    /// Net amount (debits minus credits), minor units.
    pub amount: i64,
}

/// The settlement report (结算单) or the terminal totals (终端统计) of one batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettlementReport {
    /// Settlement or terminal totals.
    pub kind: ReportKind,
    /// 商户名称.
    pub merchant_name: String,
    /// 商户编号 (field 42).
    pub merchant_id: String,
    /// 终端编号 (field 41).
    pub terminal_id: String,
    /// 操作员号 of who printed it.
    #[serde(default)]
    pub operator_id: Option<String>,
    /// 批次号, 6 digits.
    pub batch: String,
    /// Local date of the settlement (or of the printout), `YYYY-MM-DD`.
    pub date: String,
    /// Local time, `HH:MM:SS`.
    pub time: String,
    /// ISO 4217 numeric (`156`) or alpha code of the batch.
    pub currency: String,
    /// 内卡: UnionPay cards.
    pub domestic: ReportSection,
    /// 外卡: every other card organisation.
    pub foreign: ReportSection,
    /// Per card brand.
    #[serde(default)]
    pub by_brand: Vec<ReportBucket>,
    /// Per payment method.
    #[serde(default)]
    pub by_method: Vec<ReportBucket>,
    /// Printed again (结算单(重打印), openpos `PRINT_RePrint_List`).
    #[serde(default)]
    pub reprint: bool,
}

/// What one row of a statistics report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Rows are days, `2026-12-06`.
    Day,
    /// Rows are ISO 8601 weeks, `2026-W49`.
    Week,
    /// Rows are months, `2026-12`.
    Month,
}

impl Period {
    /// snake_case identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }
}

/// One day, week or month of sales.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsRow {
    /// `2026-12-06`, `2026-W49` or `2026-12`, as the report's [`Period`] says.
    pub label: String,
    /// Number of sales (debits: sales, completions, offline sales).
    pub count: u32,
    /// Their sum, minor units.
    pub gross: u64,
    /// Refunds in the period, minor units.
    pub refunds: u64,
    /// Voids (of sales and completions) in the period, minor units.
    pub voids: u64,
    /// `gross - refunds - voids`.
    pub net: i64,
    /// `gross / count` rounded half up (0 with no sales).
    pub average_ticket: u64,
}

/// An `i128` figure as `i64`, saturating (no panic on an unvalidated record).
fn clamp(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// `amount / count` rounded half up; 0 for no count.
pub(crate) fn average(amount: u64, count: u64) -> u64 {
    if count == 0 {
        0
    } else {
        ((u128::from(amount) * 2 + u128::from(count)) / (u128::from(count) * 2)) as u64
    }
}

impl StatsRow {
    /// A row with `net` and `average_ticket` computed.
    pub fn new(label: impl Into<String>, count: u32, gross: u64, refunds: u64, voids: u64) -> Self {
        Self {
            label: label.into(),
            count,
            gross,
            refunds,
            voids,
            net: clamp(i128::from(gross) - i128::from(refunds) - i128::from(voids)),
            average_ticket: average(gross, u64::from(count)),
        }
    }
}

/// Sales statistics over days, weeks or months (日报, 周报, 月报).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsReport {
    /// 商户名称.
    pub merchant_name: String,
    /// 商户编号.
    pub merchant_id: String,
    /// 终端编号.
    pub terminal_id: String,
    /// What a row covers.
    pub period: Period,
    /// First day covered, `YYYY-MM-DD`.
    pub from: String,
    /// Last day covered, `YYYY-MM-DD`.
    pub to: String,
    /// ISO 4217 numeric (`156`) or alpha code.
    pub currency: String,
    /// One row per day, week or month, in ascending order; periods without sales may be left out.
    pub rows: Vec<StatsRow>,
    /// Per payment method (ids as in [`ReportBucket::name`]).
    #[serde(default)]
    pub by_method: Vec<ReportBucket>,
    /// Per card brand.
    #[serde(default)]
    pub by_brand: Vec<ReportBucket>,
    /// Per operator number.
    #[serde(default)]
    pub by_operator: Vec<ReportBucket>,
    /// Per hour of the day, `00` to `23`.
    #[serde(default)]
    pub by_hour: Vec<ReportBucket>,
}

/// Totals over the rows of a statistics report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatsTotals {
    /// Number of sales.
    pub count: u64,
    /// Gross sales.
    pub gross: u64,
    /// Refunds.
    pub refunds: u64,
    /// Voids.
    pub voids: u64,
    /// `gross - refunds - voids`.
    pub net: i64,
    /// `gross / count` rounded half up.
    pub average_ticket: u64,
}

impl StatsReport {
    /// The CSV header of [`StatsReport::csv`].
    pub const CSV_HEADER: &'static str = "period,label,count,gross,refunds,voids,net,average_ticket,currency";

    /// The rows as CSV (RFC 4180, a header line first): what a spreadsheet or a database loads.
    /// Labels and codes need no quoting (digits, `-` and `W`).
    pub fn csv(&self) -> String {
        use std::fmt::Write as _;
        let mut s = format!("{}\n", Self::CSV_HEADER);
        for r in &self.rows {
            let _ = writeln!(
                s,
                "{},{},{},{},{},{},{},{},{}",
                self.period.as_str(),
                r.label,
                r.count,
                r.gross,
                r.refunds,
                r.voids,
                r.net,
                r.average_ticket,
                self.currency
            );
        }
        s
    }

    /// The rows as JSON Lines: one object per row.
    pub fn jsonl(&self) -> String {
        self.rows.iter().map(|r| serde_json::to_string(r).unwrap_or_default() + "\n").collect()
    }

    /// Totals of the rows. Saturating, so an unvalidated report cannot panic.
    pub fn totals(&self) -> StatsTotals {
        let mut t = StatsTotals::default();
        for r in &self.rows {
            t.count = t.count.saturating_add(u64::from(r.count));
            t.gross = t.gross.saturating_add(r.gross);
            t.refunds = t.refunds.saturating_add(r.refunds);
            t.voids = t.voids.saturating_add(r.voids);
            t.net = t.net.saturating_add(r.net);
        }
        t.average_ticket = average(t.gross, t.count);
        t
    }
}

// ---- validation ----------------------------------------------------------------------------

fn cut(s: &str) -> String {
    s.chars().take(40).collect()
}

fn bad(field: impl Into<String>, found: &str, expected: &'static str) -> ReportError {
    ReportError::BadField { field: field.into(), found: cut(found), expected }
}

/// Non-empty text without control, bidirectional-formatting or line-separator characters: the
/// receipt module's rule ([`crate::receipt::ReceiptData`] documents why).
fn text(field: &str, v: &str) -> Result<(), ReportError> {
    if v.trim().is_empty() {
        return Err(bad(field, v, "a non-empty value"));
    }
    if v.chars().any(crate::receipt::forbidden_in_text) {
        return Err(bad(
            field,
            v,
            "text without control, bidirectional-formatting or line/paragraph-separator characters",
        ));
    }
    Ok(())
}

fn date(field: &str, v: &str) -> Result<(), ReportError> {
    crate::receipt::check_date(v).map_err(|_| bad(field, v, "a calendar date YYYY-MM-DD"))
}

fn amount(field: &str, v: u64) -> Result<(), ReportError> {
    if v > MAX_AMOUNT {
        return Err(bad(field, &v.to_string(), "at most 999999999999 minor units"));
    }
    Ok(())
}

fn entries<T>(field: &str, v: &[T]) -> Result<(), ReportError> {
    if v.len() > MAX_ENTRIES {
        return Err(ReportError::TooMany { field: field.to_owned(), len: v.len(), max: MAX_ENTRIES });
    }
    Ok(())
}

pub(crate) fn currency(code: &str) -> Result<Currency, ReportError> {
    Currency::lookup(code).map_err(|_| ReportError::UnknownCurrency { currency: cut(code) })
}

/// What a list of buckets holds, which decides what a name may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BucketKind {
    Brand,
    Method,
    Operator,
    Hour,
}

impl BucketKind {
    pub(crate) fn field(self) -> &'static str {
        match self {
            Self::Brand => "by_brand",
            Self::Method => "by_method",
            Self::Operator => "by_operator",
            Self::Hour => "by_hour",
        }
    }
}

fn buckets(kind: BucketKind, list: &[ReportBucket]) -> Result<(), ReportError> {
    let field = kind.field();
    entries(field, list)?;
    for (i, b) in list.iter().enumerate() {
        let f = format!("{field}[{i}].name");
        match kind {
            BucketKind::Brand | BucketKind::Method => {
                let ok = (1..=32).contains(&b.name.len())
                    && b.name.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_');
                if !ok {
                    return Err(bad(f, &b.name, "an id of 1 to 32 characters a-z, 0-9 or _"));
                }
            }
            BucketKind::Operator => text(&f, &b.name)?,
            BucketKind::Hour => {
                let ok = b.name.len() == 2
                    && b.name.bytes().all(|c| c.is_ascii_digit())
                    && b.name.parse::<u8>().is_ok_and(|h| h < 24);
                if !ok {
                    return Err(bad(f, &b.name, "an hour 00 to 23"));
                }
            }
        }
        if list[..i].iter().any(|o| o.name == b.name) {
            return Err(bad(f, &b.name, "a name not already in the list"));
        }
        amount(&format!("{field}[{i}].amount"), b.amount.unsigned_abs())?;
    }
    Ok(())
}

fn section(field: &str, s: &ReportSection, kind: ReportKind) -> Result<(), ReportError> {
    if kind == ReportKind::TerminalTotals {
        if let Some(r) = s.result {
            return Err(bad(format!("{field}.result"), r.as_str(), "none on terminal totals (nothing was settled)"));
        }
    }
    entries(&format!("{field}.lines"), &s.lines)?;
    for (i, l) in s.lines.iter().enumerate() {
        if s.lines[..i].iter().any(|o| o.txn == l.txn) {
            return Err(bad(format!("{field}.lines[{i}].txn"), l.txn.as_str(), "each kind at most once"));
        }
        amount(&format!("{field}.lines[{i}].amount"), l.amount)?;
    }
    Ok(())
}

fn merchant(name: &str, id: &str, terminal: &str) -> Result<(), ReportError> {
    text("merchant_name", name)?;
    text("merchant_id", id)?;
    text("terminal_id", terminal)
}

impl SettlementReport {
    /// Parse the JSON form (unknown fields are refused) and validate it.
    pub fn from_json(json: &str) -> Result<Self, ReportError> {
        let r: Self = super::parse_json(json)?;
        r.validate()?;
        Ok(r)
    }

    /// Check every field: names printable, batch 6 digits, a real date and time, a known
    /// currency, amounts within [`MAX_AMOUNT`], each kind and bucket at most once, no result on
    /// terminal totals.
    pub fn validate(&self) -> Result<(), ReportError> {
        merchant(&self.merchant_name, &self.merchant_id, &self.terminal_id)?;
        if let Some(op) = &self.operator_id {
            text("operator_id", op)?;
        }
        if !(self.batch.len() == 6 && self.batch.bytes().all(|b| b.is_ascii_digit())) {
            return Err(bad("batch", &self.batch, "6 digits"));
        }
        date("date", &self.date)?;
        crate::receipt::check_time(&self.time).map_err(|_| bad("time", &self.time, "a time HH:MM:SS"))?;
        currency(&self.currency)?;
        section("domestic", &self.domestic, self.kind)?;
        section("foreign", &self.foreign, self.kind)?;
        buckets(BucketKind::Brand, &self.by_brand)?;
        buckets(BucketKind::Method, &self.by_method)
    }

    /// Both scopes together: the batch totals of the 0500.
    pub fn totals(&self) -> SectionTotals {
        self.domestic.totals().plus(&self.foreign.totals())
    }
}

// ---- calendar ----------------------------------------------------------------------------

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`,
/// <https://howardhinnant.github.io/date_algorithms.html>).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Day number of a validated `YYYY-MM-DD`.
fn day_number(d: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| d.get(r).and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    days_from_civil(n(0..4), n(5..7), n(8..10))
}

/// Day number of the Monday of ISO week 1 of `year`.
fn iso_week1_monday(year: i64) -> i64 {
    let jan4 = days_from_civil(year, 1, 4);
    // 1970-01-01 was a Thursday: weekday 0 = Monday.
    jan4 - (jan4 + 3).rem_euclid(7)
}

/// First and last day number of a period row label, if the label is valid for the period.
fn row_span(period: Period, label: &str) -> Option<(i64, i64)> {
    let b = label.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r.clone()).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    match period {
        Period::Day => crate::receipt::check_date(label).is_ok().then(|| (day_number(label), day_number(label))),
        Period::Month => {
            if b.len() != 7 || b[4] != b'-' || !digits(0..4) || !digits(5..7) {
                return None;
            }
            let (y, m): (i64, i64) = (label[0..4].parse().ok()?, label[5..7].parse().ok()?);
            if !(1..=12).contains(&m) {
                return None;
            }
            let first = days_from_civil(y, m, 1);
            let next = if m == 12 { days_from_civil(y + 1, 1, 1) } else { days_from_civil(y, m + 1, 1) };
            Some((first, next - 1))
        }
        Period::Week => {
            if b.len() != 8 || &label[4..6] != "-W" || !digits(0..4) || !digits(6..8) {
                return None;
            }
            let (y, w): (i64, i64) = (label[0..4].parse().ok()?, label[6..8].parse().ok()?);
            let weeks = (iso_week1_monday(y + 1) - iso_week1_monday(y)) / 7;
            if !(1..=weeks).contains(&w) {
                return None;
            }
            let monday = iso_week1_monday(y) + (w - 1) * 7;
            Some((monday, monday + 6))
        }
    }
}

impl StatsReport {
    /// Parse the JSON form (unknown fields are refused) and validate it.
    pub fn from_json(json: &str) -> Result<Self, ReportError> {
        let r: Self = super::parse_json(json)?;
        r.validate()?;
        Ok(r)
    }

    /// Check every field: names printable, real dates with `from <= to`, row labels of the
    /// period, ascending, unique and overlapping `from..=to`, each row's `net` and
    /// `average_ticket` as [`StatsRow::new`] computes them, amounts within [`MAX_AMOUNT`],
    /// buckets unique, hours `00`-`23`.
    pub fn validate(&self) -> Result<(), ReportError> {
        merchant(&self.merchant_name, &self.merchant_id, &self.terminal_id)?;
        date("from", &self.from)?;
        date("to", &self.to)?;
        if self.from > self.to {
            return Err(bad("to", &self.to, "a date on or after from"));
        }
        currency(&self.currency)?;
        entries("rows", &self.rows)?;
        let (from, to) = (day_number(&self.from), day_number(&self.to));
        for (i, r) in self.rows.iter().enumerate() {
            let f = |name: &str| format!("rows[{i}].{name}");
            let expected = match self.period {
                Period::Day => "a date YYYY-MM-DD",
                Period::Week => "an ISO week YYYY-Www",
                Period::Month => "a month YYYY-MM",
            };
            let Some((first, last)) = row_span(self.period, &r.label) else {
                return Err(bad(f("label"), &r.label, expected));
            };
            if last < from || first > to {
                return Err(bad(f("label"), &r.label, "a period overlapping from..to"));
            }
            if i > 0 && self.rows[i - 1].label >= r.label {
                return Err(bad(f("label"), &r.label, "labels in ascending order, each once"));
            }
            amount(&f("gross"), r.gross)?;
            amount(&f("refunds"), r.refunds)?;
            amount(&f("voids"), r.voids)?;
            let want = StatsRow::new(r.label.clone(), r.count, r.gross, r.refunds, r.voids);
            if r.net != want.net {
                return Err(ReportError::Inconsistent {
                    field: f("net"),
                    found: r.net.to_string(),
                    computed: want.net.to_string(),
                });
            }
            if r.average_ticket != want.average_ticket {
                return Err(ReportError::Inconsistent {
                    field: f("average_ticket"),
                    found: r.average_ticket.to_string(),
                    computed: want.average_ticket.to_string(),
                });
            }
        }
        buckets(BucketKind::Method, &self.by_method)?;
        buckets(BucketKind::Brand, &self.by_brand)?;
        buckets(BucketKind::Operator, &self.by_operator)?;
        buckets(BucketKind::Hour, &self.by_hour)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_weeks() {
        // 2026-W01 starts Monday 2025-12-29; 2026 has 53 weeks (it starts on a Thursday).
        assert_eq!(row_span(Period::Week, "2026-W01").unwrap().0, day_number("2025-12-29"));
        assert_eq!(row_span(Period::Week, "2026-W49").unwrap().0, day_number("2026-11-30"));
        assert!(row_span(Period::Week, "2026-W53").is_some());
        assert!(row_span(Period::Week, "2025-W53").is_none());
        assert!(row_span(Period::Week, "2026-W00").is_none());
        assert!(row_span(Period::Week, "2026-49").is_none());
        assert_eq!(row_span(Period::Month, "2028-02").map(|(a, b)| b - a + 1), Some(29));
        assert!(row_span(Period::Month, "2026-13").is_none());
        assert!(row_span(Period::Day, "2026-02-29").is_none());
    }

    #[test]
    fn averages_round_half_up() {
        assert_eq!(average(10, 4), 3); // 2.5
        assert_eq!(average(9, 4), 2); // 2.25
        assert_eq!(average(11, 4), 3); // 2.75
        assert_eq!(average(7, 0), 0);
        assert_eq!(average(6, 3), 2);
        assert_eq!(StatsRow::new("2026-12-01", 3, 1000, 100, 50).net, 850);
        assert_eq!(StatsRow::new("x", 1, 0, u64::MAX, u64::MAX).net, i64::MIN);
        assert_eq!(StatsRow::new("x", 1, u64::MAX, 0, 0).net, i64::MAX);
    }

    #[test]
    fn field48_result_digits() {
        assert_eq!(SettleResult::from_field48_digit(b'1'), Some(SettleResult::Balanced));
        assert_eq!(SettleResult::from_field48_digit(b'2'), Some(SettleResult::Unbalanced));
        assert_eq!(SettleResult::from_field48_digit(b'3'), Some(SettleResult::Error));
        assert_eq!(SettleResult::from_field48_digit(b'0'), None);
    }

    #[test]
    fn section_totals_split_debits_and_credits() {
        let s = ReportSection {
            result: None,
            lines: vec![
                ReportLine { txn: ReportTxn::Sale, count: 3, amount: 300 },
                ReportLine { txn: ReportTxn::Completion, count: 1, amount: 50 },
                ReportLine { txn: ReportTxn::Refund, count: 1, amount: 20 },
                ReportLine { txn: ReportTxn::Void, count: 2, amount: 30 },
            ],
        };
        let t = s.totals();
        assert_eq!((t.debit_count, t.debit_amount, t.credit_count, t.credit_amount, t.net()), (4, 350, 3, 50, 300));
        assert_eq!(s.line(ReportTxn::OfflineSale).count, 0);
    }
}
