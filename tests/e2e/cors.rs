//! CORS through a real Envoy (docs/configuration.md, CORS): preflights answered by the filter and never
//! forwarded, actual requests decorated or stripped, `Vary` on every response of a
//! CORS route (Envoy's own replies included), `*` policies, report-only, development
//! mode, metrics and the blocked-request log. One Envoy per configuration, many
//! requests each; policies differ by rule (`path_prefix`) where they can share one.
//! Expected values come from docs/configuration.md and the Fetch standard.

use crate::harness::host;
use crate::harness::*;

const ACRM: &str = "access-control-request-method";
const ACRH: &str = "access-control-request-headers";
const APP: &str = "https://app.example.com";

/// A credentialed top-level policy; `/public/` is a `*` policy, `/shadow/` report-only,
/// `/pna/` answers Private Network Access preflights with 200 and no max-age.
const PLUGIN: &str = r#"{
  "cors": {
    "allowed_origins": ["https://app.example.com", "https://*.example.org", "http://localhost:*"],
    "allowed_origin_regexes": ["https://pr-[0-9]+\\.preview\\.example\\.dev"],
    "allowed_methods": ["GET", "POST", "PUT", "DELETE"],
    "allowed_headers": ["content-type", "x-request-id"],
    "exposed_headers": ["x-total"],
    "allow_credentials": true
  },
  "rules": [
    { "name": "public", "match": { "path_prefix": "/public/" },
      "cors": { "allowed_origins": ["*"], "exposed_headers": ["x-total"] } },
    { "name": "shadow", "match": { "path_prefix": "/shadow/" },
      "cors": { "allowed_origins": ["https://app.example.com"], "enforce": false } },
    { "name": "pna", "match": { "path_prefix": "/pna/" },
      "cors": { "allowed_origins": ["https://app.example.com"], "allow_private_network": true,
                "max_age": null, "preflight_status": 200 } }
  ]
}"#;

const PREFLIGHT_VARY: [&str; 3] = [
    "Origin",
    "Access-Control-Request-Method",
    "Access-Control-Request-Headers",
];

/// Every `access-control-*` line, sorted: (name, value).
fn cors_lines(r: &Resp) -> Vec<(String, String)> {
    let mut lines: Vec<(String, String)> = r
        .headers
        .iter()
        .filter(|(n, _)| n.to_ascii_lowercase().starts_with("access-control-"))
        .map(|(n, v)| (n.to_ascii_lowercase(), String::from_utf8_lossy(v).into_owned()))
        .collect();
    lines.sort();
    lines
}

fn expect(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
    v.sort();
    v
}

/// A preflight refused by the filter: 403, no `Access-Control-*` at all, the preflight Vary.
fn assert_refused(envoy: &Envoy, req: Req, what: &str) {
    let r = req.send(envoy);
    assert_eq!(r.status, 403, "{what}");
    assert_eq!(cors_lines(&r), vec![], "{what}: nothing advertised");
    assert_eq!(r.vary(), PREFLIGHT_VARY, "{what}: vary");
}

