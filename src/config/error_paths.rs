//! The loader's error paths, held to the contract of the loader built on
//! serde_path_to_error, which tracked them while deserializing until its 34 KB of the
//! .wasm were traded for [`super::json_path`]: every message, path and position the same.

use super::*;
use proptest::prelude::Rng;
use proptest::test_runner::{RngAlgorithm, TestRng};

/// The path serde_path_to_error gives the error in `bytes` (the oracle), and the one the
/// loader gives it now, for a document refused by serde (`None`: accepted by both).
/// `data_only`: not for syntax errors (JSON text reports those without a path).
fn paths(bytes: &[u8], data_only: bool) -> Option<(String, String)> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let old = serde_path_to_error::deserialize::<_, RawConfig>(&mut de).err();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let new = RawConfig::deserialize(&mut de).err();
    match (old, new) {
        (None, None) => None,
        (Some(_), Some(new)) if data_only && (new.is_syntax() || new.is_eof()) => None,
        (Some(old), Some(new)) => {
            assert_eq!(
                old.inner().to_string(),
                new.to_string(),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
            let old = old.path().to_string();
            let old = if old == "." { String::new() } else { old };
            Some((old, error_path(bytes, &new)))
        }
        (old, new) => panic!("{:?}: {old:?} / {new:?}", String::from_utf8_lossy(bytes)),
    }
}

/// Cases written down before the loader stopped using serde_path_to_error, with what
/// `load` said for each at e72d0af (error_contract.json: as JSON text, as host-written JSON,
/// and as a Struct): unknown fields, wrong types and values at scalars and at brackets,
/// duplicate fields and keys, arrays refused as a whole or element by element, `null`
/// refused once read, escaped and multi-byte keys, newlines and CRLF before the error,
/// syntax errors and YAML in a string.
#[test]
fn the_recorded_contract_holds() {
    let rows: Vec<serde_json::Value> = serde_json::from_str(include_str!("error_contract.json")).unwrap();
    assert!(rows.len() > 100);
    let show = |r: Result<Config, ConfigError>| match r {
        Ok(_) => "OK".to_string(),
        Err(e) => e.to_string(),
    };
    for row in &rows {
        let doc = row["doc"].as_str().unwrap();
        assert_eq!(show(load(doc.as_bytes())), row["text"], "{doc:?}");
        assert_eq!(show(load_host_json(doc.as_bytes())), row["host_json"], "{doc:?}");
        match serde_json::from_str::<serde_json::Value>(doc) {
            Ok(serde_json::Value::Object(m)) => {
                let bytes = struct_wire::encode_struct(&m);
                assert_eq!(show(load(&bytes)), row["struct"], "Struct of {doc:?}");
            }
            _ => assert!(row["struct"].is_null(), "{doc:?}"),
        }
    }
}

