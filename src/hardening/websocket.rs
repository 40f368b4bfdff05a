//! WebSocket origin check (README.md, "Edge hardening"): cross-site WebSocket hijacking refused.
//!
//! CORS does not protect WebSockets: any page may open one to any host, with the
//! user's cookies, and read the replies. Browsers always send `Origin` on the
//! handshake, so the check is on it: an upgrade passes when its `Origin` names the
//! request's own host, is in `trusted_origins`, or is allowed by the route's CORS
//! policy. A handshake without `Origin` is not a browser's and passes.

use super::config::RawWebsocket;
use super::trust::{OriginAllowlist, OriginCheck};
use crate::compile::{Compile, ConfigError, Context};
use crate::cors::CorsPolicy;
use crate::exchange::refusal::{gate, Refusal, Verdict};
use crate::exchange::{Counter, Outcome};
use crate::http::list::list_elements;
use crate::http::origin::same_host;
use crate::http::Headers;

const REFUSAL: Refusal = Refusal {
    kind: "websocket",
    counter: Some(Counter::WebsocketBlocked),
    status: 403,
    body: "Forbidden: WebSocket origin not allowed\n",
};

#[derive(Debug)]
pub struct WebsocketPolicy {
    base: OriginCheck,
}

impl Compile for WebsocketPolicy {
    type Raw = RawWebsocket;

    fn compile(raw: &RawWebsocket, cx: &mut Context<'_>) -> Result<Self, ConfigError> {
        let path = cx.path.as_str();
        Ok(WebsocketPolicy {
            base: OriginCheck::compile(&raw.trusted_origins, &raw.exempt_paths, raw.enforce, path)?,
        })
    }
}

pub fn on_request<'p>(
    policy: &'p WebsocketPolicy,
    cors: Option<&CorsPolicy>,
    request: Headers<'_>,
    out: &mut Outcome<'p>,
) {
    gate(out, &REFUSAL, policy.base.enforce, || check(policy, cors, request));
}

/// An HTTP/1.1 upgrade to WebSocket (`Upgrade: websocket`, any case, any line, any
/// element), or an HTTP/2 extended CONNECT (RFC 8441, `:protocol: websocket`).
pub fn is_upgrade(request: Headers<'_>) -> bool {
    let websocket = |e: &[u8]| {
        let name = e.split(|b| *b == b'/').next().unwrap_or_default();
        name.trim_ascii().eq_ignore_ascii_case(b"websocket")
    };
    request.get_all("upgrade").any(|v| list_elements(v).any(websocket)) || request.get_all(":protocol").any(websocket)
}

