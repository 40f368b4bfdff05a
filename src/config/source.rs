//! Which form the plugin configuration bytes are in: JSON text (`StringValue`, Istio's
//! `pluginConfig`, Envoy Gateway's `config`) or the wire bytes of a
//! `google.protobuf.Struct` (the YAML form in Envoy), and the messages for the
//! mistakes that look like one but are the other (docs/configuration-yaml.md).

use super::struct_wire::{self, WireError};
use serde_json::{Map, Value};

/// The configuration bytes, classified.
#[derive(Debug, PartialEq)]
pub enum Source<'a> {
    /// No configuration (Envoy passes none when `configuration` is unset, and an empty
    /// Struct serializes to no bytes): all defaults.
    Empty,
    /// JSON text, for the JSON loader (which reports syntax errors with line/column).
    Json(&'a [u8]),
    /// A decoded Struct: a JSON object whose errors are reported by path only.
    Struct(Map<String, Value>),
}

/// Bytes that are neither a Struct nor text the JSON loader should see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    /// Path inside the Struct where decoding failed (empty: the document).
    pub path: String,
    pub message: String,
}

/// Classifies configuration bytes.
///
/// A serialized Struct starts with the tag of its field 1 (`0x0a`, a newline in ASCII)
/// and every entry carries the tag `0x12` (a control character JSON text cannot hold),
/// so valid Struct bytes are never valid JSON: decoding them first is unambiguous.
pub fn classify(bytes: &[u8]) -> Result<Source<'_>, SourceError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Source::Empty);
    }
    if bytes.first() == Some(&0x0a) {
        match struct_wire::decode_struct(bytes) {
            Ok(map) => return Ok(Source::Struct(map)),
            Err(e) if !is_text(bytes) => return Err(struct_error(e)),
            // Text starting with a newline: JSON (or a mistake the JSON path explains).
            Err(_) => {}
        }
    }
    if !is_text(bytes) {
        return Err(SourceError {
            path: String::new(),
            message: "the configuration is neither JSON text nor a google.protobuf.Struct: give \
                      `configuration` as {\"@type\": type.googleapis.com/google.protobuf.Struct, value: {...}} \
                      (YAML) or as a google.protobuf.StringValue holding JSON"
                .to_string(),
        });
    }
    Ok(Source::Json(bytes))
}

fn struct_error(e: WireError) -> SourceError {
    SourceError {
        path: e.path,
        message: format!(
            "the configuration looks like a google.protobuf.Struct but cannot be decoded: {}",
            e.message
        ),
    }
}

/// UTF-8 without control characters other than tab, CR and LF: what a JSON or YAML
/// document in a StringValue is made of.
fn is_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok()
        && !bytes
            .iter()
            .any(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f)
}

/// The explanation for JSON text that failed to parse but reads as YAML, i.e. YAML
/// pasted into a `StringValue` (or `pluginConfig` written as a string).
pub const YAML_IN_STRING: &str = "the configuration is YAML, but a google.protobuf.StringValue configuration \
     must be JSON: give `configuration` as {\"@type\": type.googleapis.com/google.protobuf.Struct, value: {...}} \
     with the YAML under `value`, or write the string as JSON";

/// Whether text that is not valid JSON reads as a YAML document: its first line that is
/// not blank or a comment is `---`, a list item, or a `key:` (or a flow mapping
/// `{key: ...}` with a bare key, which JSON refuses).
pub fn looks_like_yaml(text: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(text) else {
        return false;
    };
    let Some(line) = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
    else {
        // Only comments: YAML (JSON has none).
        return text.trim_start().starts_with('#');
    };
    if line.starts_with("---") || line.starts_with("- ") {
        return true;
    }
    let key = match line.strip_prefix('{') {
        Some(rest) => rest.trim_start(),
        None => line,
    };
    bare_key_then_colon(key)
}

/// `name:` followed by a space or the end of the line (YAML's mapping indicator), where
/// `name` is an unquoted identifier such as `cors` or `allowed_origins`.
fn bare_key_then_colon(s: &str) -> bool {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(s.len());
    if end == 0 || !s.as_bytes()[0].is_ascii_alphabetic() {
        return false;
    }
    let rest = s[end..].trim_start_matches(' ');
    rest.starts_with(':') && rest[1..].chars().next().map_or(true, |c| c == ' ' || c == '\t')
}

#[cfg(test)]
mod tests {
    use super::struct_wire::object;
    use super::*;
    use serde_json::json;

    #[test]
    fn classifies_the_forms() {
        let doc = object(json!({"cors": {"allowed_origins": ["https://a.example.com"]}}));
        let bytes = struct_wire::encode_struct(&doc);
        assert_eq!(classify(&bytes), Ok(Source::Struct(doc)));
        assert_eq!(classify(b""), Ok(Source::Empty));
        assert_eq!(classify(b" \n "), Ok(Source::Empty));
        let json = b"{\"cors\": {}}";
        assert_eq!(classify(json), Ok(Source::Json(json)));
        // A StringValue from a YAML block scalar often starts with a newline.
        let json = b"\n{\"cors\": {}}\n";
        assert_eq!(classify(json), Ok(Source::Json(json)));
        let yaml = b"cors:\n  allowed_origins: [x]\n";
        assert_eq!(classify(yaml), Ok(Source::Json(yaml)));
    }

