//! What a role accepts in its variables (`vars:` in `role.yml`), checked before anything connects:
//! at role load for the role's defaults, at plan time for every value of the inventory (its own,
//! each group's and each pair's vars), each refusal naming the file, line and column of the
//! offending value (the list item, for a list). The types are generic (a directory, an address, a
//! number, one of a few words); which variable is which is the role's knowledge. The hosts keep
//! their own checks, right before they use the values.
//!
//! Why every variable is declared, and a name the role does not declare is refused: an operator's
//! input is the most likely fault in a fleet migration. `rsync_bwlimit_kpbs: 5000` (a typo) used
//! to pass silently and the hot sync ran with no bandwidth limit over the customer's link;
//! `cutover_mode: netplann` powered the origin off with nobody taking its address. Enumerations
//! are exact (`IP` is refused, not guessed): a guess is a decision the operator did not make.

mod check;
mod inventory;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::diag::Location;

pub use inventory::check_inventory;

/// A type of value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An absolute directory written as `rsync` and `du` take a directory's content: starts and
    /// ends with `/`, no whitespace or control character, no `..` or empty segment, no glob
    /// character (`rsync` expands them in a remote path).
    AbsDir,
    /// An absolute path (a file, or a directory with a trailing `/`): no whitespace, no `..`
    /// segment. Glob characters are allowed (`pattern:` narrows it further).
    Path,
    /// An IPv4 or IPv6 address (no prefix, no brackets).
    Ip,
    /// Networks as Postfix's `mynetworks` takes them: addresses or `address/prefix`, IPv6 ones
    /// possibly in brackets (`[2001:db8::]/32`), separated by spaces or commas.
    Cidrs,
    /// A whole number (within `min`/`max`); a string of digits is accepted.
    Integer,
    /// `true` or `false`, as YAML booleans: the string `"yes"` is refused, not guessed.
    Boolean,
    /// Seconds (`90`) or a duration as role timeouts take it (`30s`, `5m`, `1h30m`); templates
    /// see a whole number of seconds.
    Duration,
    /// One of `values:`, exactly (case included).
    Enum,
    /// Any single-line string: no control character (newline, carriage return...).
    Line,
    /// Any scalar (string, number, boolean), several lines included: for values a template only
    /// passes on as data (each `{{ value }}` renders as one shell word whatever it holds).
    Text,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::AbsDir => "abs_dir",
            Kind::Path => "path",
            Kind::Ip => "ip",
            Kind::Cidrs => "cidrs",
            Kind::Integer => "integer",
            Kind::Boolean => "boolean",
            Kind::Duration => "duration",
            Kind::Enum => "enum",
            Kind::Line => "line",
            Kind::Text => "text",
        }
    }
}

/// `role.yml`'s `vars: { NAME: SPEC }`: `type` for a single value, `each` for a list of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VarSpec {
    /// `kind:` is the name it had before `type:`; roles written with it still load.
    #[serde(default, rename = "type", alias = "kind")]
    pub kind: Option<Kind>,
    #[serde(default)]
    pub each: Option<Kind>,
    /// The words an `enum` accepts.
    #[serde(default)]
    pub values: Vec<String>,
    /// A regular expression the whole string must match (besides the type's rules).
    #[serde(default)]
    pub pattern: Option<String>,
    /// Bounds of an `integer`, or of a `duration` in seconds.
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    /// The empty string is accepted (it usually means "work it out on the host").
    #[serde(default)]
    pub empty: bool,
    /// One line: what the variable is for (`bmfleet roles show`, `inventory list --pair`).
    #[serde(default)]
    pub description: Option<String>,
    /// Said with a refusal: what to write. Default: what the type accepts.
    #[serde(default)]
    pub help: Option<String>,
    #[serde(skip)]
    regex: Option<regex::Regex>,
}

pub type VarSpecs = BTreeMap<String, VarSpec>;

