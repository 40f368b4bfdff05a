//! Edge hardening beyond CORS and headers (SPEC §7), one file per feature.

pub mod config;
pub mod cookies;
pub mod csrf;
pub mod https_redirect;
pub mod websocket;

pub use cookies::CookiePolicy;
pub use csrf::CsrfPolicy;
pub use https_redirect::HttpsRedirect;
pub use websocket::WebsocketPolicy;
