//! `poscore iso8583 ...` and `poscore tlv ...`

use std::borrow::Cow;

use clap::{Subcommand, ValueEnum};
use poscore::iso8583::{self, Frame, FrameConfig, Iso8583Error, LengthHeader, Message, MessageJson, Spec, Tpdu};
use poscore::tlv;
use serde_json::{json, Value};

use crate::{input, Output};

#[derive(Debug, Subcommand)]
pub enum Iso8583Cmd {
    /// Unpack a message and show its fields, masked (PAN, track data, PIN block, MAC, cryptograms)
    /// in text and `--json` alike. Takes the message (MTI first) or, with `--frame` or when it
    /// looks like one under cup-pos, a whole frame (length, TPDU, header); hex with spaces and
    /// newlines as dumps print it, from the argument or stdin.
    Decode {
        /// Bundled spec name (iso87ascii, iso87binary, cup-pos) or a spec JSON file.
        #[arg(long)]
        spec: String,
        /// The hex (message or frame); `-` or absent: read stdin.
        hex: Option<String>,
        /// The input is a whole frame: 2-byte length, TPDU (5 bytes) and `--header-len` bytes of
        /// header before the message.
        #[arg(long)]
        frame: bool,
        /// Header length of a frame (UnionPay: 6).
        #[arg(long, default_value_t = 6)]
        header_len: usize,
        /// Show every value in the clear in `--json` (`{"mti", "fields"}` as `encode` takes it):
        /// for test hosts and test cards only.
        #[arg(long)]
        reveal: bool,
    },
    /// Pack {"mti": "0200", "fields": {"2": "...", ...}} read from stdin; prints uppercase hex.
    Encode {
        /// Bundled spec name or a spec JSON file.
        #[arg(long)]
        spec: String,
    },
    /// Print a bundled spec's JSON (a template for another host's spec).
    Spec {
        /// Bundled spec name.
        name: String,
    },
    /// Frame a message for TCP, or take a frame apart.
    #[command(subcommand)]
    Frame(FrameCmd),
    /// Encode/decode JSON lines from stdin (one result line each); for differential tests.
    #[command(hide = true)]
    Batch {
        /// Bundled spec name or a spec JSON file.
        #[arg(long)]
        spec: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LengthArg {
    /// 2-byte big-endian binary.
    Binary2,
    /// 2-byte BCD.
    Bcd2,
    /// 4 ASCII digits.
    Ascii4,
}

#[derive(Debug, clap::Args)]
pub struct FrameOpts {
    /// Length header.
    #[arg(long, value_enum, default_value = "binary2")]
    length: LengthArg,
    /// TPDU in hex (encode), or present (decode: any value). Omit for none.
    #[arg(long)]
    tpdu: Option<String>,
    /// Terminal header in hex (encode) / its length in bytes (decode: `--header-len`).
    #[arg(long, default_value = "")]
    header: String,
    /// Header length when decoding.
    #[arg(long, default_value_t = 0)]
    header_len: usize,
    /// Largest frame accepted.
    #[arg(long, default_value_t = 8192)]
    max_frame: usize,
}

#[derive(Debug, Subcommand)]
pub enum FrameCmd {
    /// Wrap a message (hex) in length, TPDU and header.
    Encode {
        #[command(flatten)]
        opts: FrameOpts,
        /// The message in hex.
        hex: String,
    },
    /// Take one frame (hex) apart.
    Decode {
        #[command(flatten)]
        opts: FrameOpts,
        /// The frame in hex.
        hex: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TlvCmd {
    /// Decode EMV BER-TLV (field 55): text masks sensitive tags; `--json` gives raw values.
    Decode {
        /// The TLV bytes in hex.
        hex: String,
    },
}

/// A spec by bundled name, or read from a JSON file.
fn load_spec(name: &str) -> Result<Cow<'static, Spec>, Iso8583Error> {
    if iso8583::spec::BUNDLED.contains(&name) {
        return Ok(Cow::Borrowed(Spec::bundled(name)?));
    }
    let path = std::path::Path::new(name);
    match input::read_file(path) {
        Ok(text) => Ok(Cow::Owned(Spec::from_json(&text)?)),
        // A name that opens nothing and does not look like a file is an unknown spec name.
        Err(input::InputError::Io(_)) if !path.extension().is_some_and(|x| x.eq_ignore_ascii_case("json")) => {
            Err(Iso8583Error::UnknownSpec { name: name.to_owned() })
        }
        Err(e) => Err(Iso8583Error::BadSpec { field: None, reason: format!("cannot read {name}: {e}") }),
    }
}

fn config(o: &FrameOpts, header_len: usize) -> FrameConfig {
    FrameConfig {
        length: match o.length {
            LengthArg::Binary2 => LengthHeader::Binary2,
            LengthArg::Bcd2 => LengthHeader::Bcd2,
            LengthArg::Ascii4 => LengthHeader::Ascii4,
        },
        tpdu: o.tpdu.is_some(),
        header_len,
        max_frame: o.max_frame,
    }
}

fn error_json(e: &poscore::Error) -> Value {
    let mut v = json!({"error": e.code(), "detail": e.to_string()});
    if let poscore::Error::Iso8583(i) = e {
        if let Some(f) = i.field() {
            v["field"] = json!(f);
        }
        if let Some(o) = i.offset() {
            v["offset"] = json!(o);
        }
    }
    v
}

/// `iso8583 decode`: a message or a whole frame, masked unless `reveal`.
fn decode(spec_name: &str, hex: Option<&str>, frame: bool, header_len: usize, reveal: bool) -> poscore::Result<Output> {
    let spec = load_spec(spec_name)?;
    let text = match hex {
        None | Some("-") => {
            input::read_stdin().map_err(|e| Iso8583Error::BadJson { reason: format!("reading stdin: {e}") })?
        }
        Some(h) => h.to_owned(),
    };
    let bytes = iso8583::parse_hex(&text)?;
    // A frame: asked for, or a cup-pos dump whose first two bytes give the rest's length
    // and whose TPDU starts with 60.
    let looks_framed = spec_name == "cup-pos"
        && bytes.len() > 7
        && usize::from(u16::from_be_bytes([bytes[0], bytes[1]])) == bytes.len() - 2
        && bytes[2] == 0x60;
    let (framing, body) = if frame || looks_framed {
        let cfg =
            FrameConfig { length: LengthHeader::Binary2, tpdu: true, header_len, max_frame: bytes.len().max(8192) };
        let f = cfg.decode(&bytes)?;
        let tpdu = f.tpdu.map(|t| iso8583::to_hex(&t.to_bytes()));
        (Some(json!({ "tpdu": tpdu, "header": iso8583::to_hex(&f.header) })), f.message)
    } else {
        (None, bytes)
    };
    let m = Message::unpack(&spec, &body)?;
    let mut json = if reveal {
        serde_json::to_value(m.to_json(&spec)).expect("message JSON serializes")
    } else {
        m.to_masked_json(&spec)
    };
    let mut text = String::new();
    if let Some(f) = &framing {
        json["frame"] = f.clone();
        text = format!("TPDU {}  header {}\n", f["tpdu"].as_str().unwrap_or("-"), f["header"].as_str().unwrap_or(""));
    }
    text.push_str(&m.describe(&spec));
    Ok(Output::new(json, text))
}

pub fn run(cmd: Iso8583Cmd) -> poscore::Result<Output> {
    Ok(match cmd {
        Iso8583Cmd::Decode { spec, hex, frame, header_len, reveal } => {
            decode(&spec, hex.as_deref(), frame, header_len, reveal)?
        }
        Iso8583Cmd::Encode { spec } => {
            let spec = load_spec(&spec)?;
            let input =
                input::read_stdin().map_err(|e| Iso8583Error::BadJson { reason: format!("reading stdin: {e}") })?;
            let m = Message::from_json_str(&spec, &input)?;
            let hex = iso8583::to_hex(&m.pack(&spec)?);
            Output::new(json!({ "hex": hex }), hex)
        }
        Iso8583Cmd::Spec { name } => {
            let text = Spec::bundled_json(&name).ok_or(Iso8583Error::UnknownSpec { name: name.clone() })?;
            let json: Value = serde_json::from_str(text).expect("bundled spec is JSON");
            Output::new(json, text)
        }
        Iso8583Cmd::Frame(FrameCmd::Encode { opts, hex }) => {
            let header = iso8583::parse_hex(&opts.header)?;
            let cfg = config(&opts, header.len());
            let tpdu = opts.tpdu.as_deref().map(|t| iso8583::parse_hex(t).and_then(|b| Tpdu::parse(&b))).transpose()?;
            let frame = Frame { tpdu, header, message: iso8583::parse_hex(&hex)? };
            let out = iso8583::to_hex(&cfg.encode(&frame)?);
            Output::new(json!({ "hex": out }), out)
        }
        Iso8583Cmd::Frame(FrameCmd::Decode { opts, hex }) => {
            let cfg = config(&opts, opts.header_len);
            let f = cfg.decode(&iso8583::parse_hex(&hex)?)?;
            let tpdu = f.tpdu.map(|t| iso8583::to_hex(&t.to_bytes()));
            let json = json!({
                "tpdu": tpdu,
                "response_tpdu": f.tpdu.map(|t| iso8583::to_hex(&t.response().to_bytes())),
                "header": iso8583::to_hex(&f.header),
                "message": iso8583::to_hex(&f.message),
            });
            let text = format!(
                "tpdu:    {}\nheader:  {}\nmessage: {}\n",
                tpdu.unwrap_or_else(|| "-".into()),
                iso8583::to_hex(&f.header),
                iso8583::to_hex(&f.message)
            );
            Output::new(json, text)
        }
        Iso8583Cmd::Batch { spec } => {
            let spec = load_spec(&spec)?;
            let mut stdin = std::io::stdin().lock();
            let mut out = String::new();
            loop {
                let line = match input::read_line(&mut stdin) {
                    Ok(Some(line)) => line,
                    Ok(None) => break,
                    Err(e) => {
                        // The answers so far, then the error (non-zero exit): a line over the
                        // cap cannot be answered or skipped reliably.
                        print!("{out}");
                        return Err(Iso8583Error::BadJson { reason: format!("stdin line: {e}") }.into());
                    }
                };
                if line.trim().is_empty() {
                    continue;
                }
                let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
                let r: poscore::Result<Value> = match v["op"].as_str() {
                    Some("encode") => serde_json::from_value::<MessageJson>(v["message"].clone())
                        .map_err(|e| Iso8583Error::BadJson { reason: e.to_string() }.into())
                        .and_then(|j| Ok(Message::from_json(&spec, &j)?.pack(&spec)?))
                        .map(|b| json!({ "hex": iso8583::to_hex(&b) })),
                    Some("decode") => iso8583::parse_hex(v["hex"].as_str().unwrap_or(""))
                        .and_then(|b| Message::unpack(&spec, &b))
                        .map(|m| json!({ "message": m.to_json(&spec) }))
                        .map_err(Into::into),
                    _ => Err(Iso8583Error::BadJson { reason: "each line needs op encode|decode".into() }.into()),
                };
                out.push_str(&r.unwrap_or_else(|e| error_json(&e)).to_string());
                out.push('\n');
            }
            print!("{out}");
            std::process::exit(0);
        }
    })
}

pub fn run_tlv(cmd: TlvCmd) -> poscore::Result<Output> {
    Ok(match cmd {
        TlvCmd::Decode { hex } => {
            let items = tlv::decode(&iso8583::parse_hex(&hex)?)?;
            let json = serde_json::to_value(tlv::to_json(&items, false)).expect("TLV JSON serializes");
            Output::new(json!({ "tlv": json }), tlv::describe(&items))
        }
    })
}
