//! The engine's vocabulary: configuration, requests, card and PIN input, events, transmits.
//!
//! Every type here is a plain serde struct or enum so the bindings can mirror it (JS objects,
//! Kotlin data classes) and the CLI can print it as JSON.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::receipt::ReceiptInput;
use crate::response::Diagnosis;

/// How a terminal is set up: identity, framing, timeouts and retry policy.
///
/// As JSON (the bindings and the CLI read it so) the keys are the field names in `snake_case`.
/// The identity (`terminal_id`, `merchant_id`, `merchant_name`) is required: a missing one is an
/// error naming it (``missing field `terminal_id` ``), never a test identity. Every other field
/// has a default (30 s response timeout, 3 reversal attempts, ...; tests and the demo shorten
/// the timers). An unknown key is refused (``unknown field `terminalID`, expected one of ...``),
/// so a misspelled or camelCased setting cannot be silently ignored.
///
/// [`Config::demo`] is the published demo/test identity with the default settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Card acceptor terminal id, field 41 (8 characters). Required.
    pub terminal_id: String,
    /// Card acceptor id (merchant number), field 42 (15 characters). Required.
    pub merchant_id: String,
    /// Merchant name printed on receipts. Required.
    pub merchant_name: String,
    /// Operator number (field 63.1 of sign-on and settlement; printed on receipts). Default `01`.
    #[serde(default = "config_defaults::operator_id")]
    pub operator_id: String,
    /// ISO 4217 numeric currency, field 49. Default `156` (CNY).
    #[serde(default = "config_defaults::currency")]
    pub currency: String,
    /// TPDU destination NII (the host's address in the TPDU `60 DDDD SSSS`). Default 3.
    #[serde(default = "config_defaults::tpdu_destination")]
    pub tpdu_destination: u16,
    /// TPDU source NII. Default 0.
    #[serde(default = "config_defaults::tpdu_source")]
    pub tpdu_source: u16,
    /// The 6-byte UnionPay message header, uppercase hex (application type, version, status,
    /// processing requirement, software version). Default `603100311001`.
    #[serde(default = "config_defaults::header_hex")]
    pub header_hex: String,
    /// Bundled spec name (`cup-pos`) or a spec as JSON. Default `cup-pos`.
    #[serde(default = "config_defaults::spec")]
    pub spec: String,
    /// How long to wait for a response after the request was handed to the host, in ms.
    /// Default 30 000.
    #[serde(default = "config_defaults::response_timeout_ms")]
    pub response_timeout_ms: u64,
    /// Delivery attempts of a reversal (冲正重发次数) before it is kept as exhausted. Default 3.
    #[serde(default = "config_defaults::reversal_max_attempts")]
    pub reversal_max_attempts: u32,
    /// Wait after a failed reversal attempt, doubled after each further failure, in ms.
    /// Default 2 000.
    #[serde(default = "config_defaults::reversal_backoff_ms")]
    pub reversal_backoff_ms: u64,
    /// A fresh reversal goes out before the next request; if none comes, it is sent on its own
    /// after this many ms. Default 60 000.
    #[serde(default = "config_defaults::reversal_idle_delay_ms")]
    pub reversal_idle_delay_ms: u64,
    /// Delivery attempts of a financial advice (refund 0220, repeats as 0221). Default 3.
    #[serde(default = "config_defaults::advice_max_attempts")]
    pub advice_max_attempts: u32,
    /// STANs reserved per journal write: the counter is persisted once per block, and a restart
    /// continues after the block, so a STAN is never reused (gaps are fine). Default 100.
    #[serde(default = "config_defaults::stan_block")]
    pub stan_block: u32,
    /// Local time offset from UTC in minutes, for fields 12/13 and receipts (480 = China, the
    /// default).
    #[serde(default = "config_defaults::utc_offset_minutes")]
    pub utc_offset_minutes: i32,
    /// Sign-on network management code 60.3: `003` double-length keys (the default), `004` with
    /// a TDK.
    #[serde(default = "config_defaults::key_scheme")]
    pub key_scheme: String,
    /// Closed batches whose records stay in the journal after a balanced settlement (reprints,
    /// refunds by RRN, the operator's history). Older records are deleted in the same atomic
    /// write that opens the next batch, so the journal does not grow without end on a terminal's
    /// flash. Records still owed to the host (in flight, pending, exhausted) are never pruned.
    /// `0` keeps everything. Default 10.
    #[serde(default = "config_defaults::keep_batches")]
    pub keep_batches: u32,
    /// Keep-alive: when signed on and idle for this many ms since the last message, the engine
    /// sends an echo test (0820, 60.3 = 301) on its own ([`super::Terminal::poll_timeout`] says
    /// when), so a dead line is found before a customer is waiting. `0` (the default) turns it
    /// off: dial-up and metered lines pay per connection.
    #[serde(default)]
    pub echo_interval_ms: u64,
    /// Field 59 terminal information (终端信息), which acquirers have required in every
    /// financial request since about 2019. `None` (the default) sends no field 59.
    #[serde(default)]
    pub terminal_info: Option<TerminalInfo>,
    /// Offline acceptance (脱机/离线交易) and its limits: off unless the merchant turns it on.
    #[serde(default)]
    pub offline: OfflineLimits,
    /// A reversal or advice still undelivered this many ms after it became due raises a staff
    /// alert ([`Event::StaffAlert`], [`AlertKind::ReversalPendingTooLong`]). `0` turns it off.
    /// Default 300 000 (5 minutes).
    #[serde(default = "config_defaults::alert_pending_ms")]
    pub alert_pending_ms: u64,
}

