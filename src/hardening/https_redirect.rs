//! HTTPS redirect (README.md, "Edge hardening"): plain-HTTP requests answered with a 308 to https.
//!
//! The scheme the client used is read from a forwarded-proto header (default
//! `x-forwarded-proto`): Envoy sets it at the edge, a load balancer in front sets it
//! when it terminates TLS. Without the header nothing is redirected. Development mode
//! never redirects (local setups rarely have TLS).
//!
//! The `Location` is built from `:authority` and `:path` only. A `:authority` that is
//! not a plain `host[:port]` (userinfo, spaces, control or non-ASCII bytes), or a path
//! not starting with '/', is answered with 400 instead: redirecting it could send the
//! client to another host or inject header lines, and forwarding it would let a
//! plain-HTTP request through.

use super::config::RawHttpsRedirect;
use super::paths::ExemptPaths;
use crate::compile::join;
use crate::compile::{Compile, ConfigError, Context, Mode};
use crate::exchange::refusal::{refuse, Refusal};
use crate::exchange::{Counter, LocalReply, Outcome};
use crate::http::authority::split_host_port;
use crate::http::forwarded::forwarded_proto;
use crate::http::token::is_token;
use crate::http::Headers;
use std::borrow::Cow;

const UNSAFE: Refusal = Refusal {
    kind: "https redirect",
    counter: None,
    status: 400,
    body: "Bad Request: invalid Host or path\n",
};

#[derive(Debug)]
pub struct HttpsRedirect {
    /// Off in development mode.
    active: bool,
    /// Lower-case header name.
    header: String,
    status: u32,
    exempt: ExemptPaths,
}

impl Compile for HttpsRedirect {
    type Raw = RawHttpsRedirect;

    fn compile(raw: &RawHttpsRedirect, cx: &mut Context<'_>) -> Result<Self, ConfigError> {
        let (mode, path) = (cx.mode, cx.path.as_str());
        let header = raw.header.as_deref().unwrap_or("x-forwarded-proto");
        if !is_token(header) {
            return Err(ConfigError::at_str(
                join(path, "header"),
                header,
                "a header name is a token such as \"x-forwarded-proto\" (letters, digits, '-', no spaces or ':')",
            ));
        }
        let status = match raw.status {
            None => 308,
            Some(s @ (301 | 308)) => s as u32,
            Some(s) => {
                return Err(ConfigError::new(
                    join(path, "status"),
                    s.to_string(),
                    "the status must be 301 or 308 (308 keeps the method and body)",
                ))
            }
        };
        Ok(HttpsRedirect {
            active: mode == Mode::Production,
            header: header.to_ascii_lowercase(),
            status,
            exempt: ExemptPaths::compile(&raw.exempt_paths, &join(path, "exempt_paths"))?,
        })
    }
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Pass,
    /// Redirect to this `Location`.
    Redirect(Vec<u8>),
    /// `:authority` (or `:path`) cannot be put in a `Location` safely: answer 400.
    Unsafe,
}

pub fn decide(policy: &HttpsRedirect, request: Headers<'_>) -> Decision {
    if !policy.active || !came_over_http(policy, request) {
        return Decision::Pass;
    }
    // `OPTIONS *` and CONNECT have no path to redirect to.
    let path = match request.get(":path") {
        None | Some(b"*") => return Decision::Pass,
        Some(p) => p,
    };
    if policy.exempt.contains(path) {
        return Decision::Pass;
    }
    let authority = request.get(":authority").unwrap_or_default();
    let Some((host, _port)) = split_host_port(authority) else {
        return Decision::Unsafe;
    };
    // A path not starting with '/' would follow the host directly
    // (`https://host` + `@evil.example/`): never build such a Location.
    if path.first() != Some(&b'/') {
        return Decision::Unsafe;
    }
    Decision::Redirect(location(host, path))
}

/// The first element of the first forwarded-proto line is `http` (any case). A proxy
/// chain may append its own hop's scheme; the first is the client's.
fn came_over_http(policy: &HttpsRedirect, request: Headers<'_>) -> bool {
    forwarded_proto(request, &policy.header).is_some_and(|proto| proto.eq_ignore_ascii_case(b"http"))
}

