//! Decision table, in the style of rs/cors's `cors_test.go`: one row per case, a
//! policy, a request (and what the upstream answers), and the exact CORS headers and
//! status the browser gets. Rows run through the real loader and the engine's two
//! hooks, our preflight replies included in the response hook as Envoy does.
//! Expected values come from README.md and the Fetch standard.

use crate::config::load;
use crate::engine;
use crate::exchange::{Counter, HeaderOp};
use crate::http::Header;
use crate::http::Headers;

#[derive(Clone, Copy)]
struct Case {
    name: &'static str,
    /// Top-level fields of the plugin configuration (security headers are turned off).
    config: &'static str,
    method: &'static str,
    request: &'static [(&'static str, &'static [u8])],
    upstream: &'static [(&'static str, &'static str)],
    /// `Some`: the filter answers with this status; `None`: forwarded upstream.
    status: Option<u32>,
    /// Every `access-control-*` and `vary` line of the final response, in any order.
    headers: &'static [(&'static str, &'static str)],
    counter: Counter,
    /// The reason logged, with `report_only`.
    blocked: Option<(&'static str, bool)>,
}

const CREDENTIALED: &str = r#""cors": {
    "allowed_origins": ["https://app.example.com", "https://*.example.org", "http://localhost:*"],
    "allowed_origin_regexes": ["https://pr-[0-9]+\\.preview\\.example\\.dev"],
    "allowed_methods": ["GET", "POST", "PUT", "DELETE"],
    "allowed_headers": ["content-type", "x-request-id"],
    "exposed_headers": ["x-total"],
    "allow_credentials": true
}"#;
const NULL_LISTED: &str = r#""cors": {"allowed_origins": ["null"]}"#;
const STAR: &str = r#""cors": {"allowed_origins": ["*"], "allowed_methods": ["*"], "allowed_headers": ["*"], "exposed_headers": ["x-total"]}"#;
const WILD_LISTS: &str = r#""cors": {"allowed_origins": ["https://app.example.com"], "allowed_methods": ["*"], "allowed_headers": ["*"], "allow_credentials": true}"#;
const PNA: &str = r#""cors": {"allowed_origins": ["https://app.example.com"], "allow_private_network": true}"#;
const PLAIN: &str = r#""cors": {"allowed_origins": ["https://app.example.com"]}"#;
const NO_MAX_AGE: &str =
    r#""cors": {"allowed_origins": ["https://app.example.com"], "max_age": null, "preflight_status": 200}"#;
const ZERO_MAX_AGE: &str = r#""cors": {"allowed_origins": ["https://app.example.com"], "max_age": 0}"#;
const REPORT_ONLY: &str = r#""cors": {"allowed_origins": ["https://app.example.com"], "enforce": false}"#;
const DEVELOPMENT: &str = r#""mode": "development", "cors": {"allowed_origins": ["https://app.example.com"]}"#;

const APP: &[u8] = b"https://app.example.com";
const ACRM: &str = "access-control-request-method";
const ACRH: &str = "access-control-request-headers";
const ACRPN: &str = "access-control-request-private-network";

const PF_VARY: (&str, &str) = (
    "vary",
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
);
const VARY_ORIGIN: (&str, &str) = ("vary", "Origin");

/// The full grant of the credentialed policy to `https://app.example.com`.
const CRED_PREFLIGHT_APP: &[(&str, &str)] = &[
    ("access-control-allow-origin", "https://app.example.com"),
    ("access-control-allow-methods", "GET, POST, PUT, DELETE"),
    ("access-control-allow-headers", "content-type, x-request-id"),
    ("access-control-allow-credentials", "true"),
    ("access-control-max-age", "600"),
    PF_VARY,
];
const CRED_ACTUAL_APP: &[(&str, &str)] = &[
    ("access-control-allow-origin", "https://app.example.com"),
    ("access-control-allow-credentials", "true"),
    ("access-control-expose-headers", "x-total"),
    VARY_ORIGIN,
];
const REJECTED: &[(&str, &str)] = &[PF_VARY];
/// Every response of the `*` policy, whatever the request's Origin.
const STAR_ACTUAL: &[(&str, &str)] = &[
    ("access-control-allow-origin", "*"),
    ("access-control-expose-headers", "x-total"),
];

