//! What a role accepts in its variables (`vars:` in `role.yml`), checked before anything connects:
//! at role load for the role's defaults, at plan time for each pair's values, each refusal naming
//! the file, line and column of the offending value (the list item, for a list). The kinds are
//! generic (a directory, an address, a number, a pattern); which variable is which is the role's
//! knowledge. The hosts keep their own checks, right before they use the values.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Deserialize;

use crate::diag::{Diagnostic, Location};
use crate::inventory::{Inventory, Pair, VarSource};

/// A kind of value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An absolute directory written as `rsync` and `du` take a directory's content: starts and
    /// ends with `/`, no whitespace or control character, no `..` or empty segment, no glob
    /// character (`rsync` expands them in a remote path).
    AbsDir,
    /// An IPv4 or IPv6 address (no prefix, no brackets).
    Ip,
    /// A whole number (within `min`/`max`); a string of digits is accepted.
    Integer,
    /// Any single-line string: no control character (newline, carriage return...).
    Line,
}

/// `role.yml`'s `vars: { NAME: SPEC }`: `kind` for a single value, `each` for a list of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VarSpec {
    #[serde(default)]
    pub kind: Option<Kind>,
    #[serde(default)]
    pub each: Option<Kind>,
    /// A regular expression the whole string must match (besides the kind's rules).
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    /// The empty string is accepted (it usually means "work it out on the host").
    #[serde(default)]
    pub empty: bool,
    /// Said with a refusal: what the value is for.
    #[serde(default)]
    pub help: Option<String>,
    #[serde(skip)]
    regex: Option<regex::Regex>,
}

pub type VarSpecs = BTreeMap<String, VarSpec>;

impl VarSpec {
    /// Check the spec itself (at role load): exactly one of `kind`/`each`, a valid pattern.
    pub fn compile(&mut self) -> Result<(), String> {
        if self.kind.is_some() == self.each.is_some() {
            return Err(
                "a variable's spec needs exactly one of `kind:` (one value) or `each:` (a list)".into()
            );
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

    fn one(&self, kind: Kind, value: &serde_json::Value) -> Result<(), String> {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) if kind == Kind::Integer => n.to_string(),
            other => return Err(format!("expected a string, found `{other}`")),
        };
        let shown = text.escape_debug();
        if text.is_empty() {
            return if self.empty { Ok(()) } else { Err("must not be empty".into()) };
        }
        if text.chars().any(char::is_control) {
            return Err(format!("`{shown}` holds a control character (newline, tab...)"));
        }
        match kind {
            Kind::AbsDir => abs_dir(&text).map_err(|why| format!("`{shown}` {why}"))?,
            Kind::Ip => {
                text.parse::<IpAddr>().map_err(|_| format!("`{shown}` is not an IPv4 or IPv6 address"))?;
            }
            Kind::Integer => {
                let n: i64 = text.parse().map_err(|_| format!("`{shown}` is not a whole number"))?;
                if self.min.is_some_and(|min| n < min) || self.max.is_some_and(|max| n > max) {
                    return Err(format!(
                        "{n} is out of range ({}..{})",
                        self.min.map_or(String::new(), |m| m.to_string()),
                        self.max.map_or(String::new(), |m| m.to_string())
                    ));
                }
            }
            Kind::Line => {}
        }
        match &self.regex {
            Some(re) if !re.is_match(&text) => {
                Err(format!("`{shown}` does not match `{}`", self.pattern.as_deref().unwrap_or_default()))
            }
            _ => Ok(()),
        }
    }
}

/// A pair's values (from its inventory) refused by the role's specs; the role's own defaults were
/// checked when the role was loaded.
pub fn check_pair(
    specs: &VarSpecs,
    inventory: &Inventory,
    pair: &Pair,
    vars: &BTreeMap<String, (serde_json::Value, VarSource)>,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for (name, spec) in specs {
        let Some((value, source)) = vars.get(name) else { continue };
        if *source == VarSource::Role {
            continue;
        }
        let span = inventory.value_span(pair, source, name);
        let at = |i: Option<usize>| match (span, i) {
            (Some(span), Some(i)) => span.item(i).clone(),
            (Some(span), None) => span.at.clone(),
            (None, _) => pair.location.clone(),
        };
        for (location, message) in spec.check(name, value, &at) {
            let source_text = std::fs::read_to_string(&location.file).ok();
            let mut diag =
                Diagnostic::new(format!("{message} ({source})")).at(location, source_text.as_deref());
            if let Some(help) = &spec.help {
                diag = diag.help(help.clone());
            }
            diags.push(diag);
        }
    }
    diags
}

