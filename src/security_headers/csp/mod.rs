//! Content-Security-Policy: helmet's defaults and options, validated and serialized once.

pub mod directives;
pub mod sources;

use super::config::RawCsp;
use super::managed::{self, Managed};
use super::{reporting, suggest, value};
use crate::compile::join;
use crate::compile::OneOrMany;
use crate::compile::{ConfigError, Mode};
use directives::Kind;

/// helmet 8.3.0's default directives, in its order.
pub const DEFAULTS: [(&str, &[&str]); 11] = [
    ("default-src", &["'self'"]),
    ("base-uri", &["'self'"]),
    ("font-src", &["'self'", "https:", "data:"]),
    ("form-action", &["'self'"]),
    ("frame-ancestors", &["'self'"]),
    ("img-src", &["'self'", "data:"]),
    ("object-src", &["'none'"]),
    ("script-src", &["'self'"]),
    ("script-src-attr", &["'none'"]),
    ("style-src", &["'self'", "https:", "'unsafe-inline'"]),
    ("upgrade-insecure-requests", &[]),
];

const DEFAULT_SRC: &str = "default-src";

/// The compiled policy: which header carries it, its value, and `Reporting-Endpoints`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Csp {
    pub header: Managed,
    pub value: String,
    pub reporting_endpoints: Option<String>,
}

type Directive = (String, Vec<String>);

