//! What goes on the line next: what is owed to the host (reversals, advice repeats, the
//! settlement) before any new request that must wait for it, each with its own backoff, then the
//! queue. The rules "who may pass what is owed" and "what an exhausted obligation blocks" are
//! written once, here.

use crate::iso8583::{Message, Mti};
use crate::response::{self, Diagnosis};

use super::error::{Result, TerminalError};
use super::journal::{TxnStatus, KEY_SETTLE};
use super::kinds::{facts, needs_sign_on, Obligation};
use super::types::{AlertKind, Event, TxnKind};
use super::{Flight, InFlight, Terminal, REASON_NO_ANSWER};

impl Terminal {
    /// Why a request of `kind` may not go out now, if it may not: not signed on, or something
    /// owed to the host that could not be delivered (sign-on and inquiries pass it).
    pub(super) fn refusal(&self, kind: TxnKind) -> Option<TerminalError> {
        if needs_sign_on(kind) && !self.is_signed_on() {
            return Some(TerminalError::NotSignedOn);
        }
        if facts(kind).passes_pending {
            return None;
        }
        if let Some(r) = self.records.values().find(|r| r.status == TxnStatus::Exhausted) {
            return Some(TerminalError::ReversalUnresolved { stan: r.stan.clone() });
        }
        // An exhausted settlement blocks everything but settling again (which resends it).
        match &self.settlement {
            Some(s) if s.exhausted && kind != TxnKind::Settle => {
                Some(TerminalError::SettlementUnresolved { batch: s.batch.clone() })
            }
            _ => None,
        }
    }

    pub(super) fn pump(&mut self, now: u64) {
        while self.halted.is_none() && self.inflight.is_none() {
            if !self.step(now) {
                break;
            }
        }
    }

    /// Sends one thing if one can go now; false when nothing can.
    fn step(&mut self, now: u64) -> bool {
        let front_waits = self.queue.front().is_some_and(|(_, r)| !facts(r.kind()).passes_pending);
        if self.keys.is_some() {
            // Owed messages first: reversals and repeats before the settlement (the host's totals
            // must already reflect them). A fresh one goes at once when a request waits for it;
            // one backing off after a failed attempt waits for its timer, and so does the request.
            let fresh = |t: &Self, k: &str| {
                if k == KEY_SETTLE {
                    t.settlement.as_ref().is_some_and(|s| s.attempts == 0)
                } else {
                    t.records.get(k).is_some_and(|r| r.attempts == 0)
                }
            };
            let offline_next = self.offline_next();
            let ready = |t: &Self, k: &str, at: u64| {
                (at <= now || (front_waits && fresh(t, k))) && t.offline_turn(k, offline_next)
            };
            let next = self
                .due
                .iter()
                .filter(|(k, _)| k.as_str() != KEY_SETTLE)
                .find(|(k, &at)| ready(self, k, at))
                .or_else(|| self.due.get_key_value(KEY_SETTLE).filter(|(k, &at)| ready(self, k, at)))
                .map(|(k, _)| k.clone());
            if let Some(key) = next {
                return if key == KEY_SETTLE { self.send_settlement(now) } else { self.send_pending(&key, now) };
            }
            if front_waits && !self.due.is_empty() {
                return false; // wait for the backoff timer
            }
        }
        // What a reply header asked for runs before the next transaction (not before a request
        // that is itself network management).
        let transaction = |k: TxnKind| k != TxnKind::SignOn && !super::manage::is_management(k);
        if self.queue.front().is_some_and(|(_, r)| transaction(r.kind())) {
            if let Some(task) = self.take_host_task() {
                let id = self.next_id;
                self.next_id += 1;
                self.queue.push_front((id, task));
            }
        }
        let Some((id, request)) = self.queue.pop_front() else { return false };
        let kind = request.kind();
        if let Some(refusal) = self.refusal(kind) {
            let event = refusal.event().unwrap_or(response::Event::General);
            self.fail_unsent(id, kind, event);
            return true;
        }
        match self.send_request(id, &request, now) {
            Ok(()) | Err(TerminalError::Store(_) | TerminalError::Halted { .. }) => {}
            Err(e) => {
                self.fail_unsent(id, kind, response::Event::General);
                self.events.push_back(Event::Garbage { reason: format!("request not sent: {e}") });
            }
        }
        true
    }

