//! What happened: a host response or a local failure, with a portable string key.
//!
//! The key (`comm.receive_timeout.after_send`, `printer.out_of_paper`, `code:94`) is how the
//! local-failure map in the profile data refers to failures and how the shared vectors and the
//! JS/Kotlin surfaces pass them around as plain strings.

use serde::{Deserialize, Serialize};

use super::ResponseError;

/// When a failure happened relative to the request leaving the terminal: the line between
/// "safe to retry" and "may have charged the cardholder".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Nothing of the request left the terminal.
    BeforeSend,
    /// The request (or part of it) left; no usable response yet.
    AfterSend,
    /// The host approved; the terminal had not finished (chip second GENERATE AC, receipt).
    AfterApproval,
}

/// Communication failure kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommError {
    /// The connection could not be opened.
    ConnectFailed,
    /// Writing the request failed.
    SendFailed,
    /// No response within the timeout (before send: the connect/send timer fired).
    ReceiveTimeout,
    /// The connection closed or reset.
    LineDropped,
    /// The TLS handshake failed: the acquirer's certificate expired (or the terminal's clock is
    /// wrong).
    TlsCertificateExpired,
    /// The TLS handshake failed: the acquirer's certificate does not chain to a configured CA.
    TlsCertificateUntrusted,
    /// The TLS handshake failed: no presented key matches a pinned one.
    TlsPinMismatch,
    /// The TLS handshake failed: the certificate names another host.
    TlsNameMismatch,
    /// The TLS handshake failed for another reason (version, cipher, client certificate refused).
    TlsHandshakeFailed,
}

/// Card reading failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardReadError {
    /// The chip could not be read; magnetic-stripe fallback is possible.
    ChipFallback,
    /// The magnetic stripe read was bad.
    MagstripeBadRead,
    /// The card was removed too early.
    CardRemoved,
    /// The chip declined (offline, or at the second GENERATE AC after host approval).
    ChipDeclined,
}

/// Printer status faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrinterFault {
    /// Out of paper.
    OutOfPaper,
    /// Cover open.
    CoverOpen,
    /// Print head overheated.
    Overheat,
    /// Any other printer fault.
    Fault,
}

/// Key and sign-on state problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyProblem {
    /// No sign-on yet (or it expired): no working keys.
    NotSignedOn,
    /// A working key from the sign-on response failed its check value.
    KcvMismatch,
    /// No terminal master key is loaded.
    MasterKeyMissing,
}

/// Problems with a response that arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseProblem {
    /// The response MAC did not verify (the A0 family).
    MacFailed,
    /// The response does not match the request (STAN, terminal id, amount).
    Mismatch,
    /// The response could not be unpacked.
    Malformed,
}

/// The "9997 cannot verify" family as field terminals break it down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifyFailure {
    /// Not broken down (plain 9997).
    Unknown,
    /// Card fault.
    Card,
    /// Wrong payment method.
    PaymentMethod,
    /// Wrong PIN.
    Pin,
    /// Network.
    Network,
    /// Terminal hardware.
    Hardware,
    /// Terminal software.
    Software,
}

