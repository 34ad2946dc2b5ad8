//! Diagnostics for bad input: a message that names the file, line and column, shows the line, and
//! says what to do. Inventories, roles and templates all report their errors through
//! [`Diagnostic`], so a user sees one format whatever they got wrong.

use std::fmt;
use std::path::{Path, PathBuf};

/// A place in a file the user wrote. Lines and columns are 1-based, as editors count them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl Location {
    pub fn new(file: impl Into<PathBuf>, line: usize, column: usize) -> Self {
        Location { file: file.into(), line: line.max(1), column: column.max(1) }
    }

    /// The location of a value read with `serde_saphyr::Spanned`.
    pub fn of_yaml(file: &Path, loc: &serde_saphyr::Location) -> Self {
        Location::new(file, loc.line() as usize, loc.column() as usize)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// One bad-input error: what is wrong, where, and (when we can tell) how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    pub location: Option<Location>,
    /// The text of the offending line, shown under the message with a caret.
    pub source_line: Option<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic { message: message.into(), location: None, source_line: None, help: None }
    }

    /// Attach a location, reading the line's text from `source` (the whole file) for the snippet.
    /// Values of secret-named keys (`*password`, `*token`, `*secret`, `*key`) on that line are
    /// masked, in the snippet and in the message: an error must not print a secret.
    pub fn at(mut self, location: Location, source: Option<&str>) -> Self {
        let line = source.and_then(|s| s.lines().nth(location.line.saturating_sub(1)));
        self.source_line = line.map(|l| {
            let (masked, values) = mask_secret_values(l);
            for value in values {
                self.message = self.message.replace(&value, crate::secrets::MASK);
            }
            masked
        });
        self.location = Some(location);
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Turn a serde-saphyr error (syntax, unknown field, wrong type...) into a diagnostic.
    pub fn from_yaml(file: &Path, source: &str, err: &serde_saphyr::Error) -> Self {
        if let serde_saphyr::Error::DuplicateMappingKey { key: Some(key), location } = err.without_snippet() {
            return duplicate_key(file, source, key, location);
        }
        let bare = err.without_snippet().to_string();
        let message = strip_line_column_suffix(strip_line_column_prefix(&bare)).to_string();
        let mut diag = Diagnostic::new(message.clone());
        if let Some(loc) = err.location().filter(|l| l.line() > 0) {
            diag = diag.at(Location::of_yaml(file, &loc), Some(source));
        }
        if let serde_saphyr::Error::SerdeUnknownField { field, expected, .. } = err.without_snippet()
            && let Some(known) = crate::suggest::closest(field, expected.iter().copied())
        {
            diag = diag.help(format!(
                "did you mean `{known}`? Unknown keys are refused so that a typo never goes unnoticed"
            ));
        } else if message.starts_with("unknown field") {
            diag =
                diag.help("check the spelling: unknown keys are refused so that a typo never goes unnoticed");
        }
        diag
    }
}

/// A key written twice in one mapping, named with both places (serde-saphyr's own message names
/// neither the first place nor anything the reader can act on).
fn duplicate_key(file: &Path, source: &str, key: &str, second: &serde_saphyr::Location) -> Diagnostic {
    let first = yaml_keys::first_of(source, key, second)
        .map(|first| format!(" (first at {})", Location::of_yaml(file, &first)))
        .unwrap_or_default();
    Diagnostic::new(format!("`{key}` is written twice in the same mapping{first}"))
        .at(Location::of_yaml(file, second), Some(source))
        .help("keep one of them: YAML has one value per key, and taking either silently could hide a mistake")
}

mod yaml_keys {
    //! Where a duplicated key was first written: the text is read again with duplicates passed
    //! through, keeping the place of every key of every mapping, and the mapping holding the
    //! second place gives the first. Only run on an error, so the second read costs nothing
    //! in a good run.

    use std::fmt;

    use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde_saphyr::{Location, Spanned};

    /// Every mapping's keys, in the order written (a mapping inside a value comes after it).
    #[derive(Default)]
    struct Mappings(Vec<Vec<(String, Location)>>);

    pub fn first_of(source: &str, key: &str, second: &Location) -> Option<Location> {
        let options =
            serde_saphyr::options! { duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough };
        let Node(mappings) = serde_saphyr::from_str_with_options::<Node>(source, options).ok()?;
        mappings
            .0
            .iter()
            .find(|m| m.iter().any(|(_, at)| at == second))
            .and_then(|m| m.iter().find(|(k, at)| k == key && at != second).map(|(_, at)| *at))
    }

    /// Any YAML node; what is kept is the mappings found in it.
    struct Node(Mappings);

    /// A key's text, whatever its scalar type (`1:` and `true:` are keys too).
    struct Key(String);

