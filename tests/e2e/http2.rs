//! HTTP/2 and HTTP/3 from the browser side: HTTP/2 cleartext (h2c, prior knowledge)
//! and over TLS with ALPN, HTTP/3 over QUIC. Every behaviour must be what HTTP/1.1
//! gets, byte for byte in the fields we write: preflights, CORS grants and refusals,
//! security headers, `Set-Cookie` lines kept apart, CSRF, and the WebSocket origin
//! check on an HTTP/2 extended CONNECT (RFC 8441), which Envoy turns into an HTTP/1.1
//! upgrade to the upstream. (WebSocket over HTTP/3, RFC 9220: not tested, see
//! docs/operations-reliability.md.)

use crate::harness::*;

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example.net";

const PLUGIN: &str = r#"{
  "cors": {"allowed_origins": ["https://app.example.com"], "allowed_methods": ["GET", "PUT"],
           "allowed_headers": ["content-type"], "allow_credentials": true},
  "csrf": {},
  "cookies": {},
  "websocket": {},
  "rules": [{"name": "legacy", "match": {"path_prefix": "/legacy/"}, "https_redirect": {}}]
}"#;

/// The default template with extended CONNECT allowed on HTTP/2 (what Envoy needs for
/// WebSocket over HTTP/2), plus a TLS listener offering `h2` and `http/1.1`.
fn template(cert: &str, key: &str) -> String {
    let anchor = "          upgrade_configs: [{ upgrade_type: websocket }]\n";
    assert!(DEFAULT_TEMPLATE.contains(anchor));
    let h2 = DEFAULT_TEMPLATE.replace(
        anchor,
        &format!("{anchor}          http2_protocol_options: {{ allow_connect: true }}\n"),
    );
    with_tls_listener(&h2, cert, key, &["h2", "http/1.1"])
}

/// The requests of a page and its API calls, each also sent over HTTP/1.1.
fn exchanges() -> Vec<(&'static str, Req)> {
    vec![
        (
            "page",
            get("/page")
                .header("accept", "text/html")
                .upstream_header("content-type", "text/html; charset=utf-8"),
        ),
        (
            "preflight",
            preflight("/api/items", APP, "PUT").header("access-control-request-headers", "content-type"),
        ),
        ("preflight refused", preflight("/api/items", EVIL, "PUT")),
        (
            "cors allowed",
            get("/api/items").origin(APP).upstream_header("vary", "Accept-Encoding"),
        ),
        ("cors blocked", get("/api/items").origin(EVIL)),
        (
            "cookies",
            get("/login")
                .upstream_header("set-cookie", "sid=abc; Path=/")
                .upstream_header("set-cookie", "theme=dark; Max-Age=60"),
        ),
        (
            "csrf",
            request("POST", "/api/transfer")
                .header("host", "api.example.com")
                .header("sec-fetch-site", "cross-site")
                .origin(EVIL)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(b"amount=100"),
        ),
        (
            "same-origin post",
            request("POST", "/api/transfer")
                .header("host", "api.example.com")
                .header("sec-fetch-site", "same-origin")
                .origin("https://api.example.com")
                .body(b"amount=1"),
        ),
        ("envoy 503", get("/dead/x").origin(APP)),
        // Envoy sets x-forwarded-proto from the connection: http on h2c, https with TLS.
        ("https redirect", get("/legacy/x?q=1").header("host", "api.example.com")),
    ]
}

/// The fields that must not differ between HTTP/1.1 and HTTP/2: all but the
/// connection-level and per-exchange ones, sorted (HTTP/2 lowercases names).
fn comparable(r: &Resp) -> (u16, Vec<(String, String)>) {
    let skip = [
        "date",
        "x-envoy-upstream-service-time",
        "connection",
        "content-length",
        "transfer-encoding",
    ];
    let mut fields: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), String::from_utf8_lossy(v).into_owned()))
        .filter(|(n, _)| !skip.contains(&n.as_str()))
        .collect();
    fields.sort();
    (r.status, fields)
}

fn methods(r: &Resp) -> Vec<String> {
    r.all("access-control-allow-methods")
        .iter()
        .flat_map(|v| v.split(',').map(|m| m.trim().to_string()).collect::<Vec<_>>())
        .collect()
}