/// What a staff alert is about ([`Event::StaffAlert`]): something a person must act on now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A reversal (or advice) could not be delivered within the retry limit: financial requests
    /// are refused until it is reconciled (T701).
    ReversalExhausted,
    /// A reversal or advice has been owed longer than [`Config::alert_pending_ms`].
    ReversalPendingTooLong,
    /// The host's settlement totals differ from the terminal's (对账不平).
    SettlementUnbalanced,
    /// The host rejected the terminal's working keys or MAC (77, A0), or the keys of a sign-on
    /// failed their check values: sign on again, and call the acquirer if it repeats.
    KeysRejected,
    /// The host declined a stored offline payment: a merchant loss.
    OfflineDeclined,
    /// A stored offline payment is older than the merchant allows.
    OfflineStoredTooLong,
}

/// What the merchant allows the terminal to accept without the host ([`Request::OfflineSale`]).
/// Every stored payment is the merchant's risk until the host accepts its advice: the defaults
/// are conservative (off; when on, chip only, small amounts, few payments, one day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OfflineLimits {
    /// Offline acceptance at all. Default `false`.
    pub enabled: bool,
    /// Largest single offline payment, minor units. Default 30 000 (300.00).
    pub max_amount: u64,
    /// Largest total of payments stored and not yet accepted by the host, minor units.
    /// Default 100 000 (1 000.00).
    pub max_total: u64,
    /// Most payments stored at once. Default 10.
    pub max_count: u32,
    /// Oldest a stored payment may get before the app is alerted
    /// ([`Event::OfflineStoredTooLong`]) and further offline acceptance is refused, ms.
    /// Default 86 400 000 (24 h).
    pub max_age_ms: u64,
    /// Entry modes that may be accepted offline. Default chip and contactless: a magnetic stripe
    /// offers no card authentication, so it is off unless the merchant takes that risk.
    pub entry_modes: Vec<crate::receipt::EntryMode>,
    /// Only payments whose cardholder was verified by offline PIN. Default `false`.
    pub require_offline_pin: bool,
    /// Wait between forwarding attempts while the host cannot be reached, ms. Default 30 000.
    pub retry_ms: u64,
}

impl Default for OfflineLimits {
    fn default() -> Self {
        Self {
            enabled: false,
            max_amount: 30_000,
            max_total: 100_000,
            max_count: 10,
            max_age_ms: 86_400_000,
            entry_modes: vec![crate::receipt::EntryMode::Chip, crate::receipt::EntryMode::Contactless],
            require_offline_pin: false,
            retry_ms: 30_000,
        }
    }
}

/// Why a payment is accepted offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfflineReason {
    /// The card approved it offline (TC from the first GENERATE AC, below the floor limit).
    CardApproved,
    /// The host could not be reached (connect failed: nothing was sent) and the card approved
    /// it offline after "unable to go online" (TC from the second GENERATE AC, 8A = Y3), or the
    /// operator has a voice authorisation code for a magnetic stripe card.
    HostUnreachable,
}

impl TerminalInfo {
    /// The demo and test terminal: a smart POS (`04`), serial `POSCORE0000000001`, version
    /// `poscore1`.
    pub fn demo() -> Self {
        Self {
            device_type: "04".into(),
            serial_number: "POSCORE0000000001".into(),
            app_version: "poscore1".into(),
            extra: std::collections::BTreeMap::new(),
        }
    }
}

/// What field 59 says about the terminal: usage tag `A2` with 01 device type, 02 hardware
/// serial number, 03 encryption random factor and 04 serial number ciphertext (both only when a
/// serial number cipher is set, [`super::Terminal::set_sn_cipher`]; without one 02 carries the
/// plain serial number, as the acquiring apps in the field do) and 05 application version, then
/// any entries the acquirer adds. Layout and lengths from the bundled spec's field 59
/// (`core/data/specs/cup-pos.json` cites the sources).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalInfo {
    /// A2.01, two digits: 01 ATM, 02 traditional POS, 03 mPOS, 04 smart POS, 05 type II fixed
    /// phone, 06 cloud QuickPass terminal, 08 mobile POS, 09 face-payment terminal, 10
    /// barcode-payment terminal, 11 barcode auxiliary terminal (published device-type list of an
    /// acquirer API, see `core/data/specs/cup-pos.json`).
    pub device_type: String,
    /// A2.02, the terminal's hardware serial number (TUSN), at most 50 characters.
    pub serial_number: String,
    /// A2.05, the application version: 8 characters, right-padded with spaces.
    pub app_version: String,
    /// More entries, tag (2 characters) to value, sent after `A2` in tag order: what the acquirer
    /// asks for (SIM ICCID, location...). [`super::Terminal::set_terminal_info_entry`] changes
    /// them at run time (a location from the device, for example).
    #[serde(default)]
    pub extra: std::collections::BTreeMap<String, String>,
}

