//! Cookie hardening (README.md, "Edge hardening"): Secure, HttpOnly, SameSite on upstream Set-Cookie lines.
//!
//! Each line is hardened on its own and only by adding what is missing: an attribute
//! the upstream set is its choice and stays (`SameSite=None` included, which then gets
//! `Secure`, without which browsers drop it). Lines are never merged, split, dropped or
//! reordered; when none changes, the response is not touched.

use super::config::RawCookies;
use super::set_cookie::{self, has_secure_prefix, SameSite};
use crate::compile::{index, join};
use crate::compile::{Compile, ConfigError, Context, Mode};
use crate::exchange::{writable, Exchange, HeaderOp};
use crate::http::token::is_token;
use crate::http::Headers;
use std::borrow::Cow;

#[derive(Debug)]
pub struct CookiePolicy {
    secure: bool,
    http_only: bool,
    same_site: SameSite,
    /// Names that keep `HttpOnly` off.
    exempt: Vec<String>,
}

impl Compile for CookiePolicy {
    type Raw = RawCookies;

    fn compile(raw: &RawCookies, cx: &mut Context<'_>) -> Result<Self, ConfigError> {
        let (mode, path) = (cx.mode, cx.path.as_str());
        let same_site = match &raw.same_site {
            None => SameSite::Lax,
            Some(s) => SameSite::parse(s.as_bytes()).ok_or_else(|| {
                ConfigError::at_str(
                    join(path, "same_site"),
                    s,
                    "SameSite is \"Lax\", \"Strict\" or \"None\"",
                )
            })?,
        };
        if same_site == SameSite::None && raw.secure == Some(false) {
            return Err(ConfigError::at_str(
                join(path, "same_site"),
                raw.same_site.as_deref().unwrap_or_default(),
                "SameSite=None requires Secure (browsers drop the cookie otherwise): remove \"secure\": false, or choose \"Lax\"",
            ));
        }
        for (i, name) in raw.exempt.iter().enumerate() {
            if !is_token(name) {
                return Err(ConfigError::at_str(
                    index(&join(path, "exempt"), i),
                    name,
                    "a cookie name is a token such as \"csrftoken\" (no spaces, '=', ';' or ',')",
                ));
            }
        }
        Ok(CookiePolicy {
            secure: raw.secure.unwrap_or(mode == Mode::Production),
            http_only: raw.http_only.unwrap_or(true),
            same_site,
            exempt: raw.exempt.clone(),
        })
    }
}

impl CookiePolicy {
    /// The hardened line, or `None` when it needs nothing.
    pub fn harden(&self, line: &[u8]) -> Option<Vec<u8>> {
        if line.trim_ascii().is_empty() {
            return None;
        }
        let cookie = set_cookie::parse(line);
        let same_site = cookie.same_site.unwrap_or(self.same_site);
        // What browsers drop without Secure gets it in every mode (development included).
        let wants_secure =
            self.secure || same_site == SameSite::None || cookie.partitioned || has_secure_prefix(cookie.name);
        let exempt = self.exempt.iter().any(|n| n.as_bytes() == cookie.name);
        let mut add: Vec<&str> = Vec::with_capacity(3);
        if wants_secure && !cookie.secure {
            add.push("Secure");
        }
        if self.http_only && !exempt && !cookie.http_only {
            add.push("HttpOnly");
        }
        let same_site_attr;
        if cookie.same_site.is_none() {
            same_site_attr = format!("SameSite={}", same_site.as_str());
            add.push(&same_site_attr);
        }
        (!add.is_empty()).then(|| set_cookie::append(line, &add))
    }
}

