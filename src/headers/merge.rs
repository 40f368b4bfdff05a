//! The response path: given the response headers as the upstream (or Envoy) sent them,
//! the few edits that make them match the policy. Nothing is serialized here; values
//! are borrowed from the compiled policy.

use super::content_type;
use super::policy::{HeaderPolicy, Line};
use crate::engine::{writable, HeaderOp};
use crate::request::Headers;
use std::borrow::Cow;
use std::cmp::Ordering;

pub fn plan<'a>(policy: &'a HeaderPolicy, https: bool, response: Headers<'_>, ops: &mut Vec<HeaderOp<'a>>) {
    let document = content_type::is_document(response);
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
        // Collapsing repeats copies the upstream's first value: never one that could
        // inject a header line. Ours replaces it, or (where ours does not apply) it goes.
        Some(theirs) if repeated && !writable(theirs) => Some(if applies {
            HeaderOp::Set(name, ours)
        } else {
            HeaderOp::Remove(name)
        }),
        // The upstream's value is kept: the app knows its own page. Repeats collapse
        // to its first line (a browser applies the first HSTS line, RFC 6797 §8.1).
        Some(theirs) => repeated.then(|| HeaderOp::Set(name, Cow::Owned(theirs.to_vec()))),
    };
    ops.extend(op);
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
    use crate::config::Mode;
    use crate::headers::config::RawHeaders;

    fn policy(json: &str) -> HeaderPolicy {
        let raw: RawHeaders = serde_json::from_str(json).unwrap();
        HeaderPolicy::compile(&raw, Mode::Production, "headers", &mut Vec::new()).unwrap()
    }

    fn lines(pairs: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
            .collect()
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
                    ("x-frame-options", "DENY\r\nx-evil: 1"),
                    ("x-frame-options", "DENY"),
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
