//! Finds every edge-shield configuration in a file: a policy file (JSON or YAML), a whole
//! Envoy config, Istio `WasmPlugin` or Envoy Gateway `EnvoyExtensionPolicy` manifests,
//! and turns each into the bytes the filter would be handed (docs/cli.md).

use crate::yaml::{self, get, get_str};
use edge_shield::config::struct_wire;
use serde_norway::Value as Yaml;

const STRING_VALUE: &str = "type.googleapis.com/google.protobuf.StringValue";
const STRUCT: &str = "type.googleapis.com/google.protobuf.Struct";

/// One configuration found in a file.
#[derive(Debug)]
pub struct Found {
    /// Where in the file: `policy`, a YAML path such as
    /// `static_resources.listeners[0]...http_filters[0]`, or `WasmPlugin ns/name`.
    pub location: String,
    /// The bytes the filter would get, or why Envoy (or the control plane) would refuse
    /// the configuration before the filter sees it.
    pub bytes: Result<Vec<u8>, String>,
    /// Risks the YAML form carries that the filter cannot see (quoting).
    pub notes: Vec<String>,
}

/// Every edge-shield configuration in a file's text.
pub fn find(text: &str) -> Result<Vec<Found>, String> {
    // A JSON policy file is given to the loader as written, so its errors carry the
    // JSON line/column the filter would report for the same StringValue.
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text) {
            if !is_manifest_json(&map) {
                return Ok(vec![policy_json(text)]);
            }
        } else if serde_json::from_str::<serde_json::Value>(text).is_err() && yaml::documents(text).is_err() {
            // Broken JSON: the filter's own JSON error is the useful message.
            return Ok(vec![policy_json(text)]);
        }
    }
    let docs = yaml::documents(text)?;
    let mut found = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        let prefix = if docs.len() > 1 {
            format!("document {}: ", d + 1)
        } else {
            String::new()
        };
        match get_str(doc, "kind") {
            Some("WasmPlugin") => wasm_plugin(doc, &prefix, &mut found),
            Some("EnvoyExtensionPolicy") => extension_policy(doc, &prefix, &mut found),
            Some(_) if get(doc, "apiVersion").is_some() => {}
            _ if is_envoy_config(doc) => walk(doc, &prefix, "", &mut found),
            _ if !is_policy(doc, docs.len()) => {}
            _ => {
                let mut notes = Vec::new();
                let bytes = struct_bytes(doc, "", &mut notes);
                found.push(Found {
                    location: format!("{prefix}policy"),
                    bytes,
                    notes,
                });
            }
        }
    }
    Ok(found)
}

fn policy_json(text: &str) -> Found {
    Found {
        location: "policy".to_string(),
        bytes: Ok(text.as_bytes().to_vec()),
        notes: Vec::new(),
    }
}

const ENVOY_KEYS: &[&str] = &[
    "static_resources",
    "dynamic_resources",
    "admin",
    "node",
    "layered_runtime",
    "resources",
    "http_filters",
    "typed_config",
    "listeners",
];

/// The top-level keys of a policy: a YAML document with none of them is some other file.
const POLICY_KEYS: &[&str] = &[
    "mode",
    "cors",
    "headers",
    "rules",
    "log_blocked",
    "https_redirect",
    "cookies",
    "csrf",
    "websocket",
    "read_route_metadata",
    "record_decision",
];

/// A policy: a mapping with a policy key, or the only document of the file (so that a
/// typo'd key such as `rule:` is reported by the loader, not skipped), unless it is a
/// Compose file.
fn is_policy(doc: &Yaml, documents: usize) -> bool {
    match doc {
        Yaml::Mapping(m) => {
            m.is_empty()
                || POLICY_KEYS.iter().any(|k| m.contains_key(*k))
                || (documents == 1 && !m.contains_key("services"))
        }
        _ => true,
    }
}

fn is_envoy_config(doc: &Yaml) -> bool {
    ENVOY_KEYS.iter().any(|k| get(doc, k).is_some()) || get(doc, "vm_config").is_some()
}

fn is_manifest_json(map: &serde_json::Map<String, serde_json::Value>) -> bool {
    map.contains_key("apiVersion") || ENVOY_KEYS.iter().any(|k| map.contains_key(*k)) || map.contains_key("vm_config")
}