/// The shapes of the configuration (document.rs and the features' config.rs), for the
/// generator: mostly right, sometimes wrong in the ways users get them wrong.
#[derive(Clone, Copy)]
enum Shape {
    Config,
    Rule,
    Match,
    Cors,
    Headers,
    Csp,
    Hsts,
    HttpsRedirect,
    Cookies,
    Csrf,
    Websocket,
    Setting(&'static Shape),
    Bool,
    Int,
    Str,
    Strings,
    OneOrMany,
    NoOptions,
    OverrideSpec,
    Mode,
    Rules,
    StrMap,
    Directives,
    Permissions,
}

use Shape as S;

fn fields(shape: Shape) -> &'static [(&'static str, Shape)] {
    match shape {
        S::Config => &[
            ("mode", S::Mode),
            ("cors", S::Setting(&S::Cors)),
            ("headers", S::Setting(&S::Headers)),
            ("rules", S::Rules),
            ("log_blocked", S::Bool),
            ("https_redirect", S::Setting(&S::HttpsRedirect)),
            ("cookies", S::Setting(&S::Cookies)),
            ("csrf", S::Setting(&S::Csrf)),
            ("websocket", S::Setting(&S::Websocket)),
            ("read_route_metadata", S::Bool),
            ("record_decision", S::Bool),
        ],
        S::Rule => &[
            ("name", S::Str),
            ("match", S::Match),
            ("cors", S::Setting(&S::Cors)),
            ("headers", S::Setting(&S::Headers)),
            ("log_blocked", S::Bool),
            ("csrf", S::Setting(&S::Csrf)),
        ],
        S::Match => &[("route_name", S::Str), ("host", S::Str), ("path_prefix", S::Str)],
        S::Cors => &[
            ("allowed_origins", S::Strings),
            ("allowed_methods", S::Strings),
            ("allow_credentials", S::Bool),
            ("max_age", S::Int),
            ("preflight_status", S::Int),
            ("enforce", S::Bool),
        ],
        S::Headers => &[
            ("content_security_policy", S::Setting(&S::Csp)),
            ("strict_transport_security", S::Setting(&S::Hsts)),
            ("x_frame_options", S::Setting(&S::Str)),
            ("x_content_type_options", S::Setting(&S::NoOptions)),
            ("referrer_policy", S::Setting(&S::OneOrMany)),
            ("permissions_policy", S::Setting(&S::Permissions)),
            ("clear_site_data", S::Setting(&S::Strings)),
            ("custom", S::StrMap),
            ("remove", S::Setting(&S::OneOrMany)),
            ("override", S::OverrideSpec),
            ("html_only", S::Strings),
        ],
        S::Csp => &[
            ("directives", S::Directives),
            ("use_defaults", S::Bool),
            ("report_only", S::Bool),
            ("report_to", S::Str),
            ("reporting_endpoints", S::StrMap),
        ],
        S::Hsts => &[
            ("max_age", S::Int),
            ("include_subdomains", S::Bool),
            ("preload", S::Bool),
            ("forwarded_proto_header", S::Setting(&S::Str)),
        ],
        S::HttpsRedirect => &[("header", S::Str), ("status", S::Int), ("exempt_paths", S::Strings)],
        S::Cookies => &[("secure", S::Bool), ("same_site", S::Str), ("exempt", S::Strings)],
        S::Csrf => &[("trusted_origins", S::Strings), ("enforce", S::Bool)],
        S::Websocket => &[("trusted_origins", S::Strings), ("exempt_paths", S::Strings)],
        _ => &[],
    }
}

const KEYS: &[&str] = &["a", "x😀", "a\\\"b", "\\u00e9", "\\ud83d\\ude00", "", "a.b", "\\n"];
const STRINGS: &[&str] = &["\"x\"", "\"é😀\"", "\"a\\\"b\\\\\"", "\"\\u00e9\"", "\"[{,:\""];
const WRONG: &[&str] = &[
    "1",
    "-5",
    "1.5",
    "0",
    "99999999999999999999",
    "1e400",
    "true",
    "false",
    "null",
    "\"s\"",
    "[]",
    "[1]",
    "[[1]]",
    "[{}]",
    "[\"a\", [1]]",
    "{}",
    "{\"a\": 1}",
    "[[]]",
    "{{}}",
    "[null]",
    "\"production\"",
];

struct Gen {
    rng: TestRng,
    out: String,
}

