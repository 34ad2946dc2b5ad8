//! Masking secrets in everything bmfleet prints or writes: plans, logs, JSON events, summaries.
//!
//! A variable is secret when its name ends in `password`, `token`, `secret` or `key` (any case),
//! or when the role lists it under `secrets:`; registers with such names are secret too. We mask
//! by value: wherever the text of a secret appears, it becomes `********`.
//!
//! A secret also appears in other forms: shell-quoted in a rendered script (`'it'\''s'` for a
//! value with a quote), and line by line when it spans lines (output is handled a line at a
//! time). Each form is masked too; lines shorter than `MIN_LINE` are not, or a secret ending in
//! an empty or one-letter line would mask every such text.

use std::borrow::Cow;

pub const MASK: &str = "********";

/// The shortest line of a multi-line secret masked on its own.
const MIN_LINE: usize = 4;

#[derive(Debug, Clone, Default)]
pub struct Masker {
    /// Longest first, so a secret that contains another is masked whole.
    values: Vec<String>,
}

impl Masker {
    pub fn add(&mut self, value: &str) {
        let value = value.trim_end_matches('\n');
        if value.is_empty() {
            return;
        }
        let mut forms = vec![value.to_string()];
        if let Ok(quoted) = crate::shell::quote(value) {
            forms.push(quoted.into_owned());
        }
        if value.contains('\n') {
            forms.extend(value.lines().map(str::trim).filter(|l| l.len() >= MIN_LINE).map(String::from));
        }
        for form in forms {
            if !self.values.contains(&form) {
                self.values.push(form);
            }
        }
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
        assert!(m.values.is_empty());
    }

    #[test]
    fn quoted_and_multi_line_forms_are_masked() {
        let mut m = Masker::default();
        m.add("it's");
        assert_eq!(m.mask("echo 'it'\\''s' and it's"), "echo ******** and ********");
        m.add("-----BEGIN KEY-----\nAAAAsecretline\n-----END KEY-----\n");
        assert_eq!(m.mask("got AAAAsecretline"), "got ********");
        assert_eq!(m.mask("-----END KEY-----"), "********");
    }
}
