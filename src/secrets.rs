//! Masking secrets in everything bmfleet prints or writes: plans, logs, JSON events, summaries.
//!
//! A variable is secret when its name ends in `password`, `token`, `secret` or `key` (any case),
//! or when the role lists it under `secrets:`; registers with such names are secret too. We mask
//! by value: wherever the text of a secret appears, it becomes `********`.

use std::borrow::Cow;

pub const MASK: &str = "********";

#[derive(Debug, Clone, Default)]
pub struct Masker {
    /// Longest first, so a secret that contains another is masked whole.
    values: Vec<String>,
}

impl Masker {
    pub fn add(&mut self, value: &str) {
        let value = value.trim_end_matches('\n');
        if value.is_empty() || self.values.iter().any(|v| v == value) {
            return;
        }
        self.values.push(value.to_string());
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// Add every string inside a variable's value (a secret may be a list or a map).
    pub fn add_json(&mut self, value: &serde_json::Value) {
        match value {
            serde_json::Value::String(s) => self.add(s),
            serde_json::Value::Number(n) => self.add(&n.to_string()),
            serde_json::Value::Array(items) => items.iter().for_each(|v| self.add_json(v)),
            serde_json::Value::Object(map) => map.values().for_each(|v| self.add_json(v)),
            serde_json::Value::Bool(_) | serde_json::Value::Null => {}
        }
    }

    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.values {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), MASK));
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_occurrence_longest_first() {
        let mut m = Masker::default();
        m.add("s3cr3t");
        m.add("s3cr3t-and-more");
        assert_eq!(m.mask("a s3cr3t-and-more b s3cr3t"), "a ******** b ********");
        assert_eq!(m.mask("nothing here"), "nothing here");
    }

    #[test]
    fn empty_values_are_ignored() {
        let mut m = Masker::default();
        m.add("");
        assert!(m.is_empty());
    }
}