/// Offline acceptance: accepted, or which of the merchant's limits refused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfflineEvent {
    /// Accepted and stored: the merchant carries the risk until the host accepts the advice.
    Accepted,
    /// Offline acceptance is off.
    Disabled,
    /// The amount is over the per-payment limit.
    AmountLimit,
    /// The stored total would go over its limit.
    TotalLimit,
    /// Too many payments stored.
    CountLimit,
    /// A stored payment is older than allowed: forward before accepting more.
    TooOld,
    /// That entry mode may not go offline.
    EntryMode,
    /// The limits ask for an offline PIN.
    PinRequired,
    /// The host has not been found unreachable: send the payment online.
    HostReachable,
    /// The card did not approve offline (no TC).
    CardDeclined,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The host answered with this field 39 code.
    HostResponse {
        /// Field 39.
        code: String,
    },
    /// Communication failed.
    Comm {
        /// What failed.
        error: CommError,
        /// Before or after the request left.
        phase: Phase,
    },
    /// Card reading failed.
    CardRead {
        /// What failed.
        error: CardReadError,
        /// When.
        phase: Phase,
    },
    /// The printer reported a fault.
    Printer {
        /// Which.
        fault: PrinterFault,
    },
    /// Keys or sign-on state.
    Keys {
        /// Which.
        problem: KeyProblem,
    },
    /// The response arrived but cannot be trusted.
    Response {
        /// Which.
        problem: ResponseProblem,
    },
    /// The acquirer announced maintenance (header flag, notice) before anything was sent.
    HostMaintenance,
    /// Verification failed locally (the 9997 family).
    CannotVerify {
        /// The broken-down reason.
        reason: VerifyFailure,
    },
    /// The pending reversal could not be delivered within the retry limit: the terminal keeps
    /// it and refuses further financial transactions until it is reconciled.
    ReversalExhausted,
    /// The journal failed its integrity checks (a record deleted, added, replaced by an older
    /// copy or copied from another terminal, or a rollback).
    JournalDamaged,
    /// A TMS download (parameters, CA public keys, AIDs) brought data that failed its checks (a
    /// key whose SHA-1 checksum does not match, a list that does not parse): the terminal keeps
    /// its previous set.
    DownloadRejected,
    /// The host's settlement totals differ from the terminal's (对账不平): the batch upload
    /// follows and the operator compares the reports.
    SettlementUnbalanced,
    /// Offline acceptance ([`crate::terminal::Request::OfflineSale`]): accepted at the
    /// merchant's risk, or refused by one of the merchant's limits.
    Offline {
        /// Which.
        what: OfflineEvent,
    },
    /// A failure with no more detail (the 103 family).
    General,
}

macro_rules! names {
    ($ty:ty { $($v:ident = $s:literal),+ $(,)? }) => {
        impl $ty {
            /// The key segment (`receive_timeout`), also the JSON spelling.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),+ }
            }
            fn parse_seg(s: &str) -> Option<Self> {
                match s { $($s => Some(Self::$v),)+ _ => None }
            }
            const NAMES: &'static str = concat!($($s, " "),+);
        }
    };
}

names!(Phase { BeforeSend = "before_send", AfterSend = "after_send", AfterApproval = "after_approval" });
names!(CommError {
    ConnectFailed = "connect_failed",
    SendFailed = "send_failed",
    ReceiveTimeout = "receive_timeout",
    LineDropped = "line_dropped",
    TlsCertificateExpired = "tls_certificate_expired",
    TlsCertificateUntrusted = "tls_certificate_untrusted",
    TlsPinMismatch = "tls_pin_mismatch",
    TlsNameMismatch = "tls_name_mismatch",
    TlsHandshakeFailed = "tls_handshake_failed",
});
names!(CardReadError {
    ChipFallback = "chip_fallback",
    MagstripeBadRead = "magstripe_bad_read",
    CardRemoved = "card_removed",
    ChipDeclined = "chip_declined",
});
names!(PrinterFault { OutOfPaper = "out_of_paper", CoverOpen = "cover_open", Overheat = "overheat", Fault = "fault" });
names!(KeyProblem { NotSignedOn = "not_signed_on", KcvMismatch = "kcv_mismatch", MasterKeyMissing = "master_key_missing" });
names!(ResponseProblem { MacFailed = "mac_failed", Mismatch = "mismatch", Malformed = "malformed" });
names!(OfflineEvent {
    Accepted = "accepted",
    Disabled = "disabled",
    AmountLimit = "amount_limit",
    TotalLimit = "total_limit",
    CountLimit = "count_limit",
    TooOld = "too_old",
    EntryMode = "entry_mode",
    PinRequired = "pin_required",
    HostReachable = "host_reachable",
    CardDeclined = "card_declined",
});
names!(VerifyFailure {
    Unknown = "unknown",
    Card = "card",
    PaymentMethod = "payment_method",
    Pin = "pin",
    Network = "network",
    Hardware = "hardware",
    Software = "software",
});

