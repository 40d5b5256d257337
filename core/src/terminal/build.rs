//! Building requests: the fields each kind carries, card and PIN fields, MAC and framing, and the
//! reversal-first journal write that precedes every reversible request's bytes.

use crate::iso8583::{Frame, FrameDecoder, Message, Mti};
use crate::keys::Algorithm;
use crate::mac::Padding;
use crate::receipt::EntryMode;

use super::error::{Result, TerminalError};
use super::journal::{self, TxnRecord, TxnStatus};
use super::kinds::{facts, Obligation};
use super::types::{CardInput, Event, PinInput, Request, Transmit, TxnKind};
use super::{clock, receipt, CardSummary, Flight, InFlight, Terminal};

/// Fields of a reversible request a reversal carries (UnionPay field practice), plus 48 for
/// payment codes (which have no PAN) and 61 for voids and completions.
/// 60: transaction type (60.1), batch (60.2), network management code (60.3).
pub(super) fn field60(code: &str, batch: &str, nmi: &str) -> String {
    format!("{code}{batch}{nmi}")
}

pub(super) const REVERSAL_FIELDS: [u8; 16] = [2, 3, 4, 11, 14, 22, 23, 25, 38, 41, 42, 48, 49, 55, 60, 61];

/// Fields an advice repeat (0221) carries: the advice as sent, less what
/// [`journal::minimal_template`] never keeps (track data 35, PIN 26/52/53, MAC 64).
const ADVICE_FIELDS: [u8; 19] = [2, 3, 4, 11, 14, 22, 23, 25, 37, 38, 41, 42, 48, 49, 55, 59, 60, 61, 63];

/// The account a request's card names (for field 59's random factor).
fn request_account(request: &Request) -> Option<&str> {
    match request {
        Request::Sale { card, .. }
        | Request::PreAuth { card, .. }
        | Request::Completion { card, .. }
        | Request::Void { card, .. }
        | Request::PreAuthVoid { card, .. }
        | Request::CompletionVoid { card, .. }
        | Request::Refund { card, .. }
        | Request::BalanceInquiry { card, .. }
        | Request::OfflineSale { card, .. } => Some(card.account()),
        _ => None,
    }
}

/// A request's message and what the engine keeps beside it.
pub(super) struct Built {
    pub message: Message,
    pub amount: u64,
    pub card: Option<CardSummary>,
    pub original_stan: Option<String>,
}

impl Terminal {
    pub(super) fn base(&self, mti: Mti, stan: &str) -> Result<Message> {
        let mut m = Message::new(mti);
        m.set_str(11, stan)?;
        m.set_str(41, &self.cfg.terminal_id)?;
        m.set_str(42, &self.cfg.merchant_id)?;
        Ok(m)
    }

    pub(super) fn operator63(&self) -> String {
        format!("{:<3}", self.cfg.operator_id.chars().take(3).collect::<String>())
    }

    /// Card fields (2, 14, 22, 23, 35, 48, 55), PIN fields (26, 52, 53), and the receipt view.
    fn card_fields(&mut self, m: &mut Message, card: &CardInput, pin: Option<&PinInput>) -> Result<CardSummary> {
        let pin_digit = if pin.is_some() { '1' } else { '2' };
        let mut emv = None;
        let (entry, masked, wallet) = match card {
            CardInput::Chip { pan, track2, expiry, card_seq, icc_data }
            | CardInput::Contactless { pan, track2, expiry, card_seq, icc_data } => {
                let contactless = matches!(card, CardInput::Contactless { .. });
                m.set_str(2, pan)?;
                if let Some(e) = expiry {
                    m.set_str(14, e)?;
                }
                m.set_str(22, &format!("{}{pin_digit}", if contactless { "07" } else { "05" }))?;
                if let Some(s) = card_seq {
                    m.set_str(23, &format!("{s:0>3}"))?;
                }
                if let Some(t) = track2 {
                    m.set_str(35, &t.trim_start_matches(';').trim_end_matches('?').replace(['D', 'd'], "="))?;
                }
                let icc = crate::keys::hex_decode(icc_data)
                    .map_err(|e| TerminalError::BadRequest { field: "card.icc_data", reason: e.to_string() })?;
                emv = receipt::emv_summary(&icc);
                m.set_bytes(55, icc)?;
                let entry = if contactless { EntryMode::Contactless } else { EntryMode::Chip };
                (entry, crate::card::Pan::parse(pan).map_err(crate::Error::from)?.masked(), None)
            }
            CardInput::Magstripe { track2 } => {
                let t2 = crate::card::Track2::parse(track2).map_err(crate::Error::from)?;
                m.set_str(2, t2.pan().dangerous_reveal())?;
                m.set_str(14, &t2.expiry().yymm())?;
                m.set_str(22, &format!("02{pin_digit}"))?;
                m.set_str(35, &track2.trim_start_matches(';').trim_end_matches('?').replace(['D', 'd'], "="))?;
                (EntryMode::Swipe, t2.pan().masked(), None)
            }
            CardInput::QrCode { code } => {
                m.set_str(22, &format!("03{pin_digit}"))?;
                m.set_str(48, code)?;
                let masked =
                    crate::card::mask_pan(code, &crate::card::MaskPolicy::default()).map_err(crate::Error::from)?;
                (EntryMode::Qr, masked, crate::card::classify_payment_code(code))
            }
        };
        if let Some(pin) = pin {
            let keys = self.keys.as_ref().ok_or(TerminalError::NotSignedOn)?;
            let block = match pin {
                PinInput::Clear { digits } => {
                    let p = crate::pin::Pin::new(digits).map_err(crate::Error::from)?;
                    crate::pin::encrypt_pin(
                        &keys.pik,
                        crate::pin::PinFormat::Iso0,
                        &p,
                        Some(card.account()),
                        &mut *self.rng,
                    )?
                }
                PinInput::Block { block_hex } => {
                    let b = crate::keys::hex_decode(block_hex)
                        .map_err(|e| TerminalError::BadRequest { field: "pin.block_hex", reason: e.to_string() })?;
                    if b.len() != 8 {
                        return Err(TerminalError::BadRequest {
                            field: "pin.block_hex",
                            reason: "8 bytes expected".into(),
                        });
                    }
                    b
                }
            };
            m.set_str(26, "12")?;
            m.set_bytes(52, block)?;
            let double = keys.pik.algorithm() != Algorithm::Des;
            m.set_str(53, if double { "2600000000000000" } else { "2000000000000000" })?;
        }
        Ok(CardSummary { entry, masked, wallet, emv })
    }

