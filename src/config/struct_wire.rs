//! The protobuf wire format of `google.protobuf.Struct`, decoded into a JSON value.
//!
//! Envoy hands a `configuration` of type `google.protobuf.Struct` (the YAML form,
//! docs/configuration-yaml.md) to the plugin as the Struct's serialized bytes. The
//! Struct, Value and ListValue messages are small and frozen, so they are decoded here
//! rather than with a protobuf library in the .wasm:
//!
//! ```text
//! Struct    { map<string, Value> fields = 1; }    // entry: { string key = 1; Value value = 2; }
//! Value     { oneof kind { NullValue null_value = 1; double number_value = 2;
//!               string string_value = 3; bool bool_value = 4;
//!               Struct struct_value = 5; ListValue list_value = 6; } }
//! ListValue { repeated Value values = 1; }
//! ```
//!
//! The bytes are untrusted input to the decoder: every read is bounds-checked, nesting is
//! limited, and nothing here can panic. Numbers are doubles on the wire: a whole number
//! becomes a JSON integer (`600.0` → `600`), so integer settings load exactly as from
//! JSON text, and a fractional one stays a float and is refused by the loader with its
//! path.

use serde_json::{Map, Number, Value};
use std::fmt;

/// Deeper nesting than any configuration needs; bounds the recursion on hostile bytes.
pub const MAX_DEPTH: usize = 64;

/// The largest magnitude below which every whole double is an exact integer (2^53).
const EXACT_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0;

/// Why Struct bytes could not be decoded, and where (`cors.allowed_origins[1]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// A path segment, collected while an error unwinds (so decoding allocates no paths).
enum Segment {
    Key(String),
    Index(usize),
}

struct Failure {
    /// Innermost first.
    segments: Vec<Segment>,
    message: &'static str,
}

impl Failure {
    fn new(message: &'static str) -> Self {
        Failure {
            segments: Vec::new(),
            message,
        }
    }

    fn at(mut self, segment: Segment) -> Self {
        self.segments.push(segment);
        self
    }

    fn into_error(self) -> WireError {
        let mut path = String::new();
        for s in self.segments.iter().rev() {
            match s {
                Segment::Key(k) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                }
                Segment::Index(i) => path.push_str(&format!("[{i}]")),
            }
        }
        WireError {
            path,
            message: self.message.to_string(),
        }
    }
}

type Decoded<T> = Result<T, Failure>;