impl Gen {
    fn below(&mut self, n: usize) -> usize {
        (self.rng.next_u64() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len())]
    }

    fn ws(&mut self) {
        let w = self.pick(&["", "", "", " ", "\n", "  ", "\r\n\t"]);
        self.out.push_str(w);
    }

    fn value(&mut self, shape: Shape, depth: usize) {
        self.ws();
        if depth > 7 || (depth > 0 && self.chance(3)) {
            let w = self.pick(WRONG);
            self.out.push_str(w);
        } else {
            self.right(shape, depth);
        }
        self.ws();
    }

    fn right(&mut self, shape: Shape, depth: usize) {
        match shape {
            S::Setting(inner) => match self.below(10) {
                0 => self.out.push_str("true"),
                1 => {
                    let off = self.pick(&["false", "null"]);
                    self.out.push_str(off);
                }
                2 => {
                    self.out.push('[');
                    self.value(*inner, depth + 1);
                    self.out.push(']');
                }
                _ => self.right(*inner, depth),
            },
            S::Bool => {
                let b = self.pick(&["true", "false", "true", "false", "null"]);
                self.out.push_str(b);
            }
            S::Int => {
                let n = self.pick(&["600", "-1", "null", "600.5", "0"]);
                self.out.push_str(n);
            }
            S::Str => {
                let s = self.pick(STRINGS);
                self.out.push_str(s);
            }
            S::Mode => {
                let m = self.pick(&[
                    "\"production\"",
                    "\"development\"",
                    "\"production\"",
                    "\"development\"",
                    "\"staging\"",
                    "{\"production\": null}",
                    "{\"staging\": 1}",
                    "{\"production\": 1}",
                ]);
                self.out.push_str(m);
            }
            S::NoOptions => self.out.push_str("true"),
            S::OneOrMany | S::OverrideSpec if self.chance(30) => self.out.push_str("\"x\""),
            S::Strings | S::OneOrMany | S::OverrideSpec => self.list(S::Str, depth),
            S::Rules => self.list(S::Rule, depth),
            S::StrMap => self.map(S::Str, depth),
            S::Directives => self.map(S::OneOrMany, depth),
            S::Permissions => self.map(S::Strings, depth),
            _ => self.object(shape, depth),
        }
    }

    fn list(&mut self, item: Shape, depth: usize) {
        self.out.push('[');
        for i in 0..self.below(4) {
            if i > 0 {
                self.out.push(',');
            }
            self.value(item, depth + 1);
        }
        self.out.push(']');
    }

    fn key(&mut self, key: &str) {
        self.ws();
        self.out.push('"');
        self.out.push_str(key);
        self.out.push('"');
        self.ws();
        self.out.push(':');
    }

    fn map(&mut self, item: Shape, depth: usize) {
        self.out.push('{');
        for i in 0..self.below(4) {
            if i > 0 {
                self.out.push(',');
            }
            let k = self.pick(KEYS);
            self.key(k);
            self.value(item, depth + 1);
        }
        self.out.push('}');
    }

    fn object(&mut self, shape: Shape, depth: usize) {
        let fields = fields(shape);
        self.out.push('{');
        for i in 0..self.below(6) {
            if i > 0 {
                self.out.push(',');
            }
            let (name, field) = fields[self.below(fields.len())];
            let name = if self.chance(5) { self.pick(KEYS) } else { name };
            self.key(name);
            self.value(field, depth + 1);
        }
        self.out.push('}');
    }
}

/// Generated documents, mostly wrong somewhere: the loader finds the path the oracle
/// found, in JSON text (whitespace, escapes and multi-byte text included) and in the
/// compact text a Struct is read back from.
#[test]
fn generated_documents_get_the_oracles_paths() {
    let mut gen = Gen {
        rng: TestRng::deterministic_rng(RngAlgorithm::ChaCha),
        out: String::new(),
    };
    let mut refused = 0;
    for _ in 0..10_000 {
        gen.out.clear();
        gen.value(S::Config, 0);
        // Sometimes cut the text short too (a syntax error after data that was fine).
        if gen.chance(10) {
            let at = gen.below(gen.out.len());
            if gen.out.is_char_boundary(at) {
                gen.out.truncate(at);
            }
        }
        let doc = gen.out.clone();
        if let Some((old, new)) = paths(doc.as_bytes(), true) {
            refused += 1;
            assert_eq!(new, old, "{doc:?}");
        }
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(&doc) {
            let text = serde_json::to_vec(&value).unwrap();
            if let Some((old, new)) = paths(&text, false) {
                assert_eq!(new, old, "compact {doc:?}");
            }
        }
    }
    // Most documents are refused, so the comparison is mostly of errors.
    assert!(refused > 5_000, "{refused}");
}
