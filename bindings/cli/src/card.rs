//! `poscore card ...`

use std::fmt::Write as _;

use clap::Subcommand;
use poscore::card;
use serde_json::json;

use crate::Output;

#[derive(Debug, Subcommand)]
pub enum CardCmd {
    /// Recognise a PAN, track 2 data or payment code: brand, Luhn, masked form, expiry...
    Inspect {
        /// PAN digits, track 2 (`PAN=YYMMSSS...` or `PAN D YYMM...`) or a scanned payment code.
        input: String,
    },
    /// Check the Luhn digit of a number.
    Luhn {
        /// Digits, check digit last.
        number: String,
    },
    /// Compute the Luhn check digit to append.
    CheckDigit {
        /// Digits without the check digit.
        partial: String,
    },
    /// Mask a PAN (first 6 / last 4 by default).
    Mask {
        /// The PAN.
        pan: String,
        /// Leading digits to keep.
        #[arg(long, default_value_t = 6)]
        first: usize,
        /// Trailing digits to keep.
        #[arg(long, default_value_t = 4)]
        last: usize,
    },
}

pub fn run(cmd: CardCmd) -> poscore::Result<Output> {
    Ok(match cmd {
        CardCmd::Inspect { input } => {
            let i = card::inspect(&input)?;
            let json = serde_json::to_value(&i).expect("inspection serializes");
            let mut text = format!(
                "kind:    {:?}\nbrand:   {}\nluhn:    {}\nmasked:  {}\nlength:  {}\n",
                i.kind,
                i.brand.display_name(),
                if i.luhn_valid { "valid" } else { "INVALID" },
                i.masked,
                i.length
            );
            if let Some(e) = &i.expiry {
                let _ = writeln!(text, "expiry:  {e} (YYMM)");
            }
            if let (Some(s), Some(chip)) = (&i.service_code, i.chip_card) {
                let _ = writeln!(text, "service: {s}{}", if chip { " (chip card: use the chip)" } else { "" });
            }
            if let Some(k) = i.payment_code {
                let _ = writeln!(text, "wallet:  {}", k.as_str());
            }
            Output::new(json, text)
        }
        CardCmd::Luhn { number } => {
            let valid = card::luhn_valid(&number);
            Output::new(json!({ "luhn_valid": valid }), if valid { "valid" } else { "invalid" })
        }
        CardCmd::CheckDigit { partial } => {
            let d = card::luhn_check_digit(&partial)?;
            Output::new(json!({ "check_digit": d }), d.to_string())
        }
        CardCmd::Mask { pan, first, last } => {
            let m = card::mask_pan(&pan, &card::MaskPolicy { keep_first: first, keep_last: last, mask_char: '*' })?;
            Output::new(json!({ "masked": m }), m)
        }
    })
}
