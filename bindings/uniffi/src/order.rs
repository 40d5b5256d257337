//! Payment-code orders (`poscore::order`): the schedule object, its actions and answers.

use std::sync::{Arc, Mutex, PoisonError};

use poscore::order as core;

use crate::PoscoreError;

/// The request an order needs sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OrderAction {
    Pay,
    Query,
    Cancel,
}

/// A wallet's answer, classified (see `poscore::order::Answer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OrderAnswer {
    Paid,
    InProgress,
    Unknown,
    Declined,
    Waiting,
    Closed,
    NotFound,
    CancelClosed,
    CancelRefunded,
    CancelDone,
    CancelRetry,
    CancelRefused,
}

/// Where an order stands: `state` is `new`, `awaiting`, `querying`, `cancelling`, `paid`,
/// `closed`, `revoked`, `cancel_exhausted` or `cancel_refused`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OrderStatus {
    pub state: String,
    /// The request on the line (`awaiting`).
    pub action: Option<OrderAction>,
    /// When the next request is due (`querying`, `cancelling`).
    pub at_ms: Option<u64>,
    /// Cancels sent so far (`cancelling`).
    pub attempts: Option<u32>,
    /// `revoked`: whether the cancel refunded a payment (null: the wallet did not say).
    pub refunded: Option<bool>,
    /// Paid, closed or revoked: nothing more is sent.
    pub is_final: bool,
}

/// One payment-code order's schedule (see `poscore::order::Order`).
#[derive(Debug, uniffi::Object)]
pub struct PaymentOrder(Mutex<core::Order>);

fn action(a: core::Action) -> OrderAction {
    match a {
        core::Action::Pay => OrderAction::Pay,
        core::Action::Query => OrderAction::Query,
        core::Action::Cancel => OrderAction::Cancel,
    }
}

fn to_core(a: OrderAnswer) -> core::Answer {
    match a {
        OrderAnswer::Paid => core::Answer::Paid,
        OrderAnswer::InProgress => core::Answer::InProgress,
        OrderAnswer::Unknown => core::Answer::Unknown,
        OrderAnswer::Declined => core::Answer::Declined,
        OrderAnswer::Waiting => core::Answer::Waiting,
        OrderAnswer::Closed => core::Answer::Closed,
        OrderAnswer::NotFound => core::Answer::NotFound,
        OrderAnswer::CancelClosed => core::Answer::CancelClosed,
        OrderAnswer::CancelRefunded => core::Answer::CancelRefunded,
        OrderAnswer::CancelDone => core::Answer::CancelDone,
        OrderAnswer::CancelRetry => core::Answer::CancelRetry,
        OrderAnswer::CancelRefused => core::Answer::CancelRefused,
    }
}

fn status(s: core::OrderState) -> OrderStatus {
    let (mut a, mut at_ms, mut attempts, mut refunded) = (None, None, None, None);
    match s {
        core::OrderState::Awaiting { action: x } => a = Some(action(x)),
        core::OrderState::Querying { at } => at_ms = Some(at),
        core::OrderState::Cancelling { at, attempts: n } => (at_ms, attempts) = (Some(at), Some(n)),
        core::OrderState::Revoked { refunded: r } => refunded = r,
        _ => {}
    }
    OrderStatus { state: s.name().to_owned(), action: a, at_ms, attempts, refunded, is_final: s.is_final() }
}

impl PaymentOrder {
    fn inner(&self) -> std::sync::MutexGuard<'_, core::Order> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[uniffi::export]
impl PaymentOrder {
    /// A new order of `wallet` (`wechat`, `alipay`) created at `now_ms`.
    #[uniffi::constructor]
    pub fn new(wallet: String, now_ms: u64) -> Result<Arc<Self>, PoscoreError> {
        Ok(Arc::new(Self(Mutex::new(core::Order::new(core::WalletRules::for_wallet(&wallet)?, now_ms)))))
    }

    /// The request to send now, if one is due.
    pub fn poll(&self, now_ms: u64) -> Option<OrderAction> {
        self.inner().poll(now_ms).map(action)
    }

    /// When the next request is due (null while one awaits its answer or when the order is over).
    pub fn next_timeout(&self) -> Option<u64> {
        self.inner().next_timeout()
    }

    /// The wallet's answer to the request on the line.
    pub fn handle(&self, answer: OrderAnswer, now_ms: u64) -> Result<(), PoscoreError> {
        Ok(self.inner().handle(to_core(answer), now_ms)?)
    }

    /// The operator gives up waiting: cancel as soon as the wallet allows.
    pub fn abandon(&self, now_ms: u64) -> Result<(), PoscoreError> {
        Ok(self.inner().abandon(now_ms)?)
    }

    /// The operator resends an exhausted cancel.
    pub fn retry_cancel(&self, now_ms: u64) -> Result<(), PoscoreError> {
        Ok(self.inner().retry_cancel(now_ms)?)
    }

    /// Where the order stands.
    pub fn status(&self) -> OrderStatus {
        status(self.inner().state())
    }
}
