//! Outcomes: what an answer (or its absence) does to the journal, decided by
//! [`crate::response::Registry::diagnose`], never by a code table here.

use crate::iso8583::Message;
use crate::keys::KcvMethod;
use crate::response::{self, Diagnosis, NextAction, Phase};
use crate::store::Op;

use super::chip::IssuerResponse;
use super::journal::{State, StoredKeys, TxnStatus, KEY_KEYS, KEY_STATE};
use super::kinds::{facts, Obligation};
use super::receive::{partial_amount, PARTIAL_APPROVAL};
use super::types::{AlertKind, Event, TxnKind};
use super::{receipt, Flight, InFlight, Terminal, REASON_NO_ANSWER};

impl Terminal {
    pub(super) fn on_response(&mut self, inf: InFlight, kind: TxnKind, msg: &Message, code: &str, now: u64) {
        let id = inf.request.unwrap_or(0);
        let diag = self.diagnose(facts(kind).class, response::Event::HostResponse { code: code.to_owned() });
        match kind {
            TxnKind::SignOn => self.on_sign_on(id, inf, msg, diag),
            TxnKind::SignOff => {
                self.note("signed_off".into(), Some(self.state.batch.clone()), Some(inf.stan.clone()), None);
                let state = State { batch: self.state.batch.clone(), signed_on: false };
                if self.commit(&[Op::put(KEY_STATE, super::to_json(&state)), Op::delete(KEY_KEYS)]).is_ok() {
                    self.state = state;
                    self.keys = None;
                    self.events.push_back(Event::SignedOff { request: id });
                }
            }
            TxnKind::BalanceInquiry => {
                if diag.action == NextAction::Complete {
                    let balance = msg.get_str(54).and_then(receipt::parse_balance);
                    let receipt = self.receipt(kind, &inf, msg, balance.unwrap_or(0), now);
                    self.events.push_back(Event::Approved {
                        request: id,
                        kind,
                        stan: inf.stan,
                        amount: 0,
                        rrn: msg.get_str(37).map(str::to_owned),
                        auth_code: msg.get_str(38).map(str::to_owned),
                        balance,
                        issuer_response: None,
                        requested_amount: None,
                        receipt: Box::new(receipt),
                        diagnosis: Box::new(diag),
                    });
                } else if self.after_decline(&diag).is_ok() {
                    self.events.push_back(Event::Declined {
                        request: id,
                        kind,
                        stan: inf.stan,
                        diagnosis: Box::new(diag),
                        issuer_response: None,
                    });
                }
            }
            TxnKind::Settle => unreachable!("settlement answers go to the settlement flow"),
            TxnKind::EchoTest
            | TxnKind::ParameterDownload
            | TxnKind::StatusUpload
            | TxnKind::CapkDownload
            | TxnKind::AidDownload => self.on_management_response(&inf, kind, msg, diag, now),
            TxnKind::ScriptAdvice | TxnKind::OfflineSale => {
                unreachable!("script result advices and offline sales are sent as owed records")
            }
            TxnKind::Sale
            | TxnKind::Void
            | TxnKind::Refund
            | TxnKind::PreAuth
            | TxnKind::Completion
            | TxnKind::PreAuthVoid
            | TxnKind::CompletionVoid => self.on_financial_response(id, inf, kind, msg, code, diag, now),
        }
    }

