//! Checking a request before it is queued: amounts, card and PIN input, the original a void
//! cancels, and the double-tap fingerprint.

use super::error::{Result, TerminalError};
use super::journal::{self, TxnRecord, TxnStatus};
use super::kinds::facts;
use super::types::{CardInput, PinInput, Request, TxnKind};
use super::Terminal;

impl Terminal {
    pub(super) fn validate(&self, request: &Request) -> Result<()> {
        let amount_ok = |a: u64| {
            if a == 0 || a > 999_999_999_999 {
                Err(TerminalError::BadRequest { field: "amount", reason: format!("{a} is not 1..=999999999999") })
            } else {
                Ok(())
            }
        };
        let card_ok = |card: &CardInput, pin: Option<&PinInput>| -> Result<()> {
            match card {
                CardInput::QrCode { code } => {
                    if code.is_empty() || code.len() > 32 || !code.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(TerminalError::BadRequest {
                            field: "card.code",
                            reason: "a payment code is 1 to 32 digits".into(),
                        });
                    }
                    if pin.is_some() {
                        return Err(TerminalError::BadRequest {
                            field: "pin",
                            reason: "payment codes carry no PIN".into(),
                        });
                    }
                }
                CardInput::Magstripe { track2 } => {
                    crate::card::Track2::parse(track2).map_err(crate::Error::from)?;
                }
                CardInput::Chip { pan, icc_data, .. } | CardInput::Contactless { pan, icc_data, .. } => {
                    crate::card::Pan::parse(pan).map_err(crate::Error::from)?;
                    crate::keys::hex_decode(icc_data)
                        .map_err(|e| TerminalError::BadRequest { field: "card.icc_data", reason: e.to_string() })?;
                }
            }
            Ok(())
        };
        match request {
            Request::Sale { amount, card, pin }
            | Request::PreAuth { amount, card, pin }
            | Request::Completion { amount, card, pin, .. } => {
                amount_ok(*amount)?;
                card_ok(card, pin.as_ref())
            }
            Request::Refund { amount, card, .. } => {
                amount_ok(*amount)?;
                card_ok(card, None)
            }
            Request::OfflineSale { amount, card, auth_code, .. } => {
                amount_ok(*amount)?;
                if auth_code
                    .as_ref()
                    .is_some_and(|a| a.is_empty() || a.len() > 6 || !a.bytes().all(|b| b.is_ascii_alphanumeric()))
                {
                    return Err(TerminalError::BadRequest {
                        field: "auth_code",
                        reason: "1 to 6 letters or digits".into(),
                    });
                }
                card_ok(card, None)
            }
            Request::BalanceInquiry { card, pin } => card_ok(card, pin.as_ref()),
            Request::Void { original_stan, card, pin }
            | Request::PreAuthVoid { original_stan, card, pin }
            | Request::CompletionVoid { original_stan, card, pin } => {
                card_ok(card, pin.as_ref())?;
                self.void_original(original_stan, request.kind()).map(|_| ())
            }
            Request::SignOn
            | Request::SignOff
            | Request::Settle
            | Request::EchoTest
            | Request::DownloadParameters
            | Request::UploadStatus
            | Request::DownloadCaPublicKeys
            | Request::DownloadAidParams => Ok(()),
        }
    }

    /// The approved original a void of kind `void` cancels: a sale, pre-authorisation or
    /// completion of the open batch not already voided (or being voided).
    pub(super) fn void_original(&self, stan: &str, void: TxnKind) -> Result<&TxnRecord> {
        let original = facts(void).voids;
        let key = journal::txn_key(&self.state.batch, stan);
        let voided = self.records.values().any(|r| {
            r.kind == void
                && r.original_stan.as_deref() == Some(stan)
                && r.batch == self.state.batch
                && (r.status == TxnStatus::Approved || r.is_owed())
        });
        match self.records.get(&key) {
            Some(r) if Some(r.kind) == original && r.status == TxnStatus::Approved && !voided => Ok(r),
            _ => Err(TerminalError::UnknownOriginal { stan: stan.to_owned(), batch: self.state.batch.clone() }),
        }
    }
}

/// SHA-256 over kind, amount and account of a money-moving request (no PAN kept in the clear).
pub(super) fn fingerprint(r: &Request) -> Option<String> {
    let (amount, card) = match r {
        Request::Sale { amount, card, .. }
        | Request::PreAuth { amount, card, .. }
        | Request::Completion { amount, card, .. }
        | Request::Refund { amount, card, .. }
        | Request::OfflineSale { amount, card, .. } => (*amount, card),
        Request::Void { original_stan, card, .. }
        | Request::PreAuthVoid { original_stan, card, .. }
        | Request::CompletionVoid { original_stan, card, .. } => (original_stan.parse().unwrap_or(0), card),
        _ => return None,
    };
    let text = format!("{}|{amount}|{}", r.kind().as_str(), card.account());
    Some(crate::keys::hex_encode(ring::digest::digest(&ring::digest::SHA256, text.as_bytes()).as_ref()))
}
