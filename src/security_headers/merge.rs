//! The response path: given the response headers as the upstream (or Envoy) sent them,
//! the few edits that make them match the policy. Nothing is serialized here; values
//! are borrowed from the compiled policy, and the upstream's are copied only where its
//! repeated lines must become one.

use super::managed::Combine;
use super::policy::{HeaderPolicy, Line};
use crate::exchange::{writable, HeaderOp};
use crate::http::list::elements_of_lines;
use crate::http::{mime, Headers};
use std::borrow::Cow;
use std::cmp::Ordering;

pub fn plan<'a>(policy: &'a HeaderPolicy, https: bool, response: Headers<'_>, ops: &mut Vec<HeaderOp<'a>>) {
    let document = mime::is_document(response);
    for line in &policy.lines {
        let applies = (document || !line.html_only) && (https || !line.https_only);
        merge_line(line, applies, response, ops);
    }
    remove(policy, response, ops);
}

/// Never two lines of a managed header: browsers and scanners treat a repeated CSP,
/// HSTS or X-Frame-Options as invalid.
fn merge_line<'a>(line: &'a Line, applies: bool, response: Headers<'_>, ops: &mut Vec<HeaderOp<'a>>) {
    let mut upstream = response.get_all(&line.name);
    let first = upstream.next();
    let repeated = upstream.next().is_some();
    let name = Cow::Borrowed(line.name.as_str());
    let ours = Cow::Borrowed(line.value.as_bytes());
    let op = match first {
        None => applies.then_some(HeaderOp::Add(name, ours)),
        Some(theirs) if applies && line.override_ => {
            (repeated || theirs != line.value.as_bytes()).then_some(HeaderOp::Set(name, ours))
        }
        // The upstream's value is kept: the app knows its own page.
        Some(_) => match kept(line, applies, response, repeated) {
            Kept::Unchanged => None,
            Kept::Ours => Some(HeaderOp::Set(name, ours)),
            Kept::Value(v) => Some(HeaderOp::Set(name, Cow::Owned(v))),
            Kept::Deny => Some(HeaderOp::Set(name, Cow::Borrowed(b"DENY"))),
            Kept::Gone => Some(HeaderOp::Remove(name)),
        },
    };
    ops.extend(op);
}

/// What the upstream's lines become when its value is kept.
enum Kept {
    /// One usable line already: nothing to do.
    Unchanged,
    /// One line of ours replaces them.
    Ours,
    /// One line of this value replaces them.
    Value(Vec<u8>),
    /// X-Frame-Options: DENY replaces them.
    Deny,
    /// They go, and nothing replaces them.
    Gone,
}

/// The upstream's lines as one line that means what they meant ([`Combine`]).
fn kept(line: &Line, applies: bool, response: Headers<'_>, repeated: bool) -> Kept {
    let values = || response.get_all(&line.name).filter(|v| !is_empty(v));
    let ours = line.value.as_bytes();
    let Some(first) = values().next() else {
        // Only empty lines, which browsers ignore: as good as absent.
        return match (applies, repeated) {
            (true, _) => Kept::Ours,
            (false, true) => Kept::Gone,
            (false, false) => Kept::Unchanged,
        };
    };
    let joins_ours = applies && line.combine == Combine::JoinOurs;
    if !repeated && (!joins_ours || first == ours) {
        return Kept::Unchanged;
    }
    match line.combine {
        Combine::First => copy(first, applies),
        Combine::Strictest if blocks_framing(values()) => Kept::Deny,
        Combine::Strictest => copy(first, applies),
        Combine::Join | Combine::JoinOurs => join(values, ours, applies, joins_ours),
    }
}

fn is_empty(value: &[u8]) -> bool {
    value.trim_ascii().is_empty()
}

/// One upstream value, copied: never one that could inject a header line. Ours
/// replaces it, or (where ours does not apply) it goes.
fn copy(value: &[u8], applies: bool) -> Kept {
    match (writable(value), applies) {
        (true, _) => Kept::Value(value.to_vec()),
        (false, true) => Kept::Ours,
        (false, false) => Kept::Gone,
    }
}