    impl<'de> Deserialize<'de> for Key {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(NodeVisitor).map(|n| Key(n.1))
        }
    }

    impl<'de> Deserialize<'de> for Node {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(NodeVisitor).map(|n| n.0)
        }
    }

    struct NodeVisitor;

    fn text(s: impl ToString) -> (Node, String) {
        (Node(Mappings::default()), s.to_string())
    }

    impl<'de> Visitor<'de> for NodeVisitor {
        type Value = (Node, String);

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any YAML node")
        }
        fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
            Ok(text(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok(text(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok(text(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
            Ok(text(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(text(v))
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(text(""))
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(text(""))
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(NodeVisitor)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut found = Mappings::default();
            while let Some(Node(inner)) = seq.next_element::<Node>()? {
                found.0.extend(inner.0);
            }
            Ok((Node(found), String::new()))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut keys = Vec::new();
            let mut found = Mappings::default();
            while let Some((key, Node(inner))) = map.next_entry::<Spanned<Key>, Node>()? {
                keys.push((key.value.0, key.referenced));
                found.0.extend(inner.0);
            }
            found.0.push(keys);
            Ok((Node(found), String::new()))
        }
    }
}

/// serde-saphyr prefixes its messages with "line N column M: "; we print the location ourselves.
/// `db_password: hunter2` -> `db_password: ********`, in block or flow style; returns the
/// masked line and the values masked.
fn mask_secret_values(line: &str) -> (String, Vec<String>) {
    static SECRET: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = SECRET.get_or_init(|| {
        regex::Regex::new(
            r#"(?i)([\w-]*(?:password|token|secret|key)["']?\s*:\s*)("[^"]*"|'[^']*'|[^,}\]\s#][^,}\]#]*)"#,
        )
        .expect("a valid regex")
    });
    let mut values = Vec::new();
    let masked = re.replace_all(line, |c: &regex::Captures<'_>| {
        let value = c[2].trim_matches(|ch| ch == '"' || ch == '\'').trim().to_string();
        if !value.is_empty() {
            values.push(value);
        }
        format!("{}{}", &c[1], crate::secrets::MASK)
    });
    (masked.into_owned(), values)
}

fn strip_line_column_prefix(message: &str) -> &str {
    let Some(rest) = message.strip_prefix("line ") else { return message };
    match rest.find(": ") {
        Some(i) if rest[..i].split(" column ").all(|n| n.trim().parse::<u64>().is_ok()) => &rest[i + 2..],
        _ => message,
    }
}

/// ...and sometimes suffixes them with " at line N, column M".
fn strip_line_column_suffix(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i) => match message[i + 9..].split_once(", column ") {
            Some((l, c)) if l.parse::<u64>().is_ok() && c.parse::<u64>().is_ok() => &message[..i],
            _ => message,
        },
        None => message,
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(loc) => write!(f, "{loc}: {}", self.message)?,
            None => write!(f, "{}", self.message)?,
        }
        if let (Some(loc), Some(line)) = (&self.location, &self.source_line) {
            let number = loc.line.to_string();
            let pad = " ".repeat(number.len());
            // Tabs would shift the caret; show them as single spaces.
            let shown = line.replace('\t', " ");
            let caret_at = shown.chars().take(loc.column - 1).count();
            write!(f, "\n{pad} |\n{number} | {shown}\n{pad} | {}^", " ".repeat(caret_at))?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

/// Several diagnostics found in one pass: we report them all at once, so the user fixes a file in
/// one go rather than one error per run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_saphyr_prefix_only_when_it_is_one() {
        assert_eq!(strip_line_column_prefix("line 3 column 5: unknown field"), "unknown field");
        assert_eq!(strip_line_column_prefix("line of sight: x"), "line of sight: x");
        assert_eq!(strip_line_column_prefix("plain"), "plain");
        assert_eq!(strip_line_column_suffix("invalid u16 at line 3, column 30"), "invalid u16");
        assert_eq!(strip_line_column_suffix("look at line 3"), "look at line 3");
    }

    #[test]
    fn renders_location_snippet_and_help() {
        let d = Diagnostic::new("unknown group `erly`")
            .at(Location::new("inv.yml", 2, 14), Some("pairs:\n  - groups: [erly]\n"))
            .help("did you mean `early`?");
        assert_eq!(
            d.to_string(),
            "inv.yml:2:14: unknown group `erly`\n  |\n2 |   - groups: [erly]\n  |              ^\n  = help: did you mean `early`?"
        );
    }

    #[test]
    fn secret_values_never_reach_a_snippet() {
        let d = Diagnostic::new("invalid type: string \"hunter2\", expected a map").at(
            Location::new("inv.yml", 1, 8),
            Some("vars: { db_password: hunter2, api_token: 'x y', size: 3 }\n"),
        );
        let text = d.to_string();
        assert!(!text.contains("hunter2") && !text.contains("x y"), "{text}");
        assert!(text.contains("db_password: ********") && text.contains("size: 3"), "{text}");
        let (masked, _) = mask_secret_values("  ssh_key: \"AAAA\"");
        assert_eq!(masked, "  ssh_key: ********");
    }
}
