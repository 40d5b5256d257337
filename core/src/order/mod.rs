//! Payment-code orders (付款码: the cashier scans the customer's wallet code): the order's
//! schedule of pay, query and cancel, as the wallets publish it, sans-IO.
//!
//! A payment-code order often answers "the customer is entering the password" (WeChat
//! `USERPAYING`, Alipay `10003`) or nothing at all. A terminal that gives up then can lose a
//! payment the customer completed a second later, and one that charges again charges twice. The
//! wallets' rules (docs/field/payment-codes.md, every value with its source): query on a
//! schedule while the result is open, and when the order is still not paid at the deadline,
//! cancel it (撤销) — retried while the wallet asks for it — so that every order ends in exactly
//! one final state: paid, closed, or revoked (with the payment refunded when the customer paid
//! during the cancel).
//!
//! [`Order`] is that schedule and nothing else: it says which request is due ([`Order::poll`])
//! and when ([`Order::next_timeout`]), and takes the wallet's answer classified as an
//! [`Answer`] ([`Order::handle`]); the caller builds the wallet's messages, owns the clock and
//! journals the order before its first byte leaves. The timing per wallet is data
//! (`core/data/order/wallets.json`, [`WalletRules`]).
//!
//! ```
//! use poscore::order::{Action, Answer, Order, OrderState, WalletRules};
//! let mut o = Order::new(WalletRules::for_wallet("wechat")?, 0);
//! assert_eq!(o.poll(0), Some(Action::Pay));
//! o.handle(Answer::InProgress, 400)?; // USERPAYING
//! assert_eq!(o.next_timeout(), Some(5_400)); // query 5 s later (WX-01, WX-03)
//! assert_eq!(o.poll(5_400), Some(Action::Query));
//! o.handle(Answer::Paid, 5_500)?;
//! assert_eq!(o.state(), OrderState::Paid);
//! # Ok::<(), poscore::order::OrderError>(())
//! ```

use serde::{Deserialize, Serialize};

/// The bundled wallet timing rules.
const WALLETS: &str = include_str!("../../data/order/wallets.json");

/// Errors of the order flow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrderError {
    /// No rules for this wallet.
    #[error("no payment-code rules for wallet {wallet:?} (known: {known})")]
    UnknownWallet {
        /// The wallet asked for.
        wallet: String,
        /// The wallets that have rules.
        known: String,
    },
    /// An answer arrived while no request was on the line, or one that does not answer it.
    #[error("answer {answer:?} does not fit the order's state ({state})")]
    UnexpectedAnswer {
        /// The answer given.
        answer: Answer,
        /// What the order was doing.
        state: &'static str,
    },
    /// The rules data does not parse (a build defect: the data is compiled in).
    #[error("wallet rules data: {0}")]
    BadRules(String),
}

impl OrderError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownWallet { .. } => "order.unknown_wallet",
            Self::UnexpectedAnswer { .. } => "order.unexpected_answer",
            Self::BadRules(_) => "order.bad_rules",
        }
    }
}

/// One wallet's published timing (milliseconds; see `core/data/order/wallets.json` for the rule
/// ids each value comes from).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletRules {
    /// After a pay answer of "in progress" or "unknown", the first query waits this long.
    pub first_query_after_ms: u64,
    /// Between a query's answer and the next query.
    pub query_interval_ms: u64,
    /// No query is sent later than this after the order was created; then it is cancelled.
    pub poll_deadline_ms: u64,
    /// A cancel is never sent earlier than this after the order was created (WeChat: 15 s).
    pub cancel_min_age_ms: u64,
    /// Between a cancel the wallet asked to repeat (or that got no answer) and the next one.
    pub cancel_retry_ms: u64,
    /// Cancels sent at most, after which the operator decides (retry or settle by hand).
    pub cancel_max_attempts: u32,
    /// After this age an order can no longer be cancelled, only refunded.
    pub cancel_window_ms: u64,
}

#[derive(Deserialize)]
struct WalletsFile {
    wallets: std::collections::BTreeMap<String, WalletEntry>,
}

/// A wallet in the data file: its rules beside the rule ids (docs/field/payment-codes.md) each
/// value comes from.
#[derive(Deserialize)]
struct WalletEntry {
    #[serde(flatten)]
    rules: WalletRules,
    sources: std::collections::BTreeMap<String, Vec<String>>,
}

impl WalletRules {
    /// The published rules of `wallet` (`wechat`, `alipay`).
    pub fn for_wallet(wallet: &str) -> Result<Self, OrderError> {
        Self::with_sources(wallet).map(|(rules, _)| rules)
    }

