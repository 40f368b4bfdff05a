//! YAML documents as the tools that read them do: Envoy (YAML → `google.protobuf.Struct`)
//! and Kubernetes (YAML → JSON), so `check` sees the bytes the filter would get.

use serde_json::{Map, Number, Value as Json};
use serde_norway::Value as Yaml;

/// The words yaml-cpp (Envoy's YAML parser) reads as booleans when unquoted.
const YAML_CPP_BOOLEANS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on",
    "On", "ON", "off", "Off", "OFF",
];

/// Parses every document of a YAML (or JSON) file.
pub fn documents(text: &str) -> Result<Vec<Yaml>, String> {
    let mut out = Vec::new();
    for doc in serde_norway::Deserializer::from_str(text) {
        let value = serde::Deserialize::deserialize(doc).map_err(|e| format!("not valid YAML: {e}"))?;
        if !matches!(value, Yaml::Null) {
            out.push(value);
        }
    }
    Ok(out)
}

/// A YAML value as Envoy 1.40 turns it into a `google.protobuf.Value`: integers that
/// fit 32 bits become numbers, larger integers and fractions become strings, booleans
/// stay booleans. `notes` gets a line for each string yaml-cpp would have read as a
/// boolean if it was unquoted (the YAML parser used here cannot tell whether it was).
pub fn envoy_struct_value(y: &Yaml, path: &str, notes: &mut Vec<String>) -> Json {
    match y {
        Yaml::Null => Json::Null,
        Yaml::Bool(b) => Json::Bool(*b),
        Yaml::Number(n) => match n.as_i64() {
            Some(i) if i32::try_from(i).is_ok() => Json::Number(Number::from(i)),
            _ => Json::String(n.to_string()),
        },
        Yaml::String(s) => {
            if YAML_CPP_BOOLEANS.contains(&s.as_str()) {
                notes.push(format!(
                    "{path}: Envoy's YAML reads an unquoted {s} as a boolean: quote it (\"{s}\") if it is meant as text"
                ));
            }
            Json::String(s.clone())
        }
        Yaml::Sequence(items) => Json::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| envoy_struct_value(v, &format!("{path}[{i}]"), notes))
                .collect(),
        ),
        Yaml::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = key_string(k);
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                out.insert(key, envoy_struct_value(v, &child, notes));
            }
            Json::Object(out)
        }
        Yaml::Tagged(t) => envoy_struct_value(&t.value, path, notes),
    }
}

/// A YAML value as plain JSON (Kubernetes manifests, policy files in JSON).
pub fn json(y: &Yaml) -> Json {
    match y {
        Yaml::Null => Json::Null,
        Yaml::Bool(b) => Json::Bool(*b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                Json::Number(Number::from(i))
            } else if let Some(u) = n.as_u64() {
                Json::Number(Number::from(u))
            } else {
                n.as_f64().and_then(Number::from_f64).map_or(Json::Null, Json::Number)
            }
        }
        Yaml::String(s) => Json::String(s.clone()),
        Yaml::Sequence(items) => Json::Array(items.iter().map(json).collect()),
        Yaml::Mapping(m) => Json::Object(m.iter().map(|(k, v)| (key_string(k), json(v))).collect()),
        Yaml::Tagged(t) => json(&t.value),
    }
}

fn key_string(k: &Yaml) -> String {
    match k {
        Yaml::String(s) => s.clone(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Number(n) => n.to_string(),
        Yaml::Null => "null".to_string(),
        other => serde_norway::to_string(other).unwrap_or_default().trim().to_string(),
    }
}

/// `map[key]`, for string keys.
pub fn get<'a>(y: &'a Yaml, key: &str) -> Option<&'a Yaml> {
    match y {
        Yaml::Mapping(m) => m.get(key),
        _ => None,
    }
}

pub fn get_str<'a>(y: &'a Yaml, key: &str) -> Option<&'a str> {
    get(y, key).and_then(Yaml::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_booleans_as_envoy_reads_them() {
        let doc = &documents("a: 600\nb: 600.5\nc: 4294967296\nd: true\ne: 'off'\nf: ~\n").unwrap()[0];
        let mut notes = Vec::new();
        let v = envoy_struct_value(doc, "", &mut notes);
        assert_eq!(
            v,
            serde_json::json!({"a": 600, "b": "600.5", "c": "4294967296", "d": true, "e": "off", "f": null})
        );
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].starts_with("e: Envoy's YAML reads an unquoted off as a boolean"),
            "{notes:?}"
        );
    }
}