    fn on_sign_on(&mut self, id: u64, inf: InFlight, msg: &Message, diag: Diagnosis) {
        let kind = TxnKind::SignOn;
        if diag.action != NextAction::Complete {
            self.events.push_back(Event::Declined {
                request: id,
                kind,
                stan: inf.stan,
                diagnosis: Box::new(diag),
                issuer_response: None,
            });
            return;
        }
        let field62 = msg.get_bytes(62).unwrap_or_default().to_vec();
        let Ok(keys) = crate::keys::parse_field62(&self.tmk, &field62) else {
            let d = self.diagnose(
                response::Request::SignOn,
                response::Event::Keys { problem: response::KeyProblem::KcvMismatch },
            );
            self.events.push_back(Event::Failed {
                request: id,
                kind,
                stan: Some(inf.stan.clone()),
                diagnosis: Box::new(d.clone()),
                reversal_pending: false,
            });
            self.alert(AlertKind::KeysRejected, Some(inf.stan), None, None, d);
            return;
        };
        let batch = msg.subfield(&self.spec, 60, 2).filter(|b| b.len() == 6).unwrap_or(&self.state.batch).to_owned();
        // The keys are kept as the host sent them, enciphered under the TMK: never in the clear.
        let stored = StoredKeys { field62: crate::keys::hex_encode(&field62) };
        self.note("signed_on".into(), Some(batch.clone()), Some(inf.stan.clone()), None);
        let state = State { batch: batch.clone(), signed_on: true };
        if self
            .commit(&[Op::put(KEY_KEYS, super::to_json(&stored)), Op::put(KEY_STATE, super::to_json(&state))])
            .is_err()
        {
            return;
        }
        let pik_kcv = crate::keys::hex_encode(&keys.pik.kcv(KcvMethod::EncryptZeros, 4));
        let mak_kcv = crate::keys::hex_encode(&keys.mak.kcv(KcvMethod::EncryptZeros, 4));
        self.keys = Some(keys);
        self.state = state;
        self.events.push_back(Event::SignedOn { request: id, batch, pik_kcv, mak_kcv });
    }

    #[allow(clippy::too_many_arguments)]
    fn on_financial_response(
        &mut self,
        id: u64,
        inf: InFlight,
        kind: TxnKind,
        msg: &Message,
        code: &str,
        diag: Diagnosis,
        now: u64,
    ) {
        let Some(key) = inf.key.clone() else { return };
        let mut r = self.records[&key].clone();
        r.response_code = Some(code.to_owned());
        let reversible = facts(kind).obligation == Obligation::Reversal;
        match diag.action {
            NextAction::Complete => self.approve(&key, r, id, &inf, msg, diag, now),
            NextAction::Reverse if reversible => {
                r.status = TxnStatus::Pending;
                r.reason = diag.reversal_reason.clone().or(r.reason);
                self.make_pending(&key, r, diag, id, now);
            }
            _ => {
                r.status = TxnStatus::Declined;
                r.reason = None;
                if self.after_decline(&diag).is_ok() && self.write_record(&key, r).is_ok() {
                    self.events.push_back(Event::Declined {
                        request: id,
                        kind,
                        stan: inf.stan,
                        diagnosis: Box::new(diag),
                        issuer_response: msg.get_bytes(55).and_then(IssuerResponse::from_field55),
                    });
                }
            }
        }
    }

    /// The host approved the journaled request under `key` (first answer or advice repeat): its
    /// record becomes the log entry, with RRN, auth code and receipt, in one write; then the
    /// approval is reported.
    #[allow(clippy::too_many_arguments)]
    fn approve(
        &mut self,
        key: &str,
        mut r: super::TxnRecord,
        request: u64,
        inf: &InFlight,
        msg: &Message,
        diag: Diagnosis,
        now: u64,
    ) {
        r.rrn = msg.get_str(37).map(str::to_owned);
        r.auth_code = msg.get_str(38).map(str::to_owned);
        r.card_org = msg.subfield(&self.spec, 63, 1).map(|o| o.trim().to_owned()).filter(|o| !o.is_empty());
        // A partial approval (10) books the approved amount; the rest is the operator's to
        // collect another way, and the receipt says so.
        let partial = (r.response_code.as_deref() == Some(PARTIAL_APPROVAL))
            .then(|| msg.get_str(4).and_then(|b| partial_amount(inf.flight, &format!("{:012}", r.amount), b)))
            .flatten();
        let requested_amount = partial.map(|approved| std::mem::replace(&mut r.amount, approved));
        let mut receipt = self.receipt(r.kind, inf, msg, r.amount, now);
        if let Some(asked) = requested_amount {
            receipt.response_text = Some(format!(
                "部分承兑 PARTIALLY APPROVED {} / {}, 余额另付 REST DUE {}",
                receipt::minor(r.amount),
                receipt::minor(asked),
                receipt::minor(asked - r.amount)
            ));
        }
        r.receipt = Some(receipt.clone());
        r.status = TxnStatus::Approved;
        r.reason = None;
        let event = Event::Approved {
            request,
            kind: r.kind,
            stan: r.stan.clone(),
            amount: r.amount,
            rrn: r.rrn.clone(),
            auth_code: r.auth_code.clone(),
            balance: msg.get_str(54).and_then(receipt::parse_balance).filter(|_| partial.is_some()),
            issuer_response: msg.get_bytes(55).and_then(IssuerResponse::from_field55),
            requested_amount,
            receipt: Box::new(receipt),
            diagnosis: Box::new(diag),
        };
        if self.write_record(key, r).is_ok() {
            self.events.push_back(event);
        }
    }

