//! The CLI against the repository: every shipped configuration passes `check` and
//! validates against the JSON Schema, and the schema and the loader agree on every
//! object's field names (so a typo'd key is refused by both).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use edge_shield::config::struct_wire;
use edge_shield_cli::{check_text, find, SCHEMA};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every YAML/JSON file under envoy/, with its text.
fn shipped() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path.display().to_string(), text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo().join("envoy"), &mut out);
    out.sort();
    assert!(out.len() >= 4, "shipped configs: {out:?}");
    out
}

/// The configuration as the loader sees it, as JSON (a Struct decoded, JSON text parsed).
fn as_json(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return json!({});
    }
    match struct_wire::decode_struct(bytes) {
        Ok(map) if bytes[0] == 0x0a => Value::Object(map),
        _ => serde_json::from_slice(bytes).unwrap(),
    }
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn every_shipped_config_passes_check_and_validates_against_the_schema() {
    let schema = validator();
    let mut checked = 0;
    for (file, text) in shipped() {
        let found = find::find(&text).unwrap();
        if found.is_empty() {
            // Not an Envoy/Istio/Envoy Gateway config (docker-compose.yaml).
            assert!(
                !text.contains("edge_shield.wasm") || file.ends_with("docker-compose.yaml"),
                "{file}: nothing found"
            );
            continue;
        }
        let (lines, failed) = check_text(&file, &text);
        assert!(!failed, "{file}:\n{}", lines.join("\n"));
        for f in &found {
            let doc = as_json(f.bytes.as_ref().unwrap());
            let errors: Vec<String> = schema
                .iter_errors(&doc)
                .map(|e| format!("{} at {}", e, e.instance_path))
                .collect();
            assert!(errors.is_empty(), "{file}: {}: {errors:?}", f.location);
            checked += 1;
        }
    }
    assert!(checked >= 5, "configurations checked: {checked}");
}

/// The subschema of the object at a document path (following `$ref` and `anyOf`).
fn object_schema<'a>(root: &'a Value, mut s: &'a Value, path: &[&str]) -> &'a Value {
    loop {
        if let Some(r) = s["$ref"].as_str() {
            s = &root["$defs"][r.trim_start_matches("#/$defs/")];
        } else if let Some(alts) = s["anyOf"].as_array() {
            s = alts
                .iter()
                .find(|a| a["type"] == "object" || a["$ref"].is_string())
                .unwrap();
        } else if s["type"] == "array" {
            s = &s["items"];
        } else {
            break;
        }
    }
    match path.split_first() {
        None => s,
        Some((key, rest)) => object_schema(root, &s["properties"][*key], rest),
    }
}

/// A document with an unknown key `zz_typo` in the object at `path` (`rules` is a list).
fn with_typo(path: &[&str]) -> Value {
    let mut v = json!({"zz_typo": true});
    for key in path.iter().rev() {
        v = if *key == "rules" {
            json!({ "rules": [v] })
        } else {
            json!({ *key: v })
        };
    }
    v
}

#[test]
fn the_schema_and_the_loader_agree_on_every_objects_fields() {
    let root: Value = serde_json::from_str(SCHEMA).unwrap();
    let schema = validator();
    let objects: &[&[&str]] = &[
        &[],
        &["cors"],
        &["headers"],
        &["headers", "content_security_policy"],
        &["headers", "strict_transport_security"],
        &["https_redirect"],
        &["cookies"],
        &["csrf"],
        &["websocket"],
        &["rules"],
        &["rules", "match"],
    ];
    for path in objects {
        let doc = with_typo(path);
        assert!(!schema.is_valid(&doc), "schema accepts {doc}");
        let e = edge_shield::config::load(doc.to_string().as_bytes())
            .unwrap_err()
            .to_string();
        let expected = e
            .split("expected one of ")
            .nth(1)
            .or_else(|| e.split("expected ").nth(1))
            .unwrap_or_else(|| panic!("{doc}: {e}"));
        let mut loader: Vec<&str> = expected
            .split(", ")
            .map(|f| f.split('`').nth(1).unwrap_or(""))
            .collect();
        loader.retain(|f| !f.is_empty());
        loader.sort();
        let props = object_schema(&root, &root, path)["properties"].as_object().unwrap();
        let mut in_schema: Vec<&str> = props.keys().map(String::as_str).collect();
        in_schema.sort();
        assert_eq!(loader, in_schema, "fields of {path:?}");
    }
}