const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const LEN: u8 = 2;
const FIXED32: u8 = 5;

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn at_end(&self) -> bool {
        self.bytes.is_empty()
    }

    fn varint(&mut self) -> Decoded<u64> {
        let mut value = 0u64;
        for i in 0..10 {
            let Some((&b, rest)) = self.bytes.split_first() else {
                return Err(Failure::new("truncated: the bytes end inside a number"));
            };
            self.bytes = rest;
            if i == 9 && b > 1 {
                return Err(Failure::new("malformed: a varint longer than 64 bits"));
            }
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Failure::new("malformed: a varint longer than 10 bytes"))
    }

    fn take(&mut self, n: usize) -> Decoded<&'a [u8]> {
        if n > self.bytes.len() {
            return Err(Failure::new("truncated: a field is longer than the bytes left"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    /// A field tag: (field number, wire type).
    fn tag(&mut self) -> Decoded<(u64, u8)> {
        let tag = self.varint()?;
        let field = tag >> 3;
        if field == 0 {
            return Err(Failure::new("malformed: field number 0"));
        }
        Ok((field, (tag & 7) as u8))
    }

    fn length_delimited(&mut self) -> Decoded<&'a [u8]> {
        let n = self.varint()?;
        let n = usize::try_from(n).map_err(|_| Failure::new("truncated: a field is longer than the bytes left"))?;
        self.take(n)
    }

    fn fixed64(&mut self) -> Decoded<u64> {
        let b = self.take(8)?;
        let mut le = [0u8; 8];
        le.copy_from_slice(b);
        Ok(u64::from_le_bytes(le))
    }

    /// Skips a field this decoder does not know (protobuf readers must ignore them).
    fn skip(&mut self, wire_type: u8) -> Decoded<()> {
        match wire_type {
            VARINT => self.varint().map(drop),
            FIXED64 => self.take(8).map(drop),
            LEN => self.length_delimited().map(drop),
            FIXED32 => self.take(4).map(drop),
            _ => Err(Failure::new(
                "malformed: an unsupported wire type (groups are not used by Struct)",
            )),
        }
    }
}

/// Decodes the bytes of a `google.protobuf.Struct` into a JSON object.
pub fn decode_struct(bytes: &[u8]) -> Result<Map<String, Value>, WireError> {
    read_struct(bytes, 0).map_err(Failure::into_error)
}

fn read_struct(bytes: &[u8], depth: usize) -> Decoded<Map<String, Value>> {
    if depth > MAX_DEPTH {
        return Err(Failure::new("nested too deeply"));
    }
    let mut r = Reader { bytes };
    let mut map = Map::new();
    while !r.at_end() {
        match r.tag()? {
            (1, LEN) => {
                let entry = r.length_delimited()?;
                let (key, value) = read_entry(entry, depth)?;
                // Protobuf would keep the last; JSON text with a repeated field is refused,
                // so a repeated key is refused here too rather than silently dropped.
                if map.contains_key(&key) {
                    return Err(Failure::new("this key appears twice").at(Segment::Key(key)));
                }
                map.insert(key, value);
            }
            (1, _) => return Err(Failure::new("malformed: Struct.fields is not length-delimited")),
            (_, wire_type) => r.skip(wire_type)?,
        }
    }
    Ok(map)
}

fn read_entry(bytes: &[u8], depth: usize) -> Decoded<(String, Value)> {
    let mut r = Reader { bytes };
    let mut key = None;
    let mut value = None;
    while !r.at_end() {
        match r.tag()? {
            (1, LEN) => key = Some(utf8(r.length_delimited()?)?),
            (2, LEN) => value = Some(r.length_delimited()?),
            (1 | 2, _) => return Err(Failure::new("malformed: a Struct entry field is not length-delimited")),
            (_, wire_type) => r.skip(wire_type)?,
        }
    }
    let key = key.unwrap_or_default();
    match value {
        Some(v) => match read_value(v, depth) {
            Ok(v) => Ok((key, v)),
            Err(e) => Err(e.at(Segment::Key(key))),
        },
        None => Err(Failure::new("a Struct entry without a value").at(Segment::Key(key))),
    }
}

fn read_list(bytes: &[u8], depth: usize) -> Decoded<Vec<Value>> {
    if depth > MAX_DEPTH {
        return Err(Failure::new("nested too deeply"));
    }
    let mut r = Reader { bytes };
    let mut values = Vec::new();
    while !r.at_end() {
        match r.tag()? {
            (1, LEN) => {
                let i = values.len();
                let v = read_value(r.length_delimited()?, depth).map_err(|e| e.at(Segment::Index(i)))?;
                values.push(v);
            }
            (1, _) => return Err(Failure::new("malformed: ListValue.values is not length-delimited")),
            (_, wire_type) => r.skip(wire_type)?,
        }
    }
    Ok(values)
}

/// The kind of a Value, kept lazily: a later `kind` field replaces an earlier one
/// (protobuf's oneof rule), and only the last one is decoded.
enum Kind<'a> {
    Null,
    Number(u64),
    String(&'a [u8]),
    Bool(bool),
    Struct(&'a [u8]),
    List(&'a [u8]),
}

fn read_value(bytes: &[u8], depth: usize) -> Decoded<Value> {
    let mut r = Reader { bytes };
    let mut kind = None;
    while !r.at_end() {
        kind = Some(match r.tag()? {
            (1, VARINT) => {
                r.varint()?;
                Kind::Null
            }
            (2, FIXED64) => Kind::Number(r.fixed64()?),
            (3, LEN) => Kind::String(r.length_delimited()?),
            (4, VARINT) => Kind::Bool(r.varint()? != 0),
            (5, LEN) => Kind::Struct(r.length_delimited()?),
            (6, LEN) => Kind::List(r.length_delimited()?),
            (1..=6, _) => return Err(Failure::new("malformed: a Value field has the wrong wire type")),
            (_, wire_type) => {
                r.skip(wire_type)?;
                continue;
            }
        });
    }
    match kind {
        None => Err(Failure::new(
            "a Value with no kind set (neither null, number, string, bool, struct nor list)",
        )),
        Some(Kind::Null) => Ok(Value::Null),
        Some(Kind::Number(bits)) => number(f64::from_bits(bits)).map(Value::Number),
        Some(Kind::String(b)) => utf8(b).map(Value::String),
        Some(Kind::Bool(b)) => Ok(Value::Bool(b)),
        Some(Kind::Struct(b)) => read_struct(b, depth + 1).map(Value::Object),
        Some(Kind::List(b)) => read_list(b, depth + 1).map(Value::Array),
    }
}

/// A double as JSON: whole numbers (exactly representable, |x| ≤ 2^53) as integers.
fn number(x: f64) -> Decoded<Number> {
    if !x.is_finite() {
        return Err(Failure::new(
            "not a finite number (NaN and infinities have no JSON form)",
        ));
    }
    if x.fract() == 0.0 && x.abs() <= EXACT_INTEGER_LIMIT {
        // In range and whole, so the casts are exact (-0.0 becomes 0).
        return Ok(if x >= 0.0 {
            Number::from(x as u64)
        } else {
            Number::from(x as i64)
        });
    }
    Number::from_f64(x).ok_or_else(|| Failure::new("not a finite number"))
}

fn utf8(bytes: &[u8]) -> Decoded<String> {
    std::str::from_utf8(bytes)
        .map(str::to_string)
        .map_err(|_| Failure::new("a string that is not UTF-8"))
}

// ---- encoding: what Envoy does to YAML; for the CLI (which must hand the loader the
// bytes the filter gets) and for tests.

/// Encodes a JSON object as `google.protobuf.Struct` bytes, as Envoy serializes one
/// (numbers become doubles; keys in the map's order).
pub fn encode_struct(map: &Map<String, Value>) -> Vec<u8> {
    let mut out = Vec::new();
    write_struct(map, &mut out);
    out
}

fn write_varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn write_len(field: u64, body: &[u8], out: &mut Vec<u8>) {
    write_varint(field << 3 | u64::from(LEN), out);
    write_varint(body.len() as u64, out);
    out.extend_from_slice(body);
}

fn write_struct(map: &Map<String, Value>, out: &mut Vec<u8>) {
    for (k, v) in map {
        let mut entry = Vec::new();
        write_len(1, k.as_bytes(), &mut entry);
        write_len(2, &encode_value(v), &mut entry);
        write_len(1, &entry, out);
    }
}

fn encode_value(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    match v {
        Value::Null => {
            write_varint(1 << 3 | u64::from(VARINT), &mut out);
            write_varint(0, &mut out);
        }
        Value::Bool(b) => {
            write_varint(4 << 3 | u64::from(VARINT), &mut out);
            write_varint(u64::from(*b), &mut out);
        }
        Value::Number(n) => {
            write_varint(2 << 3 | u64::from(FIXED64), &mut out);
            let x = n.as_f64().unwrap_or(f64::NAN);
            out.extend_from_slice(&x.to_bits().to_le_bytes());
        }
        Value::String(s) => write_len(3, s.as_bytes(), &mut out),
        Value::Object(m) => {
            let mut body = Vec::new();
            write_struct(m, &mut body);
            write_len(5, &body, &mut out);
        }
        Value::Array(items) => {
            let mut body = Vec::new();
            for item in items {
                write_len(1, &encode_value(item), &mut body);
            }
            write_len(6, &body, &mut out);
        }
    }
    out
}

/// A JSON object literal as a map, for tests here and in the loader.
#[cfg(test)]
pub(crate) fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_every_kind() {
        let doc = object(json!({
            "cors": {"allowed_origins": ["https://a.example.com", "null"], "max_age": 600,
                     "allow_credentials": true, "enforce": false},
            "headers": null,
            "empty": {}, "list": [], "nested": [[1, -2], {"x": "é"}]
        }));
        assert_eq!(decode_struct(&encode_struct(&doc)).unwrap(), doc);
    }

    /// Bytes written by hand from the protobuf encoding rules, not by `encode_struct`:
    /// `{max_age: 600}` and `{max_age: 600.5}`.
    #[test]
    fn whole_doubles_become_integers_and_fractions_stay_floats() {
        let with = |x: f64| {
            let mut value = vec![0x11]; // field 2 (number_value), wire type 1
            value.extend_from_slice(&x.to_le_bytes());
            let mut entry = vec![0x0a, 7];
            entry.extend_from_slice(b"max_age");
            entry.extend_from_slice(&[0x12, value.len() as u8]);
            entry.extend_from_slice(&value);
            let mut bytes = vec![0x0a, entry.len() as u8];
            bytes.extend_from_slice(&entry);
            decode_struct(&bytes).unwrap()["max_age"].clone()
        };
        assert_eq!(with(600.0), json!(600));
        assert!(with(600.0).is_u64());
        assert_eq!(with(-5.0), json!(-5));
        assert_eq!(with(-0.0), json!(0));
        assert!(with(600.5).is_f64());
        assert_eq!(with(600.5), json!(600.5));
        // 2^53 + 2 is whole but beyond exact integers: kept as a float, refused as an integer.
        assert!(with(9_007_199_254_740_994.0).is_f64());
    }

    #[test]
    fn unknown_fields_are_skipped_and_the_last_kind_wins() {
        // Value { bool_value: true (field 4), unknown field 9 varint, string_value "x" }
        let value = [0x20, 0x01, 0x48, 0x05, 0x1a, 0x01, b'x'];
        let mut entry = vec![0x0a, 0x01, b'k', 0x12, value.len() as u8];
        entry.extend_from_slice(&value);
        let mut bytes = vec![0x0a, entry.len() as u8];
        bytes.extend_from_slice(&entry);
        bytes.extend_from_slice(&[0x15, 1, 2, 3, 4]); // unknown fixed32 field 2 of Struct
        assert_eq!(Value::Object(decode_struct(&bytes).unwrap()), json!({"k": "x"}));
    }

    #[test]
    fn errors_name_the_path() {
        let nan = {
            let mut doc = object(json!({"cors": {"allowed_origins": ["a", 1.5]}}));
            let bytes = encode_struct(&doc);
            // Patch the double 1.5 into a NaN: find its 8 bytes.
            let needle = 1.5f64.to_le_bytes();
            let at = bytes.windows(8).position(|w| w == needle).unwrap();
            let mut bytes = bytes;
            bytes[at..at + 8].copy_from_slice(&f64::NAN.to_le_bytes());
            doc.clear();
            decode_struct(&bytes).unwrap_err()
        };
        assert_eq!(nan.path, "cors.allowed_origins[1]");
        assert!(nan.message.contains("not a finite number"), "{nan}");

        let twice = [0x0a, 0x05, 0x0a, 0x01, b'a', 0x12, 0x00]; // entry with an empty Value
        let e = decode_struct(&twice).unwrap_err();
        assert_eq!((e.path.as_str(), e.message.contains("no kind")), ("a", true), "{e}");

        let entry = [0x0a, 0x01, b'a', 0x12, 0x02, 0x08, 0x00];
        let mut dup = vec![0x0a, entry.len() as u8];
        dup.extend_from_slice(&entry);
        dup.extend_from_slice(&[0x0a, entry.len() as u8]);
        dup.extend_from_slice(&entry);
        let e = decode_struct(&dup).unwrap_err();
        assert_eq!(e.to_string(), "a: this key appears twice");
    }

    #[test]
    fn malformed_bytes_are_refused() {
        let cases: &[(&[u8], &str)] = &[
            (&[0x0a], "truncated"),
            (&[0x0a, 0x05, 0x0a], "truncated"),
            (
                &[0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
                "varint",
            ),
            (&[0x08, 0x01], "not length-delimited"),
            (&[0x00], "field number 0"),
            (&[0x13], "wire type"),
            (&[0x0a, 0x04, 0x0a, 0x02, 0xff, 0xfe], "UTF-8"),
        ];
        for (bytes, want) in cases {
            let e = decode_struct(bytes).unwrap_err().to_string();
            assert!(e.contains(want), "{bytes:02x?}: {e}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let mut v = json!(1);
        for _ in 0..MAX_DEPTH + 5 {
            v = json!([v]);
        }
        let e = decode_struct(&encode_struct(&object(json!({ "deep": v })))).unwrap_err();
        assert!(e.message.contains("nested too deeply"), "{e}");
        assert!(e.path.starts_with("deep[0][0]"), "{e}");

        let mut ok = json!(1);
        for _ in 0..MAX_DEPTH - 1 {
            ok = json!([ok]);
        }
        assert!(decode_struct(&encode_struct(&object(json!({ "deep": ok })))).is_ok());
    }
}
