//! Upstream faults: a reset, a refused connection, a timeout, responses with 1,000
//! header lines or 60 KiB values, and malformed bytes. Envoy answers the first three
//! itself (503/504); those replies pass through the filter and carry CORS, `Vary` and
//! the security headers like any response. Nothing an upstream sends may fail the Wasm
//! VM (Envoy's failure stats stay 0), and every field we write stays well-formed.

use crate::harness::*;

const APP: &str = "https://app.example.com";

const PLUGIN: &str = r#"{
  "cors": {"allowed_origins": ["https://app.example.com"], "allow_credentials": true},
  "cookies": {}
}"#;

/// The default template plus `/slow/` (0.5 s route timeout) and `/roomy/` (an upstream
/// cluster whose header limits admit 2,000 lines and 1 MiB: the filter sees what a
/// permissive upstream config lets through; Envoy's defaults are 100 lines, 60 KiB;
/// one request per connection, since a raw response closes it).
fn template() -> String {
    const ROUTES: &str = r#"              - name: slow
                match: { prefix: "/slow/" }
                route: { cluster: upstream, timeout: 0.5s }
              - name: roomy
                match: { prefix: "/roomy/" }
                route: { cluster: roomy, timeout: 10s }
"#;
    const CLUSTER: &str = r#"  - name: roomy
    type: STATIC
    connect_timeout: 1s
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        common_http_protocol_options: { max_headers_count: 2000, max_response_headers_kb: 1024, max_requests_per_connection: 1 }
        explicit_http_config: { http_protocol_options: {} }
    load_assignment:
      cluster_name: roomy
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{UPSTREAM_PORT}} } } } }] }]
"#;
    let routes_anchor = "              - name: upstream\n";
    let clusters_anchor = "  clusters:\n";
    assert!(DEFAULT_TEMPLATE.contains(routes_anchor) && DEFAULT_TEMPLATE.contains(clusters_anchor));
    DEFAULT_TEMPLATE
        .replace(routes_anchor, &format!("{ROUTES}{routes_anchor}"))
        .replace(clusters_anchor, &format!("{clusters_anchor}{CLUSTER}"))
}

/// The fields we write are present once each and carry no byte HTTP forbids in a field
/// value (RFC 9110 §5.5: controls other than HTAB).
#[track_caller]
fn assert_decorated(r: &Resp, what: &str) {
    assert_eq!(
        r.all("access-control-allow-origin"),
        [APP],
        "{what}: {:?}",
        r.headers_text()
    );
    assert_eq!(r.all("access-control-allow-credentials"), ["true"], "{what}");
    assert!(
        r.vary().iter().any(|v| v.eq_ignore_ascii_case("origin")),
        "{what}: {:?}",
        r.vary()
    );
    assert_eq!(r.all("x-content-type-options"), ["nosniff"], "{what}");
    assert_eq!(r.all("referrer-policy"), ["no-referrer"], "{what}");
    assert_well_formed(r, what);
}

#[track_caller]
fn assert_well_formed(r: &Resp, what: &str) {
    for (name, value) in &r.headers {
        assert!(
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':'),
            "{what}: field name {name:?}"
        );
        let n = name.to_ascii_lowercase();
        let ours = n.starts_with("access-control-")
            || [
                "vary",
                "x-content-type-options",
                "referrer-policy",
                "set-cookie",
                "cross-origin-opener-policy",
            ]
            .contains(&n.as_str());
        if ours {
            assert!(
                !value.iter().any(|b| (*b < 0x20 && *b != b'\t') || *b == 0x7f),
                "{what}: {name} carries a control byte: {:?}",
                String::from_utf8_lossy(value)
            );
        }
    }
}

#[test]
fn envoys_fault_replies_carry_cors_vary_and_the_headers() {
    let envoy = Envoy::start_with(&template(), PLUGIN);
    let vms = envoy.stat("wasm.envoy.wasm.runtime.v8.created");

    // Upstream reset before answering: 503 (Envoy's "upstream connect error or
    // disconnect/reset before headers").
    let reset = get("/api/reset")
        .origin(APP)
        .header("x-test-fault", "reset")
        .send(&envoy);
    assert_eq!(reset.status, 503, "{:?}", reset.text());
    assert_decorated(&reset, "reset");
    // Nobody listening: 503 after the connect failure.
    let refused = get("/dead/x").origin(APP).send(&envoy);
    assert_eq!(refused.status, 503);
    assert_decorated(&refused, "connect failure");
    // Slower than the route timeout: 504.
    let slow = get("/slow/x")
        .origin(APP)
        .header("x-test-delay-ms", "1500")
        .send(&envoy);
    assert_eq!(slow.status, 504, "{:?}", slow.text());
    assert_decorated(&slow, "timeout");
    // A preflight is answered before any upstream is involved, faults or not.
    let pre = preflight("/slow/x", APP, "GET")
        .header("x-test-delay-ms", "1500")
        .send(&envoy);
    assert_eq!(pre.status, 204);

    assert_eq!(envoy.wasm_failures(), Vec::<String>::new());
    assert_eq!(
        envoy.stat("wasm.envoy.wasm.runtime.v8.created"),
        vms,
        "no VM was re-created"
    );
    assert_eq!(get("/after").send(&envoy).status, 200);
}

