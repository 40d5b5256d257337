//! From a report record to blocks (what to show) and from blocks to printed lines.
//!
//! The blocks are shared by paper (text and ESC/POS) and HTML; only the statistics table picks
//! its columns by target, since a 32-column slip cannot hold seven numbers a row. Columns are
//! counted as the receipt module counts them ([`crate::receipt::display_width`]: CJK and
//! ambiguous-width characters take two), so the same slip fits the same printers.

use crate::receipt::{display_width, wrap, Currency, Lang, Line};

use super::labels::Labels;
use super::model::{
    Period, ReportBucket, ReportKind, ReportSection, ReportTxn, SettleResult, SettlementReport, StatsReport,
};
use super::ReportOptions;

/// Where blocks go: paper of so many columns, or an HTML page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Paper(usize),
    Html,
}

/// How a heading's right part reads (HTML colours it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    Plain,
    Good,
    Bad,
}

/// A row of a table: the label, then right-aligned numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) cells: Vec<String>,
    /// A totals row: bold on paper, in the table foot in HTML, after a rule.
    pub(crate) total: bool,
}

/// One bar of a chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bar {
    /// Full label (tooltip).
    pub(crate) label: String,
    /// Short label under the bar.
    pub(crate) short: String,
    /// Value in minor units.
    pub(crate) value: i64,
    /// Value as shown.
    pub(crate) display: String,
}

/// What a report says, before it is fitted to paper or HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// Centered line; `big` = the title (bold double height on ESC/POS, `<h1>` in HTML).
    Center { text: String, bold: bool, big: bool },
    /// A full-width rule.
    Rule,
    /// Label on the left, value on the right.
    Field { label: String, value: String },
    /// A section heading: name on the left, a status (settlement result) on the right.
    Heading { left: String, right: String, tone: Tone },
    /// A table: `head[0]` names the label column, the other columns are numbers.
    Table { head: Vec<String>, rows: Vec<Row> },
    /// A short paragraph.
    Para(String),
    /// A bar chart (HTML only).
    Chart { title: String, unit: String, bars: Vec<Bar>, exponent: u8 },
}

/// `1,234,567.89` for 123456789 minor units with exponent 2; `-50.00`; `1,200` with exponent 0.
/// Grouped by thousands: a batch or a month reaches millions, where ungrouped digits are misread.
pub(crate) fn money(exponent: u8, v: i64) -> String {
    let p = 10u64.pow(u32::from(exponent.min(4)));
    let a = v.unsigned_abs();
    let int = group(u128::from(a / p));
    let sign = if v < 0 { "-" } else { "" };
    if exponent == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{:0w$}", a % p, w = exponent.min(4) as usize)
    }
}

/// `money` of an unsigned amount.
pub(crate) fn money_u(exponent: u8, v: u64) -> String {
    money(exponent, i64::try_from(v).unwrap_or(i64::MAX))
}

/// Digits grouped by three with commas.
pub(crate) fn group(n: u128) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn field(labels: &Labels, key: &str, lang: Lang, value: impl Into<String>) -> Block {
    Block::Field { label: labels.text(key, lang).to_owned(), value: value.into() }
}

fn header_fields(
    b: &mut Vec<Block>,
    labels: &Labels,
    lang: Lang,
    (name, id, terminal): (&str, &str, &str),
    operator: Option<&str>,
) {
    b.push(field(labels, "merchant_name", lang, name));
    b.push(field(labels, "merchant_id", lang, id));
    b.push(field(labels, "terminal_id", lang, terminal));
    if let Some(op) = operator {
        b.push(field(labels, "operator_id", lang, op));
    }
}

fn result_heading(labels: &Labels, lang: Lang, scope: &str, result: Option<SettleResult>) -> Block {
    let (right, tone) = match result {
        None => (String::new(), Tone::Plain),
        Some(SettleResult::Balanced) => (labels.text("result_balanced", lang).to_owned(), Tone::Good),
        Some(SettleResult::Unbalanced) => (labels.text("result_unbalanced", lang).to_owned(), Tone::Bad),
        Some(SettleResult::Error) => (labels.text("result_error", lang).to_owned(), Tone::Bad),
    };
    Block::Heading { left: labels.text(scope, lang).to_owned(), right, tone }
}

