//! Small serde shapes the configuration format uses in many places.
//!
//! They are written as visitors (not `#[serde(untagged)]`) so that a wrong value
//! still produces a precise message with its JSON path.

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserialize, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// A feature switch: `false`/`null` (off), `true` (on with defaults) or its options.
#[derive(Debug, Clone, PartialEq)]
pub enum Setting<T> {
    Off,
    On,
    Custom(T),
}

impl<T> Setting<T> {
    pub fn default_off() -> Self {
        Setting::Off
    }
    pub fn is_off(&self) -> bool {
        matches!(self, Setting::Off)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Setting<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Setting<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("false, true, or this setting's value")
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
                Ok(if b { Setting::On } else { Setting::Off })
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Setting::Off)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Setting::Off)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(Setting::Custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(Setting::Custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(Setting::Custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(Setting::Custom)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                T::deserialize(SeqOnly(seq)).map(Setting::Custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Setting::Custom)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// Hands a JSON array to a list type, but refuses it where an object is expected
/// (serde would otherwise fill a struct's fields positionally from an array).
struct SeqOnly<A>(A);

impl<'de, A: SeqAccess<'de>> Deserializer<'de> for SeqOnly<A> {
    type Error = A::Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_seq(self.0)
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        Err(de::Error::invalid_type(de::Unexpected::Seq, &visitor))
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// A field of a rule: absent (inherit the top-level value) or present (replace it).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Override<T> {
    #[default]
    Inherit,
    Replace(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Override<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Override::Replace)
    }
}

/// For `Option<Option<T>>` fields where absent (outer `None`) and `null`
/// (`Some(None)`) mean different things, e.g. `max_age`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// One string or a list of strings.
#[derive(Debug, Clone, PartialEq)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    /// The strings, with `One` as a one-element list.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(OneOrMany::One(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::<String>::deserialize(SeqAccessDeserializer::new(seq)).map(OneOrMany::Many)
            }
        }
        d.deserialize_any(V)
    }
}

/// A JSON object kept in document order that refuses duplicate keys (serde's maps
/// silently keep the last one, which would hide a typo'd policy).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderedMap<V>(pub Vec<(String, V)>);

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<V> OrderedMap<V> {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &(String, V)> {
        self.0.iter()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Vis<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out: Vec<(String, V)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.iter().any(|(k, _)| *k == key) {
                        return Err(de::Error::custom(format!("duplicate key `{key}`")));
                    }
                    let value = map.next_value::<V>()?;
                    out.push((key, value));
                }
                Ok(OrderedMap(out))
            }
        }
        d.deserialize_map(Vis(PhantomData))
    }
}

/// For options that exist only as on/off: any value other than a boolean is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum NoOptions {}

impl<'de> Deserialize<'de> for NoOptions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NoOptions;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("true or false (this header takes no options)")
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Opts {
        a: u32,
    }

    #[test]
    fn setting_shapes() {
        let off: Setting<Opts> = serde_json::from_str("false").unwrap();
        assert!(off.is_off());
        let null: Setting<Opts> = serde_json::from_str("null").unwrap();
        assert!(null.is_off());
        assert!(matches!(
            serde_json::from_str::<Setting<Opts>>("true").unwrap(),
            Setting::On
        ));
        match serde_json::from_str::<Setting<Opts>>(r#"{"a":3}"#).unwrap() {
            Setting::Custom(o) => assert_eq!(o.a, 3),
            other => panic!("{other:?}"),
        }
        let s: Setting<String> = serde_json::from_str(r#""DENY""#).unwrap();
        assert_eq!(s, Setting::Custom("DENY".to_string()));
        assert!(serde_json::from_str::<Setting<Opts>>(r#"{"b":3}"#).is_err());
        assert!(serde_json::from_str::<Setting<NoOptions>>(r#""x""#).is_err());
        let e = serde_json::from_str::<Setting<Opts>>("[3]").unwrap_err().to_string();
        assert!(e.contains("invalid type: sequence, expected struct Opts"), "{e}");
        let l: Setting<Vec<u8>> = serde_json::from_str("[3]").unwrap();
        assert_eq!(l, Setting::Custom(vec![3]));
    }

    #[test]
    fn ordered_map_keeps_order_and_refuses_duplicates() {
        let m: OrderedMap<u8> = serde_json::from_str(r#"{"z":1,"a":2}"#).unwrap();
        assert_eq!(m.0, vec![("z".to_string(), 1), ("a".to_string(), 2)]);
        let e = serde_json::from_str::<OrderedMap<u8>>(r#"{"a":1,"a":2}"#).unwrap_err();
        assert!(e.to_string().contains("duplicate key `a`"), "{e}");
    }

    #[test]
    fn one_or_many() {
        assert_eq!(serde_json::from_str::<OneOrMany>(r#""x""#).unwrap().to_vec(), vec!["x"]);
        assert_eq!(
            serde_json::from_str::<OneOrMany>(r#"["x","y"]"#).unwrap().to_vec(),
            vec!["x", "y"]
        );
        assert!(serde_json::from_str::<OneOrMany>("3").is_err());
    }
}