/// The default of every [`Config`] field except the identity, which has none. One function per
/// field because serde's per-field `default` takes a path; [`Config::demo`] uses them too.
mod config_defaults {
    pub(super) fn operator_id() -> String {
        "01".into()
    }
    pub(super) fn currency() -> String {
        "156".into()
    }
    pub(super) fn tpdu_destination() -> u16 {
        0x0003
    }
    pub(super) fn tpdu_source() -> u16 {
        0x0000
    }
    pub(super) fn header_hex() -> String {
        "603100311001".into()
    }
    pub(super) fn spec() -> String {
        "cup-pos".into()
    }
    pub(super) fn response_timeout_ms() -> u64 {
        30_000
    }
    pub(super) fn reversal_max_attempts() -> u32 {
        3
    }
    pub(super) fn reversal_backoff_ms() -> u64 {
        2_000
    }
    pub(super) fn reversal_idle_delay_ms() -> u64 {
        60_000
    }
    pub(super) fn advice_max_attempts() -> u32 {
        3
    }
    pub(super) fn stan_block() -> u32 {
        100
    }
    pub(super) fn utc_offset_minutes() -> i32 {
        480
    }
    pub(super) fn key_scheme() -> String {
        "003".into()
    }
    pub(super) fn keep_batches() -> u32 {
        10
    }
    pub(super) fn alert_pending_ms() -> u64 {
        300_000
    }
}

impl Config {
    /// The published demo/test identity (terminal `12345678`, merchant `898310048160001`,
    /// `poscore 测试商户`, the simulator's and the test vectors' values) with every other field
    /// at its default. For the demo, tests and examples only: a production terminal sets the
    /// identity its acquirer assigned.
    pub fn demo() -> Self {
        Self {
            terminal_id: "12345678".into(),
            merchant_id: "898310048160001".into(),
            merchant_name: "poscore 测试商户".into(),
            operator_id: config_defaults::operator_id(),
            currency: config_defaults::currency(),
            tpdu_destination: config_defaults::tpdu_destination(),
            tpdu_source: config_defaults::tpdu_source(),
            header_hex: config_defaults::header_hex(),
            spec: config_defaults::spec(),
            response_timeout_ms: config_defaults::response_timeout_ms(),
            reversal_max_attempts: config_defaults::reversal_max_attempts(),
            reversal_backoff_ms: config_defaults::reversal_backoff_ms(),
            reversal_idle_delay_ms: config_defaults::reversal_idle_delay_ms(),
            advice_max_attempts: config_defaults::advice_max_attempts(),
            stan_block: config_defaults::stan_block(),
            utc_offset_minutes: config_defaults::utc_offset_minutes(),
            key_scheme: config_defaults::key_scheme(),
            keep_batches: config_defaults::keep_batches(),
            echo_interval_ms: 0,
            terminal_info: None,
            offline: OfflineLimits::default(),
            alert_pending_ms: config_defaults::alert_pending_ms(),
        }
    }
}

/// The demo/test identity, [`Config::demo`]; kept while callers move to `Config::demo()`.
/// Deserializing has no such fallback: JSON without the identity is refused.
/// How the card or payment code was presented.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CardInput {
    /// Contact chip: PAN and the ICC data of field 55 (BER-TLV, uppercase hex) as the kernel
    /// produced them; track 2 equivalent data, expiry and card sequence number when available.
    Chip {
        /// PAN (tag 5A).
        pan: String,
        /// Track 2 equivalent data (tag 57), `PAN=YYMM...` or `PAN D YYMM`.
        #[serde(default)]
        track2: Option<String>,
        /// Expiry YYMM (tag 5F24), field 14.
        #[serde(default)]
        expiry: Option<String>,
        /// Card sequence number (tag 5F34), field 23, three digits.
        #[serde(default)]
        card_seq: Option<String>,
        /// Field 55 as uppercase hex.
        icc_data: String,
    },
    /// Magnetic stripe: track 2 as read.
    Magstripe {
        /// Track 2 (`;PAN=YYMMSSS...?` or without sentinels).
        track2: String,
    },
    /// Contactless (`QuickPass` 闪付): as chip, entry mode 07.
    Contactless {
        /// PAN.
        pan: String,
        /// Track 2 equivalent data.
        #[serde(default)]
        track2: Option<String>,
        /// Expiry YYMM.
        #[serde(default)]
        expiry: Option<String>,
        /// Card sequence number.
        #[serde(default)]
        card_seq: Option<String>,
        /// Field 55 as uppercase hex.
        icc_data: String,
    },
    /// A payment code (付款码) scanned from the customer's phone. It travels in field 48
    /// (private data, numeric LLLVAR), since it is not a PAN; entry mode 03.
    QrCode {
        /// The digits scanned.
        code: String,
    },
}

impl fmt::Debug for CardInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let masked = crate::card::mask_pan(self.account(), &crate::card::MaskPolicy::default())
            .unwrap_or_else(|_| "<invalid>".into());
        write!(f, "CardInput::{}({masked})", self.entry_name())
    }
}

impl CardInput {
    /// `chip`, `magstripe`, `contactless` or `qr_code`.
    pub fn entry_name(&self) -> &'static str {
        match self {
            Self::Chip { .. } => "chip",
            Self::Magstripe { .. } => "magstripe",
            Self::Contactless { .. } => "contactless",
            Self::QrCode { .. } => "qr_code",
        }
    }

    /// The account number (PAN, or the payment code), unmasked: for building messages only.
    pub(crate) fn account(&self) -> &str {
        match self {
            Self::Chip { pan, .. } | Self::Contactless { pan, .. } => pan,
            Self::Magstripe { track2 } => {
                let t = track2.trim_start_matches(';');
                t.split(['=', 'D', 'd']).next().unwrap_or(t)
            }
            Self::QrCode { code } => code,
        }
    }
}