fn section_table(s: &ReportSection, labels: &Labels, lang: Lang, exp: u8) -> Block {
    let mut rows = Vec::new();
    for txn in ReportTxn::ALL {
        let present = s.lines.iter().any(|l| l.txn == txn);
        if !(present || txn.always_printed()) {
            continue;
        }
        let l = s.line(txn);
        rows.push(Row {
            cells: vec![
                labels.text(&format!("txn_{}", txn.as_str()), lang).to_owned(),
                l.count.to_string(),
                money_u(exp, l.amount),
            ],
            total: false,
        });
    }
    let t = s.totals();
    let total = |key: &str, count: String, amount: String| Row {
        cells: vec![labels.text(key, lang).to_owned(), count, amount],
        total: true,
    };
    rows.push(total("debit_total", t.debit_count.to_string(), money_u(exp, t.debit_amount)));
    rows.push(total("credit_total", t.credit_count.to_string(), money_u(exp, t.credit_amount)));
    rows.push(total("net_total", String::new(), money(exp, t.net())));
    Block::Table { head: count_amount_head(labels, lang, "col_type"), rows }
}

fn count_amount_head(labels: &Labels, lang: Lang, first: &str) -> Vec<String> {
    ["col_count", "col_amount"].iter().fold(vec![labels.text(first, lang).to_owned()], |mut v, k| {
        v.push(labels.text(k, lang).to_owned());
        v
    })
}

/// A bucket table with its total; nothing for an empty list (a batch without transactions, a
/// breakdown the engine does not keep).
fn bucket_blocks(
    b: &mut Vec<Block>,
    labels: &Labels,
    lang: Lang,
    exp: u8,
    (key, col): (&str, &str),
    list: &[ReportBucket],
    name: impl Fn(&str) -> String,
) {
    if list.is_empty() {
        return;
    }
    b.push(Block::Rule);
    b.push(Block::Heading { left: labels.text(key, lang).to_owned(), right: String::new(), tone: Tone::Plain });
    let mut rows: Vec<Row> = list
        .iter()
        .map(|k| Row { cells: vec![name(&k.name), k.count.to_string(), money(exp, k.amount)], total: false })
        .collect();
    let count: u64 = list.iter().map(|k| u64::from(k.count)).sum();
    let amount: i64 = list.iter().map(|k| k.amount).sum();
    rows.push(Row {
        cells: vec![labels.text("total", lang).to_owned(), count.to_string(), money(exp, amount)],
        total: true,
    });
    b.push(Block::Table { head: count_amount_head(labels, lang, col), rows });
}

/// `2026/12/06 22:30:15`, as receipts print it.
fn datetime(date: &str, time: &str) -> String {
    format!("{} {time}", date.replace('-', "/"))
}

/// The blocks of a validated settlement report or terminal totals.
pub(crate) fn settlement(r: &SettlementReport, o: &ReportOptions, labels: &Labels, cur: &Currency) -> Vec<Block> {
    let lang = o.lang;
    let exp = cur.exponent;
    let mut b = Vec::new();
    let title = match r.kind {
        ReportKind::Settlement => "title_settlement",
        ReportKind::TerminalTotals => "title_terminal_totals",
    };
    b.push(Block::Center { text: labels.heading(title, lang), bold: true, big: true });
    if r.kind == ReportKind::TerminalTotals {
        b.push(Block::Center { text: labels.heading("not_settled", lang), bold: false, big: false });
    }
    if r.reprint {
        b.push(Block::Center { text: labels.heading("reprint", lang), bold: true, big: false });
    }
    b.push(Block::Rule);
    header_fields(&mut b, labels, lang, (&r.merchant_name, &r.merchant_id, &r.terminal_id), r.operator_id.as_deref());
    b.push(field(labels, "batch_no", lang, r.batch.clone()));
    b.push(field(labels, "datetime", lang, datetime(&r.date, &r.time)));
    b.push(field(labels, "currency", lang, cur.print.clone()));
    for (scope, s) in [("domestic", &r.domestic), ("foreign", &r.foreign)] {
        b.push(Block::Rule);
        b.push(result_heading(labels, lang, scope, s.result));
        b.push(section_table(s, labels, lang, exp));
    }
    bucket_blocks(&mut b, labels, lang, exp, ("by_brand", "col_brand"), &r.by_brand, |n| {
        labels.bucket("brand", n, lang).to_owned()
    });
    bucket_blocks(&mut b, labels, lang, exp, ("by_method", "col_method"), &r.by_method, |n| {
        labels.bucket("method", n, lang).to_owned()
    });
    b
}

/// The short label of a statistics row under its chart bar.
fn short_label(period: Period, label: &str) -> String {
    match period {
        Period::Day | Period::Week => label.get(5..).unwrap_or(label).to_owned(),
        Period::Month => label.to_owned(),
    }
}