    /// Sets field 64 (when `mac`) and frames the message.
    pub(super) fn seal_and_frame(&self, m: &mut Message, mac: bool) -> Result<Vec<u8>> {
        if mac {
            let keys = self.keys.as_ref().ok_or(TerminalError::NotSignedOn)?;
            let mab = m.mac_block(&self.spec)?;
            let code = crate::mac::generate(&keys.mak, self.mac_alg, &mab, Padding::Method1)?;
            m.set_bytes(64, code)?;
        }
        let body = m.pack(&self.spec)?;
        Ok(self.frame.encode(&Frame { tpdu: Some(self.tpdu), header: self.header.clone(), message: body })?)
    }

    /// Hands a framed message out and marks it in flight until `deadline`.
    pub(super) fn transmit(
        &mut self,
        inflight: InFlight,
        kind: Option<TxnKind>,
        m: &Message,
        bytes: Vec<u8>,
        attempt: u32,
    ) {
        let mti = m.mti().to_string();
        let stan = m.get_str(11).unwrap_or_default().to_owned();
        let request = inflight.request;
        self.last_sent = inflight.deadline.saturating_sub(self.cfg.response_timeout_ms);
        self.sent_stans.insert(stan.clone());
        self.concluding = None;
        self.decoder = FrameDecoder::new(self.frame.clone());
        self.inflight = Some(inflight);
        self.events.push_back(Event::Sending { request, kind, mti: mti.clone(), stan: stan.clone(), attempt });
        self.outbox.push_back(Transmit { bytes, request, mti, stan });
    }

    /// The message of a request of any kind but settlement (see [`super::settlement`]).
    pub(super) fn build(&mut self, request: &Request, stan: &str) -> Result<Built> {
        let kind = request.kind();
        let f = facts(kind);
        let batch = self.state.batch.clone();
        let nmi = f.nmi.map_or_else(|| self.cfg.key_scheme.clone(), str::to_owned);
        let mut m = self.base(f.mti, stan)?;
        if let Some(pc) = f.processing_code {
            m.set_str(3, pc)?;
        }
        let amount12 = |a: u64| format!("{a:012}");
        let (mut value, mut card_summary, mut original) = (0, None, None);
        let mut type_code = f.type_code;
        match request {
            Request::SignOn => {
                m.set_str(63, &self.operator63())?;
            }
            Request::SignOff => {}
            Request::Sale { amount, card, pin } | Request::PreAuth { amount, card, pin } => {
                value = *amount;
                m.set_str(4, &amount12(*amount))?;
                card_summary = Some(self.card_fields(&mut m, card, pin.as_ref())?);
            }
            Request::Completion { amount, original_auth_code, original_date, card, pin } => {
                value = *amount;
                m.set_str(4, &amount12(*amount))?;
                card_summary = Some(self.card_fields(&mut m, card, pin.as_ref())?);
                m.set_str(38, original_auth_code)?;
                m.set_str(61, &format!("000000000000{original_date}"))?;
            }
            Request::Void { original_stan, card, pin }
            | Request::PreAuthVoid { original_stan, card, pin }
            | Request::CompletionVoid { original_stan, card, pin } => {
                let orig = self.void_original(original_stan, kind)?.clone();
                value = orig.amount;
                original = Some(original_stan.clone());
                m.set_str(4, &amount12(orig.amount))?;
                card_summary = Some(self.card_fields(&mut m, card, pin.as_ref())?);
                if let Some(r) = &orig.rrn {
                    m.set_str(37, r)?;
                }
                if let Some(a) = &orig.auth_code {
                    m.set_str(38, a)?;
                }
                m.set_str(61, &format!("{}{}", orig.batch, orig.stan))?;
            }
            Request::Refund { amount, original_rrn, original_date, card } => {
                value = *amount;
                m.set_str(4, &amount12(*amount))?;
                card_summary = Some(self.card_fields(&mut m, card, None)?);
                m.set_str(37, original_rrn)?;
                m.set_str(61, &format!("000000000000{original_date}"))?;
            }
            Request::BalanceInquiry { card, pin } => {
                card_summary = Some(self.card_fields(&mut m, card, pin.as_ref())?);
            }
            Request::OfflineSale { amount, card, auth_code, .. } => {
                value = *amount;
                m.set_str(4, &amount12(*amount))?;
                card_summary = Some(self.card_fields(&mut m, card, None)?);
                if let Some(a) = auth_code {
                    m.set_str(38, a)?;
                }
                if !matches!(card, CardInput::Chip { .. } | CardInput::Contactless { .. }) {
                    type_code = super::offline::TYPE_OFFLINE_SETTLE;
                }
            }
            Request::Settle => unreachable!("settlement is built by the settlement flow"),
            Request::EchoTest
            | Request::DownloadParameters
            | Request::UploadStatus
            | Request::DownloadCaPublicKeys
            | Request::DownloadAidParams => unreachable!("network management is built by its flow"),
        }
        if let Some(cond) = f.condition {
            m.set_str(25, cond)?;
        }
        if card_summary.is_some() {
            m.set_str(49, &self.cfg.currency)?;
            if let Some(f59) = self.field59(request_account(request))? {
                m.set_str(59, &f59)?;
            }
        }
        m.set_str(60, &field60(type_code, &batch, &nmi))?;
        Ok(Built { message: m, amount: value, card: card_summary, original_stan: original })
    }