/// The values joined with `, `, as a browser combines field lines. A value that could
/// inject a header line is replaced by ours (once) or left out; `append_ours` puts ours
/// last, where a dictionary's later member of the same name wins.
fn join<'v, I>(values: impl Fn() -> I, ours: &[u8], applies: bool, append_ours: bool) -> Kept
where
    I: Iterator<Item = &'v [u8]>,
{
    let first = values().next().unwrap_or_default();
    // The same value twice (an app and a middleware both adding it) means what it
    // means once; scanners are spared a needless comma.
    let take = if values().all(|v| v == first) { 1 } else { usize::MAX };
    let mut out: Vec<u8> = Vec::new();
    let mut substitute = (applies && !append_ours).then_some(ours);
    for v in values().take(take) {
        if writable(v) {
            push_item(&mut out, v);
        } else if let Some(ours) = substitute.take() {
            push_item(&mut out, ours);
        }
    }
    if append_ours && out != ours {
        push_item(&mut out, ours);
    }
    if out.is_empty() {
        Kept::Gone
    } else if out == ours {
        Kept::Ours
    } else {
        Kept::Value(out)
    }
}

fn push_item(list: &mut Vec<u8>, item: &[u8]) {
    if !list.is_empty() {
        list.extend_from_slice(b", ");
    }
    list.extend_from_slice(item);
}

/// Whether a browser refuses to frame a document with these X-Frame-Options values.
/// HTML's processing model splits them on commas into a set of lower-cased values:
/// "deny" blocks, and so does more than one distinct value when one of them is a
/// known one ("deny", "sameorigin", "allowall").
fn blocks_framing<'v>(values: impl Iterator<Item = &'v [u8]>) -> bool {
    const KNOWN: [&[u8]; 3] = [b"deny", b"sameorigin", b"allowall"];
    let tokens = elements_of_lines(values);
    let mut first: Option<&[u8]> = None;
    let (mut known, mut distinct) = (false, false);
    for token in tokens {
        if token.eq_ignore_ascii_case(b"deny") {
            return true;
        }
        known |= KNOWN.iter().any(|k| token.eq_ignore_ascii_case(k));
        let first = *first.get_or_insert(token);
        distinct |= !first.eq_ignore_ascii_case(token);
    }
    known && distinct
}

/// One `Remove` per listed name present in the response, however many lines it has.
fn remove<'a>(policy: &'a HeaderPolicy, response: Headers<'_>, ops: &mut Vec<HeaderOp<'a>>) {
    let mut done: Vec<usize> = Vec::new();
    for (name, _) in response.iter() {
        if let Ok(i) = policy.remove.binary_search_by(|probe| cmp_lowercase(probe, name)) {
            if !done.contains(&i) {
                done.push(i);
                ops.push(HeaderOp::Remove(Cow::Borrowed(policy.remove[i].as_str())));
            }
        }
    }
}

