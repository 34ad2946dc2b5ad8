//! Variable values that remember where each part was written. Templates see plain JSON values;
//! a value the role refuses (see `role/vars.rs`) is reported at the line and column of the
//! offending list item, not only of the variable, so the operator finds it in a long list.

use std::fmt;
use std::path::Path;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::diag::Location;

/// A YAML value as read: its JSON form, and the location of each item when it is a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub value: serde_json::Value,
    pub items: Vec<Spanned<Located>>,
}

/// Where a value and its list items were written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueSpan {
    pub at: Location,
    pub items: Vec<ValueSpan>,
    /// Where the variable's name was written (a name the role does not declare is reported
    /// there); `None` where the loader did not record it.
    pub name_at: Option<Location>,
}

impl ValueSpan {
    pub fn of(file: &Path, value: &Spanned<Located>) -> Self {
        ValueSpan {
            at: Location::of_yaml(file, &value.referenced),
            items: value.value.items.iter().map(|item| ValueSpan::of(file, item)).collect(),
            name_at: None,
        }
    }

    /// The location of list item `index`, or of the whole value.
    pub fn item(&self, index: usize) -> &Location {
        self.items.get(index).map_or(&self.at, |span| &span.at)
    }
}

impl<'de> Deserialize<'de> for Located {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LocatedVisitor)
    }
}

struct LocatedVisitor;

fn scalar(value: serde_json::Value) -> Located {
    Located { value, items: Vec::new() }
}

impl<'de> Visitor<'de> for LocatedVisitor {
    type Value = Located;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Located, E> {
        Ok(scalar(v.into()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Located, E> {
        Ok(scalar(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Located, E> {
        Ok(scalar(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Located, E> {
        Ok(scalar(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Located, E> {
        Ok(scalar(v.into()))
    }
    fn visit_string<E>(self, v: String) -> Result<Located, E> {
        Ok(scalar(v.into()))
    }
    fn visit_unit<E>(self) -> Result<Located, E> {
        Ok(scalar(serde_json::Value::Null))
    }
    fn visit_none<E>(self) -> Result<Located, E> {
        Ok(scalar(serde_json::Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Located, D::Error> {
        Located::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Located, A::Error> {
        let mut items: Vec<Spanned<Located>> = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Located>>()? {
            items.push(item);
        }
        let value = serde_json::Value::Array(items.iter().map(|i| i.value.value.clone()).collect());
        Ok(Located { value, items })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Located, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some((key, value)) = map.next_entry::<String, Located>()? {
            object.insert(key, value.value);
        }
        Ok(scalar(serde_json::Value::Object(object)))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, _data: A) -> Result<Located, A::Error> {
        Err(de::Error::custom("tagged YAML values are not supported in variables"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_json_value_and_the_place_of_each_item() {
        let yaml = "a: [/x/, 2]\nb: { c: [1, true], d: null }\nl:\n  - one\n  -   two\n";
        let parsed: std::collections::BTreeMap<String, Spanned<Located>> =
            serde_saphyr::from_str(yaml).unwrap();
        assert_eq!(parsed["a"].value.value, serde_json::json!(["/x/", 2]));
        assert_eq!(parsed["b"].value.value, serde_json::json!({ "c": [1, true], "d": null }));
        let span = ValueSpan::of(Path::new("f.yml"), &parsed["l"]);
        assert_eq!(span.item(0).to_string(), "f.yml:4:5");
        assert_eq!(span.item(1).to_string(), "f.yml:5:7");
        assert_eq!(ValueSpan::of(Path::new("f.yml"), &parsed["a"]).item(1).to_string(), "f.yml:1:10");
    }
}
