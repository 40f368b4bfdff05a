//! Loading the plugin configuration: JSON → raw structs (serde) → compiled [`Config`].
//!
//! Everything that can be checked or precomputed is done here, once, so that the
//! request path only reads immutable values. This layer sits above the features it
//! compiles: each feature compiles its own part through [`Compile`], with one
//! [`Context`] (mode, JSON path, warnings).

pub mod document;
#[cfg(test)]
mod error_paths;
pub mod fingerprint;
mod json_path;
pub mod policy;
pub mod route_match;
pub mod source;
pub mod struct_wire;

use crate::compile::{index, join, Compile, ConfigError, Context, Mode, Override, Setting};
use crate::cors::CorsPolicy;
use crate::hardening::{CookiePolicy, CsrfPolicy, HttpsRedirect, WebsocketPolicy};
use crate::security_headers::config::NULL_REFUSED;
use crate::security_headers::HeaderPolicy;
use document::{RawConfig, RawRule};
use json_path::Anchor;
use policy::{Config, RoutePolicy, Rule};
use route_match::RuleMatch;
use serde::Deserialize;
use source::Source;
use std::collections::BTreeSet;
use std::rc::Rc;

/// Parses and compiles a plugin configuration. Empty or whitespace-only input
/// (Envoy passes none when `configuration` is unset) means all defaults.
pub fn load(bytes: &[u8]) -> Result<Config, ConfigError> {
    compile(&parse_with(bytes, Positions::Keep)?)
}

/// [`load`] for a host that may have written the JSON text itself: Envoy's dynamic-module
/// filter hands a `google.protobuf.Struct` over as JSON it printed, so a position in that
/// text means nothing to the user. Errors in the data then name the path only, as for a
/// Struct; syntax errors (only in text a user wrote) keep their line and column.
pub fn load_host_json(bytes: &[u8]) -> Result<Config, ConfigError> {
    compile(&parse_with(bytes, Positions::SyntaxOnly)?)
}

/// Whether a JSON error message keeps serde_json's `at line L column C`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Positions {
    Keep,
    SyntaxOnly,
}

/// The serde step: structure, types and unknown fields, with the JSON path of any error.
/// The bytes are JSON text or a `google.protobuf.Struct` ([`source`]); both load the same.
pub fn parse(bytes: &[u8]) -> Result<RawConfig, ConfigError> {
    parse_with(bytes, Positions::Keep)
}

fn parse_with(bytes: &[u8], positions: Positions) -> Result<RawConfig, ConfigError> {
    match source::classify(bytes).map_err(|e| ConfigError::new(e.path, "", e.message))? {
        Source::Empty => Ok(RawConfig::default()),
        Source::Struct(map) => parse_struct(&serde_json::Value::Object(map)),
        Source::Json(text) => parse_json(text, positions),
    }
}