    /// The rules of `wallet` and, per field, the ids of the published rules it comes from.
    pub fn with_sources(wallet: &str) -> Result<(Self, std::collections::BTreeMap<String, Vec<String>>), OrderError> {
        let file: WalletsFile = serde_json::from_str(WALLETS).map_err(|e| OrderError::BadRules(e.to_string()))?;
        let known = file.wallets.keys().cloned().collect::<Vec<_>>().join(", ");
        let entry =
            file.wallets.get(wallet).ok_or_else(|| OrderError::UnknownWallet { wallet: wallet.to_owned(), known })?;
        Ok((entry.rules, entry.sources.clone()))
    }
}

/// The request an order needs sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The payment itself (WeChat `micropay`, Alipay `alipay.trade.pay`).
    Pay,
    /// The order's status (`orderquery`, `alipay.trade.query`).
    Query,
    /// Cancel / revoke (`reverse`, `alipay.trade.cancel`): closes an unpaid order, refunds a paid one.
    Cancel,
}

impl Action {
    /// The action's name, as serialized (`pay`, `query`, `cancel`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Pay => "pay",
            Self::Query => "query",
            Self::Cancel => "cancel",
        }
    }
}

/// A wallet's answer, classified (the wallet adapter maps its codes onto these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Paid (`SUCCESS`, `10000`, `TRADE_SUCCESS` / `TRADE_FINISHED`).
    Paid,
    /// The customer is confirming (`USERPAYING`, `10003`): query on the schedule.
    InProgress,
    /// No usable answer (`SYSTEMERROR`, `BANKERROR`, `20000`, a timeout, a lost line).
    Unknown,
    /// Refused for good (balance, invalid code, ...): nothing was charged.
    Declined,
    /// Query: created, not paid yet (`NOTPAY`, `USERPAYING`, `WAIT_BUYER_PAY`).
    Waiting,
    /// Query: closed or revoked by the wallet, never paid (`CLOSED`, `REVOKED`, `TRADE_CLOSED`).
    Closed,
    /// Query: no such order. Right after a lost pay request this proves nothing (the order may
    /// still appear): treated as [`Answer::Unknown`] (docs/field/payment-codes.md §5.6).
    NotFound,
    /// Cancel done, the order was unpaid and is closed (Alipay `action = close`).
    CancelClosed,
    /// Cancel done, the order had been paid and is refunded (Alipay `action = refund`): the
    /// customer paid between the last query and the cancel.
    CancelRefunded,
    /// Cancel done, the wallet does not say which (WeChat `reverse` success).
    CancelDone,
    /// Cancel must be sent again (`recall = Y`, `retry_flag = Y`, `USERPAYING` while revoking).
    CancelRetry,
    /// Cancel refused for good (window passed, `REVERSE_EXPIRE`): a refund is the way back.
    CancelRefused,
}

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OrderState {
    /// The pay request is due.
    New,
    /// A request is on the line, its answer awaited.
    Awaiting {
        /// What was sent.
        action: Action,
    },
    /// The result is open: a query is due at `at`.
    Querying {
        /// When the next query is due.
        at: u64,
    },
    /// Not paid by the deadline: a cancel is due at `at`.
    Cancelling {
        /// When the next cancel is due.
        at: u64,
        /// Cancels sent so far.
        attempts: u32,
    },
    /// Final: paid.
    Paid,
    /// Final: never paid, closed (declined, or closed by the wallet).
    Closed,
    /// Final: cancelled by the terminal. `refunded`: the customer had paid and got the money
    /// back (`true`), the order was unpaid (`false`), or the wallet did not say (`None`).
    Revoked {
        /// Whether the cancel refunded a payment.
        refunded: Option<bool>,
    },
    /// The cancel got no final answer after every attempt: the operator retries it
    /// ([`Order::retry_cancel`]) or settles it with the wallet's merchant tools.
    CancelExhausted,
    /// The wallet refused the cancel for good (e.g. past its window): if the query shows the
    /// order paid, it is refunded instead.
    CancelRefused,
}

impl OrderState {
    /// The state's name, as serialized (`querying`, `cancel_exhausted`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Awaiting { .. } => "awaiting",
            Self::Querying { .. } => "querying",
            Self::Cancelling { .. } => "cancelling",
            Self::Paid => "paid",
            Self::Closed => "closed",
            Self::Revoked { .. } => "revoked",
            Self::CancelExhausted => "cancel_exhausted",
            Self::CancelRefused => "cancel_refused",
        }
    }

    /// True for paid, closed and revoked: nothing more is ever sent for the order.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Paid | Self::Closed | Self::Revoked { .. })
    }
}

/// One payment-code order's schedule (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    rules: WalletRules,
    created_ms: u64,
    state: OrderState,
    cancel_attempts: u32,
}

impl Order {
    /// A new order created at `now`: its pay request is due at once.
    pub fn new(rules: WalletRules, now: u64) -> Self {
        Self { rules, created_ms: now, state: OrderState::New, cancel_attempts: 0 }
    }