const BASE: Case = Case {
    name: "",
    config: CREDENTIALED,
    method: "GET",
    request: &[],
    upstream: &[],
    status: None,
    headers: &[VARY_ORIGIN],
    counter: Counter::NoOrigin,
    blocked: None,
};

/// A preflight that the filter refuses with 403 and this logged reason.
macro_rules! refused {
    ($name:expr, $config:expr, $request:expr, $reason:expr) => {
        Case {
            name: $name,
            config: $config,
            method: "OPTIONS",
            request: $request,
            status: Some(403),
            headers: REJECTED,
            counter: Counter::PreflightRejected,
            blocked: Some(($reason, false)),
            ..BASE
        }
    };
}

/// A preflight of the credentialed policy from `origin` that is refused for its origin.
macro_rules! origin_refused {
    ($name:expr, $origin:expr) => {
        refused!(
            $name,
            CREDENTIALED,
            &[("origin", $origin), (ACRM, b"PUT")],
            "origin not allowed"
        )
    };
}

/// A preflight of the credentialed policy from `origin` that is allowed.
macro_rules! origin_allowed {
    ($name:expr, $origin:expr, $acao:expr) => {
        Case {
            name: $name,
            method: "OPTIONS",
            request: &[("origin", $origin), (ACRM, b"PUT")],
            status: Some(204),
            headers: &[
                ("access-control-allow-origin", $acao),
                ("access-control-allow-methods", "GET, POST, PUT, DELETE"),
                ("access-control-allow-headers", "content-type, x-request-id"),
                ("access-control-allow-credentials", "true"),
                ("access-control-max-age", "600"),
                PF_VARY,
            ],
            counter: Counter::PreflightAllowed,
            ..BASE
        }
    };
}