fn parse_json(bytes: &[u8], positions: Positions) -> Result<RawConfig, ConfigError> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{')
        && serde_json::from_slice::<serde_json::Value>(bytes).is_ok()
    {
        return Err(ConfigError::new(
            "",
            "",
            "the configuration must be a JSON object, as in {\"cors\": {...}}",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let raw = RawConfig::deserialize(&mut de).map_err(|e| {
        // A syntax error has a line and column but no meaningful path.
        let syntax = e.is_syntax() || e.is_eof();
        if syntax && source::looks_like_yaml(bytes) {
            return ConfigError::new("", "", source::YAML_IN_STRING);
        }
        let path = if syntax { String::new() } else { error_path(bytes, &e) };
        let message = if positions == Positions::SyntaxOnly && !syntax {
            with_hint(&e, without_position(e.to_string()))
        } else {
            serde_message(&e)
        };
        ConfigError::new(path, "", message)
    })?;
    de.end().map_err(|e| ConfigError::new("", "", serde_message(&e)))?;
    Ok(raw)
}

/// A decoded Struct: errors name the path only (the bytes have no lines or columns).
///
/// The value is read back through the JSON text reader rather than serde_json's
/// `Value` deserializer: one instance of the configuration's deserializers in the .wasm
/// instead of two (about 100 KB). The text is valid JSON by construction, so only data
/// errors can occur; their position in this synthetic text means nothing to the user and
/// is dropped, once it has given the path.
fn parse_struct(value: &serde_json::Value) -> Result<RawConfig, ConfigError> {
    let text = serde_json::to_vec(value).map_err(|e| ConfigError::new("", "", e.to_string()))?;
    let mut de = serde_json::Deserializer::from_slice(&text);
    RawConfig::deserialize(&mut de).map_err(|e| {
        let message = with_hint(&e, without_position(e.to_string()));
        ConfigError::new(error_path(&text, &e), "", message)
    })
}

/// The JSON path of a serde error in `bytes`, from where serde_json stopped reading
/// ([`json_path`]). What the error is about, relative to that point, depends on who
/// raised it, told here by serde's wording and where serde_json leaves its position: a
/// serde or serde_json upgrade can move paths without failing to build, which
/// `error_paths.rs` (the recorded contract, and generated documents against
/// serde_path_to_error) is there to catch.
fn error_path(bytes: &[u8], e: &serde_json::Error) -> String {
    let Some(offset) = json_path::offset(bytes, e.line(), e.column()) else {
        return String::new();
    };
    let message = e.to_string();
    let peeked = |what: &str, bracket: u8| message.starts_with(what) && bytes.get(offset) == Some(&bracket);
    let anchor = if message.starts_with("unknown field") || peeked("invalid type: map", b'{') {
        Anchor::At
    } else if message.starts_with(NULL_REFUSED) {
        // `not_null` refuses the value after serde_json has returned it, so serde_json
        // positions the error where the enclosing object ends.
        Anchor::Closed
    } else if peeked("invalid type: sequence", b'[') && !refused_as_a_whole(bytes, offset, &message) {
        Anchor::At
    } else {
        Anchor::Before
    };
    json_path::path_at(bytes, offset, anchor)
}

/// Whether an `invalid type: sequence` error at a `[` opening an array's first element is
/// about the outer array (a setting whose type takes no list refuses it before reading an
/// element: `"x_frame_options": [[...]]`) rather than the element (a list of strings
/// peeking at it: `"allowed_origins": [[...]]`). serde_json gives both the same position;
/// reading the document again with a `{` there tells them apart: an element's reader then
/// says `map`, while the outer array's reader, which never looked, says the same again.
fn refused_as_a_whole(bytes: &[u8], offset: usize, message: &str) -> bool {
    let mut changed = bytes.to_vec();
    if let Some(b) = changed.get_mut(offset) {
        *b = b'{';
    }
    let mut de = serde_json::Deserializer::from_slice(&changed);
    matches!(RawConfig::deserialize(&mut de), Err(again) if again.to_string() == message)
}

/// `... at line 1 column 57` → `...` (serde_json appends the position to every message).
fn without_position(msg: String) -> String {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(i) = msg.rfind(" at line ") {
        if let Some((line, column)) = msg[i + " at line ".len()..].split_once(" column ") {
            if digits(line) && digits(column) {
                return msg[..i].to_string();
            }
        }
    }
    msg
}

/// serde_json's message, with a hint where the usual fix is not obvious.
fn serde_message(e: &serde_json::Error) -> String {
    with_hint(e, e.to_string())
}

fn with_hint(e: &serde_json::Error, msg: String) -> String {
    if msg.starts_with("unknown field") {
        format!("{msg} (a misspelt field would silently weaken a policy, so unknown fields are refused)")
    } else if msg.starts_with("invalid type: floating point") {
        // A Struct carries every number as a double: say what is wrong with this one.
        format!("{msg} (a whole number is needed here)")
    } else if e.is_syntax() || e.is_eof() {
        format!("the configuration is not valid JSON: {msg}")
    } else {
        msg
    }
}

/// The parts a route can have; a rule replaces any of them.
struct Parts {
    cors: Option<Rc<CorsPolicy>>,
    headers: Option<Rc<HeaderPolicy>>,
    https_redirect: Option<Rc<HttpsRedirect>>,
    cookies: Option<Rc<CookiePolicy>>,
    csrf: Option<Rc<CsrfPolicy>>,
    websocket: Option<Rc<WebsocketPolicy>>,
    log_blocked: bool,
}

/// Compiles one optional part: `Off` → `None`, `On` → defaults, `Custom` → the options.
fn part<P: Compile>(setting: &Setting<P::Raw>, mut cx: Context<'_>) -> Result<Option<Rc<P>>, ConfigError> {
    match setting {
        Setting::Off => Ok(None),
        Setting::On => P::compile(&P::Raw::default(), &mut cx).map(|p| Some(Rc::new(p))),
        Setting::Custom(raw) => P::compile(raw, &mut cx).map(|p| Some(Rc::new(p))),
    }
}

/// A rule's field: inherited (shared with the top level) or compiled anew.
fn replace<P: Compile>(
    field: &Override<Setting<P::Raw>>,
    inherited: &Option<Rc<P>>,
    cx: Context<'_>,
) -> Result<Option<Rc<P>>, ConfigError> {
    match field {
        Override::Inherit => Ok(inherited.clone()),
        Override::Replace(setting) => part(setting, cx),
    }
}

pub fn compile(raw: &RawConfig) -> Result<Config, ConfigError> {
    let mode = raw.mode;
    let mut warnings = Vec::new();
    let w = &mut warnings;
    let top = Parts {
        cors: part(&raw.cors, Context::new(mode, "cors", w))?,
        headers: part(&raw.headers, Context::new(mode, "headers", w))?,
        https_redirect: part(&raw.https_redirect, Context::new(mode, "https_redirect", w))?,
        cookies: part(&raw.cookies, Context::new(mode, "cookies", w))?,
        csrf: part(&raw.csrf, Context::new(mode, "csrf", w))?,
        websocket: part(&raw.websocket, Context::new(mode, "websocket", w))?,
        log_blocked: raw.log_blocked,
    };
    warn_combinations(&top, "", &mut warnings);
    if top.headers.is_none() && mode == Mode::Production {
        warnings.push(
            "headers: off in production: no security headers at all, HSTS among them, so browsers are not \
             told to keep to HTTPS"
                .to_string(),
        );
    }
    let mut rules = Vec::with_capacity(raw.rules.len());
    // Names seen so far: a set, so that loading n rules stays O(n log n).
    let mut names: BTreeSet<String> = BTreeSet::new();
    for (i, rule) in raw.rules.iter().enumerate() {
        let path = index("rules", i);
        let parts = compile_rule(rule, &top, mode, &path, &mut warnings)?;
        warn_combinations(&parts, &path, &mut warnings);
        let name = match &rule.name {
            Some(n) => metric_label(n, &join(&path, "name"))?,
            None => format!("rule{i}"),
        };
        if !names.insert(name.clone()) {
            return Err(ConfigError::at_str(
                join(&path, "name"),
                &name,
                "another rule already has this name; rule names must be unique",
            ));
        }
        let matcher = match &rule.matcher {
            Some(m) => {
                let mut matcher = RuleMatch::compile(m, &join(&path, "match"))?;
                matcher.protective = adds_protection(rule);
                Some(matcher)
            }
            None if rule.name.is_some() => None,
            None => {
                return Err(ConfigError::new(
                    path,
                    "",
                    "a rule needs a `match`, or a `name` if route metadata selects it \
                     (metadata.filter_metadata.edge-shield.policy: <name>)",
                ))
            }
        };
        rules.push(Rule {
            matcher,
            policy: Rc::new(route_policy(name, i + 1, parts)),
        });
    }
    let default = Rc::new(route_policy("default".to_string(), 0, top));
    let mut config = Config::new(mode, default, rules, warnings);
    config.read_route_metadata = raw.read_route_metadata;
    config.record_decision = raw.record_decision;
    Ok(config)
}

fn compile_rule(
    rule: &RawRule,
    top: &Parts,
    mode: Mode,
    path: &str,
    warnings: &mut Vec<String>,
) -> Result<Parts, ConfigError> {
    let w = warnings;
    let at = |field: &str| join(path, field);
    Ok(Parts {
        cors: replace(&rule.cors, &top.cors, Context::new(mode, at("cors"), w))?,
        headers: replace(&rule.headers, &top.headers, Context::new(mode, at("headers"), w))?,
        https_redirect: replace(
            &rule.https_redirect,
            &top.https_redirect,
            Context::new(mode, at("https_redirect"), w),
        )?,
        cookies: replace(&rule.cookies, &top.cookies, Context::new(mode, at("cookies"), w))?,
        csrf: replace(&rule.csrf, &top.csrf, Context::new(mode, at("csrf"), w))?,
        websocket: replace(&rule.websocket, &top.websocket, Context::new(mode, at("websocket"), w))?,
        log_blocked: match rule.log_blocked {
            Override::Inherit => top.log_blocked,
            Override::Replace(b) => b,
        },
    })
}

/// Whether a rule only adds protection: it turns on (or configures) security headers,
/// https_redirect, cookies, csrf or websocket, turns none of them off, and grants no
/// CORS access. Its path prefix then resolves ambiguous paths toward it.
fn adds_protection(rule: &RawRule) -> bool {
    fn on<T>(o: &Override<Setting<T>>) -> Option<bool> {
        match o {
            Override::Inherit => None,
            Override::Replace(Setting::Off) => Some(false),
            Override::Replace(_) => Some(true),
        }
    }
    let parts = [
        on(&rule.headers),
        on(&rule.https_redirect),
        on(&rule.cookies),
        on(&rule.csrf),
        on(&rule.websocket),
    ];
    let grants_cors = matches!(rule.cors, Override::Replace(Setting::On | Setting::Custom(_)));
    !grants_cors && parts.contains(&Some(true)) && !parts.contains(&Some(false))
}

/// Legal but surprising combinations of parts on one route.
fn warn_combinations(parts: &Parts, path: &str, warnings: &mut Vec<String>) {
    let Some(cors) = &parts.cors else {
        return;
    };
    for (name, on) in [("csrf", parts.csrf.is_some()), ("websocket", parts.websocket.is_some())] {
        if !on {
            continue;
        }
        if cors.vouches_for_no_one() {
            warnings.push(format!(
                "{}: on a route whose CORS policy names no origin (only \"*\", \"null\" or regexes not \
                 confined to your domains): that policy vouches for no origin, so cross-site requests are \
                 refused unless {name}.trusted_origins lists them",
                join(path, name)
            ));
            continue;
        }
        for why in cors.unconfined_regexes() {
            warnings.push(format!(
                "{}: the CORS regex {why}; {name} does not take it as vouching for the origins it matches \
                 (list them in {name}.trusted_origins, or confine the regex)",
                join(path, name)
            ));
        }
    }
}

fn route_policy(name: String, index: usize, p: Parts) -> RoutePolicy {
    RoutePolicy {
        name,
        index,
        log_blocked: p.log_blocked,
        cors: p.cors,
        headers: p.headers,
        https_redirect: p.https_redirect,
        cookies: p.cookies,
        csrf: p.csrf,
        websocket: p.websocket,
    }
}

/// Rule names end up in metric names: keep them to a safe alphabet.
fn metric_label(name: &str, path: &str) -> Result<String, ConfigError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok && name != "default" {
        Ok(name.to_string())
    } else {
        Err(ConfigError::at_str(
            path,
            name,
            "a rule name is 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-', and not \"default\"",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::RouteInfo;

    fn err(json: &str) -> String {
        match load(json.as_bytes()) {
            Ok(_) => panic!("accepted: {json}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn empty_means_defaults() {
        for doc in ["", "  \n", "{}"] {
            let c = load(doc.as_bytes()).unwrap();
            assert!(c.default.cors.is_none(), "cors off by default");
            assert!(c.default.headers.is_some(), "headers on by default");
            assert!(c.rules.is_empty());
            assert_eq!(c.mode, Mode::Production);
        }
    }

    /// The two host-side switches: on unless turned off, top level only (a rule cannot
    /// turn them off: metadata is read before any rule is chosen).
    #[test]
    fn metadata_and_decision_record_switches() {
        // (document, read_route_metadata, record_decision)
        let rows: &[(&str, bool, bool)] = &[
            ("{}", true, true),
            (r#"{"read_route_metadata": false}"#, false, true),
            (r#"{"record_decision": false}"#, true, false),
            (
                r#"{"read_route_metadata": false, "record_decision": false}"#,
                false,
                false,
            ),
            (r#"{"read_route_metadata": true, "record_decision": true}"#, true, true),
        ];
        for (doc, metadata, record) in rows {
            let c = load(doc.as_bytes()).unwrap_or_else(|e| panic!("{doc}: {e}"));
            assert_eq!(
                (c.read_route_metadata, c.record_decision),
                (*metadata, *record),
                "{doc}"
            );
        }
        for doc in [
            r#"{"rules": [{"match": {"path_prefix": "/a/"}, "record_decision": false}]}"#,
            r#"{"rules": [{"match": {"path_prefix": "/a/"}, "read_route_metadata": false}]}"#,
            r#"{"record_decision": "no"}"#,
        ] {
            let e = err(doc);
            assert!(
                e.contains("record_decision") || e.contains("read_route_metadata"),
                "{doc}: {e}"
            );
        }
    }

    #[test]
    fn spec_example_loads() {
        let doc = r#"{
          "mode": "production",
          "cors": {
            "allowed_origins": ["https://app.example.com", "https://*.example.com", "http://localhost:*"],
            "allowed_origin_regexes": ["^https://pr-[0-9]+\\.preview\\.example\\.dev$"],
            "allowed_methods": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
            "allowed_headers": ["content-type", "authorization", "x-request-id"],
            "exposed_headers": ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"],
            "allow_credentials": true,
            "max_age": 600,
            "allow_private_network": false,
            "preflight_status": 204,
            "enforce": true
          },
          "headers": {
            "x_frame_options": "DENY",
            "strict_transport_security": { "max_age": 63072000, "include_subdomains": true, "preload": true }
          },
          "rules": [
            { "match": { "path_prefix": "/public/" }, "cors": { "allowed_origins": ["*"], "allow_credentials": false } },
            { "match": { "route_name": "admin" }, "cors": null }
          ],
          "log_blocked": true
        }"#;
        let c = load(doc.as_bytes()).unwrap();
        assert_eq!(c.rules.len(), 2);
        assert!(
            c.rules[1].policy.cors.is_none(),
            "cors: null turns CORS off for the rule"
        );
        assert!(c.rules[1].policy.headers.is_some(), "headers inherited");
        assert!(
            Rc::ptr_eq(
                c.rules[1].policy.headers.as_ref().unwrap(),
                c.default.headers.as_ref().unwrap()
            ),
            "an inherited part is shared, not recompiled"
        );
    }

    /// Host-written JSON (a Struct the native host printed): the path, no position in a
    /// text the user never saw; a syntax error has no path and keeps its position.
    #[test]
    fn host_json_errors_name_the_path_without_a_position() {
        let host_err = |json: &str| match load_host_json(json.as_bytes()) {
            Ok(_) => panic!("accepted: {json}"),
            Err(e) => e.to_string(),
        };
        let cases: &[(&str, &str)] = &[
            (
                r#"{"cors":{"max_age":600.5}}"#,
                "edge-shield: cors.max_age: invalid type: floating point `600.5`, expected ",
            ),
            (
                r#"{"cors":{"allowed_origin":[]}}"#,
                "edge-shield: cors.allowed_origin: unknown field `allowed_origin`",
            ),
        ];
        for (json, want) in cases {
            let got = host_err(json);
            assert!(got.starts_with(want), "{json}: {got}");
            assert!(!got.contains(" line ") && !got.contains("column"), "{got}");
            assert!(
                err(json).contains(" at line 1 column "),
                "the text loader keeps it: {}",
                err(json)
            );
        }
        let syntax = host_err(r#"{"cors": {"#);
        assert!(syntax.contains("line 1 column"), "{syntax}");
    }

    #[test]
    fn structural_errors_name_the_path() {
        let cases: &[(&str, &str)] = &[
            (r#"{"bogus": 1}"#, "edge-shield: bogus: unknown field `bogus`"),
            (
                r#"{"cors": {"allowed_origin": []}}"#,
                "edge-shield: cors.allowed_origin: unknown field `allowed_origin`",
            ),
            (
                r#"{"cors": {"allow_credentials": "yes"}}"#,
                "edge-shield: cors.allow_credentials: invalid type: string \"yes\", expected a boolean",
            ),
            (
                r#"{"mode": "staging"}"#,
                "edge-shield: mode: unknown variant `staging`, expected `production` or `development`",
            ),
            (
                r#"{"rules": [{"match": {}, "cors": {"enforce": 1}}]}"#,
                "edge-shield: rules[0].cors.enforce: invalid type: integer `1`, expected a boolean",
            ),
            (
                r#"{"rules": [{"cors": null}]}"#,
                "edge-shield: rules[0]: a rule needs a `match`, or a `name` if route metadata selects it",
            ),
            (
                r#"{"headers": {"x_frame_option": "DENY"}}"#,
                "edge-shield: headers.x_frame_option: unknown field `x_frame_option`",
            ),
            (
                r#"{"headers": {"custom": {"a": "1", "a": "2"}}}"#,
                "edge-shield: headers.custom: duplicate key `a`",
            ),
            (
                r#"{"cors": {}} x"#,
                "edge-shield: (configuration): the configuration is not valid JSON: trailing characters",
            ),
            (r#"{"cors": "#, "the configuration is not valid JSON"),
            (
                r#"[]"#,
                "edge-shield: (configuration): the configuration must be a JSON object",
            ),
            (
                r#"{"cors": []}"#,
                "edge-shield: cors: invalid type: sequence, expected struct RawCors",
            ),
        ];
        for (doc, want) in cases {
            let got = err(doc);
            assert!(
                got.starts_with(want) || got.contains(want),
                "{doc}\n got: {got}\nwant: {want}"
            );
        }
    }

    /// Which rules take ambiguous paths: those that only add protection.
    #[test]
    fn protective_rules_table() {
        let rows: &[(&str, bool)] = &[
            (r#"{"csrf": true}"#, true),
            (r#"{"websocket": true}"#, true),
            (r#"{"https_redirect": true}"#, true),
            (r#"{"cookies": {"same_site": "Strict"}}"#, true),
            (r#"{"headers": {"x_frame_options": "DENY"}}"#, true),
            (r#"{"csrf": true, "cors": false}"#, true),
            (r#"{"csrf": true, "headers": false}"#, false),
            (r#"{"csrf": false}"#, false),
            (r#"{"cors": {"allowed_origins": ["https://app.example.com"]}}"#, false),
            (
                r#"{"csrf": true, "cors": {"allowed_origins": ["https://app.example.com"]}}"#,
                false,
            ),
            (r#"{"log_blocked": true}"#, false),
        ];
        for (parts, want) in rows {
            let doc = format!(
                r#"{{"rules": [{{"match": {{"path_prefix": "/account/"}}, {}}}]}}"#,
                &parts[1..parts.len() - 1]
            );
            let c = load(doc.as_bytes()).unwrap_or_else(|e| panic!("{parts}: {e}"));
            assert_eq!(
                c.rules[0].matcher.as_ref().map(|m| m.protective),
                Some(*want),
                "{parts}"
            );
            let route = RouteInfo {
                route_name: None,
                authority: b"api.example.com",
                path: b"/account;jsessionid=x/transfer",
            };
            assert_eq!(c.select(&route).index == 1, *want, "{parts}");
        }
    }

    #[test]
    fn csrf_on_a_star_route_is_a_warning() {
        let c = load(
            br#"{"csrf": true, "rules": [{"match": {"path_prefix": "/public/"}, "cors": {"allowed_origins": ["*"]}}]}"#,
        )
        .unwrap();
        assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
        assert!(c.warnings[0].starts_with("rules[0].csrf: on a route whose CORS policy names no origin"));
    }

    #[test]
    fn headers_off_in_production_is_a_warning() {
        let off = load(br#"{"headers": false}"#).unwrap();
        assert_eq!(off.warnings.len(), 1, "{:?}", off.warnings);
        assert!(off.warnings[0].starts_with("headers: off in production"));
        let dev = load(br#"{"mode": "development", "headers": false}"#).unwrap();
        assert!(dev.warnings.is_empty(), "{:?}", dev.warnings);
    }

    #[test]
    fn rule_names_are_checked() {
        assert!(err(r#"{"rules": [{"name": "a b", "match": {"path_prefix": "/"}}]}"#)
            .starts_with("edge-shield: rules[0].name: \"a b\": a rule name is"));
        assert!(err(r#"{"rules": [{"name": "x", "match": {"path_prefix": "/a"}}, {"name": "x", "match": {"path_prefix": "/b"}}]}"#)
            .starts_with("edge-shield: rules[1].name: \"x\": another rule"));
    }

    #[test]
    fn raw_headers_default_equals_empty_object() {
        let parsed: crate::security_headers::config::RawHeaders = serde_json::from_str("{}").unwrap();
        assert_eq!(
            format!("{parsed:?}"),
            format!("{:?}", crate::security_headers::config::RawHeaders::default())
        );
    }
}