impl VarSpec {
    /// Check the spec itself (at role load): exactly one of `type`/`each`, `values` exactly
    /// for an enum, a one-line description, a valid pattern, bounds in order.
    pub fn compile(&mut self) -> Result<(), String> {
        let Some(kind) = self.kind.or(self.each).filter(|_| self.kind.is_some() != self.each.is_some())
        else {
            return Err(
                "a variable's spec needs exactly one of `type:` (one value) or `each:` (a list)".into()
            );
        };
        match (kind, self.values.is_empty()) {
            (Kind::Enum, true) => return Err("an `enum` lists the words it accepts in `values:`".into()),
            (Kind::Enum, false) => {
                if let Some(bad) =
                    self.values.iter().find(|v| v.is_empty() || v.chars().any(char::is_control))
                {
                    return Err(format!(
                        "`values:` holds `{}`: each must be a non-empty word",
                        bad.escape_debug()
                    ));
                }
            }
            (_, false) => return Err("`values:` belongs to `type: enum` only".into()),
            (_, true) => {}
        }
        match self.description.as_deref().map(str::trim) {
            None | Some("") => {
                return Err("say what the variable is for in `description:` (one line)".into());
            }
            Some(d) if d.contains('\n') => return Err("`description:` must be one line".into()),
            Some(_) => {}
        }
        if let Some(p) = &self.pattern {
            let re = regex::Regex::new(&format!("^(?:{p})$")).map_err(|e| format!("invalid pattern: {e}"))?;
            self.regex = Some(re);
        }
        if let (Some(min), Some(max)) = (self.min, self.max)
            && min > max
        {
            return Err(format!("`min` ({min}) is above `max` ({max})"));
        }
        Ok(())
    }

    /// The type as a person reads it: `integer 0..128`, `one of none|ip`, `list of abs_dir`.
    pub fn type_name(&self) -> String {
        let (kind, list) = match (self.kind, self.each) {
            (Some(kind), _) => (kind, false),
            (None, Some(kind)) => (kind, true),
            (None, None) => return "?".into(),
        };
        let mut text = match kind {
            Kind::Enum => format!("one of {}", self.values.join("|")),
            Kind::Integer | Kind::Duration if self.min.is_some() || self.max.is_some() => {
                format!("{} {}", kind.name(), self.range())
            }
            other => other.name().to_string(),
        };
        if let Some(pattern) = &self.pattern {
            text.push_str(&format!(" ~ {pattern}"));
        }
        if self.empty {
            text.push_str(" or empty");
        }
        if list { format!("list of {text}") } else { text }
    }

    fn range(&self) -> String {
        format!(
            "{}..{}",
            self.min.map_or(String::new(), |m| m.to_string()),
            self.max.map_or(String::new(), |m| m.to_string())
        )
    }

    /// What to write, said with a refusal: the role's `help:`, else what the type accepts.
    pub fn expected(&self) -> String {
        if let Some(help) = &self.help {
            return help.clone();
        }
        let kind = self.kind.or(self.each).unwrap_or(Kind::Line);
        let what = match kind {
            Kind::AbsDir => "an absolute directory ending with /, e.g. /var/spool/x/".to_string(),
            Kind::Path => "an absolute path, e.g. /etc/bm/bm.ini".to_string(),
            Kind::Ip => "an IPv4 or IPv6 address without prefix, e.g. 192.0.2.10".to_string(),
            Kind::Cidrs => "networks separated by spaces, e.g. 10.1.0.0/24 192.0.2.7".to_string(),
            Kind::Integer => match (self.min, self.max) {
                (None, None) => "a whole number".to_string(),
                _ => format!("a whole number in {}", self.range()),
            },
            Kind::Boolean => "true or false (unquoted)".to_string(),
            Kind::Duration => "seconds (90) or a duration (30s, 5m, 1h30m)".to_string(),
            Kind::Enum => format!("one of: {} (exactly, case included)", self.values.join(", ")),
            Kind::Line => "one line of text".to_string(),
            Kind::Text => "text".to_string(),
        };
        let what = if self.empty { format!("{what}, or \"\"") } else { what };
        if self.each.is_some() { format!("a list, each item {what}") } else { what }
    }