fn preflight_cases() -> Vec<Case> {
    vec![
        origin_allowed!("exact origin", APP, "https://app.example.com"),
        origin_allowed!("subdomain: one label", b"https://a.example.org", "https://a.example.org"),
        origin_allowed!("subdomain: two labels", b"https://a.b.example.org", "https://a.b.example.org"),
        origin_allowed!("port pattern", b"http://localhost:5173", "http://localhost:5173"),
        Case {
            name: "null listed (without credentials: with them it is refused at load)",
            config: NULL_LISTED,
            method: "OPTIONS",
            request: &[("origin", b"null"), (ACRM, b"POST")],
            status: Some(204),
            headers: &[
                ("access-control-allow-origin", "null"),
                ("access-control-allow-methods", "GET, HEAD, POST"),
                ("access-control-max-age", "600"),
                PF_VARY,
            ],
            counter: Counter::PreflightAllowed,
            ..BASE
        },
        origin_refused!("null not listed with credentials", b"null"),
        origin_allowed!("regex", b"https://pr-17.preview.example.dev", "https://pr-17.preview.example.dev"),
        origin_refused!("evil-example.org", b"https://evil-example.org"),
        origin_refused!("example.org.evil.net", b"https://example.org.evil.net"),
        origin_refused!("a.example.org.evil.net", b"https://a.example.org.evil.net"),
        origin_refused!("apex of a *. pattern", b"https://example.org"),
        origin_refused!("trailing dot", b"https://app.example.com."),
        origin_refused!("trailing slash", b"https://app.example.com/"),
        origin_refused!("uppercase request origin", b"HTTPS://APP.EXAMPLE.COM"),
        origin_refused!("other scheme", b"http://app.example.com"),
        origin_refused!("other port", b"https://app.example.com:8443"),
        origin_refused!("explicit default port", b"https://app.example.com:443"),
        origin_refused!("port pattern: non-numeric port", b"http://localhost:x"),
        origin_refused!("port pattern: https", b"https://localhost:5173"),
        origin_refused!("regex: prefix", b"evilhttps://pr-1.preview.example.dev"),
        origin_refused!("regex: suffix", b"https://pr-1.preview.example.dev.evil"),
        origin_refused!("non-UTF-8 origin", b"https://app.example.com\xff"),
        origin_refused!("control characters", b"https://app.example.com\x01"),
        refused!(
            "null not listed",
            PLAIN,
            &[("origin", b"null"), (ACRM, b"PUT")],
            "origin not allowed"
        ),
        refused!(
            "repeated Origin, both allowed",
            CREDENTIALED,
            &[("origin", APP), ("origin", APP), (ACRM, b"PUT")],
            "origin not allowed"
        ),
        refused!(
            "safelisted method not listed",
            r#""cors": {"allowed_origins": ["https://app.example.com"], "allowed_methods": ["PUT"]}"#,
            &[("origin", APP), (ACRM, b"POST"), (ACRH, b"x-anything")],
            "header not allowed: x-anything"
        ),
        Case {
            name: "safelisted method, no headers",
            config: r#""cors": {"allowed_origins": ["https://app.example.com"], "allowed_methods": ["PUT"]}"#,
            method: "OPTIONS",
            request: &[("origin", APP), (ACRM, b"POST")],
            status: Some(204),
            headers: &[
                ("access-control-allow-origin", "https://app.example.com"),
                ("access-control-allow-methods", "PUT"),
                ("access-control-max-age", "600"),
                PF_VARY,
            ],
            counter: Counter::PreflightAllowed,
            ..BASE
        },
        refused!(
            "method not allowed",
            CREDENTIALED,
            &[("origin", APP), (ACRM, b"PATCH")],
            "method not allowed: PATCH"
        ),
        refused!(
            "ACRM `GET, DELETE` is not a method",
            CREDENTIALED,
            &[("origin", APP), (ACRM, b"GET, DELETE")],
            "method not allowed: GET, DELETE"
        ),
        refused!(
            "lowercase get is not GET",
            CREDENTIALED,
            &[("origin", APP), (ACRM, b"get")],
            "method not allowed: get"
        ),
        refused!(
            "repeated ACRM",
            CREDENTIALED,
            &[("origin", APP), (ACRM, b"PUT"), (ACRM, b"PUT")],
            "method not allowed: repeated access-control-request-method"
        ),
        Case {
            name: "headers: any case, order, whitespace, empty elements",
            method: "OPTIONS",
            request: &[("origin", APP), (ACRM, b"PUT"), (ACRH, b" X-Request-ID ,, Content-Type,")],
            status: Some(204),
            headers: CRED_PREFLIGHT_APP,
            counter: Counter::PreflightAllowed,
            ..BASE
        },
        Case {
            name: "headers: several ACRH lines joined",
            method: "OPTIONS",
            request: &[("origin", APP), (ACRM, b"PUT"), (ACRH, b"x-request-id"), (ACRH, b"content-type")],
            status: Some(204),
            headers: CRED_PREFLIGHT_APP,
            counter: Counter::PreflightAllowed,
            ..BASE
        },
        refused!(
            "headers: one not allowed",
            CREDENTIALED,
            &[("origin", APP), (ACRM, b"PUT"), (ACRH, b"content-type,x-foo")],
            "header not allowed: x-foo"
        ),
        refused!(
            "headers: not allowed on a second line",
            CREDENTIALED,
            &[("origin", APP), (ACRM, b"PUT"), (ACRH, b"content-type"), (ACRH, b"X-Foo")],
            "header not allowed: x-foo"
        ),
        Case {
            name: "wildcard lists echo the validated request",
            config: WILD_LISTS,
            method: "OPTIONS",
            request: &[("origin", APP), (ACRM, b"DELETE"), (ACRH, b"X-Foo, x-bar")],
            status: Some(204),
            headers: &[
                ("access-control-allow-origin", "https://app.example.com"),
                ("access-control-allow-methods", "DELETE"),
                ("access-control-allow-headers", "x-foo, x-bar"),
                ("access-control-allow-credentials", "true"),
                ("access-control-max-age", "600"),
                PF_VARY,
            ],
            counter: Counter::PreflightAllowed,
            ..BASE
        },
        Case {
            name: "wildcard headers cover authorization (echoed, never a literal *)",
            config: WILD_LISTS,
            method: "OPTIONS",
            request: &[("origin", APP), (ACRM, b"GET"), (ACRH, b"Authorization")],
            status: Some(204),
            headers: &[
                ("access-control-allow-origin", "https://app.example.com"),
                ("access-control-allow-methods", "GET"),
                ("access-control-allow-headers", "authorization"),
                ("access-control-allow-credentials", "true"),
                ("access-control-max-age", "600"),
                PF_VARY,
            ],
            counter: Counter::PreflightAllowed,
            ..BASE
        },
        Case {
            name: "wildcard lists: no ACRH, no ACAH",
            config: WILD_LISTS,
            method: "OPTIONS",
            request: &[("origin", APP), (ACRM, b"PATCH")],
            status: Some(204),
            headers: &[
                ("access-control-allow-origin", "https://app.example.com"),
                ("access-control-allow-methods", "PATCH"),
                ("access-control-allow-credentials", "true"),
                ("access-control-max-age", "600"),
                PF_VARY,
            ],
            counter: Counter::PreflightAllowed,
            ..BASE
        },
        refused!(
            "wildcard method: still one token",
            WILD_LISTS,
            &[("origin", APP), (ACRM, b"GET, DELETE")],
            "method not allowed: GET, DELETE"
        ),
        Case {
            name: "star policy: ACAO *, no Vary: Origin",
            config: STAR,
            method: "OPTIONS",
            request: &[("origin", b"https://anyone.example.net"), (ACRM, b"PUT"), (ACRH, b"x-a")],
            status: Some(204),
            headers: &[
                ("access-control-allow-origin", "*"),
                ("access-control-allow-methods", "PUT"),
                ("access-control-allow-headers", "x-a"),
                ("access-control-max-age", "600"),
                ("vary", "Access-Control-Request-Method, Access-Control-Request-Headers"),
            ],
            counter: Counter::PreflightAllowed,
            ..BASE
        },
        Case {
            name: "star policy: rejected preflight carries no ACAO",
            config: STAR,
            method: "OPTIONS",
            request: &[("origin", b"https://anyone.example.net"), (ACRM, b"GET, DELETE"), (ACRH, b"x-a")],
            status: Some(403),
            headers: &[("vary", "Access-Control-Request-Method, Access-Control-Request-Headers")],
            counter: Counter::PreflightRejected,
            blocked: Some(("method not allowed: GET, DELETE", false)),
            ..BASE
        },
        Case {
            name: "private network requested and enabled",
            config: PNA,
            method: "OPTIONS",
            request: &[("origin", APP), (ACRM, b"GET"), (ACRPN, b"true")],
            status: Some(204),
            headers: &[
                ("access-control-allow-origin", "https://app.example.com"),
                ("access-control-allow-methods", "GET, HEAD, POST"),
                ("access-control-max-age", "600"),
                ("access-control-allow-private-network", "true"),
                (
                    "vary",
                    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
                ),
            ],
            counter: Counter::PreflightAllowed,
            ..BASE
        },
        Case {
            name: "private network enabled, not requested",
            config: PNA,
            method: "OPTIONS",
            request: &[("origin", APP), (ACRM, b"GET")],
            status: Some(204),
            headers: &[
                ("access-control-allow-origin", "https://app.example.com"),
                ("access-control-allow-methods", "GET, HEAD, POST"),
                ("access-control-max-age", "600"),
                (
                    "vary",
                    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
                ),
            ],
            counter: Counter::PreflightAllowed,
            ..BASE
        },
        Case {
            name: "private network requested, not enabled: no grant",
            config: PLAIN,
            method: "OPTIONS",
            request: &[("origin", APP), (ACRM, b"GET"), (ACRPN, b"true")],
            status: Some(204),
            headers: &[
                ("access-control-allow-origin", "https://app.example.com"),
                ("access-control-allow-methods", "GET, HEAD, POST"),
                ("access-control-max-age", "600"),
                PF_VARY,
            ],
            counter: Counter::PreflightAllowed,
            ..BASE
        },
        Case {
            name: "max_age null, preflight_status 200",
            config: NO_MAX_AGE,
            method: "OPTIONS",
            request: &[("origin", APP), (ACRM, b"GET")],
            status: Some(200),
            headers: &[
                ("access-control-allow-origin", "https://app.example.com"),
                ("access-control-allow-methods", "GET, HEAD, POST"),
                PF_VARY,
            ],
            counter: Counter::PreflightAllowed,
            ..BASE
        },
        Case {
            name: "max_age 0 is sent",
            config: ZERO_MAX_AGE,
            method: "OPTIONS",
            request: &[("origin", APP), (ACRM, b"GET")],
            status: Some(204),
            headers: &[
                ("access-control-allow-origin", "https://app.example.com"),
                ("access-control-allow-methods", "GET, HEAD, POST"),
                ("access-control-max-age", "0"),
                PF_VARY,
            ],
            counter: Counter::PreflightAllowed,
            ..BASE
        },
        Case {
            name: "development: localhost on any port, one-day max-age",
            config: DEVELOPMENT,
            method: "OPTIONS",
            request: &[("origin", b"http://127.0.0.1:8080"), (ACRM, b"POST")],
            status: Some(204),
            headers: &[
                ("access-control-allow-origin", "http://127.0.0.1:8080"),
                ("access-control-allow-methods", "GET, HEAD, POST"),
                ("access-control-max-age", "86400"),
                PF_VARY,
            ],
            counter: Counter::PreflightAllowed,
            ..BASE
        },
        Case {
            name: "report-only: a refused preflight goes upstream untouched",
            config: REPORT_ONLY,
            method: "OPTIONS",
            request: &[("origin", b"https://evil.example.net"), (ACRM, b"PUT")],
            upstream: &[("access-control-allow-origin", "*")],
            headers: &[("access-control-allow-origin", "*")],
            counter: Counter::PreflightRejected,
            blocked: Some(("origin not allowed", true)),
            ..BASE
        },
        Case {
            name: "report-only: an allowed preflight goes upstream too",
            config: REPORT_ONLY,
            method: "OPTIONS",
            request: &[("origin", APP), (ACRM, b"GET")],
            status: None,
            headers: &[],
            counter: Counter::PreflightAllowed,
            ..BASE
        },
        Case {
            name: "OPTIONS without ACRM is an actual request",
            method: "OPTIONS",
            request: &[("origin", APP)],
            status: None,
            headers: CRED_ACTUAL_APP,
            counter: Counter::ActualAllowed,
            ..BASE
        },
        Case {
            name: "OPTIONS with an empty ACRM is an actual request",
            method: "OPTIONS",
            request: &[("origin", APP), (ACRM, b"")],
            status: None,
            headers: CRED_ACTUAL_APP,
            counter: Counter::ActualAllowed,
            ..BASE
        },
        Case {
            name: "OPTIONS with ACRM and no Origin goes upstream",
            method: "OPTIONS",
            request: &[(ACRM, b"PUT")],
            status: None,
            headers: &[VARY_ORIGIN],
            counter: Counter::NoOrigin,
            ..BASE
        },
        Case {
            name: "OPTIONS with ACRM and an empty Origin goes upstream",
            method: "OPTIONS",
            request: &[("origin", b""), (ACRM, b"PUT")],
            status: None,
            headers: &[VARY_ORIGIN],
            counter: Counter::NoOrigin,
            ..BASE
        },
        Case {
            name: "a PUT with ACRM is not a preflight",
            method: "PUT",
            request: &[("origin", APP), (ACRM, b"PUT")],
            status: None,
            headers: CRED_ACTUAL_APP,
            counter: Counter::ActualAllowed,
            ..BASE
        },
    ]
}