fn mentions_edge_shield(s: &str) -> bool {
    let s = s.to_ascii_lowercase();
    s.contains("edge-shield") || s.contains("edge_shield")
}

/// Walks an Envoy config for Wasm `PluginConfig`s (a mapping with `vm_config`) that are
/// edge-shield's: the code's file name or URL, the plugin `name`, `root_id` or `vm_id`,
/// or the enclosing HTTP filter's `name` says edge-shield / edge_shield.
fn walk(y: &Yaml, prefix: &str, path: &str, found: &mut Vec<Found>) {
    walk_named(y, prefix, path, None, found);
}

fn walk_named(y: &Yaml, prefix: &str, path: &str, filter_name: Option<&str>, found: &mut Vec<Found>) {
    match y {
        Yaml::Mapping(m) => {
            if let Some(vm) = get(y, "vm_config") {
                let markers = [
                    get_str(y, "name"),
                    get_str(y, "root_id"),
                    get_str(vm, "vm_id"),
                    get(vm, "code")
                        .and_then(|c| get(c, "local"))
                        .and_then(|l| get_str(l, "filename")),
                    get(vm, "code")
                        .and_then(|c| get(c, "remote"))
                        .and_then(|r| get(r, "http_uri"))
                        .and_then(|h| get_str(h, "uri")),
                    filter_name,
                ];
                if markers.into_iter().flatten().any(mentions_edge_shield) {
                    found.push(plugin_config(y, &format!("{prefix}{path}")));
                }
                return;
            }
            let name = get_str(y, "name").or(filter_name);
            for (k, v) in m {
                let key = k.as_str().map(str::to_string).unwrap_or_else(|| format!("{k:?}"));
                let child = if path.is_empty() { key } else { format!("{path}.{key}") };
                walk_named(v, prefix, &child, name, found);
            }
        }
        Yaml::Sequence(items) => {
            for (i, v) in items.iter().enumerate() {
                walk_named(v, prefix, &format!("{path}[{i}]"), filter_name, found);
            }
        }
        Yaml::Tagged(t) => walk_named(&t.value, prefix, path, filter_name, found),
        _ => {}
    }
}

/// The bytes Envoy hands the plugin for a `PluginConfig.configuration` (an `Any`).
fn plugin_config(plugin: &Yaml, location: &str) -> Found {
    let mut notes = Vec::new();
    let bytes = match get(plugin, "configuration") {
        None | Some(Yaml::Null) => Ok(Vec::new()),
        Some(any) => {
            let at = format!("{location}.configuration");
            match (get_str(any, "@type"), get(any, "value")) {
                (Some(STRING_VALUE), Some(Yaml::String(s))) => Ok(s.clone().into_bytes()),
                (Some(STRING_VALUE), Some(Yaml::Mapping(_) | Yaml::Sequence(_))) => Err(format!(
                    "{at}: a google.protobuf.StringValue takes the JSON as one string, but `value` is a \
                     YAML mapping (a Struct where the string was expected): change \"@type\" to {STRUCT} \
                     to write the policy as YAML (Envoy would refuse this with \"no such field\")"
                )),
                (Some(STRING_VALUE), None) => Ok(Vec::new()),
                (Some(STRUCT), Some(v @ Yaml::Mapping(_))) => struct_bytes(v, "", &mut notes),
                (Some(STRUCT), None) => Ok(Vec::new()),
                (Some(STRUCT), Some(Yaml::String(_))) => Err(format!(
                    "{at}: a google.protobuf.Struct takes the policy as YAML, but `value` is a string \
                     (JSON pasted into a Struct?): write `value:` as a YAML mapping, or change \"@type\" to \
                     {STRING_VALUE} to keep the JSON string (Envoy would refuse this with \"expected '{{'\")"
                )),
                (Some(t), _) => Err(format!(
                    "{at}: \"@type\" {t:?}: edge-shield reads {STRUCT} (YAML) or {STRING_VALUE} (a JSON string)"
                )),
                (None, _) => Err(format!("{at}: \"@type\" is missing")),
            }
        }
    };
    Found {
        location: location.to_string(),
        bytes,
        notes,
    }
}