#[test]
fn preflights_are_answered_by_the_filter_and_never_forwarded() {
    let envoy = Envoy::start(PLUGIN);

    let r = preflight("/pf/ok", APP, "PUT")
        .header(ACRH, "X-Request-ID, content-type")
        .send(&envoy);
    assert_eq!(r.status, 204);
    assert_eq!(
        cors_lines(&r),
        expect(&[
            ("access-control-allow-origin", APP),
            ("access-control-allow-methods", "GET, POST, PUT, DELETE"),
            ("access-control-allow-headers", "content-type, x-request-id"),
            ("access-control-allow-credentials", "true"),
            ("access-control-max-age", "600"),
        ])
    );
    assert_eq!(r.vary(), PREFLIGHT_VARY);
    assert!(r.body.is_empty());

    // Several ACRH lines are one list; whitespace and empty elements are tolerated.
    let r = preflight("/pf/lines", "https://a.b.example.org", "DELETE")
        .header(ACRH, "content-type")
        .header(ACRH, " ,x-request-id,, ")
        .send(&envoy);
    assert_eq!(r.status, 204, "repeated ACRH lines");
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some("https://a.b.example.org")
    );

    let r = preflight("/pf/regex", "https://pr-42.preview.example.dev", "POST").send(&envoy);
    assert_eq!(r.status, 204);
    let r = preflight("/pf/port", "http://localhost:5173", "GET").send(&envoy);
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some("http://localhost:5173")
    );

    // The first three make the log lines checked below (the log is rate-limited).
    let refused = [
        (
            preflight("/pf/no", "https://evil-example.org", "PUT"),
            "evil-example.org",
        ),
        (preflight("/pf/no", APP, "GET, DELETE"), "two methods"),
        (
            preflight("/pf/no", APP, "PUT").header(ACRH, "content-type, x-foo"),
            "header",
        ),
        (
            preflight("/pf/no", "https://example.org.evil.net", "PUT"),
            "example.org.evil.net",
        ),
        (
            preflight("/pf/no", "https://example.org", "PUT"),
            "apex of *.example.org",
        ),
        (preflight("/pf/no", "https://app.example.com.", "PUT"), "trailing dot"),
        (preflight("/pf/no", "HTTPS://APP.EXAMPLE.COM", "PUT"), "upper case"),
        (preflight("/pf/no", "null", "PUT"), "null not listed"),
        (
            preflight("/pf/no", "evilhttps://pr-1.preview.example.dev", "PUT"),
            "regex prefix",
        ),
        (
            preflight("/pf/no", "https://pr-1.preview.example.dev.evil", "PUT"),
            "regex suffix",
        ),
        (preflight("/pf/no", APP, "PATCH"), "method not listed"),
        (preflight("/pf/no", APP, "get"), "lower-case get"),
        (
            preflight("/pf/no", APP, "PUT")
                .header(ACRH, "content-type")
                .header(ACRH, "x-foo"),
            "header on a second line",
        ),
        (
            request("OPTIONS", "/pf/no").origin(APP).origin(APP).header(ACRM, "PUT"),
            "repeated Origin",
        ),
        (
            request("OPTIONS", "/pf/no")
                .header_bytes("origin", b"https://app.example.com\xff")
                .header(ACRM, "PUT"),
            "non-UTF-8 Origin",
        ),
        (
            preflight("/pf/no", APP, "PUT").header(ACRH, &"x-a,".repeat(16 * 1024)),
            "64 KiB of header names",
        ),
    ];
    for (req, what) in refused {
        assert_refused(&envoy, req, what);
    }

    // Not one preflight reached the upstream.
    assert!(
        envoy.upstream.seen().iter().all(|s| s.method != "OPTIONS"),
        "{:?}",
        envoy.upstream.seen()
    );

    // Any other OPTIONS is the upstream's: without ACRM, with an empty one, without Origin.
    let r = request("OPTIONS", "/opt/no-acrm").origin(APP).send(&envoy);
    assert_eq!((r.status, r.text().as_str()), (200, "upstream: OPTIONS /opt/no-acrm"));
    assert_eq!(r.header("access-control-allow-origin").as_deref(), Some(APP));
    let r = request("OPTIONS", "/opt/empty-acrm")
        .origin(APP)
        .header(ACRM, "")
        .send(&envoy);
    assert_eq!(r.text(), "upstream: OPTIONS /opt/empty-acrm");
    let r = request("OPTIONS", "/opt/no-origin").header(ACRM, "PUT").send(&envoy);
    assert_eq!(r.text(), "upstream: OPTIONS /opt/no-origin");
    assert_eq!(r.vary(), ["Origin"]);
    for path in ["/opt/no-acrm", "/opt/empty-acrm", "/opt/no-origin"] {
        assert_eq!(envoy.upstream.seen_path(path).len(), 1, "{path} forwarded once");
    }

    assert_eq!(envoy.counter("default", "cors_preflight_allowed"), 4);
    assert_eq!(envoy.counter("default", "cors_preflight_rejected"), 16);
    let log = envoy.log();
    for line in [
        "blocked cors preflight: origin not allowed; origin=\"https://evil-example.org\" method=\"OPTIONS\" path=\"/pf/no\" route=\"upstream\" policy=default",
        "blocked cors preflight: method not allowed: GET, DELETE;",
        "blocked cors preflight: header not allowed: x-foo;",
    ] {
        assert!(log.contains(line), "{line:?} not in the log:\n{log}");
    }
}

