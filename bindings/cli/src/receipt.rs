//! `poscore receipt --from-json TXN.json --format text|escpos|html|json`

use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Args, ValueEnum};
use poscore::receipt::{self, Lang, ReceiptCopy, ReceiptData, RenderOptions};
use serde_json::json;

use crate::{input, Output};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Plain text, one line per printed line.
    Text,
    /// ESC/POS bytes (uppercase hex on stdout, raw with --out).
    Escpos,
    /// Self-contained HTML page.
    Html,
    /// Electronic receipt JSON (`schema_version` 1).
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// Chinese with English labels in parentheses.
    Zh,
    /// English only.
    En,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CopyArg {
    /// 商户存根 MERCHANT COPY.
    Merchant,
    /// 持卡人存根 CARDHOLDER COPY.
    Cardholder,
    /// 银行存根 BANK COPY.
    Bank,
}

#[derive(Debug, Args)]
pub struct ReceiptCmd {
    /// The completed-transaction record (JSON; see `poscore::receipt::ReceiptInput` for the schema).
    #[arg(long, value_name = "TXN.json")]
    from_json: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Paper width in columns (32 = 58 mm, 48 = 80 mm).
    #[arg(long, default_value_t = 32, value_parser = clap::builder::PossibleValuesParser::new(["32", "48"]).map(|s| s.parse::<u16>().unwrap()))]
    width: u16,
    /// Language.
    #[arg(long, value_enum, default_value = "zh")]
    lang: LangArg,
    /// Which copy.
    #[arg(long, value_enum, default_value = "merchant")]
    copy: CopyArg,
    /// Mark the slip 重打印 REPRINT.
    #[arg(long)]
    reprint: bool,
    /// Purchases up to this amount (minor units) print 免签 instead of a signature line.
    #[arg(long, default_value_t = receipt::DEFAULT_NO_SIGNATURE_LIMIT)]
    no_signature_limit: u64,
    /// Write the output to FILE (raw bytes for escpos) instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02X}");
        s
    })
}

/// An I/O failure reading the record or writing the output, as a receipt error so it has a code.
fn io_error(what: &str, path: &std::path::Path, e: &dyn std::fmt::Display) -> poscore::Error {
    receipt::ReceiptError::BadJson { line: 0, column: 0, message: format!("{what} {}: {e}", path.display()) }.into()
}

pub fn run(cmd: &ReceiptCmd) -> poscore::Result<Output> {
    let json_in = input::read_file(&cmd.from_json).map_err(|e| io_error("cannot read", &cmd.from_json, &e))?;
    // The npm package hands records out with camelCase keys (`voucherNo`): the same record saved
    // from a page renders here too. snake_casing is idempotent on the schema's own spelling.
    let data = ReceiptData::from_json(&snake_keys(&json_in))?;
    let options = RenderOptions {
        width: cmd.width,
        lang: match cmd.lang {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        },
        copy: match cmd.copy {
            CopyArg::Merchant => ReceiptCopy::Merchant,
            CopyArg::Cardholder => ReceiptCopy::Cardholder,
            CopyArg::Bank => ReceiptCopy::Bank,
        },
        reprint: cmd.reprint,
        no_signature_limit: cmd.no_signature_limit,
    };
    let format = match cmd.format {
        Format::Text => receipt::Format::Text,
        Format::Escpos => receipt::Format::Escpos,
        Format::Html => receipt::Format::Html,
        Format::Json => receipt::Format::Json,
    };
    let bytes = receipt::render(&data, format, &options)?;
    let printable = if format == receipt::Format::Escpos {
        hex(&bytes)
    } else {
        String::from_utf8(bytes.clone()).expect("text formats are UTF-8")
    };
    let format = serde_json::to_value(format).expect("format serializes");
    if let Some(path) = &cmd.out {
        std::fs::write(path, &bytes).map_err(|e| io_error("cannot write", path, &e))?;
        let text = format!("wrote {} bytes ({}) to {}", bytes.len(), format.as_str().unwrap_or(""), path.display());
        return Ok(Output::new(
            json!({"format": format, "bytes": bytes.len(), "out": path.display().to_string()}),
            text,
        ));
    }
    let value = if cmd.format == Format::Json {
        serde_json::from_str(&printable).expect("electronic receipt is JSON")
    } else {
        serde_json::Value::String(printable.clone())
    };
    Ok(Output::new(json!({"format": format, "bytes": bytes.len(), "output": value}), printable))
}

/// The JSON text with every object key snake-cased (`voucherNo` -> `voucher_no`); text that is
/// not JSON is returned as it is, for the parser to report.
fn snake_keys(text: &str) -> String {
    fn walk(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => serde_json::Value::Object(
                m.into_iter()
                    .map(|(k, v)| {
                        let mut s = String::with_capacity(k.len() + 4);
                        for c in k.chars() {
                            if c.is_ascii_uppercase() {
                                s.push('_');
                                s.push(c.to_ascii_lowercase());
                            } else {
                                s.push(c);
                            }
                        }
                        (s, walk(v))
                    })
                    .collect(),
            ),
            serde_json::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(walk).collect()),
            other => other,
        }
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => walk(v).to_string(),
        Err(_) => text.to_owned(),
    }
}