/// A YAML mapping as the Struct bytes Envoy would serialize.
fn struct_bytes(y: &Yaml, path: &str, notes: &mut Vec<String>) -> Result<Vec<u8>, String> {
    match yaml::envoy_struct_value(y, path, notes) {
        serde_json::Value::Object(map) => Ok(struct_wire::encode_struct(&map)),
        serde_json::Value::Null => Ok(Vec::new()),
        _ => Err("the configuration must be a mapping, as in {cors: {...}}".to_string()),
    }
}

fn metadata_name(doc: &Yaml) -> String {
    let meta = get(doc, "metadata");
    let name = meta.and_then(|m| get_str(m, "name")).unwrap_or("?");
    match meta.and_then(|m| get_str(m, "namespace")) {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_string(),
    }
}

/// Istio passes `spec.pluginConfig` to the filter as JSON text (a StringValue).
fn wasm_plugin(doc: &Yaml, prefix: &str, found: &mut Vec<Found>) {
    let spec = get(doc, "spec");
    let name = metadata_name(doc);
    let markers = [
        Some(name.as_str()),
        spec.and_then(|s| get_str(s, "url")),
        spec.and_then(|s| get_str(s, "pluginName")),
    ];
    if !markers.into_iter().flatten().any(mentions_edge_shield) {
        return;
    }
    let config = spec.and_then(|s| get(s, "pluginConfig"));
    found.push(Found {
        location: format!("{prefix}WasmPlugin {name}: spec.pluginConfig"),
        bytes: k8s_json(config),
        notes: Vec::new(),
    });
}

/// Envoy Gateway passes each `spec.wasm[i].config` as JSON text (a StringValue).
fn extension_policy(doc: &Yaml, prefix: &str, found: &mut Vec<Found>) {
    let name = metadata_name(doc);
    let Some(Yaml::Sequence(wasms)) = get(doc, "spec").and_then(|s| get(s, "wasm")) else {
        return;
    };
    for (i, w) in wasms.iter().enumerate() {
        let code = get(w, "code");
        let markers = [
            get_str(w, "name"),
            get_str(w, "rootID"),
            code.and_then(|c| get(c, "image")).and_then(|i| get_str(i, "url")),
            code.and_then(|c| get(c, "http")).and_then(|h| get_str(h, "url")),
        ];
        if !markers.into_iter().flatten().any(mentions_edge_shield) {
            continue;
        }
        found.push(Found {
            location: format!("{prefix}EnvoyExtensionPolicy {name}: spec.wasm[{i}].config"),
            bytes: k8s_json(get(w, "config")),
            notes: Vec::new(),
        });
    }
}

fn k8s_json(config: Option<&Yaml>) -> Result<Vec<u8>, String> {
    match config {
        None | Some(Yaml::Null) => Ok(Vec::new()),
        Some(v @ Yaml::Mapping(_)) => serde_json::to_vec(&yaml::json(v)).map_err(|e| e.to_string()),
        Some(Yaml::String(_)) => Err(
            "the configuration is a string, but this field takes the policy as a YAML mapping (it is passed \
             to the filter as JSON): write it as YAML under the key"
                .to_string(),
        ),
        Some(_) => Err("the configuration must be a mapping, as in {cors: {...}}".to_string()),
    }
}

/// A policy name in a route's (or virtual host's) own metadata,
/// `metadata.filter_metadata.edge-shield.policy` (docs/configuration-yaml.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMetadata {
    /// Where: `...virtual_hosts[0].routes[2]`.
    pub location: String,
    /// The route's `name`, if any.
    pub route_name: Option<String>,
    pub route_policy: Option<String>,
    pub virtual_host_policy: Option<String>,
}

fn metadata_policy(y: &Yaml) -> Option<String> {
    let v = get(y, "metadata")
        .and_then(|m| get(m, "filter_metadata"))
        .and_then(|f| get(f, "edge-shield"))
        .and_then(|e| get(e, "policy"))?;
    Some(match v {
        Yaml::String(s) => s.clone(),
        other => serde_norway::to_string(other).unwrap_or_default().trim().to_string(),
    })
}