/// The cardholder's PIN: clear digits from a PIN pad the host trusts (the engine builds the ISO
/// 9564 format 0 block under the PIK and wipes the digits), or a block already enciphered under
/// the PIK by a secure PIN pad.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PinInput {
    /// 4 to 12 digits.
    Clear {
        /// The digits.
        digits: String,
    },
    /// An enciphered format 0 block (8 bytes, uppercase hex) under the PIK of the last sign-on.
    Block {
        /// The block.
        block_hex: String,
    },
}

impl fmt::Debug for PinInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Clear { .. } => f.write_str("PinInput::Clear(<redacted>)"),
            Self::Block { .. } => f.write_str("PinInput::Block(<redacted>)"),
        }
    }
}

impl Drop for PinInput {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        match self {
            Self::Clear { digits } => digits.zeroize(),
            Self::Block { block_hex } => block_hex.zeroize(),
        }
    }
}

/// What the host asks the terminal to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// 签到: 0800, installs the working keys of field 62 and the batch number of 60.2.
    SignOn,
    /// 签退: 0820.
    SignOff,
    /// 消费: 0200, processing code 000000, 60.1 = 22.
    Sale {
        /// Minor units.
        amount: u64,
        /// The card.
        card: CardInput,
        /// PIN, when the card asks for one.
        #[serde(default)]
        pin: Option<PinInput>,
    },
    /// 消费撤销: 0200, processing code 200000, 60.1 = 23, of a sale in the open batch.
    Void {
        /// The sale's STAN (voucher number), six digits.
        original_stan: String,
        /// The card, presented again.
        card: CardInput,
        /// PIN, when required.
        #[serde(default)]
        pin: Option<PinInput>,
    },
    /// 退货: 0220 advice, processing code 200000, 60.1 = 25, of a sale of an earlier day or batch.
    Refund {
        /// Minor units (at most the original's).
        amount: u64,
        /// The original's retrieval reference number (field 37).
        original_rrn: String,
        /// The original's date, MMDD.
        original_date: String,
        /// The card.
        card: CardInput,
    },
    /// 预授权: 0100, processing code 030000, condition 06, 60.1 = 10.
    PreAuth {
        /// Minor units.
        amount: u64,
        /// The card.
        card: CardInput,
        /// PIN.
        #[serde(default)]
        pin: Option<PinInput>,
    },
    /// 预授权完成: 0200, processing code 000000, condition 06, 60.1 = 20.
    Completion {
        /// Minor units.
        amount: u64,
        /// The pre-authorisation's approval code (field 38).
        original_auth_code: String,
        /// The pre-authorisation's date, MMDD.
        original_date: String,
        /// The card.
        card: CardInput,
        /// PIN.
        #[serde(default)]
        pin: Option<PinInput>,
    },
    /// 预授权撤销: 0100, processing code 200000, condition 06, 60.1 = 11, of a pre-authorisation
    /// in the open batch (releases the hold).
    PreAuthVoid {
        /// The pre-authorisation's STAN.
        original_stan: String,
        /// The card.
        card: CardInput,
        /// PIN.
        #[serde(default)]
        pin: Option<PinInput>,
    },
    /// 预授权完成撤销: 0200, processing code 200000, condition 06, 60.1 = 21, of a completion in
    /// the open batch.
    CompletionVoid {
        /// The completion's STAN.
        original_stan: String,
        /// The card.
        card: CardInput,
        /// PIN.
        #[serde(default)]
        pin: Option<PinInput>,
    },
    /// 余额查询: 0200, processing code 310000, 60.1 = 01. Not reversed.
    BalanceInquiry {
        /// The card.
        card: CardInput,
        /// PIN.
        #[serde(default)]
        pin: Option<PinInput>,
    },
    /// 脱机消费 / 离线结算: a sale approved without the host, within [`Config::offline`]. It is
    /// journaled as a stored advice before the approval is reported, and forwarded as a 0220
    /// (60.1 = 36 for a chip card's offline purchase, 30 for an offline settlement of a
    /// magnetic stripe card with a voice authorisation code), repeated as 0221, before the next
    /// online transaction and before settlement.
    OfflineSale {
        /// Minor units.
        amount: u64,
        /// The card; a chip card's `icc_data` must carry the card's TC (9F27 = 40).
        card: CardInput,
        /// Why the host was not asked.
        reason: OfflineReason,
        /// The cardholder was verified by offline PIN (the kernel says so).
        #[serde(default)]
        offline_pin: bool,
        /// A voice authorisation code (field 38), when the operator obtained one.
        #[serde(default)]
        auth_code: Option<String>,
    },
    /// 结算: 0500 with the batch totals in field 48, the batch upload (0320s) and its end.
    Settle,
    /// 回响测试: 0820, 60.3 = 301. Tests the line and the host; moves nothing and may go out
    /// before sign-on.
    EchoTest,
    /// 参数下载: 0800, 60.3 = 360. The host's terminal parameters (field 62) are kept in the
    /// journal ([`super::Terminal::host_params`]).
    DownloadParameters,
    /// 状态上送: 0820, 60.3 = 362, the terminal's parameters and dial statistics in field 62.
    UploadStatus,
    /// IC 卡公钥下载: query (0820, 372) until the list is complete, one download (0800, 370) per
    /// key, SHA-1 checksum verified, then the end (0800, 371). The set replaces the journal's only
    /// when the end is acknowledged ([`super::Terminal::ca_public_keys`]).
    DownloadCaPublicKeys,
    /// IC 卡参数 (AID) 下载: the same conversation with 382 / 380 / 381
    /// ([`super::Terminal::aid_params`]).
    DownloadAidParams,
}