    /// Sends the reversal (0400) or advice repeat (0221) of a pending record.
    fn send_pending(&mut self, key: &str, now: u64) -> bool {
        let r = self.records[key].clone();
        let repeat = facts(r.kind).obligation == Obligation::Repeat;
        let built = (|| -> Result<(Message, Vec<u8>)> {
            let mut m = Message::from_json(&self.spec, &r.template)?;
            if r.kind == TxnKind::ScriptAdvice || r.status == TxnStatus::Stored {
                // Resent as built: UnionPay terminals repeat the 0620 itself; a stored offline
                // payment's first send is its 0220.
            } else if repeat {
                m.set_mti(Mti::new("0221")?);
            } else {
                m.set_mti(Mti::REVERSAL_REQUEST);
                m.set_str(39, r.reason.as_deref().unwrap_or(REASON_NO_ANSWER))?;
            }
            m.remove(64);
            let bytes = self.seal_and_frame(&mut m, true)?;
            Ok((m, bytes))
        })();
        self.due.remove(key);
        let (m, bytes) = match built {
            Ok(x) => x,
            Err(e) => {
                // A record that cannot be rebuilt can never be delivered: keep it for the operator.
                self.events.push_back(Event::Garbage { reason: format!("pending record {key}: {e}") });
                let mut r2 = r.clone();
                r2.status = TxnStatus::Exhausted;
                return self.write_record(key, r2).is_ok();
            }
        };
        if r.status == TxnStatus::Stored {
            if self.mark_forwarding(key).is_err() {
                return false;
            }
            self.first_forward = Some(key.to_owned());
        }
        let attempt = r.attempts + 1;
        let flight = if repeat { Flight::Repeat } else { Flight::Reversal };
        if flight == Flight::Reversal {
            self.events.push_back(Event::ReversalSent { stan: r.stan.clone(), attempt });
        }
        let inflight = InFlight {
            request: None,
            flight,
            mti: m.mti(),
            stan: r.stan.clone(),
            amount: m.get_str(4).map(str::to_owned),
            key: Some(key.to_owned()),
            deadline: now + self.cfg.response_timeout_ms,
            card: None,
            fingerprint: None,
        };
        self.transmit(inflight, None, &m, bytes, attempt);
        true
    }

    /// The backoff before attempt `attempts + 1`: the configured delay, doubled per failure.
    pub(super) fn backoff(&self, attempts: u32) -> u64 {
        self.cfg.reversal_backoff_ms.saturating_mul(1 << attempts.saturating_sub(1).min(16))
    }

    /// A reversal or repeat attempt failed: count it, back off, or keep it as exhausted.
    pub(super) fn pending_attempt_failed(&mut self, key: &str, diag: Diagnosis, now: u64) {
        let mut r = self.records[key].clone();
        r.attempts += 1;
        r.status = TxnStatus::Pending;
        let max = match facts(r.kind).obligation {
            Obligation::Repeat => self.cfg.advice_max_attempts,
            Obligation::Reversal | Obligation::None | Obligation::Settlement => self.cfg.reversal_max_attempts,
        };
        let stan = r.stan.clone();
        let attempts = r.attempts;
        if attempts >= max.max(1) {
            r.status = TxnStatus::Exhausted;
            if self.write_record(key, r).is_ok() {
                self.due.remove(key);
                let d = self.diagnose(response::Request::Reversal, response::Event::ReversalExhausted);
                self.events.push_back(Event::ReversalExhausted {
                    stan: stan.clone(),
                    attempts,
                    diagnosis: Box::new(d.clone()),
                });
                let (batch, amount) = (self.records[key].batch.clone(), self.records[key].amount);
                self.alert(AlertKind::ReversalExhausted, Some(stan), Some(batch), Some(amount), d);
            }
            return;
        }
        let at = now + self.backoff(attempts);
        if self.write_record(key, r).is_ok() {
            self.due.insert(key.to_owned(), at);
            self.events.push_back(Event::ReversalRetry {
                stan,
                attempts,
                next_attempt_at: at,
                diagnosis: Box::new(diag),
            });
        }
    }
}