/// Every route of every virtual host in an Envoy config, with the policy names its
/// metadata and its virtual host's carry (routes with neither are left out).
pub fn route_metadata(text: &str) -> Vec<RouteMetadata> {
    fn walk(y: &Yaml, path: &str, out: &mut Vec<RouteMetadata>) {
        match y {
            Yaml::Mapping(m) => {
                if let Some(Yaml::Sequence(hosts)) = get(y, "virtual_hosts") {
                    for (h, host) in hosts.iter().enumerate() {
                        let host_policy = metadata_policy(host);
                        let Some(Yaml::Sequence(routes)) = get(host, "routes") else {
                            continue;
                        };
                        for (r, route) in routes.iter().enumerate() {
                            let route_policy = metadata_policy(route);
                            if route_policy.is_some() || host_policy.is_some() {
                                out.push(RouteMetadata {
                                    location: format!("{path}.virtual_hosts[{h}].routes[{r}]"),
                                    route_name: get_str(route, "name").map(str::to_string),
                                    route_policy,
                                    virtual_host_policy: host_policy.clone(),
                                });
                            }
                        }
                    }
                }
                for (k, v) in m {
                    let key = k.as_str().unwrap_or("?");
                    let child = if path.is_empty() {
                        key.to_string()
                    } else {
                        format!("{path}.{key}")
                    };
                    if key != "virtual_hosts" {
                        walk(v, &child, out);
                    }
                }
            }
            Yaml::Sequence(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &format!("{path}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for doc in yaml::documents(text).unwrap_or_default() {
        if is_envoy_config(&doc) {
            walk(&doc, "", &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_struct_and_string_forms_in_an_envoy_config() {
        let text = r#"
static_resources:
  listeners:
  - filter_chains:
    - filters:
      - typed_config:
          http_filters:
          - name: edge-shield
            typed_config:
              config:
                vm_config: { code: { local: { filename: /x/other.wasm } } }
                configuration:
                  "@type": type.googleapis.com/google.protobuf.Struct
                  value: { cors: { max_age: 600 } }
          - name: something-else
            typed_config:
              config:
                vm_config: { code: { local: { filename: /x/other.wasm } } }
          - name: second
            typed_config:
              config:
                root_id: edge_shield
                vm_config: {}
                configuration:
                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: '{"cors": null}'
"#;
        let found = find(text).unwrap();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].location.ends_with("http_filters[0].typed_config.config"),
            "{}",
            found[0].location
        );
        let bytes = found[0].bytes.as_ref().unwrap();
        let decoded = struct_wire::decode_struct(bytes).unwrap();
        assert_eq!(
            serde_json::Value::Object(decoded),
            serde_json::json!({"cors": {"max_age": 600}})
        );
        assert_eq!(found[1].bytes.as_deref().unwrap(), br#"{"cors": null}"#);
    }

    #[test]
    fn route_metadata_is_found_with_its_virtual_hosts() {
        let text = r#"
static_resources:
  listeners:
  - route_config:
      virtual_hosts:
      - name: a
        metadata: { filter_metadata: { edge-shield: { policy: vh } } }
        routes:
        - name: admin
          metadata: { filter_metadata: { edge-shield: { policy: admin } } }
        - name: rest
      - name: b
        routes:
        - name: plain
"#;
        let found = route_metadata(text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].route_name.as_deref(), Some("admin"));
        assert_eq!(found[0].route_policy.as_deref(), Some("admin"));
        assert_eq!(found[1].route_policy, None);
        assert_eq!(found[1].virtual_host_policy.as_deref(), Some("vh"));
        assert!(
            found[1].location.ends_with("route_config.virtual_hosts[0].routes[1]"),
            "{}",
            found[1].location
        );
    }

    #[test]
    fn mismatched_forms_say_so() {
        let text = r#"
vm_config: { vm_id: edge-shield }
configuration:
  "@type": type.googleapis.com/google.protobuf.StringValue
  value: { cors: {} }
"#;
        let e = find(text).unwrap().remove(0).bytes.unwrap_err();
        assert!(e.contains("a Struct where the string was expected"), "{e}");
        let text = "vm_config: { vm_id: edge-shield }\nconfiguration:\n  \"@type\": type.googleapis.com/google.protobuf.Struct\n  value: '{\"cors\": {}}'\n";
        let e = find(text).unwrap().remove(0).bytes.unwrap_err();
        assert!(e.contains("JSON pasted into a Struct"), "{e}");
    }
}