#[test]
fn actual_requests_get_the_grant_or_lose_the_upstream_headers() {
    let envoy = Envoy::start(PLUGIN);
    let granted = expect(&[
        ("access-control-allow-origin", APP),
        ("access-control-allow-credentials", "true"),
        ("access-control-expose-headers", "x-total"),
    ]);

    let r = get("/a/ok").origin(APP).send(&envoy);
    assert_eq!(r.status, 200);
    assert_eq!(cors_lines(&r), granted);
    assert_eq!(r.vary(), ["Origin"]);

    // The upstream's own CORS headers are replaced (one line each) or removed.
    let r = request("POST", "/a/replace")
        .origin(APP)
        .upstream_header("access-control-allow-origin", "*")
        .upstream_header("access-control-allow-origin", "https://other.example")
        .upstream_header("access-control-allow-credentials", "false")
        .upstream_header("access-control-max-age", "5")
        .send(&envoy);
    assert_eq!(cors_lines(&r), granted, "replaced");

    let r = get("/a/evil")
        .origin("https://evil.example.net")
        .upstream_header("access-control-allow-origin", "https://evil.example.net")
        .upstream_header("access-control-allow-credentials", "true")
        .upstream_header("access-control-expose-headers", "x-secret")
        .send(&envoy);
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, "upstream: GET /a/evil"),
        "still forwarded"
    );
    assert_eq!(cors_lines(&r), vec![], "removed");
    assert_eq!(r.vary(), ["Origin"]);

    let r = get("/a/none")
        .upstream_header("access-control-allow-origin", "*")
        .send(&envoy);
    assert_eq!(cors_lines(&r), vec![], "no Origin: nothing granted");
    assert_eq!(r.vary(), ["Origin"]);

    // Vary: appended to the upstream's, one line, never duplicated, `*` left alone.
    let r = get("/v/1")
        .origin(APP)
        .upstream_header("vary", "Accept-Encoding")
        .send(&envoy);
    assert_eq!(r.all("vary"), ["Accept-Encoding, Origin"]);
    let r = get("/v/2")
        .upstream_header("vary", "Accept-Encoding")
        .upstream_header("vary", "Accept-Language")
        .send(&envoy);
    assert_eq!(r.vary(), ["Accept-Encoding", "Accept-Language", "Origin"]);
    let r = get("/v/3")
        .origin(APP)
        .upstream_header("vary", "accept, origin")
        .send(&envoy);
    assert_eq!(r.all("vary"), ["accept, origin"]);
    let r = get("/v/4").upstream_header("vary", "*").send(&envoy);
    assert_eq!(r.all("vary"), ["*"]);

    // Envoy's own replies on this route carry Vary (and the grant) too.
    let r = get("/direct/x").origin(APP).send(&envoy);
    assert_eq!((r.status, r.text().as_str()), (200, "direct"));
    assert_eq!(cors_lines(&r), granted, "direct_response");
    assert_eq!(r.vary(), ["Origin"]);
    let r = get("/dead/x").origin(APP).send(&envoy);
    assert_eq!(r.status, 503);
    assert_eq!(cors_lines(&r), granted, "503 readable by the allowed origin");
    assert_eq!(r.vary(), ["Origin"]);
    let r = get("/dead/y").origin("https://evil.example.net").send(&envoy);
    assert_eq!((r.status, cors_lines(&r)), (503, vec![]));
    assert_eq!(r.vary(), ["Origin"]);
    let r = get("/x").header("host", "nowhere.invalid").send(&envoy);
    assert_eq!(r.status, 404);
    assert_eq!(r.vary(), ["Origin"]);
    let r = get("/x").header("host", "nowhere.invalid").origin(APP).send(&envoy);
    assert_eq!((r.status, cors_lines(&r)), (404, granted.clone()));
    let r = get("/a/500").origin(APP).upstream_status(500).send(&envoy);
    assert_eq!((r.status, cors_lines(&r)), (500, granted.clone()));

    // Hostile Origins: raw non-UTF-8 bytes, repeated, 64 KiB.
    let raw = send_raw(
        envoy.port(),
        b"GET /h/raw HTTP/1.1\r\nhost: localhost\r\norigin: https://app.example.com\xe9\r\nconnection: close\r\n\r\n",
    )
    .unwrap();
    assert_eq!((raw.status, cors_lines(&raw)), (200, vec![]));
    assert_eq!(raw.vary(), ["Origin"]);
    let r = get("/h/twice").origin(APP).origin(APP).send(&envoy);
    assert_eq!(
        (r.status, cors_lines(&r)),
        (200, vec![]),
        "repeated Origin is not allowed"
    );
    let r = get("/h/big").origin(&"a".repeat(64 * 1024)).send(&envoy);
    assert_eq!((r.status, cors_lines(&r)), (200, vec![]));

    // Counted per kind: allowed = ok, replace, v/1, v/3, direct, dead/x, 404, 500;
    // blocked = evil, dead/y, raw, twice, big; no Origin = none, v/2, v/4, the first 404.
    assert_eq!(envoy.counter("default", "cors_actual_allowed"), 8);
    assert_eq!(envoy.counter("default", "cors_actual_blocked"), 5);
    assert_eq!(envoy.counter("default", "cors_no_origin"), 4);
    let stats = envoy.stats();
    assert!(
        stats.contains(&format!(
            "{}edge_shield.edge-shield.default.cors_actual_blocked: 5",
            host::counter_prefix()
        )),
        "{stats}"
    );
    let log = envoy.log();
    assert!(
        log.contains("blocked cors request: origin not allowed; origin=\"https://evil.example.net\" method=\"GET\" path=\"/a/evil\""),
        "{log}"
    );
    assert!(!log.contains("panicked"), "{log}");
}