/// The kind of a request, for events and the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnKind {
    /// Sign-on.
    SignOn,
    /// Sign-off.
    SignOff,
    /// Sale.
    Sale,
    /// Void of a sale.
    Void,
    /// Refund.
    Refund,
    /// Pre-authorisation.
    PreAuth,
    /// Pre-authorisation completion.
    Completion,
    /// Void of a pre-authorisation.
    PreAuthVoid,
    /// Void of a completion.
    CompletionVoid,
    /// Balance inquiry.
    BalanceInquiry,
    /// Settlement (with batch upload).
    Settle,
    /// Echo test.
    EchoTest,
    /// Parameter download.
    ParameterDownload,
    /// Status upload.
    StatusUpload,
    /// CA public key download.
    CapkDownload,
    /// AID (IC parameter) download.
    AidDownload,
    /// Script result advice (0620), journaled by [`super::Terminal::complete_chip`]: never
    /// started by a request.
    ScriptAdvice,
    /// Offline sale: stored, then forwarded as an advice.
    OfflineSale,
}

impl TxnKind {
    /// The `snake_case` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignOn => "sign_on",
            Self::SignOff => "sign_off",
            Self::Sale => "sale",
            Self::Void => "void",
            Self::Refund => "refund",
            Self::PreAuth => "pre_auth",
            Self::Completion => "completion",
            Self::PreAuthVoid => "pre_auth_void",
            Self::CompletionVoid => "completion_void",
            Self::BalanceInquiry => "balance_inquiry",
            Self::Settle => "settle",
            Self::EchoTest => "echo_test",
            Self::ParameterDownload => "parameter_download",
            Self::StatusUpload => "status_upload",
            Self::CapkDownload => "capk_download",
            Self::AidDownload => "aid_download",
            Self::ScriptAdvice => "script_advice",
            Self::OfflineSale => "offline_sale",
        }
    }

    /// Whether the kind moves money the host books (and the approved log must show).
    pub fn is_financial(self) -> bool {
        matches!(
            self,
            Self::Sale
                | Self::Void
                | Self::Refund
                | Self::PreAuth
                | Self::Completion
                | Self::PreAuthVoid
                | Self::CompletionVoid
                | Self::OfflineSale
        )
    }

    /// Signed effect on the cardholder's account in the batch totals: +1 debit, -1 credit,
    /// 0 none (pre-authorisation holds are not charges).
    pub fn sign(self) -> i8 {
        match self {
            Self::Sale | Self::Completion | Self::OfflineSale => 1,
            Self::Void | Self::Refund | Self::CompletionVoid => -1,
            _ => 0,
        }
    }
}

impl Request {
    /// The kind.
    pub fn kind(&self) -> TxnKind {
        match self {
            Self::SignOn => TxnKind::SignOn,
            Self::SignOff => TxnKind::SignOff,
            Self::Sale { .. } => TxnKind::Sale,
            Self::Void { .. } => TxnKind::Void,
            Self::Refund { .. } => TxnKind::Refund,
            Self::PreAuth { .. } => TxnKind::PreAuth,
            Self::Completion { .. } => TxnKind::Completion,
            Self::PreAuthVoid { .. } => TxnKind::PreAuthVoid,
            Self::CompletionVoid { .. } => TxnKind::CompletionVoid,
            Self::BalanceInquiry { .. } => TxnKind::BalanceInquiry,
            Self::OfflineSale { .. } => TxnKind::OfflineSale,
            Self::Settle => TxnKind::Settle,
            Self::EchoTest => TxnKind::EchoTest,
            Self::DownloadParameters => TxnKind::ParameterDownload,
            Self::UploadStatus => TxnKind::StatusUpload,
            Self::DownloadCaPublicKeys => TxnKind::CapkDownload,
            Self::DownloadAidParams => TxnKind::AidDownload,
        }
    }
}

/// A communication failure the host reports for the exchange in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommFailure {
    /// The connection could not be opened: nothing left the terminal.
    ConnectFailed,
    /// Writing the request failed: part of it may have left (treated as "after send").
    SendFailed,
    /// The connection closed or reset while waiting for the response.
    LineDropped,
    /// TLS: the acquirer's certificate has expired (or is not yet valid: check the terminal's
    /// clock). Reported only for a handshake that failed, so nothing left the terminal.
    TlsCertificateExpired,
    /// TLS: the acquirer's certificate does not chain to a configured CA (handshake failed,
    /// nothing sent).
    TlsCertificateUntrusted,
    /// TLS: no certificate the acquirer presented matches a pinned key (handshake failed,
    /// nothing sent). Either the acquirer changed its key or something is intercepting the line.
    TlsPinMismatch,
    /// TLS: the acquirer's certificate is for another host name (handshake failed, nothing sent).
    TlsNameMismatch,
    /// TLS: the handshake failed for another reason (no common version or cipher suite, the
    /// acquirer refused the terminal's client certificate, a protocol error); nothing sent.
    TlsHandshakeFailed,
}

impl CommFailure {
    /// Whether nothing of the request can have left the terminal: the connection or its TLS
    /// handshake failed. A TLS error after the request was written is a [`CommFailure::LineDropped`].
    pub fn before_send(self) -> bool {
        !matches!(self, Self::SendFailed | Self::LineDropped)
    }
}