/// `https://` + host + path. The port is dropped: the one the plain-HTTP request came
/// in on is not the HTTPS one, and the default (443) is the usual HTTPS port. Bytes
/// outside visible ASCII in the path are percent-encoded, so the header stays one line.
fn location(host: &[u8], path: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + host.len() + path.len());
    out.extend_from_slice(b"https://");
    out.extend_from_slice(host);
    for &b in path {
        if b.is_ascii_graphic() {
            out.push(b);
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
    out
}

pub fn on_request<'p>(policy: &'p HttpsRedirect, request: Headers<'_>, out: &mut Outcome<'p>) {
    if out.answered() {
        return;
    }
    match decide(policy, request) {
        Decision::Pass => {}
        Decision::Redirect(to) => {
            out.counters.add(Counter::HttpsRedirected);
            out.answer(LocalReply {
                status: policy.status,
                headers: vec![(Cow::Borrowed("location"), Cow::Owned(to))],
                body: Cow::Borrowed(b""),
            });
        }
        Decision::Unsafe => refuse(out, &UNSAFE, "invalid Host or path on a plain-HTTP request", true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::byte_lines as lines;

    fn policy(json: &str, mode: Mode) -> HttpsRedirect {
        crate::testing::policy_in(json, mode)
    }

    /// (x-forwarded-proto (None = absent), :authority, :path (None = absent), decision)
    type Row = (Option<&'static [u8]>, &'static [u8], Option<&'static [u8]>, Decision);

    fn redirect(to: &str) -> Decision {
        Decision::Redirect(to.as_bytes().to_vec())
    }

    #[test]
    fn redirect_table() {
        let p = policy(
            r#"{"exempt_paths": ["/healthz", "/.well-known/acme-challenge/"]}"#,
            Mode::Production,
        );
        let rows: &[Row] = &[
            (
                Some(b"http"),
                b"example.com",
                Some(b"/a/b?x=1&y=%20"),
                redirect("https://example.com/a/b?x=1&y=%20"),
            ),
            (
                Some(b"HTTP"),
                b"example.com",
                Some(b"/"),
                redirect("https://example.com/"),
            ),
            (
                Some(b" http "),
                b"example.com",
                Some(b"/"),
                redirect("https://example.com/"),
            ),
            (
                Some(b"http, https"),
                b"example.com",
                Some(b"/"),
                redirect("https://example.com/"),
            ),
            (
                Some(b"http"),
                b"example.com:80",
                Some(b"/x"),
                redirect("https://example.com/x"),
            ),
            (
                Some(b"http"),
                b"example.com:8080",
                Some(b"/x"),
                redirect("https://example.com/x"),
            ),
            (Some(b"http"), b"[::1]:8080", Some(b"/x"), redirect("https://[::1]/x")),
            (
                Some(b"http"),
                b"example.com",
                Some(b"//evil.example/x"),
                redirect("https://example.com//evil.example/x"),
            ),
            (
                Some(b"http"),
                b"example.com",
                Some(b"/caf\xc3\xa9 x"),
                redirect("https://example.com/caf%C3%A9%20x"),
            ),
            (
                Some(b"http"),
                b"example.com",
                Some(b"/a\r\nset-cookie: x"),
                redirect("https://example.com/a%0D%0Aset-cookie:%20x"),
            ),
            // Not plain HTTP, or not known to be.
            (Some(b"https"), b"example.com", Some(b"/"), Decision::Pass),
            (Some(b"https, http"), b"example.com", Some(b"/"), Decision::Pass),
            (Some(b""), b"example.com", Some(b"/"), Decision::Pass),
            (Some(b"httpx"), b"example.com", Some(b"/"), Decision::Pass),
            (None, b"example.com", Some(b"/"), Decision::Pass),
            // Exempt paths (health checks, ACME HTTP-01 challenges).
            (Some(b"http"), b"example.com", Some(b"/healthz"), Decision::Pass),
            (Some(b"http"), b"example.com", Some(b"/healthz?probe=1"), Decision::Pass),
            (
                Some(b"http"),
                b"example.com",
                Some(b"/.well-known/acme-challenge/tok"),
                Decision::Pass,
            ),
            (
                Some(b"http"),
                b"example.com",
                Some(b"/api/healthz"),
                redirect("https://example.com/api/healthz"),
            ),
            // Nothing to redirect to.
            (Some(b"http"), b"example.com", Some(b"*"), Decision::Pass),
            (Some(b"http"), b"example.com", None, Decision::Pass),
            // Hostile hosts and paths: never an open redirect or a header injection.
            (Some(b"http"), b"evil.example@example.com", Some(b"/"), Decision::Unsafe),
            (Some(b"http"), b"example.com/evil", Some(b"/"), Decision::Unsafe),
            (Some(b"http"), b"example.com\r\nx: y", Some(b"/"), Decision::Unsafe),
            (Some(b"http"), b"exa mple.com", Some(b"/"), Decision::Unsafe),
            (Some(b"http"), b"ex\xc3\xa4mple.com", Some(b"/"), Decision::Unsafe),
            (Some(b"http"), b"\xff", Some(b"/"), Decision::Unsafe),
            (Some(b"http"), b"", Some(b"/"), Decision::Unsafe),
            (Some(b"http"), b"example.com:x", Some(b"/"), Decision::Unsafe),
            (Some(b"http"), b"example.com", Some(b"@evil.example/"), Decision::Unsafe),
            (Some(b"http"), b"example.com", Some(b""), Decision::Unsafe),
        ];
        for (proto, authority, path, want) in rows {
            let mut pairs: Vec<(&str, &[u8])> = vec![(":authority", authority)];
            if let Some(p) = path {
                pairs.push((":path", p));
            }
            if let Some(v) = proto {
                pairs.push(("x-forwarded-proto", v));
            }
            let got = decide(&p, Headers::new(&lines(&pairs)));
            assert_eq!(got, *want, "proto={proto:?} authority={authority:?} path={path:?}");
        }
    }

    #[test]
    fn custom_header_status_and_development_mode() {
        let req = lines(&[
            (":authority", b"example.com"),
            (":path", b"/x"),
            ("x-forwarded-proto", b"http"),
            ("x-scheme", b"http"),
        ]);
        let p = policy(r#"{"header": "X-Scheme", "status": 301}"#, Mode::Production);
        let mut out = Outcome::default();
        on_request(&p, Headers::new(&req), &mut out);
        let reply = out.reply.unwrap();
        assert_eq!(reply.status, 301);
        assert_eq!(
            reply.headers,
            vec![("location".into(), b"https://example.com/x"[..].into())]
        );
        assert!(out.counters.contains(Counter::HttpsRedirected));

        // Only the configured header counts.
        let only_default = lines(&[
            (":authority", b"example.com"),
            (":path", b"/x"),
            ("x-forwarded-proto", b"http"),
        ]);
        assert_eq!(decide(&p, Headers::new(&only_default)), Decision::Pass);

        let dev = policy("{}", Mode::Development);
        assert_eq!(decide(&dev, Headers::new(&req)), Decision::Pass);
        assert_eq!(policy("{}", Mode::Production).status, 308);
    }

    #[test]
    fn bad_host_is_a_logged_400() {
        let req = lines(&[(":authority", b"a@b"), (":path", b"/"), ("x-forwarded-proto", b"http")]);
        let p = policy("{}", Mode::Production);
        let mut out = Outcome::default();
        on_request(&p, Headers::new(&req), &mut out);
        let reply = out.reply.unwrap();
        assert_eq!(
            (reply.status, &*reply.body),
            (400, &b"Bad Request: invalid Host or path\n"[..])
        );
        assert_eq!(out.blocked.unwrap().kind, "https redirect");
        assert!(!out.counters.contains(Counter::HttpsRedirected));
    }

    #[test]
    fn config_errors_name_the_path() {
        let rows: &[(&str, &str)] = &[
            (
                r#"{"https_redirect": {"status": 302}}"#,
                "edge-shield: https_redirect.status: 302: the status must be 301 or 308 (308 keeps the method and body)",
            ),
            (
                r#"{"https_redirect": {"header": "x forwarded proto"}}"#,
                "edge-shield: https_redirect.header: \"x forwarded proto\": a header name is a token",
            ),
            (r#"{"https_redirect": {"header": ""}}"#, "edge-shield: https_redirect.header: \"\""),
            (
                r#"{"https_redirect": {"exempt_paths": ["healthz"]}}"#,
                "edge-shield: https_redirect.exempt_paths[0]: \"healthz\": a path prefix starts with '/'",
            ),
            (
                r#"{"rules": [{"match": {"host": "a.example"}, "https_redirect": {"status": 307}}]}"#,
                "edge-shield: rules[0].https_redirect.status: 307",
            ),
            (
                r#"{"https_redirect": {"status": "308"}}"#,
                "edge-shield: https_redirect.status: invalid type: string \"308\"",
            ),
        ];
        crate::hardening::assert_refused(rows);
    }
}