pub fn check<C: OriginAllowlist + ?Sized>(policy: &WebsocketPolicy, cors: Option<&C>, request: Headers<'_>) -> Verdict {
    if !is_upgrade(request) || policy.base.exempt.contains(request.get(":path").unwrap_or_default()) {
        return Verdict::Pass;
    }
    match request.single("origin") {
        Ok(None) => Verdict::Pass,
        Ok(Some(origin)) => {
            let authority = request.get(":authority").unwrap_or_default();
            if same_host(origin, authority) || policy.base.trusted.allow(cors, origin) {
                Verdict::Pass
            } else {
                Verdict::Refuse("origin not allowed")
            }
        }
        Err(()) => Verdict::Refuse("repeated Origin header"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::refusal::assert_refusal;
    use crate::hardening::trust::fake::Allow;

    use crate::testing::lines;

    fn policy(json: &str) -> WebsocketPolicy {
        crate::testing::policy(json)
    }

    #[test]
    fn upgrade_detection() {
        let rows: &[(&[(&str, &str)], bool)] = &[
            (&[("upgrade", "websocket")], true),
            (&[("upgrade", "WebSocket")], true),
            (&[("upgrade", " websocket ")], true),
            (&[("upgrade", "h2c, websocket")], true),
            (&[("upgrade", "websocket/13")], true),
            (&[("upgrade", "h2c"), ("upgrade", "websocket")], true),
            (&[(":method", "CONNECT"), (":protocol", "websocket")], true),
            (&[("upgrade", "h2c")], false),
            (&[("upgrade", "websockets")], false),
            (&[("upgrade", "")], false),
            (&[("connection", "upgrade")], false),
            (&[("sec-websocket-key", "x")], false),
            (&[], false),
        ];
        for (pairs, want) in rows {
            assert_eq!(is_upgrade(Headers::new(&lines(pairs))), *want, "{pairs:?}");
        }
    }

    #[test]
    fn origin_table() {
        let p = policy(r#"{"trusted_origins": ["https://partner.example.org"], "exempt_paths": ["/public-ws"]}"#);
        let cors = Allow(&["https://app.example.com"]);
        let any = Allow(&["*"]);
        // (Origin ("" = absent), path, CORS policy, passes)
        let rows: &[(&str, &str, Option<&Allow>, bool)] = &[
            ("https://chat.example.com", "/ws", None, true),
            ("https://CHAT.example.com", "/ws", None, true),
            ("http://chat.example.com", "/ws", None, true),
            ("https://chat.example.com:8443", "/ws", None, false),
            ("https://evil.example.net", "/ws", None, false),
            ("https://example.com", "/ws", None, false),
            ("null", "/ws", None, false),
            ("", "/ws", None, true),
            ("https://partner.example.org", "/ws", None, true),
            ("https://app.example.com", "/ws", None, false),
            ("https://app.example.com", "/ws", Some(&cors), true),
            ("https://evil.example.net", "/ws", Some(&cors), false),
            ("https://evil.example.net", "/ws", Some(&any), false),
            ("https://chat.example.com", "/ws", Some(&any), true),
            ("https://evil.example.net", "/public-ws/room", None, true),
            ("https://evil.example.net", "/public-ws/../ws", None, false),
        ];
        for (origin, path, cors, want) in rows {
            let mut h = vec![
                ("upgrade", "websocket"),
                ("connection", "Upgrade"),
                (":method", "GET"),
                (":path", path),
                (":authority", "chat.example.com"),
            ];
            if !origin.is_empty() {
                h.push(("origin", origin));
            }
            let got = check(&p, *cors, Headers::new(&lines(&h))) == Verdict::Pass;
            assert_eq!(got, *want, "origin={origin:?} path={path} cors={}", cors.is_some());
        }
    }

    #[test]
    fn plain_requests_and_repeated_origins() {
        let p = policy("{}");
        let plain = lines(&[
            (":authority", "chat.example.com"),
            ("origin", "https://evil.example.net"),
        ]);
        assert_eq!(check::<Allow>(&p, None, Headers::new(&plain)), Verdict::Pass);
        let repeated = lines(&[
            ("upgrade", "websocket"),
            (":authority", "chat.example.com"),
            ("origin", "https://chat.example.com"),
            ("origin", "https://chat.example.com"),
        ]);
        assert_eq!(
            check::<Allow>(&p, None, Headers::new(&repeated)),
            Verdict::Refuse("repeated Origin header")
        );
    }

    #[test]
    fn refusal_and_report_only() {
        let lines = lines(&[
            ("upgrade", "websocket"),
            (":authority", "chat.example.com"),
            ("origin", "https://evil.example.net"),
        ]);
        assert_eq!(REFUSAL.status, 403);
        assert_refusal(
            &policy("{}"),
            &policy(r#"{"enforce": false}"#),
            |p, out| on_request(p, None, Headers::new(&lines), out),
            &REFUSAL,
        );
    }

    #[test]
    fn config_errors_name_the_path() {
        let rows: &[(&str, &str)] = &[
            (
                r#"{"websocket": {"trusted_origins": ["wss://chat.example.com/ws"]}}"#,
                "edge-shield: websocket.trusted_origins[0]: \"wss://chat.example.com/ws\": an origin has no path",
            ),
            (
                r#"{"websocket": {"exempt_paths": [""]}}"#,
                "edge-shield: websocket.exempt_paths[0]: \"\": a path prefix starts with '/'",
            ),
            (
                r#"{"websocket": {"allowed_origins": []}}"#,
                "edge-shield: websocket.allowed_origins: unknown field `allowed_origins`",
            ),
        ];
        crate::hardening::assert_refused(rows);
    }
}