fn abs_dir(path: &str) -> Result<(), &'static str> {
    if !path.starts_with('/') || !path.ends_with('/') || path == "/" {
        return Err("must be an absolute directory ending with `/` (e.g. /var/spool/x/)");
    }
    if path.chars().any(char::is_whitespace) {
        return Err("holds whitespace");
    }
    if path.contains(['*', '?', '[', '\\']) {
        return Err("holds a glob character or a backslash");
    }
    let inner = &path[1..path.len() - 1];
    if inner.split('/').any(|segment| segment.is_empty() || segment == "..") {
        return Err("holds an empty or `..` segment");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(yaml: &str) -> VarSpec {
        let mut spec: VarSpec = serde_saphyr::from_str(yaml).unwrap();
        spec.compile().unwrap();
        spec
    }

    fn refusals(spec: &VarSpec, value: serde_json::Value) -> Vec<String> {
        let at = |i: Option<usize>| Location::new("inv.yml", 1, i.map_or(1, |i| i + 10));
        spec.check("v", &value, &at).into_iter().map(|(l, m)| format!("{l}: {m}")).collect()
    }

    #[test]
    fn directories_are_absolute_plain_and_end_with_a_slash() {
        let s = spec("{ each: abs_dir }");
        assert!(refusals(&s, json!(["/var/spool/cyrus/", "/a/b.c-d_e/"])).is_empty());
        for bad in
            ["var/x/", "/var/x", "/", "/a b/", "/a\n/", "/a/../b/", "/a/..", "/a//b/", "/a/*/", "/..", ""]
        {
            assert_eq!(refusals(&s, json!([bad])).len(), 1, "{bad:?} accepted");
        }
        assert_eq!(
            refusals(&s, json!(["/ok/", "/a\nup reboot/"])),
            ["inv.yml:1:11: `v` item 2: `/a\\nup reboot/` holds a control character (newline, tab...)"]
        );
        assert_eq!(refusals(&s, json!("/a/")), ["inv.yml:1:1: `v` must be a list"]);
        assert_eq!(refusals(&s, json!([3])), ["inv.yml:1:10: `v` item 1: expected a string, found `3`"]);
    }

    #[test]
    fn addresses_numbers_and_patterns() {
        let ip = spec("{ kind: ip, empty: true }");
        assert!(refusals(&ip, json!("")).is_empty() && refusals(&ip, json!("2001:db8::1")).is_empty());
        assert_eq!(refusals(&ip, json!("10.0.0.1\nup touch /tmp/x")).len(), 1);
        assert_eq!(refusals(&ip, json!("10.0.0.1/24")).len(), 1);
        let prefix = spec("{ kind: integer, min: 0, max: 128 }");
        assert!(refusals(&prefix, json!(24)).is_empty() && refusals(&prefix, json!("24")).is_empty());
        assert_eq!(refusals(&prefix, json!(129)), ["inv.yml:1:1: `v`: 129 is out of range (0..128)"]);
        assert_eq!(refusals(&prefix, json!("24\nup reboot")).len(), 1);
        assert_eq!(refusals(&prefix, json!("")).len(), 1);
        let iface = spec("{ kind: line, pattern: '[A-Za-z0-9_.][A-Za-z0-9_.-]*', empty: true }");
        assert!(refusals(&iface, json!("eth0")).is_empty() && refusals(&iface, json!("")).is_empty());
        assert_eq!(refusals(&iface, json!("eth0 up reboot")).len(), 1);
        assert_eq!(refusals(&iface, json!("-x")).len(), 1);
    }

    #[test]
    fn a_spec_is_checked_at_role_load() {
        let mut both: VarSpec = serde_saphyr::from_str("{ kind: ip, each: ip }").unwrap();
        assert!(both.compile().is_err());
        let mut neither: VarSpec = serde_saphyr::from_str("{ empty: true }").unwrap();
        assert!(neither.compile().is_err());
        let mut bad: VarSpec = serde_saphyr::from_str("{ kind: line, pattern: '(' }").unwrap();
        assert!(bad.compile().unwrap_err().contains("invalid pattern"));
        assert!(serde_saphyr::from_str::<VarSpec>("{ kind: dir }").is_err());
    }

    #[test]
    fn a_role_default_the_role_refuses_is_reported_in_role_yml() {
        let dir = tempfile::tempdir().unwrap();
        let yml = "defaults:\n  spools: [/ok/, /bad]\nvars:\n  spools: { each: abs_dir }\n  x: { kind: line, each: line }\nphases:\n  - { name: p, steps: [{ name: s, run: 'true', on: origin }] }\n";
        std::fs::write(dir.path().join("role.yml"), yml).unwrap();
        let err = crate::role::load(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("role.yml:2:18: `spools` item 2: `/bad` must be an absolute directory"),
            "{err}"
        );
        assert!(err.contains("role.yml:5:6: variable `x`: a variable's spec needs exactly one"), "{err}");
    }
}