    /// The journal record of request `id` of `kind` as built (`in_flight`): what a reversal
    /// (0400) or an advice repeat (0221) needs of the message, nothing more.
    pub(super) fn journal_record(
        &self,
        kind: TxnKind,
        stan: &str,
        id: u64,
        built: &Built,
        now: u64,
    ) -> Result<TxnRecord> {
        let (date, time, _, _) = clock::local(now, self.cfg.utc_offset_minutes);
        let repeat = facts(kind).obligation == Obligation::Repeat;
        let fields: &[u8] = if repeat { &ADVICE_FIELDS } else { &REVERSAL_FIELDS };
        Ok(TxnRecord {
            kind,
            batch: self.state.batch.clone(),
            stan: stan.to_owned(),
            status: TxnStatus::InFlight,
            amount: built.amount,
            date,
            time,
            template: journal::minimal_template(&built.message, fields)?.to_json(&self.spec),
            reason: if repeat { None } else { Some(super::REASON_NO_ANSWER.into()) },
            attempts: 0,
            response_code: None,
            rrn: None,
            auth_code: None,
            original_stan: built.original_stan.clone(),
            receipt: None,
            request: id,
            card_org: None,
            stored_at: None,
            trail: Vec::new(),
        })
    }

    /// Sends request `id`. For the kinds that owe the host something once sent, the journal
    /// record (with what a reversal or repeat needs) is durable before the bytes exist outside
    /// the engine.
    pub(super) fn send_request(&mut self, id: u64, request: &Request, now: u64) -> Result<()> {
        let kind = request.kind();
        let f = facts(kind);
        if f.obligation == Obligation::Settlement {
            return self.start_settlement(id, now);
        }
        if super::manage::is_management(kind) {
            return self.start_management(id, kind, now);
        }
        let stan = self.next_stan()?;
        let built = self.build(request, &stan)?;
        let key = match f.obligation {
            Obligation::Reversal | Obligation::Repeat => {
                let rec = self.journal_record(kind, &stan, id, &built, now)?;
                let k = journal::txn_key(&self.state.batch, &stan);
                self.write_record(&k, rec)?;
                if f.obligation == Obligation::Reversal {
                    self.events.push_back(Event::ReversalRecorded { request: id, stan: stan.clone() });
                }
                Some(k)
            }
            Obligation::None => None,
            Obligation::Settlement => unreachable!("handled above"),
        };
        let Built { message: mut m, card, .. } = built;
        let bytes = match self.seal_and_frame(&mut m, f.mac) {
            Ok(b) => b,
            Err(e) => {
                // Never sent: nothing is owed.
                if let Some(k) = &key {
                    let mut r = self.records[k].clone();
                    r.status = TxnStatus::Declined;
                    self.write_record(k, r)?;
                }
                return Err(e);
            }
        };
        let inflight = InFlight {
            request: Some(id),
            flight: Flight::Request(kind),
            mti: m.mti(),
            stan,
            amount: m.get_str(4).map(str::to_owned),
            key,
            deadline: now + self.cfg.response_timeout_ms,
            card,
            fingerprint: super::request::fingerprint(request),
        };
        self.transmit(inflight, Some(kind), &m, bytes, 1);
        Ok(())
    }
}