/// Batch totals (field 48 of the 0500): debits are sales and completions, credits are voids and
/// refunds, amounts in minor units. The first four fields count every card; the `foreign_` ones
/// say how much of that is foreign cards (外卡: card organisation other than UnionPay in 63.1 of
/// the host's answer), which the 0500 reports apart from domestic cards (内卡).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Totals {
    /// Sum of debit amounts.
    pub debit_amount: u64,
    /// Number of debits.
    pub debit_count: u32,
    /// Sum of credit amounts.
    pub credit_amount: u64,
    /// Number of credits.
    pub credit_count: u32,
    /// Of `debit_amount`, foreign cards.
    #[serde(default)]
    pub foreign_debit_amount: u64,
    /// Of `debit_count`, foreign cards.
    #[serde(default)]
    pub foreign_debit_count: u32,
    /// Of `credit_amount`, foreign cards.
    #[serde(default)]
    pub foreign_credit_amount: u64,
    /// Of `credit_count`, foreign cards.
    #[serde(default)]
    pub foreign_credit_count: u32,
}

impl Totals {
    /// Debits minus credits.
    #[allow(clippy::cast_possible_wrap)]
    pub fn net(&self) -> i64 {
        self.debit_amount as i64 - self.credit_amount as i64
    }

    /// Counts one approved transaction of `sign` (+1 debit, -1 credit, 0 none).
    pub(crate) fn add(&mut self, sign: i8, amount: u64, foreign: bool) {
        let (a, c, fa, fc) = match sign {
            1 => (
                &mut self.debit_amount,
                &mut self.debit_count,
                &mut self.foreign_debit_amount,
                &mut self.foreign_debit_count,
            ),
            -1 => (
                &mut self.credit_amount,
                &mut self.credit_count,
                &mut self.foreign_credit_amount,
                &mut self.foreign_credit_count,
            ),
            _ => return,
        };
        *a += amount;
        *c += 1;
        if foreign {
            *fa += amount;
            *fc += 1;
        }
    }

    /// Field 48 of the 0500 as UnionPay terminals send it: for domestic cards, then for foreign
    /// cards, debit amount n12, debit count n3, credit amount n12, credit count n3 and a result
    /// digit `0` (the host answers in it): 62 digits. Layout of dsand20142014/openpos
    /// `serv.c` `SERV_SettleOnline` (commit 6280780, lines 720-736); andrewsdg412/Aviapay
    /// `SettleTrans.java` (lines 379-383) sends the same domestic half and zeroes the foreign one.
    /// Counts wrap at 1000 as the n3 fields do.
    pub fn field48(&self) -> String {
        let half = |da: u64, dc: u32, ca: u64, cc: u32| format!("{da:012}{:03}{ca:012}{:03}0", dc % 1000, cc % 1000);
        let domestic = half(
            self.debit_amount.saturating_sub(self.foreign_debit_amount),
            self.debit_count.saturating_sub(self.foreign_debit_count),
            self.credit_amount.saturating_sub(self.foreign_credit_amount),
            self.credit_count.saturating_sub(self.foreign_credit_count),
        );
        let foreign = half(
            self.foreign_debit_amount,
            self.foreign_debit_count,
            self.foreign_credit_amount,
            self.foreign_credit_count,
        );
        domestic + &foreign
    }
}

/// Bytes for the host to write to the acquirer connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transmit {
    /// The whole frame: length, TPDU, header, packed message.
    pub bytes: Vec<u8>,
    /// The request this belongs to (`None` for a reversal or advice repeat sent on its own).
    pub request: Option<u64>,
    /// The MTI sent.
    pub mti: String,
    /// Field 11 of the message.
    pub stan: String,
}

/// How the operator resolved an exhausted reversal after reconciling by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Try delivering it again (the line is back): the attempt count restarts.
    Retry,
    /// The acquirer confirmed the original is not charged (reversed by hand, or never booked):
    /// close the record without sending.
    ReconciledNotCharged,
}

