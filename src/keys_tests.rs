//! For tests that hold a document against the schema: the keys a serde struct takes, read from
//! its derived `Deserialize` (renames included), so the tables of docs/ and the connection's
//! settings can be compared with what the files really accept.

use serde::de::{self, Deserialize, Visitor};

/// The keys a struct takes in a YAML file, as serde reads them (renames included): what the
/// derived `Deserialize` hands to `deserialize_struct`, caught before any value is read.
pub(crate) fn keys_of<T: for<'de> Deserialize<'de>>() -> Vec<&'static str> {
    struct Keys<'a>(&'a mut Vec<&'static str>);
    impl<'de> de::Deserializer<'de> for Keys<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("only the keys are wanted"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.extend(fields);
            Err(de::Error::custom("only the keys are wanted"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    let mut keys = Vec::new();
    let _ = T::deserialize(Keys(&mut keys));
    keys
}