pub fn parse(path: &str, raw: &RawCsp, mode: Mode, warnings: &mut Vec<String>) -> Result<Csp, ConfigError> {
    let use_defaults = raw.use_defaults.unwrap_or(true);
    let mut list: Vec<Directive> = if use_defaults {
        DEFAULTS
            .iter()
            .map(|(n, v)| (n.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    } else {
        Vec::new()
    };
    let given = apply_directives(path, raw, use_defaults, &mut list)?;
    if raw.dangerously_disable_default_src {
        if given.iter().any(|n| n == DEFAULT_SRC) {
            return Err(ConfigError::new(
                join(path, "dangerously_disable_default_src"),
                "true",
                "contradicts the default-src given in directives; keep one of them",
            ));
        }
        list.retain(|(n, _)| n != DEFAULT_SRC);
    }
    let endpoints_path = join(path, "reporting_endpoints");
    let reporting_endpoints = reporting::endpoints(&endpoints_path, &raw.reporting_endpoints)?;
    if let Some(name) = &raw.report_to {
        let report_path = join(path, "report_to");
        reporting::endpoint_name(&report_path, name)?;
        if given.iter().any(|n| n == "report-to") {
            return Err(ConfigError::at_str(
                report_path,
                name,
                "report-to is also given in directives; keep one of them",
            ));
        }
        if reporting_endpoints.is_none() {
            warnings.push(format!(
                "{report_path}: \"{name}\" is not defined in reporting_endpoints: the application must send a Reporting-Endpoints header defining it, or reports go nowhere"
            ));
        } else if !raw.reporting_endpoints.iter().any(|(n, _)| n == name) {
            return Err(ConfigError::at_str(
                report_path,
                name,
                format!(
                    "no such endpoint in reporting_endpoints{}",
                    suggest::hint(name, raw.reporting_endpoints.iter().map(|(n, _)| n.as_str()))
                ),
            ));
        }
        list.push(("report-to".to_string(), vec![name.clone()]));
    }
    if list.is_empty() {
        return Err(ConfigError::new(
            join(path, "directives"),
            "{}",
            "the policy has no directives; set some, or set content_security_policy to false to send none",
        ));
    }
    if !raw.dangerously_disable_default_src && !list.iter().any(|(n, _)| n == DEFAULT_SRC) {
        return Err(ConfigError::new(
            join(path, "directives"),
            "",
            "default-src is missing: it is the fallback of every fetch directive, and without it the policy allows \
             loading from anywhere. Add \"default-src\": [\"'self'\"], or if you really mean it, set \
             \"dangerously_disable_default_src\": true",
        ));
    }
    if mode == Mode::Development {
        development(&mut list);
    }
    let value = serialize(&list);
    // Every part was checked on its own; check the whole once more as a last line of defence.
    value::field_value(path, &value)?;
    Ok(Csp {
        header: if raw.report_only {
            managed::CSP_REPORT_ONLY
        } else {
            managed::CSP
        },
        value,
        reporting_endpoints,
    })
}

/// Applies the configured directives to `list`; returns their normalized names.
fn apply_directives(
    path: &str,
    raw: &RawCsp,
    use_defaults: bool,
    list: &mut Vec<Directive>,
) -> Result<Vec<String>, ConfigError> {
    let dir_path = join(path, "directives");
    let mut given: Vec<(String, &str)> = Vec::new();
    for (raw_name, raw_value) in raw.directives.iter() {
        let name = directive_name(&dir_path, raw_name)?;
        if let Some((_, other)) = given.iter().find(|(n, _)| *n == name) {
            return Err(ConfigError::at_str(
                &dir_path,
                raw_name,
                format!("duplicate directive {name} (also given as \"{other}\"); keep one"),
            ));
        }
        let at = join(&dir_path, raw_name);
        match raw_value {
            None => drop_default(&at, &name, use_defaults, list)?,
            Some(v) => {
                let kind = directives::kind(&name).unwrap_or(Kind::Sources);
                let items = sources::check_list(&at, &name, kind, &v.to_vec(), matches!(v, OneOrMany::One(_)))?;
                match list.iter_mut().find(|(n, _)| *n == name) {
                    Some(entry) => entry.1 = items,
                    None => list.push((name.clone(), items)),
                }
            }
        }
        given.push((name, raw_name));
    }
    Ok(given.into_iter().map(|(n, _)| n).collect())
}

/// A known directive's normalized name, or an error saying what to write.
fn directive_name(dir_path: &str, raw_name: &str) -> Result<String, ConfigError> {
    let known = || directives::KNOWN.iter().map(|(n, _)| *n);
    let fail = |msg: String| Err(ConfigError::at_str(dir_path, raw_name, msg));
    let Some(name) = directives::normalize(raw_name) else {
        return fail(format!(
            "not a CSP directive name: write it in kebab-case (\"default-src\") or camelCase (\"defaultSrc\"){}",
            suggest::hint(raw_name, known())
        ));
    };
    if let Some(why) = directives::obsolete(&name) {
        return fail(format!("{name} is obsolete: {why}"));
    }
    if directives::kind(&name).is_none() {
        return fail(format!(
            "not a CSP directive (browsers ignore unknown directives, so a misspelt one silently weakens the policy){}",
            suggest::hint(&name, known())
        ));
    }
    Ok(name)
}

/// `"name": null` drops one of the defaults.
fn drop_default(at: &str, name: &str, use_defaults: bool, list: &mut Vec<Directive>) -> Result<(), ConfigError> {
    let fail = |msg: String| Err(ConfigError::new(at, "null", msg));
    if name == DEFAULT_SRC {
        return fail(
            "default-src is the fallback of every fetch directive; without it the policy allows loading from \
             anywhere. If you really mean it, set \"dangerously_disable_default_src\": true instead"
                .to_string(),
        );
    }
    if !use_defaults {
        return fail("null drops a default directive, but use_defaults is false; remove the key".to_string());
    }
    if !DEFAULTS.iter().any(|(n, _)| *n == name) {
        return fail(format!(
            "null drops a default directive, but {name} is not one of the defaults; remove the key"
        ));
    }
    list.retain(|(n, _)| n != name);
    Ok(())
}

/// Development (README.md, "Modes"): hot-reload WebSockets allowed, no `upgrade-insecure-requests`
/// (Safari would upgrade `http://localhost` too; helmet's README gives the same advice).
fn development(list: &mut Vec<Directive>) {
    list.retain(|(n, _)| n != "upgrade-insecure-requests");
    let ws = ["ws:".to_string(), "wss:".to_string()];
    if let Some((_, items)) = list.iter_mut().find(|(n, _)| n == "connect-src") {
        items.retain(|s| s != "'none'");
        for w in ws {
            if !items.contains(&w) {
                items.push(w);
            }
        }
    } else if let Some((_, fallback)) = list.iter().find(|(n, _)| n == DEFAULT_SRC) {
        // connect-src falls back to default-src: start from it so that nothing else loosens.
        let mut items: Vec<String> = fallback.iter().filter(|s| *s != "'none'").cloned().collect();
        items.extend(ws);
        list.push(("connect-src".to_string(), items));
    }
}

/// helmet's serialization: `name value value` per directive, joined by `;` without a space.
fn serialize(list: &[Directive]) -> String {
    list.iter()
        .map(|(name, items)| {
            if items.is_empty() {
                name.clone()
            } else {
                format!("{name} {}", items.join(" "))
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// helmet 8.3.0's default header value, as helmet documents it (README.md, "Security headers: Defaults").
    const HELMET_DEFAULT: &str = "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests";

    fn csp_in(mode: Mode, json: &str) -> Result<Csp, String> {
        let raw: RawCsp = serde_json::from_str(json).map_err(|e| e.to_string())?;
        parse("headers.content_security_policy", &raw, mode, &mut Vec::new()).map_err(|e| e.to_string())
    }

    fn csp(json: &str) -> Result<Csp, String> {
        csp_in(Mode::Production, json)
    }

    #[test]
    fn helmet_default_byte_for_byte() {
        let c = csp("{}").unwrap();
        assert_eq!(c.value, HELMET_DEFAULT);
        assert_eq!(c.header.name, "content-security-policy");
        assert_eq!(c.reporting_endpoints, None);
    }

    #[test]
    fn options_serialize_like_helmet() {
        let cases = [
            // An override keeps its place; a new directive comes last; null drops a default.
            (
                r#"{"directives": {"scriptSrc": ["'self'", "https://cdn.example.com"], "connect-src": ["'self'", "https://api.example.com"], "upgrade-insecure-requests": null}}"#,
                "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self' https://cdn.example.com;script-src-attr 'none';style-src 'self' https: 'unsafe-inline';connect-src 'self' https://api.example.com",
            ),
            (
                r#"{"use_defaults": false, "directives": {"default-src": "'none'", "img-src": ["'self'"], "sandbox": []}}"#,
                "default-src 'none';img-src 'self';sandbox",
            ),
            (
                r#"{"use_defaults": false, "dangerously_disable_default_src": true, "directives": {"frame-ancestors": ["'none'"]}}"#,
                "frame-ancestors 'none'",
            ),
            (
                r#"{"dangerously_disable_default_src": true, "directives": {"upgrade-insecure-requests": null}}"#,
                "base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline'",
            ),
            (
                r#"{"use_defaults": false, "directives": {"default-src": ["'self'"]}, "report_to": "csp", "reporting_endpoints": {"csp": "https://r.example/csp"}}"#,
                "default-src 'self';report-to csp",
            ),
            // Keywords are case-insensitive in browsers: accepted in any case, sent in lower case.
            (
                r#"{"use_defaults": false, "directives": {"default-src": ["'Self'"], "object-src": "'NONE'", "frame-ancestors": ["'SELF'"]}}"#,
                "default-src 'self';object-src 'none';frame-ancestors 'self'",
            ),
        ];
        for (json, want) in cases {
            assert_eq!(csp(json).unwrap().value, want, "{json}");
        }
        let ro = csp(r#"{"report_only": true, "reporting_endpoints": {"csp": "https://r.example/csp"}}"#).unwrap();
        assert_eq!(ro.header.name, "content-security-policy-report-only");
        assert_eq!(ro.value, HELMET_DEFAULT);
        assert_eq!(ro.reporting_endpoints.as_deref(), Some("csp=\"https://r.example/csp\""));
    }

    #[test]
    fn development_mode() {
        let cases = [
            (
                "{}",
                "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';connect-src 'self' ws: wss:",
            ),
            (
                r#"{"use_defaults": false, "directives": {"default-src": ["'none'"], "connect-src": ["https://api.example.com", "wss:"]}}"#,
                "default-src 'none';connect-src https://api.example.com wss: ws:",
            ),
            (
                r#"{"use_defaults": false, "directives": {"default-src": ["'none'"], "connect-src": ["'none'"]}}"#,
                "default-src 'none';connect-src ws: wss:",
            ),
            (
                r#"{"use_defaults": false, "directives": {"default-src": ["'none'"]}}"#,
                "default-src 'none';connect-src ws: wss:",
            ),
            (
                r#"{"use_defaults": false, "dangerously_disable_default_src": true, "directives": {"img-src": ["'self'"]}}"#,
                "img-src 'self'",
            ),
        ];
        for (json, want) in cases {
            assert_eq!(csp_in(Mode::Development, json).unwrap().value, want, "{json}");
        }
    }

    #[test]
    fn refusals() {
        let cases = [
            (r#"{"directives": {"default-src": ["self"]}}"#, "edge-shield: headers.content_security_policy.directives.default-src[0]: \"self\": keywords must be single-quoted, as in \"'self'\""),
            (r#"{"directives": {"defaultSrc": "self"}}"#, "edge-shield: headers.content_security_policy.directives.defaultSrc: \"self\": keywords must be single-quoted, as in \"'self'\""),
            (r#"{"directives": {"foo-bar": ["'self'"]}}"#, "edge-shield: headers.content_security_policy.directives: \"foo-bar\": not a CSP directive (browsers ignore unknown directives, so a misspelt one silently weakens the policy)"),
            (r#"{"directives": {"scirpt-src": ["'self'"]}}"#, "edge-shield: headers.content_security_policy.directives: \"scirpt-src\": not a CSP directive (browsers ignore unknown directives, so a misspelt one silently weakens the policy); did you mean \"script-src\"?"),
            (r#"{"directives": {"default_src": ["'self'"]}}"#, "edge-shield: headers.content_security_policy.directives: \"default_src\": not a CSP directive name: write it in kebab-case (\"default-src\") or camelCase (\"defaultSrc\"); did you mean \"default-src\"?"),
            (r#"{"directives": {"plugin-types": ["application/pdf"]}}"#, "edge-shield: headers.content_security_policy.directives: \"plugin-types\": plugin-types is obsolete: plugins are gone from browsers; object-src 'none' covers them"),
            (r#"{"directives": {"defaultSrc": ["'self'"], "default-src": ["'none'"]}}"#, "edge-shield: headers.content_security_policy.directives: \"default-src\": duplicate directive default-src (also given as \"defaultSrc\"); keep one"),
            (r#"{"directives": {"default-src": null}}"#, "edge-shield: headers.content_security_policy.directives.default-src: null: default-src is the fallback of every fetch directive; without it the policy allows loading from anywhere. If you really mean it, set \"dangerously_disable_default_src\": true instead"),
            (r#"{"directives": {"connect-src": null}}"#, "edge-shield: headers.content_security_policy.directives.connect-src: null: null drops a default directive, but connect-src is not one of the defaults; remove the key"),
            (r#"{"use_defaults": false, "directives": {"default-src": ["'self'"], "img-src": null}}"#, "edge-shield: headers.content_security_policy.directives.img-src: null: null drops a default directive, but use_defaults is false; remove the key"),
            (r#"{"use_defaults": false, "directives": {"img-src": ["'self'"]}}"#, "edge-shield: headers.content_security_policy.directives: default-src is missing: it is the fallback of every fetch directive, and without it the policy allows loading from anywhere. Add \"default-src\": [\"'self'\"], or if you really mean it, set \"dangerously_disable_default_src\": true"),
            (r#"{"use_defaults": false}"#, "edge-shield: headers.content_security_policy.directives: {}: the policy has no directives; set some, or set content_security_policy to false to send none"),
            (r#"{"dangerously_disable_default_src": true, "directives": {"default-src": ["'self'"]}}"#, "edge-shield: headers.content_security_policy.dangerously_disable_default_src: true: contradicts the default-src given in directives; keep one of them"),
            (r#"{"directives": {"upgrade-insecure-requests": ["yes"]}}"#, "edge-shield: headers.content_security_policy.directives.upgrade-insecure-requests: [\"yes\"]: upgrade-insecure-requests takes no value; write \"upgrade-insecure-requests\": []"),
            (r#"{"directives": {"img-src": true}}"#, "invalid type: boolean `true`, expected a string or a list of strings"),
            (r#"{"directives": {"script-src": ["'self'; script-src *"]}}"#, "edge-shield: headers.content_security_policy.directives.script-src[0]: \"'self'; script-src *\": ';' and ',' are refused"),
            (r#"{"report_to": "csp", "directives": {"report-to": "other"}}"#, "edge-shield: headers.content_security_policy.report_to: \"csp\": report-to is also given in directives; keep one of them"),
            (r#"{"report_to": "csq", "reporting_endpoints": {"csp": "https://r.example"}}"#, "edge-shield: headers.content_security_policy.report_to: \"csq\": no such endpoint in reporting_endpoints; did you mean \"csp\"?"),
            (r#"{"report_to": "Csp"}"#, "edge-shield: headers.content_security_policy.report_to: \"Csp\": an endpoint name is lower-case letters"),
            (r#"{"reporting_endpoints": {"csp": "http://r.example"}}"#, "edge-shield: headers.content_security_policy.reporting_endpoints.csp: \"http://r.example\": a reporting endpoint must be an absolute https:// URL"),
            (r#"{"reportOnly": true}"#, "unknown field `reportOnly`"),
        ];
        for (json, want) in cases {
            let got = match csp(json) {
                Ok(c) => format!("accepted: {c:?}"),
                Err(e) => e,
            };
            assert!(
                got.starts_with(want) || got.contains(want),
                "{json}\n got: {got}\nwant: {want}"
            );
        }
    }

    #[test]
    fn report_to_without_endpoints_warns() {
        let raw: RawCsp = serde_json::from_str(r#"{"report_to": "csp"}"#).unwrap();
        let mut warnings = Vec::new();
        let c = parse("headers.content_security_policy", &raw, Mode::Production, &mut warnings).unwrap();
        assert!(c.value.ends_with(";upgrade-insecure-requests;report-to csp"));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0]
            .starts_with("headers.content_security_policy.report_to: \"csp\" is not defined in reporting_endpoints"));
    }
}