    /// 77 / A0 and the like: the host no longer trusts our keys or batch. Dropping the keys is
    /// durable, so a restart does not send the next reversal under keys the host has discarded.
    pub(super) fn after_decline(&mut self, diag: &Diagnosis) -> super::error::Result<()> {
        if diag.action != NextAction::SignOn || (!self.state.signed_on && self.keys.is_none()) {
            return Ok(());
        }
        let state = State { batch: self.state.batch.clone(), signed_on: false };
        self.commit(&[Op::put(KEY_STATE, super::to_json(&state)), Op::delete(KEY_KEYS)])?;
        self.keys = None;
        self.state = state;
        self.alert(AlertKind::KeysRejected, None, None, None, diag.clone());
        Ok(())
    }

    /// The answer to a reversal (0400) or an advice repeat (0221).
    pub(super) fn on_pending_response(&mut self, inf: &InFlight, msg: &Message, code: &str, now: u64) {
        let Some(key) = inf.key.clone() else { return };
        self.first_forward = None;
        let mut r = self.records[&key].clone();
        if inf.flight == Flight::Repeat && r.kind == TxnKind::OfflineSale {
            let diag =
                self.diagnose(response::Request::Advice, response::Event::HostResponse { code: code.to_owned() });
            if matches!(diag.action, NextAction::Complete | NextAction::Decline) {
                self.offline_answered(&key, msg, code, diag);
            } else if self.after_decline(&diag).is_ok() {
                self.pending_attempt_failed(&key, diag, now);
            }
            return;
        }
        if inf.flight == Flight::Repeat && r.kind == TxnKind::ScriptAdvice {
            let diag =
                self.diagnose(response::Request::Advice, response::Event::HostResponse { code: code.to_owned() });
            if matches!(diag.action, NextAction::Complete | NextAction::Decline) {
                self.script_advice_answered(&key, code, &diag);
            } else if self.after_decline(&diag).is_ok() {
                self.pending_attempt_failed(&key, diag, now);
            }
            return;
        }
        if inf.flight == Flight::Repeat {
            // Advice repeat: an answer is final either way.
            let diag =
                self.diagnose(response::Request::Advice, response::Event::HostResponse { code: code.to_owned() });
            r.response_code = Some(code.to_owned());
            let request = r.request;
            match diag.action {
                NextAction::Complete => self.approve(&key, r, request, inf, msg, diag, now),
                NextAction::Decline => {
                    r.status = TxnStatus::Declined;
                    let stan = r.stan.clone();
                    if self.write_record(&key, r).is_ok() {
                        self.events.push_back(Event::Declined {
                            request,
                            kind: TxnKind::Refund,
                            stan,
                            diagnosis: Box::new(diag),
                            issuer_response: None,
                        });
                    }
                }
                _ => {
                    // "Not now" (96, 91), "sign on again": the original may be booked, so the
                    // advice stays pending and is repeated with backoff, never dropped.
                    if self.after_decline(&diag).is_ok() {
                        self.pending_attempt_failed(&key, diag, now);
                    }
                }
            }
            return;
        }
        let diag = self.diagnose(response::Request::Reversal, response::Event::HostResponse { code: code.to_owned() });
        if diag.action == NextAction::ReversalDone {
            r.status = TxnStatus::Reversed;
            r.response_code = Some(code.to_owned());
            let stan = r.stan.clone();
            if self.write_record(&key, r).is_ok() {
                self.events.push_back(Event::ReversalCleared {
                    stan,
                    code: code.to_owned(),
                    diagnosis: Box::new(diag),
                });
            }
        } else if self.after_decline(&diag).is_ok() {
            self.pending_attempt_failed(&key, diag, now);
        }
    }

