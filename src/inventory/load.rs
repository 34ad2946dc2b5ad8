//! Reading an inventory file and checking everything serde cannot: duplicate pair names, a pair
//! whose origin and target are the same host, groups that are used but never defined, variable
//! names templates could not use. Every problem found is reported, each with file:line:column,
//! and nothing is ever half-loaded.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_saphyr::Spanned;

use super::endpoint::{Layer, Resolver};
use super::located::ValueSpan;
use super::schema::{RawEndpoint, RawGroup, RawInventory, RawPair, RawVars};
use super::{Group, Inventory, Pair, VarSource, VarSpans, Vars};
use crate::diag::{Diagnostic, Diagnostics, Location};
use crate::error::{Error, Result};
use crate::ssh::Endpoint;
use crate::ssh::config::SshConfig;
use crate::suggest;

/// Variable names the engine itself provides to templates; the inventory may not redefine them.
pub const RESERVED_VARS: &[&str] = &["pair", "origin", "target", "item", "run", "check_mode"];

#[cfg(test)]
pub fn load(path: &Path) -> Result<Inventory> {
    load_with(path, None)
}

/// Load an inventory, completing its hosts' connection settings from an ssh client config.
pub fn load_with(path: &Path, ssh_config: Option<&SshConfig>) -> Result<Inventory> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
    let source = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let column = valid.iter().rev().take_while(|b| **b != b'\n').count() + 1;
        Error::input(
            Diagnostic::new("the inventory is not UTF-8 text")
                .at(Location::new(path, line, column), None)
                .help("save the file as UTF-8"),
        )
    })?;
    parse_with(path, &source, ssh_config)
}

/// Parse and validate inventory text; `path` names it in errors and anchors relative paths.
#[cfg(test)]
pub fn parse(path: &Path, source: &str) -> Result<Inventory> {
    parse_with(path, source, None)
}

pub fn parse_with(path: &Path, source: &str, ssh_config: Option<&SshConfig>) -> Result<Inventory> {
    // Every mistake at once: serde's (each entry it refuses taken out, and the rest read), then,
    // when the rest reads, the checks below on it.
    let (raw, mut errors) = super::recover::parse_all::<RawInventory>(path, source);
    let Some(raw) = raw else { return Err(Error::BadInput(Diagnostics(errors))) };
    let mut checker = Checker { path, source, ssh_config, errors: Vec::new(), spans: VarSpans::new() };
    let inventory = checker.inventory(raw);
    if errors.is_empty() && checker.errors.is_empty() {
        return Ok(inventory);
    }
    errors.append(&mut checker.errors);
    // In the order the file reads, as the operator fixes it (a stable sort: errors on one line
    // keep the order they were found in).
    errors.sort_by_key(|d| d.location.as_ref().map(|l| (l.line, l.column)));
    Err(Error::BadInput(Diagnostics(errors)))
}

pub(super) struct Checker<'a> {
    path: &'a Path,
    source: &'a str,
    ssh_config: Option<&'a SshConfig>,
    errors: Vec<Diagnostic>,
    spans: VarSpans,
}

