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

/// PROPTEST_CASES=50000 for a deeper run; 400 keeps `make test` quick.
fn cases() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(400),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cases())]

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

// ---- the Struct wire decoder (the YAML form of the configuration): any bytes, and
// valid Struct bytes cut or corrupted anywhere, never panic; encode → decode is identity.

use edge_shield::config::struct_wire::{decode_struct, encode_struct};
use serde_json::{Map, Value};

/// JSON values whose numbers survive a trip through doubles: integers, and fractions.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| Value::from(i64::from(n))),
        (-1_000_000i32..1_000_000).prop_map(|n| Value::from(f64::from(n) + 0.25)),
        "[a-z_é\"\\\\\n]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{0,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[allow(clippy::expect_used)]
fn representative_struct() -> Vec<u8> {
    let Value::Object(map) = serde_json::from_str::<Value>(POLICIES[1]).expect("json") else {
        unreachable!("an object")
    };
    encode_struct(&map)
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn struct_decoder_accepts_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_struct(&bytes);
        let mut tagged = vec![0x0a];
        tagged.extend_from_slice(&bytes);
        let _ = decode_struct(&tagged);
        let _ = config::load(&tagged);
    }

    #[test]
    fn corrupted_struct_bytes_never_panic(cut in any::<prop::sample::Index>(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let good = representative_struct();
        let mut bad = good.clone();
        let i = at.index(bad.len());
        bad[i] = byte;
        let _ = config::load(&bad);
        let _ = config::load(&good[..cut.index(good.len())]);
    }

    #[test]
    fn struct_encode_decode_is_identity(map in proptest::collection::btree_map("[a-z_]{0,8}", json_value(), 0..8)) {
        let map: Map<String, Value> = map.into_iter().collect();
        prop_assert_eq!(decode_struct(&encode_struct(&map)).expect("decodes"), map);
    }
}

#[test]
#[allow(clippy::expect_used)]
fn the_representative_policy_loads_the_same_as_struct_and_as_json() {
    let from_struct = config::load(&representative_struct()).expect("struct loads");
    let from_json = config::load(POLICIES[1].as_bytes()).expect("json loads");
    assert_eq!(format!("{from_struct:?}"), format!("{from_json:?}"));
}