    /// Every refusal of `value`, each at the place of the offending value or list item.
    pub fn check(
        &self,
        name: &str,
        value: &serde_json::Value,
        at: &dyn Fn(Option<usize>) -> Location,
    ) -> Vec<(Location, String)> {
        let mut problems = Vec::new();
        match (self.kind, self.each) {
            (Some(kind), _) => {
                if let Err(why) = self.one(kind, value) {
                    problems.push((at(None), format!("`{name}`: {why}")));
                }
            }
            (None, Some(kind)) => match value.as_array() {
                None => problems.push((at(None), format!("`{name}` must be a list"))),
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if let Err(why) = self.one(kind, item) {
                            problems.push((at(Some(i)), format!("`{name}` item {}: {why}", i + 1)));
                        }
                    }
                }
            },
            (None, None) => {}
        }
        problems
    }

    /// The value templates see: a duration becomes its whole number of seconds, so that a
    /// template computes with `30s` as it does with `30`. Call on checked values only.
    pub fn normalize(&self, value: &serde_json::Value) -> serde_json::Value {
        match (self.kind, value) {
            (Some(Kind::Duration), serde_json::Value::String(text)) => crate::values::parse_duration(text)
                .map_or_else(|| value.clone(), |d| serde_json::Value::from(d.as_secs())),
            _ => value.clone(),
        }
    }

    fn one(&self, kind: Kind, value: &serde_json::Value) -> Result<(), String> {
        if kind == Kind::Boolean {
            return check::boolean(value);
        }
        if kind == Kind::Text {
            return match value {
                serde_json::Value::String(s) if s.is_empty() && !self.empty => {
                    Err("must not be empty".into())
                }
                serde_json::Value::String(_) | serde_json::Value::Number(_) | serde_json::Value::Bool(_) => {
                    Ok(())
                }
                other => Err(format!("expected text, found `{other}`")),
            };
        }
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) if matches!(kind, Kind::Integer | Kind::Duration) => n.to_string(),
            other => return Err(format!("expected {}, found `{other}`", check::expected_shape(kind))),
        };
        let shown = text.escape_debug();
        if text.is_empty() {
            return if self.empty { Ok(()) } else { Err("must not be empty".into()) };
        }
        if text.chars().any(char::is_control) {
            return Err(format!("`{shown}` holds a control character (newline, tab...)"));
        }
        match kind {
            Kind::AbsDir => check::abs_dir(&text).map_err(|why| format!("`{shown}` {why}"))?,
            Kind::Path => check::path(&text).map_err(|why| format!("`{shown}` {why}"))?,
            Kind::Ip => check::ip(&text)?,
            Kind::Cidrs => check::cidrs(&text)?,
            Kind::Integer => {
                let n: i64 = text.parse().map_err(|_| format!("`{shown}` is not a whole number"))?;
                self.in_range(n, "")?;
            }
            Kind::Duration => {
                let secs = crate::values::parse_duration(&text)
                    .ok_or_else(|| format!("`{shown}` is not a duration (90, 30s, 5m, 1h30m)"))?
                    .as_secs();
                self.in_range(i64::try_from(secs).unwrap_or(i64::MAX), " s")?;
            }
            Kind::Enum => {
                if !self.values.contains(&text) {
                    let close = crate::suggest::closest(&text, self.values.iter().map(String::as_str))
                        .map(|c| format!(" (did you mean `{c}`?)"))
                        .unwrap_or_default();
                    return Err(format!("`{shown}` is not one of {}{close}", self.values.join(", ")));
                }
            }
            Kind::Boolean | Kind::Line | Kind::Text => {}
        }
        match &self.regex {
            Some(re) if !re.is_match(&text) => {
                Err(format!("`{shown}` does not match `{}`", self.pattern.as_deref().unwrap_or_default()))
            }
            _ => Ok(()),
        }
    }

    fn in_range(&self, n: i64, unit: &str) -> Result<(), String> {
        if self.min.is_some_and(|min| n < min) || self.max.is_some_and(|max| n > max) {
            return Err(format!("{n}{unit} is out of range ({})", self.range()));
        }
        Ok(())
    }
}

impl fmt::Display for VarSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.type_name())
    }
}