    /// Where the order stands.
    pub fn state(&self) -> OrderState {
        self.state
    }

    /// When the order next needs [`Order::poll`]: the time its next request is due (`None` while
    /// a request awaits its answer or when nothing more will be sent).
    pub fn next_timeout(&self) -> Option<u64> {
        match self.state {
            OrderState::New => Some(self.created_ms),
            OrderState::Querying { at } | OrderState::Cancelling { at, .. } => Some(at),
            _ => None,
        }
    }

    /// The request to send now, if one is due; the order then awaits its answer.
    pub fn poll(&mut self, now: u64) -> Option<Action> {
        let action = match self.state {
            OrderState::New => Action::Pay,
            OrderState::Querying { at } if now >= at => Action::Query,
            OrderState::Cancelling { at, .. } if now >= at => {
                self.cancel_attempts += 1;
                Action::Cancel
            }
            _ => return None,
        };
        self.state = OrderState::Awaiting { action };
        Some(action)
    }

    /// The wallet's answer to the request on the line, at `now` (a lost answer is
    /// [`Answer::Unknown`], given when the caller's response timer fires).
    pub fn handle(&mut self, answer: Answer, now: u64) -> Result<(), OrderError> {
        let OrderState::Awaiting { action } = self.state else {
            return Err(OrderError::UnexpectedAnswer { answer, state: self.state.name() });
        };
        let unexpected = || OrderError::UnexpectedAnswer { answer, state: "awaiting" };
        self.state = match (action, answer) {
            (Action::Pay | Action::Query, Answer::Paid) => OrderState::Paid,
            (Action::Pay, Answer::Declined) | (Action::Query, Answer::Closed) => OrderState::Closed,
            (Action::Pay, Answer::InProgress | Answer::Unknown) => self.open(now, self.rules.first_query_after_ms),
            (Action::Query, Answer::Waiting | Answer::InProgress | Answer::Unknown | Answer::NotFound) => {
                self.open(now, self.rules.query_interval_ms)
            }
            (Action::Cancel, Answer::CancelClosed) => OrderState::Revoked { refunded: Some(false) },
            (Action::Cancel, Answer::CancelRefunded) => OrderState::Revoked { refunded: Some(true) },
            (Action::Cancel, Answer::CancelDone) => OrderState::Revoked { refunded: None },
            (Action::Cancel, Answer::CancelRetry | Answer::Unknown) => {
                if self.cancel_attempts >= self.rules.cancel_max_attempts {
                    OrderState::CancelExhausted
                } else {
                    OrderState::Cancelling { at: now + self.rules.cancel_retry_ms, attempts: self.cancel_attempts }
                }
            }
            (Action::Cancel, Answer::CancelRefused) => OrderState::CancelRefused,
            _ => return Err(unexpected()),
        };
        Ok(())
    }

    /// The operator gives up waiting (the customer walked away): the order is cancelled as soon
    /// as the wallet allows. Only while the result is open; a request on the line is answered
    /// first.
    pub fn abandon(&mut self, now: u64) -> Result<(), OrderError> {
        match self.state {
            OrderState::Querying { .. } => {
                self.state = self.cancel_from(now);
                Ok(())
            }
            s => Err(OrderError::UnexpectedAnswer { answer: Answer::Unknown, state: s.name() }),
        }
    }

    /// The operator sends an exhausted cancel again: a fresh round of attempts.
    pub fn retry_cancel(&mut self, now: u64) -> Result<(), OrderError> {
        match self.state {
            OrderState::CancelExhausted => {
                self.cancel_attempts = 0;
                self.state = OrderState::Cancelling { at: now, attempts: 0 };
                Ok(())
            }
            s => Err(OrderError::UnexpectedAnswer { answer: Answer::CancelRetry, state: s.name() }),
        }
    }

    /// The result is open at `now`: the next query `wait` later, unless that passes the
    /// deadline, in which case the cancel (straight after the last answer, AL-06).
    fn open(&self, now: u64, wait: u64) -> OrderState {
        let next = now.saturating_add(wait);
        if next <= self.created_ms.saturating_add(self.rules.poll_deadline_ms) {
            OrderState::Querying { at: next }
        } else {
            self.cancel_from(now)
        }
    }

    /// The first cancel: now, but never before the wallet's minimum age, and only within its
    /// window.
    fn cancel_from(&self, now: u64) -> OrderState {
        if now > self.created_ms.saturating_add(self.rules.cancel_window_ms) {
            return OrderState::CancelRefused;
        }
        OrderState::Cancelling {
            at: now.max(self.created_ms.saturating_add(self.rules.cancel_min_age_ms)),
            attempts: self.cancel_attempts,
        }
    }
}
