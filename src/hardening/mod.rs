//! Edge hardening beyond CORS and headers (SPEC §7), one file per feature, plus the
//! small pieces they share (origins, exempt paths, refusals).

pub mod config;
pub mod cookies;
pub mod csrf;
pub mod fetch_metadata;
pub mod https_redirect;
pub mod origin;
pub mod paths;
pub mod reply;
pub mod syntax;
pub mod trust;
pub mod websocket;

pub use cookies::CookiePolicy;
pub use csrf::CsrfPolicy;
pub use https_redirect::HttpsRedirect;
pub use websocket::WebsocketPolicy;
