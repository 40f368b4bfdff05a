//! The native glue's own logic, natively (`cargo test --lib --features native`): no
//! Envoy here, so every callback is unresolved and each wrapper does nothing.

use super::*;
use proptest::prelude::*;
use std::sync::Arc;

fn source(json: &str) -> Source {
    Source {
        name: "test".into(),
        json: json.as_bytes().to_vec(),
        alive: Arc::new(()),
    }
}

/// Envoy's view of a header list: pointers into bytes we own here.
fn envoy_headers(pairs: &[(Vec<u8>, Vec<u8>)]) -> Vec<abi::EnvoyHttpHeader> {
    pairs
        .iter()
        .map(|(n, v)| abi::EnvoyHttpHeader {
            key_ptr: n.as_ptr(),
            key_length: n.len(),
            value_ptr: v.as_ptr(),
            value_length: v.len(),
        })
        .collect()
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(Vec<u8>, Vec<u8>)> {
    pairs
        .iter()
        .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
}

#[test]
fn an_envoy_without_our_callbacks_is_refused_with_the_fix() {
    // This test binary exports none of Envoy's callbacks.
    let why = abi::check_host().unwrap_err();
    assert!(
        why.starts_with(
            "edge-shield: this Envoy is older than 1.39 (it does not export envoy_dynamic_module_callback_log):"
        ),
        "{why}"
    );
    assert!(
        why.contains("Envoy 1.39 and 1.40") && why.contains("Wasm filter"),
        "{why}"
    );
}

#[test]
fn a_panic_becomes_the_fallback() {
    assert_eq!(guard("test", || 7, || -> i32 { panic!("bug") }), 7);
    assert_eq!(guard("test", || 7, || 1), 1);
}

#[test]
fn each_worker_compiles_a_configuration_once_and_forgets_destroyed_ones() {
    let a = source(r#"{"cors": {"allowed_origins": ["https://a.example"]}}"#);
    let first = compiled(&a).unwrap();
    assert!(Rc::ptr_eq(&first, &compiled(&a).unwrap()), "compiled once per worker");
    let b = source("{}");
    assert!(
        !Rc::ptr_eq(&first, &compiled(&b).unwrap()),
        "one copy per configuration"
    );
    drop(a);
    // The next miss drops the copy of the destroyed configuration.
    let c = source("{}");
    compiled(&c).unwrap();
    COMPILED.with(|cache| {
        let cache = cache.borrow();
        assert_eq!(cache.len(), 2, "b and c remain");
        assert!(cache.iter().all(|(w, _)| w.strong_count() == 1));
    });
}

#[test]
fn header_names_that_are_not_utf8_are_skipped() {
    let pairs = vec![
        (b"origin".to_vec(), b"https://a.example".to_vec()),
        (vec![0xff, b'x'], b"v".to_vec()),
        (b"x-bin".to_vec(), vec![0xff, 0]),
    ];
    let raw = envoy_headers(&pairs);
    assert_eq!(
        lines(&raw),
        vec![("origin", &b"https://a.example"[..]), ("x-bin", &[0xff, 0][..])]
    );
}

/// Our local replies keep their own lines, each header once; a redirect also carries
/// what the response phase adds to every response (the security headers), a preflight
/// answer only its CORS headers (docs/design.md, "Preflight replies").
#[test]
fn local_replies_carry_every_header_in_one_reply() {
    let config = config::load(
        br#"{"cors": {"allowed_origins": ["https://app.example.com"], "allowed_methods": ["GET", "PUT"]},
             "https_redirect": {}}"#,
    )
    .unwrap();
    let policy = config.default.clone();
    type Lines = &'static [(&'static str, &'static str)];
    let cases: &[(Lines, u32, Lines, &[&str])] = &[
        (
            &[
                (":method", "OPTIONS"),
                (":scheme", "https"),
                (":authority", "example.com"),
                (":path", "/api/x"),
                ("x-forwarded-proto", "https"),
                ("origin", "https://app.example.com"),
                ("access-control-request-method", "PUT"),
            ],
            204,
            &[
                ("access-control-allow-origin", "https://app.example.com"),
                ("access-control-allow-methods", "GET, PUT"),
            ],
            &["x-content-type-options", "referrer-policy", "strict-transport-security"],
        ),
        (
            &[
                (":method", "GET"),
                (":scheme", "http"),
                (":authority", "example.com"),
                (":path", "/page"),
                ("x-forwarded-proto", "http"),
            ],
            308,
            &[
                ("location", "https://example.com/page"),
                ("x-content-type-options", "nosniff"),
            ],
            &[],
        ),
    ];
    for (request, status, want, absent) in cases {
        let pairs = owned(request);
        let raw = envoy_headers(&pairs);
        let lines = lines(&raw);
        let mut outcome = engine::on_request(&policy, Headers::borrowed(&lines));
        let reply = outcome.reply.as_mut().expect("answered locally");
        assert_eq!(reply.status, *status);
        engine::complete_reply(&policy, &outcome.state, reply);
        let headers = &reply.headers;
        for (name, value) in *want {
            let found: Vec<_> = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).collect();
            assert_eq!(found.len(), 1, "{status}: {name} in {headers:?}");
            assert_eq!(&found[0].1[..], value.as_bytes(), "{status}: {name}");
        }
        for name in *absent {
            assert!(
                !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)),
                "{status}: {name} in {headers:?}"
            );
        }
    }
}