#[test]
fn huge_and_malformed_upstream_responses_never_fail_the_vm() {
    let envoy = Envoy::start_with(&template(), PLUGIN);
    let vms = envoy.stat("wasm.envoy.wasm.runtime.v8.created");

    // 1,000 header lines: through the roomy cluster the filter sees them all and adds
    // its fields once; Envoy's default limit (100) turns them into its own 503, which
    // the filter decorates.
    let many = get("/roomy/many")
        .origin(APP)
        .header("x-test-many-headers", "1000")
        .send(&envoy);
    assert_eq!(many.status, 200);
    assert_eq!(many.names_with_prefix("x-many-").len(), 1000);
    assert_decorated(&many, "1,000 lines");
    let limited = get("/many")
        .origin(APP)
        .header("x-test-many-headers", "1000")
        .send(&envoy);
    assert!(limited.status == 502 || limited.status == 503, "{}", limited.status);
    assert_decorated(&limited, "1,000 lines over Envoy's limit");

    // 60 KiB values, in fields the filter reads and rewrites (Vary, Set-Cookie) and one
    // it only passes.
    const BIG: usize = 60 * 1024;
    let big = get("/roomy/big")
        .origin(APP)
        .header("x-test-big-header", &format!("x-big {BIG}"))
        .send(&envoy);
    assert_eq!(big.status, 200);
    assert_eq!(big.header("x-big").map(|v| v.len()), Some(BIG));
    assert_decorated(&big, "60 KiB value");
    let vary = get("/roomy/vary")
        .origin(APP)
        .header("x-test-big-header", &format!("vary {BIG}"))
        .send(&envoy);
    assert_eq!(vary.status, 200);
    let tokens = vary.vary();
    assert!(
        tokens.iter().any(|t| t.len() == BIG),
        "the upstream's Vary token is kept"
    );
    assert_decorated(&vary, "60 KiB Vary");
    let cookie = get("/roomy/cookie")
        .origin(APP)
        .header("x-test-big-header", &format!("set-cookie {BIG}"))
        .send(&envoy);
    assert_eq!(cookie.status, 200);
    let line = cookie.header("set-cookie").unwrap_or_default();
    // A value without `=` is a cookie with an empty name (RFC 6265bis §5.6); hardened all the same.
    assert!(
        line.len() > BIG && line.ends_with("; Secure; HttpOnly; SameSite=Lax"),
        "{}",
        &line[BIG - 10..]
    );
    assert_decorated(&cookie, "60 KiB Set-Cookie");

    // Malformed bytes: Envoy's codec refuses most (its 502/503 reply is decorated); what
    // it lets through reaches the filter, whose own fields must stay well-formed.
    let malformed: &[(&str, &[u8])] = &[
        ("bad status", b"HTTP/1.1 abc OK\r\ncontent-length: 0\r\n\r\n"),
        (
            "not HTTP",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n",
        ),
        (
            "NUL in a value",
            b"HTTP/1.1 200 OK\r\nx-a: a\x00b\r\ncontent-length: 0\r\n\r\n",
        ),
        (
            "space in a name",
            b"HTTP/1.1 200 OK\r\nbad name: x\r\ncontent-length: 0\r\n\r\n",
        ),
        ("truncated head", b"HTTP/1.1 200 OK\r\ncontent-le"),
        (
            "two lengths",
            b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\ncontent-length: 5\r\n\r\nhello",
        ),
        (
            "bare LF",
            b"HTTP/1.1 200 OK\nvary: accept\nset-cookie: a=b\ncontent-length: 0\n\n",
        ),
        (
            "obs-text in fields we rewrite, a foreign grant",
            b"HTTP/1.1 200 OK\r\nvary: \xff\xfe, Origin\r\nset-cookie: a=\xffb\r\n\
              access-control-allow-origin: https://evil.example\r\ncontent-length: 0\r\n\r\n",
        ),
        (
            "obs-text in Vary",
            b"HTTP/1.1 200 OK\r\nvary: \xff\xfe, Origin\r\ncontent-length: 0\r\n\r\n",
        ),
        (
            "a control byte in Set-Cookie",
            b"HTTP/1.1 200 OK\r\nset-cookie: a=\x01b\r\ncontent-length: 0\r\n\r\n",
        ),
        ("status 999", b"HTTP/1.1 999 Odd\r\ncontent-length: 0\r\n\r\n"),
        ("1xx then nothing", b"HTTP/1.1 100 Continue\r\n\r\n"),
    ];
    for (what, bytes) in malformed {
        let req = get(&format!("/roomy/raw/{}", what.replace(' ', "-")))
            .origin(APP)
            .header("x-test-raw", &percent_encode(bytes));
        let r = req.send(&envoy);
        if r.status >= 500 {
            assert_decorated(&r, what);
        } else {
            // Passed through: still only our grant (never the upstream's), once, well-formed.
            assert_eq!(
                r.all("access-control-allow-origin"),
                [APP],
                "{what}: {:?}",
                r.headers_text()
            );
            assert!(
                r.vary().iter().any(|v| v.eq_ignore_ascii_case("origin")),
                "{what}: {:?}",
                r.vary()
            );
            assert_well_formed(&r, what);
        }
    }

    assert_eq!(envoy.wasm_failures(), Vec::<String>::new());
    assert_eq!(
        envoy.stat("wasm.envoy.wasm.runtime.v8.created"),
        vms,
        "no VM was re-created"
    );
    assert!(!envoy.log().contains("panicked"));
    assert_eq!(get("/after").send(&envoy).status, 200);
}
