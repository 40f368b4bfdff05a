//! Hostile input against the pure core: generated header lists (non-UTF-8 bytes,
//! commas, huge values, repeated names) for requests and responses, under several
//! representative policies. Nothing may panic (a Wasm panic kills the VM for every
//! request on the worker), and no header we write may carry CR, LF or NUL.

use edge_shield::config;
use edge_shield::exchange::{HeaderOp, RouteInfo};
use edge_shield::http::wire::{self as header_map, Header};
use edge_shield::http::Headers;
use edge_shield::{engine, exchange};
use proptest::prelude::*;

const POLICIES: &[&str] = &[
    "{}",
    r#"{
      "cors": {
        "allowed_origins": ["https://app.example.com", "https://*.example.com", "http://localhost:*"],
        "allowed_origin_regexes": ["^https://pr-[0-9]+\\.preview\\.example\\.dev$"],
        "allowed_methods": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        "allowed_headers": ["content-type", "authorization", "x-request-id"],
        "exposed_headers": ["ratelimit-limit"],
        "allow_credentials": true,
        "allow_private_network": true,
        "max_age": 0
      },
      "headers": { "x_frame_options": "DENY", "override": true, "remove": "owasp" },
      "rules": [
        { "match": { "path_prefix": "/public/" }, "cors": { "allowed_origins": ["*"] }, "headers": false },
        { "match": { "host": "*.example.com" }, "cors": null }
      ]
    }"#,
    r#"{"mode": "development", "cors": {"allowed_origins": ["*"], "allowed_methods": ["*"], "allowed_headers": ["*"], "enforce": false}}"#,
    r#"{"cors": {"allowed_origins": ["https://app.example.com"]},
        "https_redirect": {}, "cookies": {}, "csrf": {}, "websocket": {}}"#,
];

const NAMES: &[&str] = &[
    ":method",
    ":path",
    ":authority",
    ":scheme",
    ":status",
    "origin",
    "access-control-request-method",
    "access-control-request-headers",
    "access-control-request-private-network",
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "vary",
    "content-type",
    "set-cookie",
    "cookie",
    "upgrade",
    "connection",
    "sec-fetch-site",
    "sec-fetch-mode",
    "x-forwarded-proto",
    "host",
    "server",
    "x-frame-options",
    "content-security-policy",
    "strict-transport-security",
];

/// Header values that matter (valid and almost-valid) mixed with arbitrary bytes.
fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"OPTIONS".to_vec()),
        Just(b"POST".to_vec()),
        Just(b"https://app.example.com".to_vec()),
        Just(b"https://a.b.example.com:8443".to_vec()),
        Just(b"http://localhost:3000".to_vec()),
        Just(b"null".to_vec()),
        Just(b"https".to_vec()),
        Just(b"http".to_vec()),
        Just(b"websocket".to_vec()),
        Just(b"cross-site".to_vec()),
        Just(b"text/html; charset=utf-8".to_vec()),
        Just(b"a=b; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT".to_vec()),
        Just(b"content-type, , X-Request-Id,,authorization".to_vec()),
        Just(b"GET, DELETE".to_vec()),
        Just(b"/public/x?y=1".to_vec()),
        Just(Vec::new()),
        Just(vec![b'a'; 70_000]),
        proptest::collection::vec(any::<u8>(), 0..64),
        "[ -~]{0,40}".prop_map(|s| s.into_bytes()),
    ]
}

fn header_list() -> impl Strategy<Value = Vec<Header>> {
    proptest::collection::vec(
        (proptest::sample::select(NAMES), value()).prop_map(|(n, v)| (n.to_string(), v)),
        0..24,
    )
}

fn clean(bytes: &[u8]) -> bool {
    !bytes.iter().any(|b| matches!(b, b'\r' | b'\n' | 0))
}

fn check_ops(ops: &[HeaderOp<'_>]) {
    for op in ops {
        match op {
            HeaderOp::Set(n, v) | HeaderOp::Add(n, v) => {
                assert!(clean(n.as_bytes()) && !n.is_empty(), "bad header name {n:?}");
                assert!(clean(v), "header injection in {n}: {v:?}");
            }
            HeaderOp::Remove(n) => assert!(clean(n.as_bytes()) && !n.is_empty()),
        }
    }
}

proptest! {
    // PROPTEST_CASES=50000 for a deeper run; 400 keeps `make test` quick.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_panic_and_no_header_injection(policy in 0..POLICIES.len(), request in header_list(), response in header_list()) {
        let config = config::load(POLICIES[policy].as_bytes()).expect("representative policy loads");
        // Through the wire format and the borrowing parser, as the filter does.
        let request_map = header_map::serialize(&request);
        let request_lines = header_map::parse_borrowed(&request_map);
        let req = Headers::borrowed(&request_lines);
        let route = RouteInfo {
            route_name: Some("api"),
            authority: req.get(":authority").unwrap_or_default(),
            path: req.get(":path").unwrap_or_default(),
        };
        let chosen = config.select(&route).clone();
        let outcome = engine::on_request(&chosen, req);
        if let Some(reply) = &outcome.reply {
            prop_assert!((100..600).contains(&reply.status));
            for (n, v) in &reply.headers {
                prop_assert!(clean(n.as_bytes()) && clean(v), "local reply header injection {n}: {v:?}");
            }
        }
        let _ = exchange::blocked_line(
            outcome.blocked.as_ref().unwrap_or(&exchange::Blocked { kind: "x", reason: "y".into(), report_only: false }),
            req,
            &route,
            &chosen.name,
        );
        let ops = engine::on_response(&chosen, &outcome.state, Headers::new(&response));
        check_ops(&ops);
        // A response whose request phase never ran (e.g. an earlier filter's local reply).
        let fallback = engine::ExchangeState::default();
        check_ops(&engine::on_response(&config.default, &fallback, Headers::new(&response)));
    }

    #[test]
    fn header_map_parser_accepts_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = header_map::parse(&bytes);
        let _ = header_map::parse_borrowed(&bytes);
    }

    #[test]
    fn config_loader_never_panics(doc in "[\\[\\]{}\",:0-9a-z_* .-]{0,120}") {
        let _ = config::load(doc.as_bytes());
    }
}