    /// An entry 123 bytes long has the length byte `{`: still decoded as a Struct.
    #[test]
    fn a_struct_whose_length_byte_is_a_brace_is_still_a_struct() {
        // entry: key tag, len, "k", value tag, len, then the Value: tag, len, 116 bytes.
        let long = "x".repeat(116);
        let doc = object(json!({ "k": long }));
        let bytes = struct_wire::encode_struct(&doc);
        assert_eq!(&bytes[..2], &[0x0a, b'{']);
        assert_eq!(classify(&bytes), Ok(Source::Struct(doc)));
    }

    #[test]
    fn broken_struct_bytes_say_so() {
        let doc = object(json!({"cors": {"allowed_origins": ["a"]}}));
        let mut bytes = struct_wire::encode_struct(&doc);
        bytes.truncate(bytes.len() - 1);
        let e = classify(&bytes).unwrap_err();
        assert!(e.message.contains("looks like a google.protobuf.Struct"), "{e:?}");
        let e = classify(&[0x00, 0x01, 0xff]).unwrap_err();
        assert!(e.message.contains("neither JSON text nor"), "{e:?}");
    }

    #[test]
    fn yaml_is_recognised() {
        let rows: &[(&str, bool)] = &[
            ("cors:\n  allowed_origins: [x]", true),
            ("# policy\nmode: development", true),
            ("---\ncors: {}", true),
            ("{cors: {allowed_origins: [x]}}", true),
            ("- a", true),
            ("headers: false", true),
            ("{\"cors\": {\"allowed_origins\": [}", false),
            ("{\"cors\" {}}", false),
            ("https://a.example.com", false),
            ("cors", false),
            ("", false),
        ];
        for (text, want) in rows {
            assert_eq!(looks_like_yaml(text.as_bytes()), *want, "{text:?}");
        }
    }

    fn load_struct(v: Value) -> Result<crate::config::policy::Config, String> {
        crate::config::load(&struct_wire::encode_struct(&object(v))).map_err(|e| e.to_string())
    }

    #[test]
    fn the_loader_reads_structs_with_paths_and_exact_integers() {
        let c = load_struct(json!({"cors": {"allowed_origins": ["https://a.example.com"], "max_age": 600}})).unwrap();
        let json = crate::config::load(br#"{"cors": {"allowed_origins": ["https://a.example.com"], "max_age": 600}}"#)
            .unwrap();
        assert_eq!(format!("{c:?}"), format!("{json:?}"));
        let rows: &[(Value, &str)] = &[
            (
                json!({"cors": {"max_age": 600.5}}),
                "edge-shield: cors.max_age: invalid type: floating point `600.5`, expected i64",
            ),
            (
                json!({"cors": {"allowed_origin": []}}),
                "edge-shield: cors.allowed_origin: unknown field `allowed_origin`",
            ),
            (
                json!({"rules": [{"match": {"path_prefix": "/a/"}}, {"match": {"host": 7}}]}),
                "edge-shield: rules[1].match.host: invalid type: integer `7`, expected a string",
            ),
            (
                json!({"cors": {"allowed_origins": ["https://*example.com"]}}),
                "edge-shield: cors.allowed_origins[0]: \"https://*example.com\"",
            ),
        ];
        for (doc, want) in rows {
            let e = load_struct(doc.clone()).unwrap_err();
            assert!(e.starts_with(want), "{doc}: {e}");
            assert!(!e.contains("line "), "no line/column for a Struct: {e}");
        }
        // The hints survive (the synthetic JSON position is cut before they are added).
        let e = load_struct(json!({"cors": {"allowed_origin": []}})).unwrap_err();
        assert!(e.ends_with("so unknown fields are refused)"), "{e}");
        let e = load_struct(json!({"cors": {"max_age": 600.5}})).unwrap_err();
        assert!(e.ends_with("expected i64 (a whole number is needed here)"), "{e}");
    }

    #[test]
    fn yaml_in_a_string_is_named_as_such() {
        for doc in ["cors:\n  allowed_origins: [\"https://a.example.com\"]\n", "{cors: {}}"] {
            let e = crate::config::load(doc.as_bytes()).unwrap_err().to_string();
            assert!(e.contains("the configuration is YAML"), "{doc}: {e}");
        }
        // A JSON typo is still reported as JSON, with line and column.
        let e = crate::config::load(b"{\"cors\": {\"allowed_origins\": [}}")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not valid JSON") && e.contains("line 1"), "{e}");
    }
}