/// One of the bytes that matter, or any bytes up to `max` long.
fn known_or_any(known: Vec<&'static str>, max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::sample::select(known).prop_map(|k| k.as_bytes().to_vec()),
        proptest::collection::vec(any::<u8>(), 0..max),
    ]
}

/// Header names and values Envoy could hand us, and some it never would.
fn envoy_header() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    let names = vec![
        ":method",
        ":path",
        ":authority",
        ":scheme",
        "origin",
        "access-control-request-method",
        "access-control-request-headers",
        "sec-fetch-site",
        "x-forwarded-proto",
        "upgrade",
        "connection",
        "cookie",
    ];
    let values = vec![
        "OPTIONS",
        "POST",
        "https://app.example.com",
        "http",
        "null",
        "websocket",
        "cross-site",
        "PUT, x",
    ];
    (known_or_any(names, 12), known_or_any(values, 48))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Whatever Envoy hands the glue: no panic, and a local reply never carries CR,
    /// LF or NUL, nor twice a header the response phase sets.
    #[test]
    fn hostile_requests_through_the_native_glue(
        policy in 0..3usize,
        request in proptest::collection::vec(envoy_header(), 0..16),
    ) {
        let json: &[&str] = &[
            "{}",
            r#"{"cors": {"allowed_origins": ["https://app.example.com"], "allow_credentials": true},
                "https_redirect": {}, "csrf": {}, "websocket": {}, "cookies": {}}"#,
            r#"{"mode": "development", "cors": {"allowed_origins": ["*"], "allowed_methods": ["*"]},
                "rules": [{"match": {"path_prefix": "/p/"}, "headers": false}]}"#,
        ];
        let config = config::load(json[policy].as_bytes()).unwrap();
        let raw = envoy_headers(&request);
        let lines = lines(&raw);
        let request = Headers::borrowed(&lines);
        let route = RouteInfo::of(request, None);
        let chosen = config.select(&route).clone();
        let mut outcome = engine::on_request(&chosen, request);
        if let Some(reply) = outcome.reply.as_mut() {
            engine::complete_reply(&chosen, &outcome.state, reply);
            let headers = &reply.headers;
            for (n, v) in headers {
                prop_assert!(crate::exchange::writable(n.as_bytes()) && crate::exchange::writable(v), "{n}: {v:?}");
            }
            for name in ["x-content-type-options", "access-control-allow-origin", "location"] {
                prop_assert!(headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).count() <= 1, "{name} twice");
            }
        }
    }
}