impl Checker<'_> {
    fn at(&self, loc: &serde_saphyr::Location) -> Location {
        Location::of_yaml(self.path, loc)
    }

    pub(super) fn error(&mut self, loc: &serde_saphyr::Location, message: String, help: Option<String>) {
        let mut diag = Diagnostic::new(message).at(self.at(loc), Some(self.source));
        if let Some(help) = help {
            diag = diag.help(help);
        }
        self.errors.push(diag);
    }

    /// The whole file, in the order it reads: `defaults:`, `vars:`, `groups:`, then each pair.
    fn inventory(&mut self, raw: RawInventory) -> Inventory {
        let defaults = self.defaults(raw.defaults);
        let vars = self.vars(&raw.vars, VarSource::Inventory, "");
        let report = self.report(raw.report.as_ref());
        let (groups, connections) = self.groups(&raw.groups);
        let group_names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        let known = Known { defaults: &defaults, connections: &connections, group_names: &group_names };
        let mut seen = PairsSeen::default();
        let pairs = raw.pairs.iter().filter_map(|p| self.pair(p, &known, &mut seen)).collect();
        if raw.pairs.is_empty() {
            self.errors.push(
                Diagnostic::new("the inventory lists no pairs")
                    .at(Location::new(self.path, 1, 1), Some(self.source))
                    .help("add at least one entry under `pairs:` with a name, an origin and a target"),
            );
        }
        let spans = std::mem::take(&mut self.spans);
        Inventory { path: self.path.to_path_buf(), vars, groups, pairs, spans, report }
    }

    /// `defaults:`, the last layer of every host's connection settings; it names no host.
    fn defaults(&mut self, raw: Option<Spanned<RawEndpoint>>) -> RawEndpoint {
        let Some(defaults) = raw else { return RawEndpoint::default() };
        if let Some(host) = &defaults.value.host {
            self.error(
                &host.referenced,
                "`host` has no meaning under `defaults:`".into(),
                Some("set `host:` under each pair's `origin:` and `target:`".into()),
            );
        }
        defaults.value
    }

    /// The groups, in alphabetical order, and the connection settings each sets for its hosts
    /// (a layer of their pairs' connections, so kept apart from the `Group` the rest sees).
    fn groups(
        &mut self,
        raw: &HashMap<Spanned<String>, RawGroup>,
    ) -> (Vec<Group>, HashMap<String, RawEndpoint>) {
        let mut groups: Vec<Group> = Vec::new();
        let mut connections: HashMap<String, RawEndpoint> = HashMap::new();
        for (name, group) in raw {
            self.group_name(name);
            if let Some(conn) = &group.connection {
                if let Some(host) = &conn.value.host {
                    self.error(
                        &host.referenced,
                        format!("`host` has no meaning in the connection of group `{}`", name.value),
                        None,
                    );
                }
                connections.insert(name.value.clone(), conn.value.clone());
            }
            groups.push(Group {
                name: name.value.clone(),
                description: group.description.clone(),
                vars: self.vars(&group.vars, VarSource::Group(name.value.clone()), ""),
            });
        }
        groups.sort_by(|a, b| a.name.cmp(&b.name));
        (groups, connections)
    }

    /// One pair: its name (unique), its groups (defined, listed once), its two hosts (resolved,
    /// different, in no other pair) and its variables. `None` when a host cannot be resolved.
    fn pair(&mut self, raw_pair: &Spanned<RawPair>, known: &Known<'_>, seen: &mut PairsSeen) -> Option<Pair> {
        let p = &raw_pair.value;
        let name = &p.name.value;
        self.pair_name(&p.name);
        if let Some(first) = seen.names.get(name) {
            self.error(
                &p.name.referenced,
                format!("duplicate pair name `{name}` (first defined at {first})"),
                Some("pair names must be unique: rename one of them".into()),
            );
        } else {
            seen.names.insert(name.clone(), self.at(&p.name.referenced));
        }
        self.pair_groups(&p.groups, known.group_names);
        let display_name = p.display_name.as_ref().and_then(|d| self.label(d, "display_name"));
        let (origin, target) = self.pair_hosts(p, known, &mut seen.hosts);
        let (origin, target) = (origin?, target?);
        Some(Pair {
            name: name.clone(),
            display_name,
            wave: p.wave.as_ref().map_or(1, |w| w.value.0),
            groups: p.groups.iter().map(|g| g.value.clone()).collect(),
            origin,
            target,
            vars: self.vars(&p.vars, VarSource::Pair, name),
            location: self.at(&raw_pair.referenced),
        })
    }

    /// A pair's `groups:`: each defined, none listed twice (the order is the precedence).
    fn pair_groups(&mut self, listed: &[Spanned<String>], group_names: &[&str]) {
        let mut once = HashSet::new();
        for g in listed {
            if !once.insert(g.value.as_str()) {
                self.error(&g.referenced, format!("group `{}` listed twice", g.value), None);
            } else if !group_names.contains(&g.value.as_str()) {
                let help = match suggest::closest(&g.value, group_names.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`? Otherwise define it under `groups:`"),
                    None => "define it under `groups:` at the top level".to_string(),
                };
                self.error(&g.referenced, format!("group `{}` is not defined", g.value), Some(help));
            }
        }
    }

    /// A pair's origin and target, each resolved through its layers (host > each listed group in
    /// order > defaults), then checked against each other and against the other pairs' hosts.
    fn pair_hosts(
        &mut self,
        p: &RawPair,
        known: &Known<'_>,
        hosts: &mut HostsSeen,
    ) -> (Option<Endpoint>, Option<Endpoint>) {
        let name = &p.name.value;
        let mut shared: Vec<Layer<'_>> = Vec::new();
        for g in &p.groups {
            if let Some(conn) = known.connections.get(&g.value) {
                shared.push(Layer { raw: conn, label: format!("group {}", g.value) });
            }
        }
        shared.push(Layer { raw: known.defaults, label: "defaults".into() });
        fn with_host<'b>(raw: &'b RawEndpoint, shared: &[Layer<'b>]) -> Vec<Layer<'b>> {
            let mut layers = vec![Layer { raw, label: "host".into() }];
            layers.extend(shared.iter().map(|l| Layer { raw: l.raw, label: l.label.clone() }));
            layers
        }
        let origin = self.endpoint(&p.origin, &with_host(&p.origin.value, &shared), "origin");
        let target = self.endpoint(&p.target, &with_host(&p.target.value, &shared), "target");
        if let (Some(o), Some(t)) = (&origin, &target)
            && o.address == t.address
            && o.port == t.port
        {
            self.error(
                &p.target.referenced,
                format!(
                    "pair `{name}` has the same origin and target ({}:{}); a migration needs two different servers",
                    o.address, o.port
                ),
                None,
            );
        }
        for (side, endpoint, raw) in [("origin", &origin, &p.origin), ("target", &target, &p.target)] {
            if let Some(endpoint) = endpoint {
                let at = raw.value.host.as_ref().map_or(raw.referenced, |h| h.referenced);
                self.host_once(hosts, name, side, endpoint, &at);
            }
        }
        (origin, target)
    }

    /// A host (address:port, after ssh config) belongs to one pair, as one role: two pairs
    /// sharing a target overwrite each other, and a chain of migrations (a target that is
    /// another pair's origin) is not supported in one inventory.
    fn host_once(
        &mut self,
        hosts: &mut HostsSeen,
        pair: &str,
        side: &'static str,
        endpoint: &Endpoint,
        at: &serde_saphyr::Location,
    ) {
        let key = (endpoint.address.to_ascii_lowercase(), endpoint.port);
        let Some((first_pair, first_side, first_at)) = hosts.get(&key).cloned() else {
            hosts.insert(key, (pair.to_string(), side, self.at(at)));
            return;
        };
        if first_pair == pair {
            return; // same origin and target: reported on its own
        }
        let help = if first_side == side {
            format!("each pair needs its own {side}: fix the copy/paste, or remove one of the pairs")
        } else {
            "a chain of migrations (one pair's target is another's origin) is not supported in one inventory: migrate the first pair, then the second from another inventory".to_string()
        };
        self.error(
            at,
            format!(
                "{}:{} is the {side} of pair `{pair}` and already the {first_side} of pair `{first_pair}` (at {first_at}); a host belongs to one pair, as one role",
                endpoint.address, endpoint.port
            ),
            Some(help),
        );
    }

    fn endpoint(&mut self, raw: &Spanned<RawEndpoint>, layers: &[Layer<'_>], side: &str) -> Option<Endpoint> {
        let Some(host) = raw.value.host.as_ref() else {
            self.error(&raw.referenced, format!("the {side} has no `host`"), None);
            return None;
        };
        if host.value.trim().is_empty()
            || host.value.starts_with('-')
            || host.value.contains(char::is_whitespace)
        {
            self.error(
                &host.referenced,
                format!("`{}` is not a host name or address", host.value.escape_debug()),
                None,
            );
            return None;
        }
        let resolve = |f: &str| self.resolve(f);
        let resolver = Resolver { ssh_config: self.ssh_config, resolve_path: &resolve, home: home() };
        match resolver.endpoint(&host.value, layers) {
            Ok(endpoint) => Some(endpoint),
            Err(problems) => {
                for p in problems {
                    self.error(&p.at.unwrap_or(raw.referenced), p.message, p.help);
                }
                None
            }
        }
    }

    /// `~/x` is under $HOME; a relative path is relative to the inventory's directory, so an
    /// inventory and its keys can move together.
    pub(super) fn resolve(&self, file: &str) -> PathBuf {
        if let Some(rest) = file.strip_prefix("~/") {
            return home().join(rest);
        }
        let path = PathBuf::from(file);
        if path.is_absolute() { path } else { self.path.parent().unwrap_or(Path::new(".")).join(path) }
    }

    /// One layer's variables; `owner` names the pair of a pair's (see `Inventory::value_span`).
    fn vars(&mut self, raw: &RawVars, source: VarSource, owner: &str) -> Vars {
        let mut vars = BTreeMap::new();
        for (name, value) in raw {
            if !is_identifier(&name.value) {
                self.error(
                    &name.referenced,
                    format!("`{}` is not a valid variable name", name.value.escape_debug()),
                    Some("use letters, digits and underscores, not starting with a digit, so templates can write {{ name }}".into()),
                );
            } else if name.value == "host_state_override" {
                self.error(
                    &name.referenced,
                    "`host_state_override` cannot be set in an inventory: it would lift the host-state safety checks on every run".into(),
                    Some("for a deliberate re-sync, pass --unsafe-override-host-state PAIR to that one run".into()),
                );
            } else if RESERVED_VARS.contains(&name.value.as_str()) {
                self.error(
                    &name.referenced,
                    format!("`{}` is reserved: bmfleet sets it for every step", name.value),
                    Some("choose another name".into()),
                );
            }
            let key = (source.clone(), owner.to_string(), name.value.clone());
            let mut span = ValueSpan::of(self.path, value);
            span.name_at = Some(Location::of_yaml(self.path, &name.referenced));
            self.spans.insert(key, span);
            vars.insert(name.value.clone(), value.value.value.clone());
        }
        vars
    }

    fn pair_name(&mut self, name: &Spanned<String>) {
        if !is_name(&name.value) {
            self.error(
                &name.referenced,
                format!("`{}` is not a valid pair name", name.value.escape_debug()),
                Some("use letters, digits, `-`, `_` and `.`, starting with a letter or digit (names appear in --limit patterns, file names and logs)".into()),
            );
        } else if name.value == "all" || is_wave_group(&name.value) {
            self.error(
                &name.referenced,
                format!("`{}` is the name of an implicit group and cannot name a pair", name.value),
                None,
            );
        }
    }

    fn group_name(&mut self, name: &Spanned<String>) {
        if !is_name(&name.value) {
            self.error(
                &name.referenced,
                format!("`{}` is not a valid group name", name.value.escape_debug()),
                Some("use letters, digits, `-`, `_` and `.`, starting with a letter or digit".into()),
            );
        } else if name.value == "all" || is_wave_group(&name.value) {
            self.error(
                &name.referenced,
                format!(
                    "`{}` is an implicit group (every pair, or a wave) and cannot be redefined",
                    name.value
                ),
                Some("use `wave: N` on pairs to put them in a wave".into()),
            );
        }
    }
}

/// Hosts already listed, by (address, port): the pair, the side and where.
type HostsSeen = HashMap<(String, u16), (String, &'static str, Location)>;

/// What the pairs already read have taken: their names (with where) and their hosts.
#[derive(Default)]
struct PairsSeen {
    names: HashMap<String, Location>,
    hosts: HostsSeen,
}

/// What a pair is checked against: the layers its hosts' settings come from, and the groups.
struct Known<'a> {
    defaults: &'a RawEndpoint,
    connections: &'a HashMap<String, RawEndpoint>,
    group_names: &'a [&'a str],
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/root"))
}

pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Pair and group names: safe in file names, patterns and log lines.
fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn is_wave_group(s: &str) -> bool {
    s.strip_prefix("wave").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}