/// What happened, for the host to show, print or log. Every failure carries the diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The reversal record (冲正记录) of a reversible request was written to the journal; only
    /// now are the request's bytes handed out.
    ReversalRecorded {
        /// Request id.
        request: u64,
        /// The original's STAN.
        stan: String,
    },
    /// A message was queued for transmission.
    Sending {
        /// Request id, when it belongs to one.
        request: Option<u64>,
        /// The request kind, or `None` for reversals and repeats.
        kind: Option<TxnKind>,
        /// MTI.
        mti: String,
        /// Field 11.
        stan: String,
        /// 1 for the first attempt.
        attempt: u32,
    },
    /// Sign-on completed: working keys installed (check values verified), batch number set.
    SignedOn {
        /// Request id.
        request: u64,
        /// Batch number (60.2).
        batch: String,
        /// Check values of the PIK and MAK (4 bytes, hex), as verified.
        pik_kcv: String,
        /// MAK check value.
        mak_kcv: String,
    },
    /// Sign-off acknowledged; the working keys are dropped.
    SignedOff {
        /// Request id.
        request: u64,
    },
    /// The host approved; the approval is in the journal.
    Approved {
        /// Request id.
        request: u64,
        /// What was approved.
        kind: TxnKind,
        /// STAN (voucher number).
        stan: String,
        /// Minor units.
        amount: u64,
        /// Field 37.
        rrn: Option<String>,
        /// Field 38.
        auth_code: Option<String>,
        /// Balance (balance inquiry, or field 54 of a partial approval), minor units.
        balance: Option<u64>,
        /// What the issuer sent for the card (field 55: 91, 8A, scripts 71/72): give it to the
        /// card in the second GENERATE AC, then call [`super::Terminal::complete_chip`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        issuer_response: Option<super::chip::IssuerResponse>,
        /// Set on a partial approval (code 10): what was asked. `amount` is what the host
        /// approved and booked; the difference is for the operator to collect another way.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        requested_amount: Option<u64>,
        /// The completed-transaction record for [`crate::receipt`], PAN masked.
        receipt: Box<ReceiptInput>,
        /// The diagnosis of the response (texts for the display).
        diagnosis: Box<Diagnosis>,
    },
    /// The host answered with a refusal; nothing is pending.
    Declined {
        /// Request id.
        request: u64,
        /// What was declined.
        kind: TxnKind,
        /// STAN.
        stan: String,
        /// Why, what to tell whom, and what to do.
        diagnosis: Box<Diagnosis>,
        /// What the issuer sent for the card (a chip card still completes with an AAC).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        issuer_response: Option<super::chip::IssuerResponse>,
    },
    /// The request failed without a usable host answer (timeout, connection, bad response).
    /// `reversal_pending` says whether a reversal now stands for it.
    Failed {
        /// Request id.
        request: u64,
        /// What failed.
        kind: TxnKind,
        /// STAN, when one was assigned.
        stan: Option<String>,
        /// Why, and what next.
        diagnosis: Box<Diagnosis>,
        /// True when the outcome is unknown and a reversal is pending.
        reversal_pending: bool,
    },
    /// A reversal now stands for an original whose outcome is unknown or unusable.
    ReversalPending {
        /// The original's STAN.
        stan: String,
        /// Field 39 of the 0400 (98 timeout, A0 MAC, 06 other).
        reason: String,
        /// Why.
        diagnosis: Box<Diagnosis>,
    },
    /// A reversal (0400) was queued for transmission.
    ReversalSent {
        /// The original's STAN.
        stan: String,
        /// Attempt number, from 1.
        attempt: u32,
    },
    /// A reversal attempt failed; another follows at `next_attempt_at`.
    ReversalRetry {
        /// The original's STAN.
        stan: String,
        /// Attempts made.
        attempts: u32,
        /// Unix ms of the next attempt.
        next_attempt_at: u64,
        /// Why the attempt failed.
        diagnosis: Box<Diagnosis>,
    },
    /// The host acknowledged the reversal (00/12/25): the record is closed for good.
    ReversalCleared {
        /// The original's STAN.
        stan: String,
        /// The host's field 39.
        code: String,
        /// The diagnosis of that code for a reversal.
        diagnosis: Box<Diagnosis>,
    },
    /// The reversal could not be delivered within the retry limit. It is kept; the terminal
    /// refuses financial requests until [`super::Terminal::resolve_exhausted_reversal`].
    ReversalExhausted {
        /// The original's STAN.
        stan: String,
        /// Attempts made.
        attempts: u32,
        /// The `reversal.exhausted` diagnosis.
        diagnosis: Box<Diagnosis>,
    },
    /// An exhausted reversal was resolved by the operator.
    ReversalResolved {
        /// The original's STAN.
        stan: String,
        /// How.
        resolution: Resolution,
    },
    /// A response arrived for a request that is no longer waiting (after a timeout, a reversal,
    /// or a duplicate): logged, never acted on.
    LateResponse {
        /// MTI received.
        mti: String,
        /// Field 11 received.
        stan: String,
        /// Field 39 received.
        code: Option<String>,
    },
    /// Bytes arrived that are not a usable frame or message; dropped.
    Garbage {
        /// What was wrong.
        reason: String,
    },
    /// Settlement: the host's totals agree (对账平); the batch is closed and the next opened.
    SettlementBalanced {
        /// Request id.
        request: u64,
        /// The closed batch.
        batch: String,
        /// Its totals.
        totals: Totals,
        /// The new batch number.
        next_batch: String,
    },
    /// Settlement: the host's totals differ (对账不平); a batch upload follows.
    SettlementUnbalanced {
        /// Request id.
        request: u64,
        /// The batch.
        batch: String,
        /// The terminal's totals.
        totals: Totals,
        /// Transactions to upload.
        uploading: usize,
    },
    /// Settlement: the host's totals differed (对账不平); the batch upload is done and its end
    /// acknowledged, so the host settles on the uploaded details and the batch is closed. The
    /// operator should compare the settlement report with the acquirer's.
    SettlementClosedUnbalanced {
        /// Request id.
        request: u64,
        /// The closed batch.
        batch: String,
        /// The terminal's totals.
        totals: Totals,
        /// The new batch number.
        next_batch: String,
    },
    /// [`super::Terminal::complete_chip`] recorded the card's second GENERATE AC.
    ChipCompleted {
        /// The transaction's STAN.
        stan: String,
        /// The card accepted (TC); `false`: it declined (AAC).
        tc: bool,
        /// Scripts ran: a script result advice (0620) is journaled and on its way.
        script_advice: bool,
    },
    /// The host acknowledged the script result advice of the transaction `stan`.
    ScriptAdviceDelivered {
        /// The original transaction's STAN.
        stan: String,
        /// The host's field 39.
        code: String,
    },
    /// The host answered an echo test (0830, 00): the line and the host work.
    EchoAnswered {
        /// Request id.
        request: u64,
        /// STAN.
        stan: String,
    },
    /// A TMS download or the status upload finished and what it brought is in the journal.
    Downloaded {
        /// Request id.
        request: u64,
        /// Which (`parameter_download`, `status_upload`, `capk_download`, `aid_download`).
        kind: TxnKind,
        /// Items now held: parameters, keys or AIDs (0 for the status upload).
        count: usize,
    },
    /// A reply's message header asked for a task (parameters, status, keys, AIDs, sign-on): it
    /// runs before the next transaction.
    HostRequested {
        /// What.
        task: HostTask,
    },
    /// A reply's message header carries a newer application version than the configured one
    /// (`header_hex`): the terminal software should be updated (TMS).
    SoftwareUpdateAvailable {
        /// The configured version (header bytes 2 and 4-6, hex).
        current: String,
        /// The host's.
        offered: String,
    },
    /// A payment was accepted offline ([`Request::OfflineSale`]): it is in the journal as a
    /// stored advice and will be forwarded. The merchant carries the risk until the host accepts
    /// it (the diagnosis says so to the operator).
    StoredOffline {
        /// Request id.
        request: u64,
        /// Its STAN.
        stan: String,
        /// Minor units.
        amount: u64,
        /// Why offline.
        reason: OfflineReason,
        /// Payments stored now (this one included).
        stored_count: u32,
        /// Their total, minor units.
        stored_amount: u64,
        /// What to print: marked 脱机 OFFLINE.
        receipt: Box<ReceiptInput>,
        /// What to show.
        diagnosis: Box<Diagnosis>,
    },
    /// The host accepted a stored offline payment's advice: it is now an approved transaction of
    /// the batch.
    OfflineForwarded {
        /// Its STAN.
        stan: String,
        /// Minor units.
        amount: u64,
        /// Field 37 the host gave it.
        rrn: Option<String>,
        /// The host's field 39.
        code: String,
    },
    /// The host declined a stored offline payment: the goods are gone and the money will not
    /// come. A merchant loss: alert the staff, and pursue it outside the terminal.
    OfflineDeclined {
        /// Its STAN.
        stan: String,
        /// Minor units.
        amount: u64,
        /// The host's field 39.
        code: String,
        /// What to show (the host's reason).
        diagnosis: Box<Diagnosis>,
    },
    /// A stored offline payment is older than [`OfflineLimits::max_age_ms`]: the line has been
    /// down too long. Reported once per payment; offline acceptance is refused until it is
    /// forwarded.
    OfflineStoredTooLong {
        /// Its STAN.
        stan: String,
        /// How old, ms.
        age_ms: u64,
        /// What to show.
        diagnosis: Box<Diagnosis>,
    },
    /// Staff must know now (an app notifies them: the surfaces offer a callback). Follows the
    /// event it is about.
    StaffAlert {
        /// What.
        alert: AlertKind,
        /// The transaction, when it is about one.
        stan: Option<String>,
        /// The batch, when it is about one.
        batch: Option<String>,
        /// Minor units, when money is at stake.
        amount: Option<u64>,
        /// What to show and do.
        diagnosis: Box<Diagnosis>,
    },
    /// Batch upload (批上送) finished: its end (0320, 60.3 = 207 / 202) was acknowledged. Comes
    /// just before the settlement's closing event.
    BatchUploaded {
        /// Request id.
        request: u64,
        /// Transactions uploaded.
        count: usize,
    },
}