#[test]
fn typos_are_refused_by_both() {
    let schema = validator();
    for doc in [
        json!({"cors": {"allowed_origin": ["https://a.example.com"]}}),
        json!({"rule": []}),
        json!({"rules": [{"match": {"path_prefx": "/a/"}}]}),
        json!({"headers": {"strict_transport_security": {"maxage": 1}}}),
    ] {
        assert!(!schema.is_valid(&doc), "schema accepts {doc}");
        let e = edge_shield::config::load(doc.to_string().as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field"), "{doc}: {e}");
        // The same document written as YAML and checked by the CLI.
        let yaml = serde_norway::to_string(&doc).unwrap();
        let (lines, failed) = check_text("policy.yaml", &yaml);
        assert!(failed && lines[0].contains("unknown field"), "{lines:?}");
    }
}

#[test]
fn the_yaml_example_is_the_json_example_written_as_yaml() {
    let load = |file: &str| {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        let found = find::find(&text).unwrap();
        let config = edge_shield::config::load(found[0].bytes.as_ref().unwrap()).unwrap();
        format!("{config:?}")
    };
    assert_eq!(load("envoy/yaml-policy.yaml"), load("envoy/per-route-rules.yaml"));
}

#[test]
fn check_refuses_route_metadata_naming_an_undefined_policy() {
    let text = std::fs::read_to_string(repo().join("envoy/route-metadata.yaml")).unwrap();
    assert!(!check_text("route-metadata.yaml", &text).1);
    let typo = text.replace("policy: healthz", "policy: helthz");
    assert_ne!(typo, text);
    let (lines, failed) = check_text("route-metadata.yaml", &typo);
    assert!(failed);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("routes[1]: edge-shield: route metadata names the policy \"helthz\"")),
        "{lines:?}"
    );
}

/// The policy `explain` gives `GET /x` on each named route of an Envoy config, with the
/// policy names its route and virtual-host metadata carry.
fn explained_policy_per_route(text: &str, routes: &[&str]) -> Vec<(String, Value)> {
    use edge_shield_cli::explain::{explain, Exchange};
    let found = find::find(text).unwrap();
    let config = edge_shield::config::load(found[0].bytes.as_ref().unwrap()).unwrap();
    let meta = find::route_metadata(text);
    routes
        .iter()
        .map(|route| {
            let r = meta.iter().find(|m| m.route_name.as_deref() == Some(*route));
            let ex = Exchange {
                method: "GET".into(),
                path: "/x".into(),
                authority: "localhost".into(),
                scheme: "https".into(),
                route_name: Some(route.to_string()),
                route_policy: r.and_then(|r| r.route_policy.clone()),
                virtual_host_policy: r.and_then(|r| r.virtual_host_policy.clone()),
                headers: Vec::new(),
                status: 200,
                response_headers: Vec::new(),
            };
            let e = explain(&config, &ex);
            (route.to_string(), e)
        })
        .collect()
}

#[test]
fn explain_follows_the_route_metadata_in_the_file() {
    let text = std::fs::read_to_string(repo().join("envoy/route-metadata.yaml")).unwrap();
    let want = [("admin", "admin"), ("api", "default"), ("web", "site")];
    let routes: Vec<&str> = want.iter().map(|(r, _)| *r).collect();
    for ((route, e), (_, want)) in explained_policy_per_route(&text, &routes).iter().zip(want) {
        assert_eq!(e["policy"]["name"], want, "{route}: {e}");
    }
}

// `"read_route_metadata": false` in the CLI: the filter then never reads a route's or a
// virtual host's metadata (docs/configuration-yaml.md: "a name in it is ignored, not an
// error"; rules and the top level decide alone). `explain` and `check` must say what the
// filter does with such a configuration. Review finding (review3): both ignored the switch.

/// envoy/route-metadata.yaml with the switch off in its policy.
fn metadata_off() -> String {
    let text = std::fs::read_to_string(repo().join("envoy/route-metadata.yaml")).unwrap();
    let off = text.replacen(
        "                  value:\n                    cors:",
        "                  value:\n                    read_route_metadata: false\n                    cors:",
        1,
    );
    assert_ne!(off, text);
    off
}

/// The `admin` route's metadata names the `admin` policy; with metadata off, the filter
/// gives that route the top-level policy (the `admin` rule has no `match`), so explain
/// must not say the route metadata chose `admin`.
#[test]
fn explain_ignores_metadata_when_reading_it_is_off() {
    let text = metadata_off();
    let found = find::find(&text).unwrap();
    let config = edge_shield::config::load(found[0].bytes.as_ref().unwrap()).unwrap();
    assert!(!config.read_route_metadata);
    for (route, e) in explained_policy_per_route(&text, &["admin", "healthz", "api", "web"]) {
        assert_eq!(e["policy"]["name"], "default", "{route}: {e}");
    }
}

/// A route naming a policy the file does not define is refused by `check` because the
/// filter would count `unknown_policy` and log an error; with metadata off it does
/// neither (tests/e2e/route_metadata.rs, `metadata_is_ignored_when_reading_it_is_off`),
/// so `check` must not fail the file with that claim.
#[test]
fn check_does_not_refuse_names_the_filter_never_reads() {
    let typo = metadata_off().replace("policy: healthz", "policy: helthz");
    let (lines, failed) = check_text("route-metadata.yaml", &typo);
    assert!(!failed, "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("count unknown_policy")), "{lines:?}");
}