fn actual_cases() -> Vec<Case> {
    vec![
        Case {
            name: "allowed",
            request: &[("origin", APP)],
            headers: CRED_ACTUAL_APP,
            counter: Counter::ActualAllowed,
            ..BASE
        },
        Case {
            name: "allowed: upstream CORS headers replaced, one line each",
            method: "POST",
            request: &[("origin", APP)],
            upstream: &[
                ("access-control-allow-origin", "*"),
                ("access-control-allow-origin", "https://other.example"),
                ("access-control-allow-credentials", "false"),
                ("access-control-allow-methods", "GET"),
                ("access-control-max-age", "5"),
            ],
            headers: CRED_ACTUAL_APP,
            counter: Counter::ActualAllowed,
            ..BASE
        },
        Case {
            name: "disallowed: upstream CORS headers removed",
            request: &[("origin", b"https://evil.example.net")],
            upstream: &[
                ("access-control-allow-origin", "https://evil.example.net"),
                ("access-control-allow-credentials", "true"),
                ("access-control-expose-headers", "x-secret"),
                ("Access-Control-Allow-Local-Network", "true"),
                ("access-control-future-grant", "yes"),
            ],
            headers: &[VARY_ORIGIN],
            counter: Counter::ActualBlocked,
            blocked: Some(("origin not allowed", false)),
            ..BASE
        },
        Case {
            name: "disallowed: repeated Origin",
            request: &[("origin", APP), ("origin", APP)],
            headers: &[VARY_ORIGIN],
            counter: Counter::ActualBlocked,
            blocked: Some(("origin not allowed", false)),
            ..BASE
        },
        Case {
            name: "disallowed: non-UTF-8",
            request: &[("origin", b"https://\xff\xfe.example")],
            headers: &[VARY_ORIGIN],
            counter: Counter::ActualBlocked,
            blocked: Some(("origin not allowed", false)),
            ..BASE
        },
        Case {
            name: "no Origin: Vary all the same, upstream ACAO removed",
            upstream: &[("access-control-allow-origin", "*")],
            headers: &[VARY_ORIGIN],
            counter: Counter::NoOrigin,
            ..BASE
        },
        Case {
            name: "Vary appended to the upstream's",
            request: &[("origin", APP)],
            upstream: &[("vary", "Accept-Encoding")],
            headers: &[
                ("access-control-allow-origin", "https://app.example.com"),
                ("access-control-allow-credentials", "true"),
                ("access-control-expose-headers", "x-total"),
                ("vary", "Accept-Encoding, Origin"),
            ],
            counter: Counter::ActualAllowed,
            ..BASE
        },
        Case {
            name: "Vary: two upstream lines merged into one",
            upstream: &[("vary", "Accept-Encoding"), ("vary", "Accept-Language")],
            headers: &[("vary", "Accept-Encoding, Accept-Language, Origin")],
            ..BASE
        },
        Case {
            name: "Vary: origin already there in another case",
            upstream: &[("vary", "accept-encoding, origin")],
            headers: &[("vary", "accept-encoding, origin")],
            ..BASE
        },
        Case {
            name: "Vary: * needs nothing",
            upstream: &[("vary", "*")],
            headers: &[("vary", "*")],
            ..BASE
        },
        Case {
            name: "star policy: no Origin still gets ACAO *",
            config: STAR,
            upstream: &[("vary", "Accept-Encoding")],
            headers: &[
                ("access-control-allow-origin", "*"),
                ("access-control-expose-headers", "x-total"),
                ("vary", "Accept-Encoding"),
            ],
            counter: Counter::NoOrigin,
            ..BASE
        },
        Case {
            name: "star policy: any Origin",
            config: STAR,
            request: &[("origin", b"https://anyone.example.net")],
            upstream: &[("access-control-allow-origin", "https://anyone.example.net")],
            headers: STAR_ACTUAL,
            counter: Counter::ActualAllowed,
            ..BASE
        },
        Case {
            name: "star policy: null origin",
            config: STAR,
            request: &[("origin", b"null")],
            headers: STAR_ACTUAL,
            counter: Counter::ActualAllowed,
            ..BASE
        },
        Case {
            name: "star policy: a repeated Origin is counted, the response is the same as all",
            config: STAR,
            request: &[("origin", b"https://a.example"), ("origin", b"https://b.example")],
            headers: STAR_ACTUAL,
            counter: Counter::ActualBlocked,
            blocked: Some(("origin not allowed", false)),
            ..BASE
        },
        Case {
            name: "report-only: nothing on the wire changes",
            config: REPORT_ONLY,
            request: &[("origin", b"https://evil.example.net")],
            upstream: &[
                ("access-control-allow-origin", "https://evil.example.net"),
                ("vary", "Accept"),
            ],
            headers: &[
                ("access-control-allow-origin", "https://evil.example.net"),
                ("vary", "Accept"),
            ],
            counter: Counter::ActualBlocked,
            blocked: Some(("origin not allowed", true)),
            ..BASE
        },
        Case {
            name: "report-only: allowed origin gets no headers either",
            config: REPORT_ONLY,
            request: &[("origin", APP)],
            headers: &[],
            counter: Counter::ActualAllowed,
            ..BASE
        },
        Case {
            name: "development: loopback origin allowed",
            config: DEVELOPMENT,
            request: &[("origin", b"http://[::1]:5173")],
            headers: &[("access-control-allow-origin", "http://[::1]:5173"), VARY_ORIGIN],
            counter: Counter::ActualAllowed,
            ..BASE
        },
        Case {
            name: "production: no loopback origins",
            config: PLAIN,
            request: &[("origin", b"http://localhost:3000")],
            headers: &[VARY_ORIGIN],
            counter: Counter::ActualBlocked,
            blocked: Some(("origin not allowed", false)),
            ..BASE
        },
    ]
}