#[test]
fn star_report_only_and_private_network_rules() {
    let envoy = Envoy::start(PLUGIN);

    // `*` policy: ACAO * on every response, with or without Origin, and no Vary: Origin.
    let star = expect(&[
        ("access-control-allow-origin", "*"),
        ("access-control-expose-headers", "x-total"),
    ]);
    for req in [
        get("/public/a"),
        get("/public/b").origin("https://anyone.example.net"),
        get("/public/c").origin("null"),
        get("/public/d").upstream_header("vary", "Accept-Encoding"),
        get("/public/e").upstream_status(404),
    ] {
        let r = req.send(&envoy);
        assert_eq!(cors_lines(&r), star, "{req:?}");
        assert!(
            !r.vary().iter().any(|v| v.eq_ignore_ascii_case("origin")),
            "{req:?}: {:?}",
            r.vary()
        );
    }
    let r = get("/public/d2")
        .upstream_header("vary", "Accept-Encoding")
        .send(&envoy);
    assert_eq!(r.all("vary"), ["Accept-Encoding"], "upstream Vary untouched");
    let r = preflight("/public/pf", "https://anyone.example.net", "POST").send(&envoy);
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin").as_deref(), Some("*"));
    assert_eq!(
        r.vary(),
        ["Access-Control-Request-Method", "Access-Control-Request-Headers"]
    );
    assert_eq!(envoy.counter("public", "cors_actual_allowed"), 2);
    assert_eq!(envoy.counter("public", "cors_no_origin"), 4);

    // Report-only: the upstream answers preflights and nothing on the wire changes,
    // but decisions are counted and logged as if enforced.
    let r = preflight("/shadow/pf", "https://evil.example.net", "PUT")
        .upstream_header("access-control-allow-origin", "https://evil.example.net")
        .send(&envoy);
    assert_eq!((r.status, r.text().as_str()), (200, "upstream: OPTIONS /shadow/pf"));
    assert_eq!(
        cors_lines(&r),
        expect(&[("access-control-allow-origin", "https://evil.example.net")])
    );
    assert!(r.vary().is_empty());
    let r = preflight("/shadow/ok", APP, "GET").send(&envoy);
    assert_eq!((r.status, cors_lines(&r)), (200, vec![]));
    let r = get("/shadow/get").origin("https://evil.example.net").send(&envoy);
    assert!(r.vary().is_empty() && cors_lines(&r).is_empty());
    assert_eq!(envoy.upstream.seen_path("/shadow/pf").len(), 1);
    assert_eq!(envoy.upstream.seen_path("/shadow/ok").len(), 1);
    assert_eq!(envoy.counter("shadow", "cors_preflight_rejected"), 1);
    assert_eq!(envoy.counter("shadow", "cors_preflight_allowed"), 1);
    assert_eq!(envoy.counter("shadow", "cors_actual_blocked"), 1);
    let log = envoy.log();
    assert!(
        log.contains("would block (report-only) cors preflight: origin not allowed; origin=\"https://evil.example.net\" method=\"OPTIONS\" path=\"/shadow/pf\""),
        "{log}"
    );

    // Private Network Access, preflight_status 200, max_age null.
    let r = preflight("/pna/x", APP, "GET")
        .header("access-control-request-private-network", "true")
        .send(&envoy);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length").as_deref(), Some("0"));
    assert_eq!(
        cors_lines(&r),
        expect(&[
            ("access-control-allow-origin", APP),
            ("access-control-allow-methods", "GET, HEAD, POST"),
            ("access-control-allow-private-network", "true"),
        ])
    );
    assert_eq!(
        r.vary(),
        [
            "Origin",
            "Access-Control-Request-Method",
            "Access-Control-Request-Headers",
            "Access-Control-Request-Private-Network"
        ]
    );
    let r = preflight("/pna/y", APP, "GET").send(&envoy);
    assert_eq!(r.status, 200);
    assert!(!r.has("access-control-allow-private-network"), "not requested");
    // Requested on a route that does not enable it: answered without the grant.
    let r = preflight("/pf/pna", APP, "GET")
        .header("access-control-request-private-network", "true")
        .send(&envoy);
    assert_eq!(r.status, 204);
    assert!(!r.has("access-control-allow-private-network"));
    assert_eq!(r.header("access-control-allow-origin").as_deref(), Some(APP));
}