impl Event {
    /// The portable key: `code:51`, `comm.receive_timeout.after_send`, `card.card_removed.after_approval`,
    /// `printer.out_of_paper`, `keys.kcv_mismatch`, `response.mac_failed`, `host.maintenance`,
    /// `verify.pin`, `reversal.exhausted`, `general`.
    pub fn key(&self) -> String {
        match self {
            Self::HostResponse { code } => format!("code:{code}"),
            Self::Comm { error, phase } => format!("comm.{}.{}", error.as_str(), phase.as_str()),
            Self::CardRead { error, phase } => format!("card.{}.{}", error.as_str(), phase.as_str()),
            Self::Printer { fault } => format!("printer.{}", fault.as_str()),
            Self::Keys { problem } => format!("keys.{}", problem.as_str()),
            Self::Response { problem } => format!("response.{}", problem.as_str()),
            Self::HostMaintenance => "host.maintenance".to_owned(),
            Self::CannotVerify { reason } => format!("verify.{}", reason.as_str()),
            Self::ReversalExhausted => "reversal.exhausted".to_owned(),
            Self::JournalDamaged => "journal.damaged".to_owned(),
            Self::DownloadRejected => "download.rejected".to_owned(),
            Self::Offline { what } => format!("offline.{}", what.as_str()),
            Self::SettlementUnbalanced => "settlement.unbalanced".to_owned(),
            Self::General => "general".to_owned(),
        }
    }

    /// Parse a key made by [`Event::key`]. Comm and card keys need their phase.
    pub fn parse(key: &str) -> Result<Self, ResponseError> {
        let bad = |segment, expected| ResponseError::BadKey { what: "event", input: key.to_owned(), segment, expected };
        if let Some(code) = key.strip_prefix("code:") {
            return Ok(Self::HostResponse { code: code.to_owned() });
        }
        let segs: Vec<&str> = key.split('.').collect();
        let want = |n: usize| {
            if segs.len() == n {
                Ok(())
            } else {
                Err(bad(segs.len().min(n), "no more and no fewer segments"))
            }
        };
        match segs[0] {
            "comm" | "card" => {
                want(3)?;
                let phase = Phase::parse_seg(segs[2]).ok_or_else(|| bad(2, Phase::NAMES))?;
                if segs[0] == "comm" {
                    let error = CommError::parse_seg(segs[1]).ok_or_else(|| bad(1, CommError::NAMES))?;
                    Ok(Self::Comm { error, phase })
                } else {
                    let error = CardReadError::parse_seg(segs[1]).ok_or_else(|| bad(1, CardReadError::NAMES))?;
                    Ok(Self::CardRead { error, phase })
                }
            }
            "printer" => {
                want(2)?;
                Ok(Self::Printer {
                    fault: PrinterFault::parse_seg(segs[1]).ok_or_else(|| bad(1, PrinterFault::NAMES))?,
                })
            }
            "keys" => {
                want(2)?;
                Ok(Self::Keys { problem: KeyProblem::parse_seg(segs[1]).ok_or_else(|| bad(1, KeyProblem::NAMES))? })
            }
            "response" => {
                want(2)?;
                let problem = ResponseProblem::parse_seg(segs[1]).ok_or_else(|| bad(1, ResponseProblem::NAMES))?;
                Ok(Self::Response { problem })
            }
            "verify" => {
                want(2)?;
                let reason = VerifyFailure::parse_seg(segs[1]).ok_or_else(|| bad(1, VerifyFailure::NAMES))?;
                Ok(Self::CannotVerify { reason })
            }
            "host" => {
                want(2)?;
                if segs[1] == "maintenance" {
                    Ok(Self::HostMaintenance)
                } else {
                    Err(bad(1, "maintenance"))
                }
            }
            "reversal" => {
                want(2)?;
                if segs[1] == "exhausted" {
                    Ok(Self::ReversalExhausted)
                } else {
                    Err(bad(1, "exhausted"))
                }
            }
            "journal" => {
                want(2)?;
                if segs[1] == "damaged" {
                    Ok(Self::JournalDamaged)
                } else {
                    Err(bad(1, "damaged"))
                }
            }
            "download" => {
                want(2)?;
                if segs[1] == "rejected" {
                    Ok(Self::DownloadRejected)
                } else {
                    Err(bad(1, "rejected"))
                }
            }
            "settlement" => {
                want(2)?;
                if segs[1] == "unbalanced" {
                    Ok(Self::SettlementUnbalanced)
                } else {
                    Err(bad(1, "unbalanced"))
                }
            }
            "offline" => {
                want(2)?;
                let what = OfflineEvent::parse_seg(segs[1]).ok_or_else(|| bad(1, OfflineEvent::NAMES))?;
                Ok(Self::Offline { what })
            }
            "general" => {
                want(1)?;
                Ok(Self::General)
            }
            _ => Err(bad(
                0,
                "code:XX, comm, card, printer, keys, response, verify, host, reversal, journal, download, settlement, offline or general",
            )),
        }
    }
}