/// The blocks of a validated statistics report.
pub(crate) fn stats(r: &StatsReport, o: &ReportOptions, labels: &Labels, cur: &Currency, target: Target) -> Vec<Block> {
    let lang = o.lang;
    let exp = cur.exponent;
    let mut b = Vec::new();
    let (period_key, col_key) = match r.period {
        Period::Day => ("period_day", "col_day"),
        Period::Week => ("period_week", "col_week"),
        Period::Month => ("period_month", "col_month"),
    };
    b.push(Block::Center { text: labels.heading("title_statistics", lang), bold: true, big: true });
    b.push(Block::Center { text: labels.heading(period_key, lang), bold: false, big: false });
    b.push(Block::Rule);
    header_fields(&mut b, labels, lang, (&r.merchant_name, &r.merchant_id, &r.terminal_id), None);
    b.push(field(labels, "period", lang, format!("{} {} {}", r.from, labels.text("period_to", lang), r.to)));
    b.push(field(labels, "currency", lang, cur.print.clone()));
    b.push(Block::Rule);
    if target == Target::Html {
        b.push(Block::Chart {
            title: labels.text("chart_title", lang).to_owned(),
            unit: cur.print.clone(),
            bars: r
                .rows
                .iter()
                .map(|row| Bar {
                    label: row.label.clone(),
                    short: short_label(r.period, &row.label),
                    value: row.net,
                    display: money(exp, row.net),
                })
                .collect(),
            exponent: exp,
        });
    }
    // Columns: all on a page, what fits on paper (the totals below carry the rest).
    let cols: &[&str] = match target {
        Target::Html => &["col_count", "col_gross", "col_refunds", "col_voids", "col_net", "col_average"],
        Target::Paper(w) if w >= 48 => &["col_count", "col_gross", "col_net", "col_average"],
        Target::Paper(_) => &["col_count", "col_net"],
    };
    let cell = |key: &str, count: u64, gross: u64, refunds: u64, voids: u64, net: i64, avg: u64| match key {
        "col_count" => count.to_string(),
        "col_gross" => money_u(exp, gross),
        "col_refunds" => money_u(exp, refunds),
        "col_voids" => money_u(exp, voids),
        "col_net" => money(exp, net),
        _ => money_u(exp, avg),
    };
    let mut head = vec![labels.text(col_key, lang).to_owned()];
    head.extend(cols.iter().map(|k| labels.text(k, lang).to_owned()));
    let mut rows: Vec<Row> = r
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![row.label.clone()];
            cells.extend(cols.iter().map(|k| {
                cell(k, u64::from(row.count), row.gross, row.refunds, row.voids, row.net, row.average_ticket)
            }));
            Row { cells, total: false }
        })
        .collect();
    let t = r.totals();
    if target == Target::Html {
        let mut cells = vec![labels.text("total", lang).to_owned()];
        cells.extend(cols.iter().map(|k| cell(k, t.count, t.gross, t.refunds, t.voids, t.net, t.average_ticket)));
        rows.push(Row { cells, total: true });
    }
    if r.rows.is_empty() {
        b.push(Block::Para(labels.text("none", lang).to_owned()));
    } else {
        b.push(Block::Table { head, rows });
    }
    if let Target::Paper(_) = target {
        b.push(Block::Rule);
        b.push(Block::Heading { left: labels.text("total", lang).to_owned(), right: String::new(), tone: Tone::Plain });
        b.push(field(labels, "col_count", lang, t.count.to_string()));
        b.push(field(labels, "col_gross", lang, money_u(exp, t.gross)));
        b.push(field(labels, "col_refunds", lang, money_u(exp, t.refunds)));
        b.push(field(labels, "col_voids", lang, money_u(exp, t.voids)));
        b.push(field(labels, "col_net", lang, money(exp, t.net)));
        b.push(field(labels, "average_ticket", lang, money_u(exp, t.average_ticket)));
    }
    bucket_blocks(&mut b, labels, lang, exp, ("by_method", "col_method"), &r.by_method, |n| {
        labels.bucket("method", n, lang).to_owned()
    });
    bucket_blocks(&mut b, labels, lang, exp, ("by_brand", "col_brand"), &r.by_brand, |n| {
        labels.bucket("brand", n, lang).to_owned()
    });
    bucket_blocks(&mut b, labels, lang, exp, ("by_operator", "col_operator"), &r.by_operator, str::to_owned);
    bucket_blocks(&mut b, labels, lang, exp, ("by_hour", "col_hour"), &r.by_hour, |n| format!("{n}:00"));
    b
}