#[test]
fn development_mode_allows_loopback_origins_on_any_port() {
    let envoy = Envoy::start(r#"{"mode": "development", "cors": {"allowed_origins": ["https://app.example.com"]}}"#);
    for origin in ["http://localhost:3000", "http://127.0.0.1:8080", "http://[::1]:5173"] {
        let r = preflight("/dev", origin, "POST").header(ACRH, "").send(&envoy);
        assert_eq!(r.status, 204, "{origin}");
        assert_eq!(r.header("access-control-allow-origin").as_deref(), Some(origin));
        assert_eq!(r.header("access-control-max-age").as_deref(), Some("86400"));
        assert!(
            !r.has("access-control-allow-headers"),
            "nothing requested, nothing listed"
        );
    }
    assert_refused(
        &envoy,
        preflight("/dev", "https://localhost:3000", "POST"),
        "https localhost",
    );
    assert_refused(
        &envoy,
        preflight("/dev", "http://localhost.evil.net:3000", "POST"),
        "lookalike",
    );
    let r = get("/dev").origin("http://localhost:3000").send(&envoy);
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some("http://localhost:3000")
    );
}

#[test]
fn malformed_cors_configurations_are_refused() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"cors": {"allowed_origins": ["https://app.example.com", "https://*example.com"]}}"#,
            "edge-shield: cors.allowed_origins[1]: \"https://*example.com\": a wildcard must be a whole leading label, as in \"https://*.example.com\"",
        ),
        (
            r#"{"cors": {"allowed_origins": ["*"], "allow_credentials": true}}"#,
            "edge-shield: cors.allowed_origins[0]: \"*\": \"*\" cannot be combined with allow_credentials: true",
        ),
        (
            r#"{"rules": [{"match": {"path_prefix": "/x/"}, "cors": {"allowed_origin_regexes": ["(a"]}}]}"#,
            "edge-shield: rules[0].cors.allowed_origin_regexes[0]: \"(a\": not a valid regex",
        ),
    ];
    for (plugin, want) in cases {
        let (ok, out) = validate_plugin(plugin);
        assert!(!ok, "Envoy accepted {plugin}");
        assert!(out.contains(want), "{want:?} not in:\n{out}");
    }
    let (ok, out) = validate_plugin(r#"{"cors": {"allowed_origins": ["http://app.example.com"], "max_age": 100000}}"#);
    assert!(ok, "warnings do not refuse:\n{out}");
}

