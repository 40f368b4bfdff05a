//! Security response headers (README.md, "Security headers"): helmet's set, validated and serialized at load.
//!
//! `policy` compiles the configuration (one file per header for the checks and the
//! serialization); `merge` is the response path, which only compares and borrows.

mod cache_control;
mod choice;
mod clear_site_data;
pub mod config;
mod cross_origin;
mod csp;
mod custom;
mod frame_options;
mod hsts;
mod managed;
mod merge;
mod permissions_policy;
mod policy;
mod referrer_policy;
mod remove;
mod reporting;
mod reserved;
mod simple;
mod suggest;
mod value;

#[cfg(test)]
mod tests;

use crate::exchange::{Exchange, HeaderOp};
use crate::http::Headers;
pub use policy::{HeaderPolicy, Line};

/// Response phase: add, keep or override the security headers; remove fingerprints.
pub fn on_response<'a>(
    policy: &'a HeaderPolicy,
    exchange: &Exchange,
    response: Headers<'_>,
    ops: &mut Vec<HeaderOp<'a>>,
) {
    merge::plan(policy, exchange.https, response, ops);
}