/// Applies header edits the way the glue does.
fn apply(lines: &mut Vec<Header>, ops: Vec<HeaderOp<'_>>) {
    for op in ops {
        match op {
            HeaderOp::Set(n, v) => {
                lines.retain(|(h, _)| !h.eq_ignore_ascii_case(&n));
                lines.push((n.into_owned(), v.into_owned()));
            }
            HeaderOp::Add(n, v) => lines.push((n.into_owned(), v.into_owned())),
            HeaderOp::Remove(n) => lines.retain(|(h, _)| !h.eq_ignore_ascii_case(&n)),
        }
    }
}

use crate::testing::byte_lines as lines;

fn run(case: &Case) {
    let config = load(format!(r#"{{"headers": false, {}}}"#, case.config).as_bytes())
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let policy = &config.default;
    let mut request = lines(&[(":method", case.method.as_bytes()), (":path", b"/api")]);
    request.extend(lines(case.request));
    let outcome = engine::on_request(policy, Headers::new(&request));
    let (status, mut response) = match &outcome.reply {
        Some(reply) => (
            Some(reply.status),
            reply.headers.iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect(),
        ),
        None => {
            let upstream: Vec<(&str, &[u8])> = case.upstream.iter().map(|(n, v)| (*n, v.as_bytes())).collect();
            (None, lines(&upstream))
        }
    };
    if status.is_some() {
        assert!(
            response.contains(&("content-length".to_string(), b"0".to_vec())),
            "{}: content-length: 0",
            case.name
        );
    }
    // Envoy passes local replies through the response hook too.
    let ops = engine::on_response(policy, &outcome.state, Headers::new(&response));
    apply(&mut response, ops);
    let mut got: Vec<(String, String)> = response
        .iter()
        .filter(|(n, _)| n.starts_with("access-control-") || n == "vary")
        .map(|(n, v)| (n.clone(), String::from_utf8_lossy(v).into_owned()))
        .collect();
    let mut want: Vec<(String, String)> = case
        .headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    got.sort();
    want.sort();
    assert_eq!(status, case.status, "{}: status", case.name);
    assert_eq!(got, want, "{}: headers", case.name);
    let blocked = outcome.blocked.as_ref().map(|b| (b.reason.as_ref(), b.report_only));
    assert_eq!(blocked, case.blocked, "{}: blocked", case.name);
    // A report-only refusal also counts its report-only share.
    let mut want = vec![case.counter];
    if let (Some((_, true)), Some(w)) = (case.blocked, case.counter.would()) {
        want.push(w);
    }
    let counted: Vec<Counter> = outcome.counters.iter().filter(|c| *c != Counter::Requests).collect();
    assert_eq!(counted, want, "{}: counters", case.name);
    if let Some(b) = &outcome.blocked {
        let kind = if case.method == "OPTIONS" && matches!(case.counter, Counter::PreflightRejected) {
            "cors preflight"
        } else {
            "cors request"
        };
        assert_eq!(b.kind, kind, "{}: kind", case.name);
    }
}

#[test]
fn preflight_table() {
    for case in preflight_cases() {
        run(&case);
    }
}

#[test]
fn actual_table() {
    for case in actual_cases() {
        run(&case);
    }
}

#[test]
fn case_names_are_unique() {
    let mut names: Vec<&str> = preflight_cases()
        .iter()
        .chain(actual_cases().iter())
        .map(|c| c.name)
        .collect();
    let n = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), n);
}