// ---- paper ---------------------------------------------------------------------------------

fn push(out: &mut Vec<Line>, text: &str, bold: bool, big: bool) {
    out.push(Line::Text { text: text.trim_end().to_owned(), bold, big });
}

fn pad_left(s: &str, width: usize) -> String {
    format!("{}{s}", " ".repeat(width.saturating_sub(display_width(s))))
}

fn pad_right(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(display_width(s))))
}

fn center(s: &str, width: usize) -> String {
    format!("{}{s}", " ".repeat(width.saturating_sub(display_width(s)) / 2))
}

/// `label: value` on one line when it fits, else the label wrapped and the value wrapped and
/// right-aligned below it.
fn pair(label: &str, value: &str, width: usize, bold: bool, out: &mut Vec<Line>) {
    let label = format!("{label}:");
    let (lw, vw) = (display_width(&label), display_width(value));
    if lw + 1 + vw <= width {
        push(out, &format!("{label}{}{value}", " ".repeat(width - lw - vw)), bold, false);
        return;
    }
    for l in wrap(&label, width) {
        push(out, &l, bold, false);
    }
    for v in balanced(value, width) {
        push(out, &pad_left(&v, width), bold, false);
    }
}

/// Wrap into as few lines as [`wrap`] needs, but of similar widths, so a long merchant name does
/// not end in one lonely character (the receipt module's rule).
fn balanced(value: &str, width: usize) -> Vec<String> {
    let greedy = wrap(value, width);
    let n = greedy.len();
    if n < 2 {
        return greedy;
    }
    let total = display_width(value);
    (total.div_ceil(n)..width).map(|w| wrap(value, w)).find(|l| l.len() == n).unwrap_or(greedy)
}

/// Left and right on one line (a heading), or each on lines of their own.
fn split_line(left: &str, right: &str, width: usize, bold: bool, out: &mut Vec<Line>) {
    let (lw, rw) = (display_width(left), display_width(right));
    if right.is_empty() {
        for l in wrap(left, width) {
            push(out, &l, bold, false);
        }
    } else if lw + 1 + rw <= width {
        push(out, &format!("{left}{}{right}", " ".repeat(width - lw - rw)), bold, false);
    } else {
        for l in wrap(left, width) {
            push(out, &l, bold, false);
        }
        for r in wrap(right, width) {
            push(out, &pad_left(&r, width), bold, false);
        }
    }
}

/// A table on paper. Number columns are as wide as their widest cell and right-aligned; the
/// label takes what is left. A label too long for its room goes on lines of its own, the numbers
/// on the line below (as openpos `PRINT_List` prints a label line and a count/amount line); when
/// even the numbers cannot share a line, each prints as `head: value` under the label.
///
/// `align` holds column widths shared by the report's tables of the same shape, so their
/// numbers line up down the slip; they are used when they fit.
fn table(head: &[String], rows: &[Row], width: usize, align: Option<&[usize]>, out: &mut Vec<Line>) {
    let ncols = head.len();
    let own = column_widths(head, rows);
    let fits = |w: &[usize]| w.iter().map(|w| w + 1).sum::<usize>() + 4 <= width;
    let widths = match align {
        Some(a) if a.len() == own.len() && fits(a) => a.to_vec(),
        _ => own,
    };
    let numbers: usize = widths.iter().map(|w| w + 1).sum();
    // Columns mode needs room for at least a few label columns.
    if numbers + 4 <= width {
        let room = width - numbers;
        let nums = |cells: &[String]| -> String {
            (1..ncols).fold(String::new(), |mut s, i| {
                s.push(' ');
                s.push_str(&pad_left(cells.get(i).map_or("", String::as_str), widths[i - 1]));
                s
            })
        };
        let line = |cells: &[String], bold: bool, out: &mut Vec<Line>| {
            let label = cells.first().map_or("", String::as_str);
            if display_width(label) <= room {
                push(out, &format!("{}{}", pad_right(label, room), nums(cells)), bold, false);
            } else {
                for l in wrap(label, width) {
                    push(out, &l, bold, false);
                }
                push(out, &format!("{}{}", " ".repeat(room), nums(cells)), bold, false);
            }
        };
        line(head, false, out);
        let mut ruled = false;
        for r in rows {
            if r.total && !ruled {
                push(out, &"-".repeat(width), false, false);
                ruled = true;
            }
            line(&r.cells, r.total, out);
        }
        return;
    }
    let mut ruled = false;
    for r in rows {
        if r.total && !ruled {
            push(out, &"-".repeat(width), false, false);
            ruled = true;
        }
        for l in wrap(r.cells.first().map_or("", String::as_str), width) {
            push(out, &l, true, false);
        }
        for (i, h) in head.iter().enumerate().skip(1) {
            let v = r.cells.get(i).map_or("", String::as_str);
            if !v.is_empty() {
                pair(&format!(" {h}"), v, width, r.total, out);
            }
        }
    }
}

