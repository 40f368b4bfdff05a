//! The loader's error messages, held to what the loader said when it was built on
//! serde_path_to_error: every path, message and position the same.

use super::*;

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