pub fn on_response<'a>(
    policy: &'a CookiePolicy,
    _state: &Exchange,
    response: Headers<'_>,
    ops: &mut Vec<HeaderOp<'a>>,
) {
    let lines: Vec<&[u8]> = response.get_all("set-cookie").collect();
    // Rewriting means writing every line back; never write CR, LF or NUL into a header
    // (Envoy's codecs refuse them, so only a misbehaving host could hand us one).
    if !lines.iter().all(|l| writable(l)) {
        return;
    }
    let hardened: Vec<Option<Vec<u8>>> = lines.iter().map(|l| policy.harden(l)).collect();
    if hardened.iter().all(Option::is_none) {
        return;
    }
    // The host API can replace only every line of a name at once: remove them all,
    // then add each back in the original order.
    ops.push(HeaderOp::Remove(Cow::Borrowed("set-cookie")));
    for (line, new) in lines.into_iter().zip(hardened) {
        let value = new.unwrap_or_else(|| line.to_vec());
        ops.push(HeaderOp::Add(Cow::Borrowed("set-cookie"), Cow::Owned(value)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Header;

    fn policy(json: &str, mode: Mode) -> CookiePolicy {
        crate::testing::policy_in(json, mode)
    }

    /// The line sent to the browser is `want` (compared as text for readable failures).
    fn assert_hardened(p: &CookiePolicy, line: &[u8], want: &[u8], context: &str) {
        let got = p.harden(line).unwrap_or_else(|| line.to_vec());
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        assert_eq!(text(&got), text(want), "{context} {}", text(line));
    }

    #[test]
    fn lines_with_control_bytes_are_left_alone() {
        let p = policy("{}", Mode::Production);
        let lines: Vec<Header> = vec![
            ("set-cookie".to_string(), b"a=1".to_vec()),
            ("set-cookie".to_string(), b"b=2\r\nx-evil: 1".to_vec()),
        ];
        let state = Exchange::default();
        let mut ops = Vec::new();
        on_response(&p, &state, Headers::new(&lines), &mut ops);
        assert!(ops.is_empty(), "{ops:?}");
    }

    #[test]
    fn production_defaults_table() {
        let p = policy(r#"{"exempt": ["csrftoken"]}"#, Mode::Production);
        // (upstream line, line sent to the browser), expectations from RFC 6265bis.
        let rows: &[(&[u8], &[u8])] = &[
            (b"sid=abc", b"sid=abc; Secure; HttpOnly; SameSite=Lax"),
            (b"sid=abc; Path=/", b"sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax"),
            (
                b"sid=abc; Secure; HttpOnly; SameSite=Lax",
                b"sid=abc; Secure; HttpOnly; SameSite=Lax",
            ),
            // Never weaken what the upstream chose.
            (
                b"sid=abc; SameSite=Strict",
                b"sid=abc; SameSite=Strict; Secure; HttpOnly",
            ),
            (
                b"sid=abc; samesite=strict; secure; httponly",
                b"sid=abc; samesite=strict; secure; httponly",
            ),
            (b"sid=abc; SameSite=None", b"sid=abc; SameSite=None; Secure; HttpOnly"),
            (
                b"sid=abc; SameSite=None; Secure",
                b"sid=abc; SameSite=None; Secure; HttpOnly",
            ),
            // Odd case and spacing still count as present.
            (
                b"sid=abc ;SECURE;  HttpOnly  ; SameSite = Lax ",
                b"sid=abc ;SECURE;  HttpOnly  ; SameSite = Lax ",
            ),
            (b"sid=abc;secure", b"sid=abc;secure; HttpOnly; SameSite=Lax"),
            // An unrecognized SameSite is no choice: ours is appended, and the last one counts.
            (
                b"sid=abc; SameSite=Bogus",
                b"sid=abc; SameSite=Bogus; Secure; HttpOnly; SameSite=Lax",
            ),
            // Commas in Expires are part of the date.
            (
                b"id=a; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/",
                b"id=a; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/; Secure; HttpOnly; SameSite=Lax",
            ),
            // Exempt names keep HttpOnly off, and only that.
            (b"csrftoken=t; Path=/", b"csrftoken=t; Path=/; Secure; SameSite=Lax"),
            (b"CSRFTOKEN=t", b"CSRFTOKEN=t; Secure; HttpOnly; SameSite=Lax"),
            // A cookie named like an attribute is still a cookie.
            (b"secure=1", b"secure=1; Secure; HttpOnly; SameSite=Lax"),
            (
                b"sid=abc; Path=/;  ",
                b"sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax",
            ),
            (b"nameless", b"nameless; Secure; HttpOnly; SameSite=Lax"),
            // Non-UTF-8 bytes are kept as they are.
            (
                b"sid=\xff\xfe; Path=/",
                b"sid=\xff\xfe; Path=/; Secure; HttpOnly; SameSite=Lax",
            ),
            (b"", b""),
            (b"  ", b"  "),
        ];
        for (line, want) in rows {
            assert_hardened(&p, line, want, "");
        }
        assert_eq!(p.harden(b"sid=abc; Secure; HttpOnly; SameSite=Lax"), None);
    }

    #[test]
    fn options_and_modes_table() {
        // (config, mode, upstream line, line sent)
        let rows: &[(&str, Mode, &[u8], &[u8])] = &[
            ("{}", Mode::Development, b"sid=1", b"sid=1; HttpOnly; SameSite=Lax"),
            (
                r#"{"secure": true}"#,
                Mode::Development,
                b"sid=1",
                b"sid=1; Secure; HttpOnly; SameSite=Lax",
            ),
            (
                r#"{"secure": false}"#,
                Mode::Production,
                b"sid=1",
                b"sid=1; HttpOnly; SameSite=Lax",
            ),
            (
                r#"{"http_only": false}"#,
                Mode::Production,
                b"sid=1",
                b"sid=1; Secure; SameSite=Lax",
            ),
            (
                r#"{"same_site": "Strict"}"#,
                Mode::Production,
                b"sid=1",
                b"sid=1; Secure; HttpOnly; SameSite=Strict",
            ),
            (
                r#"{"same_site": "strict"}"#,
                Mode::Production,
                b"sid=1; SameSite=Lax",
                b"sid=1; SameSite=Lax; Secure; HttpOnly",
            ),
            (
                r#"{"same_site": "None"}"#,
                Mode::Production,
                b"sid=1",
                b"sid=1; Secure; HttpOnly; SameSite=None",
            ),
            // SameSite=None always needs Secure, whatever the mode.
            (
                r#"{"same_site": "None"}"#,
                Mode::Development,
                b"sid=1",
                b"sid=1; Secure; HttpOnly; SameSite=None",
            ),
            (
                "{}",
                Mode::Development,
                b"sid=1; SameSite=None",
                b"sid=1; SameSite=None; Secure; HttpOnly",
            ),
            (
                r#"{"secure": false}"#,
                Mode::Production,
                b"sid=1; SameSite=None",
                b"sid=1; SameSite=None; Secure; HttpOnly",
            ),
            // Prefixed cookies need Secure, whatever the mode.
            (
                r#"{"secure": false}"#,
                Mode::Production,
                b"__Host-sid=1; Path=/",
                b"__Host-sid=1; Path=/; Secure; HttpOnly; SameSite=Lax",
            ),
            (
                "{}",
                Mode::Development,
                b"__Secure-sid=1",
                b"__Secure-sid=1; Secure; HttpOnly; SameSite=Lax",
            ),
            // Partitioned (CHIPS) cookies are rejected without Secure, whatever the mode.
            (
                "{}",
                Mode::Development,
                b"sid=1; Partitioned",
                b"sid=1; Partitioned; Secure; HttpOnly; SameSite=Lax",
            ),
            (
                r#"{"secure": false}"#,
                Mode::Production,
                b"sid=1; SameSite=None; partitioned",
                b"sid=1; SameSite=None; partitioned; Secure; HttpOnly",
            ),
            (
                "{}",
                Mode::Development,
                b"sid=1; Partitioned; Secure",
                b"sid=1; Partitioned; Secure; HttpOnly; SameSite=Lax",
            ),
        ];
        for (json, mode, line, want) in rows {
            assert_hardened(&policy(json, *mode), line, want, &format!("{json} {mode:?}"));
        }
    }

    fn response(lines: &[&[u8]]) -> Vec<Header> {
        let mut h: Vec<Header> = vec![
            (":status".into(), b"200".to_vec()),
            ("content-type".into(), b"text/html".to_vec()),
        ];
        h.extend(lines.iter().map(|l| ("set-cookie".to_string(), l.to_vec())));
        h
    }

    #[test]
    fn every_line_kept_in_order() {
        let p = policy("{}", Mode::Production);
        let state = Exchange::default();
        let done = b"ok=1; Secure; HttpOnly; SameSite=Strict";
        let r = response(&[b"a=1", done, b"b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT", b"a=1"]);
        let mut ops = Vec::new();
        on_response(&p, &state, Headers::new(&r), &mut ops);
        let add = |v: &[u8]| HeaderOp::Add("set-cookie".into(), v.to_vec().into());
        assert_eq!(
            ops,
            vec![
                HeaderOp::Remove("set-cookie".into()),
                add(b"a=1; Secure; HttpOnly; SameSite=Lax"),
                add(done),
                add(b"b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Secure; HttpOnly; SameSite=Lax"),
                add(b"a=1; Secure; HttpOnly; SameSite=Lax"),
            ]
        );
    }

    #[test]
    fn nothing_to_do_means_no_ops() {
        let p = policy("{}", Mode::Production);
        let state = Exchange::default();
        for lines in [&[][..], &[&b"ok=1; Secure; HttpOnly; SameSite=Lax"[..], b""][..]] {
            let mut ops = Vec::new();
            on_response(&p, &state, Headers::new(&response(lines)), &mut ops);
            assert!(ops.is_empty(), "{ops:?}");
        }
    }

    #[test]
    fn config_errors_name_the_path() {
        let rows: &[(&str, &str)] = &[
            (
                r#"{"cookies": {"same_site": "None", "secure": false}}"#,
                "edge-shield: cookies.same_site: \"None\": SameSite=None requires Secure",
            ),
            (
                r#"{"cookies": {"same_site": "Relaxed"}}"#,
                "edge-shield: cookies.same_site: \"Relaxed\": SameSite is \"Lax\", \"Strict\" or \"None\"",
            ),
            (
                r#"{"cookies": {"exempt": ["csrf token"]}}"#,
                "edge-shield: cookies.exempt[0]: \"csrf token\": a cookie name is a token",
            ),
            (
                r#"{"rules": [{"match": {"path_prefix": "/x"}, "cookies": {"exempt": [""]}}]}"#,
                "edge-shield: rules[0].cookies.exempt[0]: \"\"",
            ),
            (
                r#"{"cookies": {"httponly": true}}"#,
                "edge-shield: cookies.httponly: unknown field `httponly`",
            ),
        ];
        crate::hardening::assert_refused(rows);
    }
}