/// What the host asked for in the processing requirement nibble of a reply's message header
/// (处理要求): done before the next transaction. Values as dsand20142014/openpos `trans.c`
/// `EMV_PackgeHeadEveProcess` (commit 6280780, lines 3553-3580) acts on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostTask {
    /// 3: sign on again (new working keys).
    SignOn,
    /// 1: download the terminal parameters (360).
    DownloadParameters,
    /// 2: upload the terminal status (362).
    UploadStatus,
    /// 4: download the CA public keys (372/370/371).
    DownloadCaPublicKeys,
    /// 5: download the AID parameters (382/380/381).
    DownloadAidParams,
}

impl HostTask {
    /// The task a processing requirement nibble asks for (0 and unknown values: none).
    pub fn from_nibble(n: u8) -> Option<Self> {
        Some(match n {
            1 => Self::DownloadParameters,
            2 => Self::UploadStatus,
            3 => Self::SignOn,
            4 => Self::DownloadCaPublicKeys,
            5 => Self::DownloadAidParams,
            _ => return None,
        })
    }

    /// The request that does it.
    pub fn request(self) -> Request {
        match self {
            Self::SignOn => Request::SignOn,
            Self::DownloadParameters => Request::DownloadParameters,
            Self::UploadStatus => Request::UploadStatus,
            Self::DownloadCaPublicKeys => Request::DownloadCaPublicKeys,
            Self::DownloadAidParams => Request::DownloadAidParams,
        }
    }
}

/// The settlement owed to the host (see [`super::Terminal::settlement_owed`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementOwed {
    /// The batch being settled.
    pub batch: String,
    /// The terminal's totals of it, as the 0500 carries them.
    pub totals: Totals,
    /// True while the batch upload is under way.
    pub uploading: bool,
    /// Attempts of the message now owed that got no usable answer.
    pub attempts: u32,
    /// Not sent again until the operator settles again; financial requests are refused.
    pub exhausted: bool,
}
