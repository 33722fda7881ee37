//! The network: fetching feeds and pages over HTTP ([`fetch`]) and the
//! list of subscriptions ([`subscriptions`]).

pub mod fetch;
pub mod subscriptions;