/// Compares a lower-case name with a name in any case (Envoy's are lower-case already).
fn cmp_lowercase(lower: &str, any: &str) -> Ordering {
    lower.bytes().cmp(any.bytes().map(|b| b.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::lines;

    fn policy(json: &str) -> HeaderPolicy {
        crate::testing::policy(json)
    }

    /// The ops as readable strings: `+name: value`, `=name: value`, `-name`.
    fn ops(policy: &HeaderPolicy, https: bool, response: &[(&str, &str)]) -> Vec<String> {
        let l = lines(response);
        let mut out = Vec::new();
        plan(policy, https, Headers::new(&l), &mut out);
        out.iter()
            .map(|op| match op {
                HeaderOp::Add(n, v) => format!("+{n}: {}", String::from_utf8_lossy(v)),
                HeaderOp::Set(n, v) => format!("={n}: {}", String::from_utf8_lossy(v)),
                HeaderOp::Remove(n) => format!("-{n}"),
            })
            .collect()
    }

    #[test]
    fn adds_what_is_missing_borrowing_precomputed_values() {
        let p = policy(r#"{"content_security_policy": false, "x_frame_options": "DENY"}"#);
        let l = lines(&[("content-type", "text/html")]);
        let mut out = Vec::new();
        plan(&p, true, Headers::new(&l), &mut out);
        assert!(out
            .iter()
            .all(|op| matches!(op, HeaderOp::Add(Cow::Borrowed(_), Cow::Borrowed(_)))));
        assert!(out.contains(&HeaderOp::Add("x-frame-options".into(), Cow::Borrowed(b"DENY"))));
    }

    #[test]
    fn upstream_values_kept_overridden_or_collapsed() {
        let only_xfo = r#"{"content_security_policy": false, "strict_transport_security": false, "x_content_type_options": false,
            "referrer_policy": false, "cross_origin_opener_policy": false, "cross_origin_resource_policy": false,
            "origin_agent_cluster": false, "x_dns_prefetch_control": false, "x_download_options": false,
            "x_permitted_cross_domain_policies": false, "x_xss_protection": false, "remove": false"#;
        let keep = policy(&format!("{only_xfo}}}"));
        let all = policy(&format!("{only_xfo}, \"override\": true}}"));
        let listed = policy(&format!("{only_xfo}, \"override\": [\"x_frame_options\"]}}"));
        let html = ("content-type", "text/html");
        type Case<'a> = (&'a HeaderPolicy, &'a [(&'a str, &'a str)], &'a [&'a str]);
        let cases: &[Case] = &[
            (&keep, &[html], &["+x-frame-options: SAMEORIGIN"]),
            (&keep, &[html, ("x-frame-options", "DENY")], &[]),
            // A repeated value that could inject a line is never copied: ours replaces it.
            (
                &keep,
                &[
                    html,
                    ("x-frame-options", "ALLOWALL\r\nx-evil: 1"),
                    ("x-frame-options", "ALLOWALL\r\nx-evil: 1"),
                ],
                &["=x-frame-options: SAMEORIGIN"],
            ),
            (
                &keep,
                &[html, ("x-frame-options", "DENY"), ("x-frame-options", "SAMEORIGIN")],
                &["=x-frame-options: DENY"],
            ),
            (
                &keep,
                &[html, ("X-Frame-Options", "DENY"), ("x-frame-options", "DENY")],
                &["=x-frame-options: DENY"],
            ),
            (
                &all,
                &[html, ("x-frame-options", "DENY")],
                &["=x-frame-options: SAMEORIGIN"],
            ),
            (&all, &[html, ("x-frame-options", "SAMEORIGIN")], &[]),
            (
                &all,
                &[
                    html,
                    ("x-frame-options", "SAMEORIGIN"),
                    ("x-frame-options", "SAMEORIGIN"),
                ],
                &["=x-frame-options: SAMEORIGIN"],
            ),
            (
                &listed,
                &[html, ("x-frame-options", "DENY")],
                &["=x-frame-options: SAMEORIGIN"],
            ),
            // Not an HTML response: ours is not sent, theirs is kept, repeats still collapse.
            (&all, &[("content-type", "application/json")], &[]),
            (
                &all,
                &[("content-type", "application/json"), ("x-frame-options", "DENY")],
                &[],
            ),
            (
                &all,
                &[
                    ("content-type", "application/json"),
                    ("x-frame-options", "DENY"),
                    ("x-frame-options", "DENY"),
                ],
                &["=x-frame-options: DENY"],
            ),
        ];
        for (p, response, want) in cases {
            assert_eq!(
                ops(p, true, response),
                *want,
                "{response:?} override={:?}",
                p.lines[0].override_
            );
        }
    }

    /// Repeated upstream lines become one line that means to a browser what they meant.
    #[test]
    fn repeated_upstream_lines_combine_per_header() {
        let p = policy(
            r#"{"content_security_policy": {"use_defaults": false, "directives": {"default-src": ["'self'"]},
                "report_to": "csp", "reporting_endpoints": {"csp": "https://r.example/csp"}},
            "permissions_policy": {"camera": []}, "cache_control": "no-store", "clear_site_data": ["cache"],
            "custom": {"X-Robots-Tag": "noindex"}}"#,
        );
        let our_csp = "default-src 'self';report-to csp";
        let our_endpoints = "csp=\"https://r.example/csp\"";
        let html = ("content-type", "text/html");
        let json = ("content-type", "application/json");
        let csp = "content-security-policy";
        let re = "reporting-endpoints";
        let xfo = "x-frame-options";
        let hsts = "strict-transport-security";
        // (over HTTPS, response lines, header looked at, its ops)
        type Case<'a> = (bool, &'a [(&'a str, &'a str)], &'a str, &'a [&'a str]);
        let cases: &[Case] = &[
            // CSP3: a comma-separated list of policies, each enforced: all of them stay.
            (
                true,
                &[html, (csp, "default-src 'none'"), (csp, "script-src 'self'")],
                csp,
                &["=content-security-policy: default-src 'none', script-src 'self'"],
            ),
            (
                true,
                &[html, (csp, "img-src 'self'"), (csp, ""), (csp, "font-src 'self'")],
                csp,
                &["=content-security-policy: img-src 'self', font-src 'self'"],
            ),
            (
                true,
                &[html, (csp, "img-src 'self'"), (csp, "img-src 'self'")],
                csp,
                &["=content-security-policy: img-src 'self'"],
            ),
            (true, &[html, (csp, "default-src 'none'")], csp, &[]),
            (
                false,
                &[json, (csp, "img-src 'self'"), (csp, "font-src 'self'")],
                csp,
                &["=content-security-policy: img-src 'self', font-src 'self'"],
            ),
            // Empty lines are no policy: ours fills in where it applies, else they go.
            (
                true,
                &[html, (csp, "")],
                csp,
                &["=content-security-policy: default-src 'self';report-to csp"],
            ),
            (
                true,
                &[html, (csp, ""), (csp, " ")],
                csp,
                &["=content-security-policy: default-src 'self';report-to csp"],
            ),
            (true, &[json, (csp, ""), (csp, "")], csp, &["-content-security-policy"]),
            (true, &[json, (csp, "")], csp, &[]),
            // A value that could inject a line: ours in its place, or left out.
            (
                true,
                &[html, (csp, "x\r\ny: z"), (csp, "img-src 'self'")],
                csp,
                &["=content-security-policy: default-src 'self';report-to csp, img-src 'self'"],
            ),
            (
                true,
                &[json, (csp, "x\r\ny: z"), (csp, "img-src 'self'")],
                csp,
                &["=content-security-policy: img-src 'self'"],
            ),
            (true, &[json, (csp, "a\0"), (csp, "b\0")], csp, &["-content-security-policy"]),
            // Lists and dictionaries: the browser combines them the same way.
            (
                true,
                &[("referrer-policy", "no-referrer"), ("referrer-policy", "strict-origin")],
                "referrer-policy",
                &["=referrer-policy: no-referrer, strict-origin"],
            ),
            (
                true,
                &[("permissions-policy", "camera=()"), ("permissions-policy", "geolocation=()")],
                "permissions-policy",
                &["=permissions-policy: camera=(), geolocation=()"],
            ),
            (
                true,
                &[("cache-control", "public"), ("cache-control", "max-age=60")],
                "cache-control",
                &["=cache-control: public, max-age=60"],
            ),
            (
                true,
                &[("clear-site-data", "\"cache\""), ("clear-site-data", "\"cookies\"")],
                "clear-site-data",
                &["=clear-site-data: \"cache\", \"cookies\""],
            ),
            (
                true,
                &[("x-robots-tag", "noindex"), ("X-Robots-Tag", "nofollow")],
                "x-robots-tag",
                &["=x-robots-tag: noindex, nofollow"],
            ),
            // Single values: browsers use the first (RFC 6797 §8.1 for HSTS).
            (
                true,
                &[(hsts, "max-age=600"), (hsts, "max-age=0")],
                hsts,
                &["=strict-transport-security: max-age=600"],
            ),
            (
                false,
                &[(hsts, "max-age=600"), (hsts, "max-age=0")],
                hsts,
                &["=strict-transport-security: max-age=600"],
            ),
            (
                true,
                &[(hsts, ""), (hsts, "max-age=600")],
                hsts,
                &["=strict-transport-security: max-age=600"],
            ),
            (
                true,
                &[(hsts, ""), (hsts, "")],
                hsts,
                &["=strict-transport-security: max-age=31536000; includeSubDomains"],
            ),
            (false, &[(hsts, ""), (hsts, "")], hsts, &["-strict-transport-security"]),
            (
                true,
                &[(hsts, "max-age=1\0"), (hsts, "max-age=600")],
                hsts,
                &["=strict-transport-security: max-age=31536000; includeSubDomains"],
            ),
            (
                false,
                &[(hsts, "max-age=1\0"), (hsts, "max-age=600")],
                hsts,
                &["-strict-transport-security"],
            ),
            (
                true,
                &[("x-content-type-options", "nosniff"), ("x-content-type-options", "sniff")],
                "x-content-type-options",
                &["=x-content-type-options: nosniff"],
            ),
            (
                true,
                &[
                    ("cross-origin-opener-policy", "unsafe-none"),
                    ("cross-origin-opener-policy", "same-origin"),
                ],
                "cross-origin-opener-policy",
                &["=cross-origin-opener-policy: unsafe-none"],
            ),
            // X-Frame-Options: browsers block when the values disagree; never looser.
            (true, &[html, (xfo, "SAMEORIGIN"), (xfo, "DENY")], xfo, &["=x-frame-options: DENY"]),
            (true, &[html, (xfo, "SAMEORIGIN"), (xfo, "deny")], xfo, &["=x-frame-options: DENY"]),
            (true, &[html, (xfo, "SAMEORIGIN, DENY"), (xfo, "")], xfo, &["=x-frame-options: DENY"]),
            (true, &[html, (xfo, ""), (xfo, "Deny")], xfo, &["=x-frame-options: DENY"]),
            (true, &[json, (xfo, "DENY"), (xfo, "SAMEORIGIN")], xfo, &["=x-frame-options: DENY"]),
            (true, &[html, (xfo, "SAMEORIGIN"), (xfo, "ALLOWALL")], xfo, &["=x-frame-options: DENY"]),
            (
                true,
                &[html, (xfo, "ALLOW-FROM https://a.example"), (xfo, "SAMEORIGIN")],
                xfo,
                &["=x-frame-options: DENY"],
            ),
            (
                true,
                &[html, (xfo, "sameorigin"), (xfo, "SAMEORIGIN")],
                xfo,
                &["=x-frame-options: sameorigin"],
            ),
            (true, &[html, (xfo, ""), (xfo, "SAMEORIGIN")], xfo, &["=x-frame-options: SAMEORIGIN"]),
            // Only invalid values: browsers ignore them all, as they ignore the first.
            (true, &[html, (xfo, "INVALID"), (xfo, "BOGUS")], xfo, &["=x-frame-options: INVALID"]),
            // Reporting-Endpoints: the upstream's members, then ours (ours wins a shared name).
            (
                true,
                &[html, (re, "app=\"https://a.example/r\"")],
                re,
                &["=reporting-endpoints: app=\"https://a.example/r\", csp=\"https://r.example/csp\""],
            ),
            (
                true,
                &[html, (re, "a=\"https://a.example/r\""), (re, "b=\"https://b.example/r\"")],
                re,
                &["=reporting-endpoints: a=\"https://a.example/r\", b=\"https://b.example/r\", csp=\"https://r.example/csp\""],
            ),
            (true, &[html, (re, our_endpoints)], re, &[]),
            (
                true,
                &[html, (re, "")],
                re,
                &["=reporting-endpoints: csp=\"https://r.example/csp\""],
            ),
            (
                true,
                &[html, (re, "a=\"https://a.example/\r\nx: y\"")],
                re,
                &["=reporting-endpoints: csp=\"https://r.example/csp\""],
            ),
            (true, &[json, (re, "app=\"https://a.example/r\"")], re, &[]),
            (
                true,
                &[json, (re, "a=\"https://a.example/r\""), (re, "b=\"https://b.example/r\"")],
                re,
                &["=reporting-endpoints: a=\"https://a.example/r\", b=\"https://b.example/r\""],
            ),
        ];
        for (https, response, name, want) in cases {
            let got: Vec<String> = ops(&p, *https, response)
                .into_iter()
                .filter(|o| o[1..].starts_with(&format!("{name}:")) || o[1..] == **name)
                .collect();
            assert_eq!(got, *want, "{response:?} https={https}");
        }
        assert_eq!(p.lines[0].value, our_csp);

        // override: ours replaces the upstream's endpoints, as every other header.
        let overriding = policy(
            r#"{"content_security_policy": {"report_to": "csp", "reporting_endpoints": {"csp": "https://r.example/csp"}},
            "override": ["content_security_policy"]}"#,
        );
        let got = ops(&overriding, true, &[html, (re, "app=\"https://a.example/r\"")]);
        assert!(got.contains(&format!("={re}: {our_endpoints}")), "{got:?}");
    }

    #[test]
    fn hsts_only_over_https_unless_on_http() {
        let p = policy(r#"{"content_security_policy": false}"#);
        let hsts = "+strict-transport-security: max-age=31536000; includeSubDomains";
        assert!(ops(&p, true, &[]).contains(&hsts.to_string()));
        assert!(!ops(&p, false, &[])
            .iter()
            .any(|o| o.contains("strict-transport-security")));
        let on_http = policy(r#"{"strict_transport_security": {"on_http": true}}"#);
        assert!(ops(&on_http, false, &[]).contains(&hsts.to_string()));
    }

    #[test]
    fn removes_each_listed_name_once() {
        let p = policy(r#"{"remove": "owasp"}"#);
        let got = ops(
            &p,
            false,
            &[
                ("server", "nginx"),
                ("x-envoy-upstream-service-time", "3"),
                ("X-Powered-By", "Express"),
                ("x-powered-by", "PHP"),
                ("x-app", "kept"),
            ],
        );
        let removed: Vec<&String> = got.iter().filter(|o| o.starts_with('-')).collect();
        assert_eq!(removed, ["-server", "-x-envoy-upstream-service-time", "-x-powered-by"]);
        assert!(ops(&policy(r#"{"remove": false}"#), false, &[("server", "x")])
            .iter()
            .all(|o| !o.starts_with('-')));
    }
}