#[test]
fn http2_cleartext_and_tls_behave_like_http1() {
    let dir = scratch_dir();
    let (cert, key) = test_certificate(&dir);
    let envoy = Envoy::start_with(&template(&cert, &key), PLUGIN);
    let (names, reqs): (Vec<&str>, Vec<Req>) = exchanges().into_iter().unzip();
    let h1: Vec<Resp> = reqs.iter().map(|r| r.send(&envoy)).collect();
    let h1_tls: Vec<Resp> = reqs.iter().map(|r| send_tls(r, envoy.port_of("tls"))).collect();

    for (how, port, over_http1) in [
        (H2::Cleartext, envoy.port(), &h1),
        (H2::Tls, envoy.port_of("tls"), &h1_tls),
    ] {
        let h2 = send_h2(port, how, &reqs);
        for ((name, got), want) in names.iter().zip(&h2).zip(over_http1) {
            assert_eq!(
                comparable(got),
                comparable(want),
                "{how:?} {name}: HTTP/2 differs from HTTP/1.1"
            );
        }
        // And what that common answer is, per docs/configuration.md and Fetch.
        let [page, pre, pre_no, allowed, blocked, cookies, csrf, same, dead, redirect] = &h2[..] else {
            unreachable!()
        };
        assert_eq!(page.status, 200);
        assert_eq!(page.all("x-content-type-options"), ["nosniff"]);
        assert_eq!(page.all("x-frame-options"), ["SAMEORIGIN"]);
        assert_eq!(page.count("content-security-policy"), 1);
        // HSTS only where the request came over HTTPS (`:scheme` https with TLS).
        assert_eq!(page.has("strict-transport-security"), how == H2::Tls, "{how:?}");
        assert_eq!(pre.status, 204);
        assert_eq!(pre.all("access-control-allow-origin"), [APP]);
        assert_eq!(pre.all("access-control-allow-credentials"), ["true"]);
        assert!(methods(pre).contains(&"PUT".to_string()), "{:?}", pre.headers_text());
        assert!(pre.vary().contains(&"Origin".to_string()));
        assert_eq!(pre_no.status, 403);
        assert!(pre_no.names_with_prefix("access-control-").is_empty());
        assert_eq!(allowed.all("access-control-allow-origin"), [APP]);
        let vary = allowed.vary();
        assert!(
            vary.contains(&"Origin".into()) && vary.contains(&"Accept-Encoding".into()),
            "{vary:?}"
        );
        assert!(!blocked.has("access-control-allow-origin"));
        // Two Set-Cookie fields stay two (RFC 9113 §8.2.3 never joins them).
        assert_eq!(
            cookies.all("set-cookie"),
            [
                "sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax",
                "theme=dark; Max-Age=60; Secure; HttpOnly; SameSite=Lax"
            ]
        );
        assert_eq!(csrf.status, 403);
        assert_eq!(same.status, 200);
        assert_eq!(dead.status, 503);
        assert_eq!(dead.all("access-control-allow-origin"), [APP]);
        match how {
            H2::Cleartext => {
                assert_eq!(redirect.status, 308);
                assert_eq!(redirect.all("location"), ["https://api.example.com/legacy/x?q=1"]);
            }
            H2::Tls => assert_eq!(redirect.status, 200),
        }
    }
    // Hostile field values over HTTP/2 (the ones HTTP/2 can carry: obs-text, commas,
    // empty, 60 KiB, repeated names, hundreds of fields): answered, never a server error.
    let mut many = get("/many").origin(APP);
    for i in 0..300 {
        many = many.header(&format!("x-h{i}"), "v");
    }
    let hostile = [
        get("/bin")
            .header_bytes("origin", b"https://\xff\xfe.example")
            .header_bytes("x-bin", &[0x80, 0xc3, 0x28]),
        get("/big").origin(&"a".repeat(60 * 1024)),
        get("/repeat").origin(APP).origin(EVIL),
        preflight("/empty", "", "").header("access-control-request-headers", ", ,,"),
        preflight("/star", APP, "PUT").header("access-control-request-headers", "*"),
        request("DELETE", "/csrf-no-fetch-metadata")
            .header("host", "api.example.com")
            .origin("null"),
        many,
    ];
    for how in [H2::Cleartext, H2::Tls] {
        let port = if how == H2::Tls {
            envoy.port_of("tls")
        } else {
            envoy.port()
        };
        for (req, r) in hostile.iter().zip(send_h2(port, how, &hostile)) {
            assert!(r.status < 500, "{how:?} {:?}: {}", req.parts().path, r.status);
        }
    }

    // Preflights and refused writes never reached the upstream, over any protocol.
    assert!(envoy
        .upstream
        .seen()
        .iter()
        .all(|s| s.method != "OPTIONS" || s.path == "/empty"));
    assert!(envoy
        .upstream
        .seen_path("/api/transfer")
        .iter()
        .all(|s| s.header("sec-fetch-site").as_deref() == Some("same-origin")));
    assert_eq!(envoy.counter("default", "cors_preflight_allowed"), 4);
    assert_eq!(envoy.counter("default", "csrf_blocked"), 4 + 2);
    assert_eq!(envoy.wasm_failures(), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn http3_answers_like_http1_over_tls() {
    let dir = scratch_dir();
    let (cert, key) = test_certificate(&dir);
    let template = with_quic_listener(&with_tls_listener(DEFAULT_TEMPLATE, &cert, &key, &[]), &cert, &key);
    let envoy = Envoy::start_with(&template, PLUGIN);
    let (names, reqs): (Vec<&str>, Vec<Req>) = exchanges().into_iter().unzip();
    let over_tls: Vec<Resp> = reqs.iter().map(|r| send_tls(r, envoy.port_of("tls"))).collect();
    let h3 = send_h3(envoy.port_of("h3"), &reqs);
    assert_eq!(h3.len(), reqs.len());
    for ((name, got), want) in names.iter().zip(&h3).zip(&over_tls) {
        assert_eq!(
            comparable(got),
            comparable(want),
            "{name}: HTTP/3 differs from HTTP/1.1 over TLS"
        );
    }
    let [page, pre, pre_no, allowed, _, cookies, csrf, same, dead, redirect] = &h3[..] else {
        unreachable!()
    };
    assert_eq!(page.all("x-content-type-options"), ["nosniff"]);
    assert!(page.has("strict-transport-security"), "QUIC is always TLS");
    assert_eq!(
        (
            pre.status,
            pre_no.status,
            csrf.status,
            same.status,
            dead.status,
            redirect.status
        ),
        (204, 403, 403, 200, 503, 200)
    );
    assert_eq!(allowed.all("access-control-allow-origin"), [APP]);
    assert_eq!(cookies.count("set-cookie"), 2);
    assert_eq!(envoy.counter("default", "cors_preflight_allowed"), 2);
    assert_eq!(envoy.wasm_failures(), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A WebSocket handshake (RFC 6455 §4.1) as an HTTP/1.1 upgrade.
fn websocket(path: &str, origin: Option<&str>) -> Req {
    let req = get(path)
        .header("host", "chat.example.com")
        .header("connection", "Upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==");
    match origin {
        Some(o) => req.origin(o),
        None => req,
    }
}

#[test]
fn websocket_over_http2_extended_connect_is_checked_like_an_upgrade() {
    let dir = scratch_dir();
    let (cert, key) = test_certificate(&dir);
    let envoy = Envoy::start_with(&template(&cert, &key), PLUGIN);
    let cases = [
        ("/ws/evil", Some(EVIL), false),
        ("/ws/null", Some("null"), false),
        ("/ws/app", Some(APP), true),
        ("/ws/same", Some("https://chat.example.com"), true),
        ("/ws/client", None, true),
    ];
    for how in [H2::Cleartext, H2::Tls] {
        let port = if how == H2::Tls {
            envoy.port_of("tls")
        } else {
            envoy.port()
        };
        for (path, origin, allowed) in cases {
            let path = format!("{path}-{how:?}");
            // Same-origin compares the scheme the request arrived with (docs/origin-trust.md):
            // the HTTP/1.1 twin goes over cleartext, so both say they came over https.
            let req = if path.starts_with("/ws/same") {
                websocket(&path, origin).header("x-forwarded-proto", "https")
            } else {
                websocket(&path, origin)
            };
            let over_http1 = req.send(&envoy);
            let r = websocket_h2(port, how, &req);
            if allowed {
                // RFC 8441 §5: 2xx is success; the upstream saw one HTTP/1.1 upgrade per protocol.
                assert_eq!((over_http1.status, r.status), (101, 200), "{how:?} {path}");
                let seen = envoy.upstream.seen_path(&path);
                assert_eq!(seen.len(), 2, "{how:?} {path}");
                assert!(seen.iter().all(|s| s.header("upgrade").as_deref() == Some("websocket")));
            } else {
                assert_eq!((over_http1.status, r.status), (403, 403), "{how:?} {path}");
                assert_eq!(r.text(), over_http1.text(), "{how:?} {path}: the same refusal");
                assert!(r.names_with_prefix("access-control-allow-").is_empty());
                assert!(envoy.upstream.seen_path(&path).is_empty(), "{how:?} {path}");
            }
        }
    }
    // Two refused origins, each over HTTP/1.1 and HTTP/2, on both listeners.
    assert_eq!(envoy.counter("default", "websocket_blocked"), 8);
    // Envoy's HTTP/2 codec presents an extended CONNECT to the filters as the HTTP/1.1
    // upgrade it stands for (GET + `upgrade: websocket`): one identical line for each.
    let log = envoy.log();
    for how in ["Cleartext", "Tls"] {
        let line = format!(
            "blocked websocket: origin not allowed; origin=\"https://evil.example.net\" method=\"GET\" path=\"/ws/evil-{how}\""
        );
        assert_eq!(log.matches(&line).count(), 2, "{line}");
    }
    assert_eq!(envoy.wasm_failures(), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&dir);
}
