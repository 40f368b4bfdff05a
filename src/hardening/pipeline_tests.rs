//! The hardening features through the whole pipeline: configuration loaded from JSON,
//! per-route rules, and the order of the checks in `engine::on_request`.

use crate::config::load;
use crate::engine::{on_request, on_response, ExchangeState};
use crate::exchange::RouteInfo;
use crate::exchange::{Counter, HeaderOp};
use crate::http::Header;
use crate::http::Headers;

const CONFIG: &str = r#"{
  "https_redirect": {"exempt_paths": ["/healthz"]},
  "csrf": {"exempt_paths": ["/webhooks/"]},
  "websocket": true,
  "cookies": {"exempt": ["csrftoken"]},
  "rules": [
    {"name": "open", "match": {"path_prefix": "/open/"}, "csrf": false, "https_redirect": false},
    {"name": "strict", "match": {"path_prefix": "/strict/"}, "cookies": {"same_site": "Strict"}}
  ]
}"#;

use crate::testing::lines;

fn cross_site_post(path: &str, proto: &str) -> Vec<Header> {
    lines(&[
        (":method", "POST"),
        (":path", path),
        (":authority", "api.example.com"),
        ("x-forwarded-proto", proto),
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://evil.example.net"),
    ])
}

fn route(h: &[Header]) -> RouteInfo<'_> {
    let headers = Headers::new(h);
    RouteInfo {
        route_name: None,
        authority: headers.get(":authority").unwrap_or_default(),
        path: headers.get(":path").unwrap_or_default(),
    }
}

#[test]
fn the_redirect_comes_first_and_alone() {
    let config = load(CONFIG.as_bytes()).unwrap();
    let req = cross_site_post("/transfer", "http");
    let out = on_request(config.select(&route(&req)), Headers::new(&req));
    assert_eq!(out.reply.as_ref().unwrap().status, 308);
    assert!(out.counters.contains(Counter::HttpsRedirected));
    assert!(
        !out.counters.contains(Counter::CsrfBlocked),
        "answered: later checks do nothing"
    );
    assert!(out.blocked.is_none());
}

#[test]
fn csrf_refuses_over_https_and_rules_override_it() {
    let config = load(CONFIG.as_bytes()).unwrap();
    let req = cross_site_post("/transfer", "https");
    let out = on_request(config.select(&route(&req)), Headers::new(&req));
    assert_eq!(out.reply.as_ref().unwrap().status, 403);
    assert!(out.counters.contains(Counter::CsrfBlocked));

    let req = cross_site_post("/open/transfer", "http");
    let policy = config.select(&route(&req));
    assert_eq!(policy.name, "open");
    let out = on_request(policy, Headers::new(&req));
    assert!(out.reply.is_none(), "the rule turns csrf and the redirect off");

    let req = cross_site_post("/webhooks/stripe", "https");
    assert!(on_request(config.select(&route(&req)), Headers::new(&req))
        .reply
        .is_none());
}

#[test]
fn websocket_hijacking_refused_before_csrf_and_cors() {
    let config = load(CONFIG.as_bytes()).unwrap();
    let req = lines(&[
        (":method", "GET"),
        (":path", "/ws"),
        (":authority", "api.example.com"),
        ("upgrade", "websocket"),
        ("connection", "Upgrade"),
        ("origin", "https://evil.example.net"),
    ]);
    let out = on_request(config.select(&route(&req)), Headers::new(&req));
    assert_eq!(out.reply.as_ref().unwrap().status, 403);
    assert!(out.counters.contains(Counter::WebsocketBlocked));
    assert_eq!(out.blocked.as_ref().unwrap().kind, "websocket");
}

#[test]
fn cookies_hardened_per_rule_on_the_response() {
    let config = load(CONFIG.as_bytes()).unwrap();
    let resp = lines(&[
        (":status", "200"),
        ("set-cookie", "sid=1"),
        ("set-cookie", "csrftoken=t"),
    ]);
    let state = ExchangeState::default();
    let set_cookies = |path: &str| -> Vec<String> {
        let req = lines(&[(":path", path), (":authority", "api.example.com")]);
        on_response(config.select(&route(&req)), &state, Headers::new(&resp))
            .into_iter()
            .filter_map(|op| match op {
                HeaderOp::Add(n, v) if n == "set-cookie" => Some(String::from_utf8_lossy(&v).into_owned()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        set_cookies("/"),
        [
            "sid=1; Secure; HttpOnly; SameSite=Lax",
            "csrftoken=t; Secure; SameSite=Lax"
        ]
    );
    assert_eq!(
        set_cookies("/strict/x"),
        [
            "sid=1; Secure; HttpOnly; SameSite=Strict",
            "csrftoken=t; Secure; HttpOnly; SameSite=Strict"
        ],
        "a rule's cookies object replaces the top-level one entirely (exempt included)"
    );
}

#[test]
fn all_off_by_default() {
    let config = load(b"{}").unwrap();
    let p = &config.default;
    assert!(p.https_redirect.is_none() && p.cookies.is_none() && p.csrf.is_none() && p.websocket.is_none());
}

#[test]
fn hostile_bytes_never_panic() {
    let config = load(CONFIG.as_bytes()).unwrap();
    let big = vec![b'a'; 64 * 1024];
    let values: &[&[u8]] = &[
        b"",
        b"\xff\xfe",
        &big,
        b"http",
        b"websocket",
        b"cross-site",
        b"null",
        b"https://",
        b"[",
        b"https://[::1",
        b"a:99999999999",
        b";;;==;",
        b"SameSite",
        b"__Host-",
        b"://",
        b"https://a:",
    ];
    let names = [
        ":method",
        ":path",
        ":authority",
        "x-forwarded-proto",
        "origin",
        "sec-fetch-site",
        "upgrade",
        ":protocol",
    ];
    let state = ExchangeState::default();
    for v in values {
        for name in names {
            let mut req = cross_site_post("/x", "http");
            req.push((name.to_string(), v.to_vec()));
            let _ = on_request(config.select(&route(&req)), Headers::new(&req));
            req.retain(|(n, _)| n != name);
            req.push((name.to_string(), v.to_vec()));
            let _ = on_request(config.select(&route(&req)), Headers::new(&req));
        }
        let resp: Vec<Header> = vec![("set-cookie".into(), v.to_vec()), ("set-cookie".into(), v.to_vec())];
        let _ = on_response(&config.default, &state, Headers::new(&resp));
    }
}