/// Hostile bytes never panic and never allow: every header of a request in turn.
#[test]
fn hostile_values_never_panic() {
    let config = load(format!(r#"{{"headers": false, {CREDENTIALED}}}"#).as_bytes()).unwrap();
    let big = vec![b'a'; 64 * 1024];
    let values: [&[u8]; 6] = [
        b"",
        b"\xff\xfe\x80",
        &big,
        b",,,,",
        b"\r\n",
        b"https://app.example.com\0",
    ];
    for name in ["origin", ACRM, ACRH, ACRPN] {
        for value in values {
            for method in ["OPTIONS", "GET"] {
                let mut request = lines(&[(":method", method.as_bytes()), ("origin", APP), (ACRM, b"PUT")]);
                request.push((name.to_string(), value.to_vec()));
                let outcome = engine::on_request(&config.default, Headers::new(&request));
                let response = lines(&[("vary", value), ("access-control-allow-origin", value)]);
                let _ = engine::on_response(&config.default, &outcome.state, Headers::new(&response));
            }
        }
    }
    let request = lines(&[(":method", b"OPTIONS"), ("origin", &big), (ACRM, b"PUT")]);
    let outcome = engine::on_request(&config.default, Headers::new(&request));
    assert_eq!(outcome.reply.map(|r| r.status), Some(403));
}

/// Allocation that could be precomputed is not: the fixed values borrow the policy.
#[test]
fn fixed_values_are_borrowed() {
    use std::borrow::Cow;
    let config = load(format!(r#"{{"headers": false, {CREDENTIALED}}}"#).as_bytes()).unwrap();
    let request = lines(&[(":method", b"OPTIONS"), ("origin", APP), (ACRM, b"PUT")]);
    let outcome = engine::on_request(&config.default, Headers::new(&request));
    let reply = outcome.reply.unwrap();
    for (name, value) in &reply.headers {
        let owned = matches!(value, Cow::Owned(_));
        assert_eq!(owned, name == "access-control-allow-origin", "{name}");
    }
    let request = lines(&[(":method", b"GET"), ("origin", APP)]);
    let outcome = engine::on_request(&config.default, Headers::new(&request));
    let ops = engine::on_response(&config.default, &outcome.state, Headers::new(&[]));
    for op in ops {
        match op {
            HeaderOp::Set(_, Cow::Borrowed(_)) | HeaderOp::Add(_, Cow::Borrowed(_)) => {}
            other => panic!("{other:?}"),
        }
    }
}
