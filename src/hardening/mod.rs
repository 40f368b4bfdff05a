//! Edge hardening beyond CORS and headers (SPEC §7).

pub mod config;

use crate::config::{ConfigError, Mode};
use config::{RawCookies, RawCsrf, RawHttpsRedirect, RawWebsocket};

#[derive(Debug)]
pub struct HttpsRedirect {}

impl HttpsRedirect {
    pub fn compile(raw: &RawHttpsRedirect, mode: Mode, path: &str) -> Result<Self, ConfigError> {
        let _ = (raw, mode, path);
        Ok(HttpsRedirect {})
    }
}

#[derive(Debug)]
pub struct CookiePolicy {}

impl CookiePolicy {
    pub fn compile(raw: &RawCookies, mode: Mode, path: &str) -> Result<Self, ConfigError> {
        let _ = (raw, mode, path);
        Ok(CookiePolicy {})
    }
}

#[derive(Debug)]
pub struct CsrfPolicy {}

impl CsrfPolicy {
    pub fn compile(raw: &RawCsrf, mode: Mode, path: &str) -> Result<Self, ConfigError> {
        let _ = (raw, mode, path);
        Ok(CsrfPolicy {})
    }
}

#[derive(Debug)]
pub struct WebsocketPolicy {}

impl WebsocketPolicy {
    pub fn compile(raw: &RawWebsocket, mode: Mode, path: &str) -> Result<Self, ConfigError> {
        let _ = (raw, mode, path);
        Ok(WebsocketPolicy {})
    }
}
