//! Edge hardening beyond CORS and headers (README.md, "Edge hardening"), one file per
//! feature, plus the small pieces they share (trusted origins, exempt paths). Their
//! grammar is in `http/`, their refusals in `exchange/refusal.rs`.

pub mod config;
pub mod cookies;
pub mod csrf;
pub mod exact_origin;
pub mod fetch_metadata;
pub mod https_redirect;
pub mod paths;
#[cfg(test)]
mod pipeline_tests;
pub mod set_cookie;
pub mod trust;
pub mod websocket;

pub use cookies::CookiePolicy;
pub use csrf::CsrfPolicy;
pub use https_redirect::HttpsRedirect;
pub use websocket::WebsocketPolicy;

/// Asserts that each configuration is refused, with an error starting as given.
#[cfg(test)]
fn assert_refused(rows: &[(&str, &str)]) {
    for (json, want) in rows {
        match crate::config::load(json.as_bytes()) {
            Ok(_) => panic!("accepted: {json}"),
            Err(e) => assert!(e.to_string().starts_with(want), "{json}: {e}"),
        }
    }
}