/// Two edge-shield filters in one chain (a platform-wide one, `outer`, and a team's
/// CORS one below it): a preflight the inner one answers still passes the outer one's
/// response phase on its way out, as any response does, so the outer policy's headers
/// are on it. (Found by review4: the native module skipped every edge-shield response
/// hook of the worker while its reply was being sent, not only its own.)
#[test]
fn an_outer_filter_sees_the_preflight_an_inner_one_answers() {
    let outer = r#"          - name: outer-shield
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: outer
                vm_config:
                  vm_id: edge-shield
                  runtime: envoy.wasm.runtime.v8
                  code: { local: { filename: "{{WASM}}" } }
                configuration:
                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: '{"headers": {"custom": {"x-platform": "outer"}}}'
"#;
    let anchor = "          - name: edge-shield\n";
    assert!(DEFAULT_TEMPLATE.contains(anchor));
    let template = DEFAULT_TEMPLATE.replacen(anchor, &format!("{outer}{anchor}"), 1);
    let inner =
        r#"{"headers": false, "cors": {"allowed_origins": ["https://app.example.com"], "allowed_methods": ["PUT"]}}"#;
    let envoy = Envoy::start_with(&template, inner);
    // A proxied response passes both: the outer one's header is there.
    let r = get("/x").origin("https://app.example.com").send(&envoy);
    assert_eq!(r.status, 200);
    assert_eq!(r.all("x-platform"), ["outer"], "{:?}", r.headers_text());
    // The inner filter's own preflight answer: its CORS grant, and the outer policy's header.
    let r = preflight("/x", "https://app.example.com", "PUT").send(&envoy);
    assert_eq!(r.status, 204, "{:?}", r.headers_text());
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some("https://app.example.com")
    );
    assert_eq!(r.all("x-platform"), ["outer"], "{:?}", r.headers_text());
    // A refusal (a local reply with a body) alike.
    let r = request("PUT", "/x").origin("https://evil.example.net").send(&envoy);
    assert_eq!(r.all("x-platform"), ["outer"], "{}: {:?}", r.status, r.headers_text());
}

/// Headers the route adds to every response (`response_headers_to_add` of the route and
/// of its virtual host: Envoy applies them to local replies too) are on the filter's
/// preflight answers as on any other response, with either artifact. (Found by review4:
/// the native module's granted preflights bypassed Envoy's local-reply path, and with
/// it the route's headers.)
#[test]
fn the_routes_own_response_headers_are_on_preflight_answers() {
    let anchor = "              - name: upstream\n                match: { prefix: \"/\" }\n                route: { cluster: upstream, timeout: 10s }\n";
    assert!(DEFAULT_TEMPLATE.contains(anchor));
    let route_headers = "                response_headers_to_add:\n                - header: { key: x-route, value: added-by-the-route }\n";
    let vhost_anchor =
        "              domains: [\"localhost\", \"127.0.0.1\", \"example.com\", \"*.example.com\", \"*.test\"]\n";
    assert!(DEFAULT_TEMPLATE.contains(vhost_anchor));
    let vhost_headers =
        "              response_headers_to_add:\n              - header: { key: x-vhost, value: added-by-the-vhost }\n";
    let template = DEFAULT_TEMPLATE
        .replacen(anchor, &format!("{anchor}{route_headers}"), 1)
        .replacen(vhost_anchor, &format!("{vhost_anchor}{vhost_headers}"), 1);
    let envoy = Envoy::start_with(
        &template,
        r#"{"cors": {"allowed_origins": ["https://app.example.com"], "allowed_methods": ["PUT"]}}"#,
    );
    let r = get("/x").origin("https://app.example.com").send(&envoy);
    assert_eq!(r.status, 200);
    assert_eq!(r.all("x-route"), ["added-by-the-route"], "{:?}", r.headers_text());
    assert_eq!(r.all("x-vhost"), ["added-by-the-vhost"], "{:?}", r.headers_text());
    // A refused preflight (403, through Envoy's local reply) and a granted one.
    for (origin, status) in [("https://evil.example.net", 403), ("https://app.example.com", 204)] {
        let r = preflight("/x", origin, "PUT").send(&envoy);
        assert_eq!(r.status, status, "{origin}: {:?}", r.headers_text());
        assert_eq!(
            r.all("x-route"),
            ["added-by-the-route"],
            "{origin}: {:?}",
            r.headers_text()
        );
        assert_eq!(
            r.all("x-vhost"),
            ["added-by-the-vhost"],
            "{origin}: {:?}",
            r.headers_text()
        );
    }
}