    /// The message in flight got no usable answer.
    pub(super) fn fail_inflight(&mut self, event: response::Event, now: u64) {
        let Some(inf) = self.inflight.take() else { return };
        self.conclude(&inf, event.key(), now);
        let before_send = matches!(event, response::Event::Comm { phase: Phase::BeforeSend, .. });
        match inf.flight {
            Flight::Reversal | Flight::Repeat => {
                let req = if inf.flight == Flight::Reversal {
                    response::Request::Reversal
                } else {
                    response::Request::Advice
                };
                let first = self.first_forward.take();
                if let Some(key) = inf.key {
                    let offline = self.records.get(&key).is_some_and(|r| r.kind == TxnKind::OfflineSale);
                    if offline && before_send {
                        let was_stored = first.as_deref() == Some(key.as_str());
                        self.forward_not_connected(&key, event, now, was_stored);
                        return;
                    }
                    let diag = self.diagnose(req, event);
                    self.pending_attempt_failed(&key, diag, now);
                }
            }
            Flight::Settlement | Flight::Upload | Flight::UploadEnd => {
                self.settlement_failed(&inf, event, before_send, now);
            }
            Flight::Request(kind) => {
                // A download stops with its message: the journal keeps the previous set.
                self.download = None;
                let id = inf.request.unwrap_or(0);
                let diag = self.diagnose(facts(kind).class, event);
                let failed = |diag: Diagnosis| Event::Failed {
                    request: id,
                    kind,
                    stan: Some(inf.stan.clone()),
                    diagnosis: Box::new(diag),
                    reversal_pending: false,
                };
                let Some(key) = inf.key.clone() else {
                    self.events.push_back(failed(diag));
                    return;
                };
                let mut r = self.records[&key].clone();
                if before_send {
                    // Nothing left the terminal: no money can have moved.
                    r.status = TxnStatus::Declined;
                    r.reason = None;
                    if self.write_record(&key, r).is_ok() {
                        self.events.push_back(failed(diag));
                    }
                    return;
                }
                match facts(kind).obligation {
                    Obligation::Repeat => {
                        // An advice is repeated (0221), never reversed.
                        r.status = TxnStatus::Pending;
                        r.attempts = 1;
                        if self.write_record(&key, r).is_ok() {
                            self.due.insert(key, now + self.cfg.reversal_backoff_ms);
                            self.events.push_back(failed(diag));
                        }
                    }
                    Obligation::Reversal => {
                        r.status = TxnStatus::Pending;
                        r.reason = diag.reversal_reason.clone().or(r.reason).or_else(|| Some(REASON_NO_ANSWER.into()));
                        self.make_pending(&key, r, diag, id, now);
                    }
                    Obligation::None | Obligation::Settlement => self.events.push_back(failed(diag)),
                }
            }
        }
    }

    /// The record becomes a pending reversal, due before the next request or after the idle delay.
    pub(super) fn make_pending(&mut self, key: &str, r: super::TxnRecord, diag: Diagnosis, id: u64, now: u64) {
        let stan = r.stan.clone();
        let kind = r.kind;
        let reason = r.reason.clone().unwrap_or_else(|| REASON_NO_ANSWER.into());
        if self.write_record(key, r).is_ok() {
            self.due.insert(key.to_owned(), now + self.cfg.reversal_idle_delay_ms);
            self.events.push_back(Event::Failed {
                request: id,
                kind,
                stan: Some(stan.clone()),
                diagnosis: Box::new(diag.clone()),
                reversal_pending: true,
            });
            self.events.push_back(Event::ReversalPending { stan, reason, diagnosis: Box::new(diag) });
        }
    }
}