/// Widths of the number columns: the widest cell or head of each.
fn column_widths(head: &[String], rows: &[Row]) -> Vec<usize> {
    (1..head.len())
        .map(|i| {
            rows.iter()
                .map(|r| r.cells.get(i).map_or(0, |c| display_width(c)))
                .chain(std::iter::once(display_width(&head[i])))
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// Fit blocks to `width` columns. A chart has no paper form (its figures are the table's).
pub(crate) fn lines(blocks: &[Block], width: usize) -> Vec<Line> {
    // Tables of the same number of columns share their column widths.
    let mut align: Vec<Vec<usize>> = Vec::new();
    for b in blocks {
        if let Block::Table { head, rows } = b {
            let w = column_widths(head, rows);
            match align.iter_mut().find(|a| a.len() == w.len()) {
                Some(a) => a.iter_mut().zip(&w).for_each(|(a, w)| *a = (*a).max(*w)),
                None => align.push(w),
            }
        }
    }
    let mut out = Vec::new();
    for b in blocks {
        match b {
            Block::Center { text, bold, big } => {
                for l in wrap(text, width) {
                    push(&mut out, &center(&l, width), *bold, *big);
                }
            }
            Block::Rule => push(&mut out, &"-".repeat(width), false, false),
            Block::Field { label, value } => pair(label, value, width, false, &mut out),
            Block::Heading { left, right, .. } => split_line(left, right, width, true, &mut out),
            Block::Table { head, rows } => {
                let a = align.iter().find(|a| a.len() + 1 == head.len()).map(Vec::as_slice);
                table(head, rows, width, a, &mut out);
            }
            Block::Para(p) => {
                for l in wrap(p, width) {
                    push(&mut out, &l, false, false);
                }
            }
            Block::Chart { .. } => {}
        }
    }
    out
}

/// The lines as text, one `\n`-terminated line each.
pub(crate) fn text(lines: &[Line]) -> String {
    let mut s = String::new();
    for l in lines {
        if let Line::Text { text, .. } = l {
            s.push_str(text);
            s.push('\n');
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(2, 0), "0.00");
        assert_eq!(money(2, 5), "0.05");
        assert_eq!(money(2, 123_456_789), "1,234,567.89");
        assert_eq!(money(2, -100_000), "-1,000.00");
        assert_eq!(money(0, 1_200), "1,200");
        assert_eq!(money(2, i64::MIN), "-92,233,720,368,547,758.08");
        assert_eq!(money_u(2, 99_999), "999.99");
    }

    #[test]
    fn table_fits_or_stacks() {
        let head: Vec<String> = ["类型", "笔数", "金额"].map(String::from).to_vec();
        let rows = vec![
            Row { cells: ["消费", "12", "1,234.56"].map(String::from).to_vec(), total: false },
            Row {
                cells: ["预授权完成撤销很长的名字", "1", "8.00"].map(String::from).to_vec(), total: false
            },
            Row { cells: ["借记-贷记", "", "1,226.56"].map(String::from).to_vec(), total: true },
        ];
        let mut out = Vec::new();
        table(&head, &rows, 32, None, &mut out);
        let t = text(&out);
        assert_eq!(
            t,
            "类型               笔数     金额\n\
             消费                 12 1,234.56\n\
             预授权完成撤销很长的名字\n                      1     8.00\n\
             --------------------------------\n\
             借记-贷记               1,226.56\n"
        );
        for l in t.lines() {
            assert!(display_width(l) <= 32, "{l}");
        }
        // Numbers too wide for one line: stacked.
        let wide = vec![Row {
            cells: vec!["x".into(), "4294967295".into(), "-92,233,720,368,547,758.08".into()],
            total: false,
        }];
        let mut out = Vec::new();
        table(&head, &wide, 32, None, &mut out);
        let t = text(&out);
        assert!(t.contains("-92,233,720,368,547,758.08"), "{t}");
        for l in t.lines() {
            assert!(display_width(l) <= 32, "{l}");
        }
    }
}
