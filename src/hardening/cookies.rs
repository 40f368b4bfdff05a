//! Cookie hardening (SPEC §7): Secure, HttpOnly, SameSite on upstream Set-Cookie lines.

use super::config::RawCookies;
use crate::config::{ConfigError, Mode};
use crate::engine::{ExchangeState, HeaderOp};
use crate::request::Headers;

#[derive(Debug)]
pub struct CookiePolicy {}

impl CookiePolicy {
    pub fn compile(raw: &RawCookies, mode: Mode, path: &str) -> Result<Self, ConfigError> {
        let _ = (raw, mode, path);
        Ok(CookiePolicy {})
    }
}

pub fn on_response<'a>(
    policy: &'a CookiePolicy,
    state: &'a ExchangeState,
    response: Headers<'_>,
    ops: &mut Vec<HeaderOp<'a>>,
) {
    let _ = (policy, state, response, ops);
}
