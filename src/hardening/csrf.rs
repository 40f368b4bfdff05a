//! CSRF by Fetch Metadata (SPEC §7): cross-site state-changing requests refused.

use super::config::RawCsrf;
use crate::config::{ConfigError, Mode};
use crate::cors::CorsPolicy;
use crate::engine::RequestOutcome;
use crate::request::Headers;

#[derive(Debug)]
pub struct CsrfPolicy {}

impl CsrfPolicy {
    pub fn compile(raw: &RawCsrf, mode: Mode, path: &str) -> Result<Self, ConfigError> {
        let _ = (raw, mode, path);
        Ok(CsrfPolicy {})
    }
}

pub fn on_request<'p>(
    policy: &'p CsrfPolicy,
    cors: Option<&CorsPolicy>,
    request: Headers<'_>,
    out: &mut RequestOutcome<'p>,
) {
    let _ = (policy, cors, request, out);
}
