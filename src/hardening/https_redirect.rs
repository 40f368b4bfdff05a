//! HTTPS redirect (SPEC §7): plain-HTTP requests answered with a 308 to https.

use super::config::RawHttpsRedirect;
use crate::config::{ConfigError, Mode};
use crate::engine::RequestOutcome;
use crate::request::Headers;

#[derive(Debug)]
pub struct HttpsRedirect {}

impl HttpsRedirect {
    pub fn compile(raw: &RawHttpsRedirect, mode: Mode, path: &str) -> Result<Self, ConfigError> {
        let _ = (raw, mode, path);
        Ok(HttpsRedirect {})
    }
}

pub fn on_request<'p>(policy: &'p HttpsRedirect, request: Headers<'_>, out: &mut RequestOutcome<'p>) {
    let _ = (policy, request, out);
}
