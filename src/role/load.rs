//! Loading a role directory: parse `role.yml`, check it, and compile every template once. All
//! problems are reported together, each located in `role.yml` or in the template file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_saphyr::Spanned;

use super::files::RoleFiles;
use super::render::{Renderer, TemplateSource, quoting_errors};
use super::schema::{RawPhase, RawRole};
use super::{DEFAULT_TIMEOUT, Expr, Phase, Role};
use crate::diag::{Diagnostic, Diagnostics, Location};
use crate::error::{Error, Result};
use crate::inventory::Vars;
use crate::values::parse_duration;

// What a role declares besides its phases (its variables' types, what the journal keeps), checked
// against the phases and the defaults: a concern of its own, beside the steps' loading here.
mod declarations;
// One step of role.yml, key by key: where a new step key is checked.
mod step;

/// Load the role in `dir` (which holds `role.yml`).
pub fn load(dir: &Path) -> Result<Role> {
    load_from(RoleFiles::Dir(dir.to_path_buf()))
}

/// Load a role from a directory or from the copy built into the binary.
pub fn load_from(files: RoleFiles) -> Result<Role> {
    let path = files.display_path("role.yml");
    let source: Arc<str> =
        files.read("role.yml").map_err(|source| Error::Read { path: path.clone(), source })?.into();
    let raw: RawRole = serde_saphyr::from_str(&source)
        .map_err(|e| Error::input(Diagnostic::from_yaml(&path, &source, &e)))?;
    let mut loader = Loader {
        files: &files,
        path: &path,
        source: source.clone(),
        renderer: Renderer::new(),
        errors: Vec::new(),
    };
    let role = loader.role(raw);
    if loader.errors.is_empty() { Ok(role) } else { Err(Error::BadInput(Diagnostics(loader.errors))) }
}

struct Loader<'a> {
    files: &'a RoleFiles,
    path: &'a Path,
    source: Arc<str>,
    renderer: Renderer,
    errors: Vec<Diagnostic>,
}

impl Loader<'_> {
    fn error_at(&mut self, loc: &serde_saphyr::Location, message: impl Into<String>, help: Option<&str>) {
        let mut diag = Diagnostic::new(message).at(Location::of_yaml(self.path, loc), Some(&self.source));
        if let Some(help) = help {
            diag = diag.help(help);
        }
        self.errors.push(diag);
    }

    fn origin(&self, loc: &serde_saphyr::Location) -> TemplateSource {
        TemplateSource::yaml_value(self.path, self.source.clone(), loc)
    }

    fn duration(&mut self, text: &Spanned<String>) -> Duration {
        parse_duration(&text.value).unwrap_or_else(|| {
            self.error_at(
                &text.referenced,
                format!("`{}` is not a duration", text.value),
                Some("write e.g. `90`, `30s`, `5m`, `2h` or `1h30m`"),
            );
            Duration::ZERO
        })
    }

    /// Check and compile the whole role, in the order role.yml reads, every problem collected.
    fn role(&mut self, raw: RawRole) -> Role {
        let name = raw.name.clone().unwrap_or_else(|| self.files.dir_name());
        let mut defaults = Vars::new();
        for (k, v) in &raw.defaults {
            if !crate::inventory::is_identifier(&k.value) {
                self.error_at(&k.referenced, format!("`{}` is not a valid variable name", k.value), None);
            }
            defaults.insert(k.value.clone(), v.value.value.clone());
        }
        let var_specs = self.var_specs(&raw);
        self.templates_dir();
        let role_timeout = raw.timeout.as_ref().map(|t| self.duration(t)).unwrap_or(DEFAULT_TIMEOUT);
        let mut phases: Vec<Phase> = Vec::new();
        for raw_phase in &raw.phases {
            let phase = self.phase(&raw_phase.value, &phases, role_timeout);
            phases.push(phase);
        }
        self.check_rollbacks(&raw, &phases);
        self.check_flags(&raw, &phases);
        let journal = self.journal(&raw, &phases, &var_specs);
        Role {
            name,
            dir: match self.files {
                RoleFiles::Dir(dir) => dir.clone(),
                RoleFiles::Builtin { .. } => PathBuf::new(),
            },
            secrets: raw.secrets,
            defaults,
            var_specs,
            phases,
            journal,
            renderer: std::mem::take(&mut self.renderer),
        }
    }

    /// Load one phase: its name, the earlier phases it names, its steps.
    fn phase(&mut self, p: &RawPhase, earlier: &[Phase], role_timeout: Duration) -> Phase {
        let phase_name = p.name.value.clone();
        if !is_phase_name(&phase_name) {
            self.error_at(
                &p.name.referenced,
                format!("`{phase_name}` is not a valid phase name"),
                Some("use lowercase letters, digits and `-` (phase names are also commands)"),
            );
        }
        if earlier.iter().any(|q| q.name == phase_name) {
            self.error_at(&p.name.referenced, format!("phase `{phase_name}` is defined twice"), None);
        }
        self.earlier_phases(&phase_name, "requires", &p.requires, earlier);
        self.earlier_phases(&phase_name, "resets", &p.resets, earlier);
        let mut names = HashSet::new();
        let mut steps = Vec::new();
        for raw_step in &p.steps {
            let s = &raw_step.value;
            if !names.insert(s.name.value.clone()) {
                self.error_at(
                    &s.name.referenced,
                    format!("step `{}` appears twice in phase `{phase_name}`", s.name.value),
                    Some("step names must be unique within a phase"),
                );
            }
            let location = Location::of_yaml(self.path, &raw_step.referenced);
            self.check_after(p, s);
            if let Some(step) = self.step(&phase_name, s, location, role_timeout) {
                steps.push(Arc::new(step));
            }
        }
        if p.steps.is_empty() {
            self.error_at(&p.name.referenced, format!("phase `{phase_name}` has no steps"), None);
        }
        Phase {
            name: phase_name,
            description: p.description.clone(),
            requires: p.requires.iter().map(|r| r.value.clone()).collect(),
            resets: p.resets.iter().map(|r| r.value.clone()).collect(),
            confirm: p.confirm.clone(),
            rollback: p.rollback.as_ref().map(|r| r.value.clone()),
            standalone: p.standalone,
            needs_limit: p.needs_limit,
            stops_services: p.stops_services,
            after_point_of_no_return: p.after_point_of_no_return.unwrap_or_default(),
            message: p.message.clone(),
            read_only: p.read_only,
            precheck: p.precheck,
            schedule: p.schedule.clone(),
            flag_of: p.flag_of.as_ref().map(|f| (f.phase.value.clone(), f.flag.value.clone())),
            steps,
        }
    }

    /// `requires:`/`resets:` (`key`) name earlier phases of the role.
    fn earlier_phases(&mut self, phase_name: &str, key: &str, names: &[Spanned<String>], earlier: &[Phase]) {
        for name in names {
            if !earlier.iter().any(|q| q.name == name.value) {
                self.error_at(
                    &name.referenced,
                    format!(
                        "phase `{phase_name}` {key} `{}`, which is not an earlier phase of this role",
                        name.value
                    ),
                    None,
                );
            }
        }
    }

    /// `rollback:` names a standalone phase of the role (any position: rollbacks come last),
    /// which has no rollback of its own.
    fn check_rollbacks(&mut self, raw: &RawRole, phases: &[Phase]) {
        for raw_phase in &raw.phases {
            let Some(rollback) = &raw_phase.value.rollback else { continue };
            let name = &raw_phase.value.name.value;
            let problem = match phases.iter().find(|p| p.name == rollback.value) {
                None => Some(format!(
                    "phase `{name}` names `{}` as its rollback, which is not a phase of this role",
                    rollback.value
                )),
                Some(p) if !p.standalone => Some(format!(
                    "the rollback `{}` of phase `{name}` must be `standalone: true` (migrate must not run it in sequence)",
                    p.name
                )),
                Some(p) if p.rollback.is_some() => {
                    Some(format!("the rollback `{}` of phase `{name}` cannot have a rollback itself", p.name))
                }
                Some(_) => None,
            };
            if let Some(message) = problem {
                self.error_at(&rollback.referenced, message, None);
            }
        }
    }

    /// `flag_of:` names a phase of the role that runs by its own name (not itself run by a
    /// flag), with a flag name that could be a long option, once per phase.
    fn check_flags(&mut self, raw: &RawRole, phases: &[Phase]) {
        let mut seen = HashSet::new();
        for raw_phase in &raw.phases {
            let Some(f) = &raw_phase.value.flag_of else { continue };
            let name = &raw_phase.value.name.value;
            let problem = match phases.iter().find(|p| p.name == f.phase.value) {
                None => Some(format!(
                    "phase `{name}`: flag_of names `{}`, which is not a phase of this role",
                    f.phase.value
                )),
                Some(p) if p.flag_of.is_some() => {
                    Some(format!("phase `{name}`: flag_of names `{}`, itself run by a flag", p.name))
                }
                Some(_) => None,
            };
            if let Some(message) = problem {
                self.error_at(&f.phase.referenced, message, None);
            }
            if !is_phase_name(&f.flag.value) {
                self.error_at(
                    &f.flag.referenced,
                    format!("`{}` is not a valid flag name", f.flag.value),
                    Some("use lowercase letters, digits and `-`, without the leading `--`"),
                );
            } else if !seen.insert((f.phase.value.clone(), f.flag.value.clone())) {
                self.error_at(
                    &f.flag.referenced,
                    format!("flag `--{}` of `{}` is declared twice", f.flag.value, f.phase.value),
                    None,
                );
            }
        }
    }

    fn compile_shell(&mut self, name: &str, content: &str, origin: TemplateSource) -> Option<String> {
        self.errors.extend(quoting_errors(content, &origin));
        match self.renderer.add_shell(name, content, origin) {
            Ok(()) => Some(name.to_string()),
            Err(e) => {
                self.errors.push(e.0);
                None
            }
        }
    }

    /// Compile every file under `templates/` once, named by its path relative to the role
    /// directory (`templates/lib/origin-ssh.sh`), so that steps and `{% include %}` can use it.
    fn templates_dir(&mut self) {
        let mut batch = Vec::new();
        for rel in self.files.templates() {
            let path = self.files.display_path(&rel);
            match self.files.read(&rel) {
                Ok(content) => {
                    let origin = TemplateSource::file(&path, Arc::from(content.as_str()));
                    self.errors.extend(quoting_errors(&content, &origin));
                    batch.push((rel, content, origin));
                }
                Err(e) => {
                    self.errors.push(Diagnostic::new(format!("cannot read template {}: {e}", path.display())))
                }
            }
        }
        if let Err(e) = self.renderer.add_shell_batch(batch) {
            self.errors.push(e.0);
        }
    }

    /// A step's `template:`, relative to the role directory (compiled by `templates_dir`).
    fn template_file(&mut self, t: &Spanned<String>) -> Option<String> {
        let rel = PathBuf::from(&t.value);
        if rel.is_absolute() || rel.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
            self.error_at(
                &t.referenced,
                format!("template `{}` must be a path inside the role directory", t.value),
                None,
            );
            return None;
        }
        let name = rel.to_string_lossy().into_owned();
        if self.renderer.has_template(&name) {
            return Some(name);
        }
        let path = self.files.display_path(&name);
        let content = match self.files.read(&name) {
            Ok(c) => c,
            Err(e) => {
                self.error_at(
                    &t.referenced,
                    format!("cannot read template {}: {e}", path.display()),
                    Some("templates live under the role directory, e.g. `templates/hot-sync/rsync.sh`"),
                );
                return None;
            }
        };
        let origin = TemplateSource::file(&path, Arc::from(content.as_str()));
        self.compile_shell(&name, &content, origin)
    }

    fn expr(&mut self, name: &str, e: &Spanned<String>) -> Option<Expr> {
        let origin = self.origin(&e.referenced);
        match self.renderer.add_expr(name, &e.value, origin) {
            Ok(()) => Some(Expr { source: e.value.clone(), template: name.to_string() }),
            Err(err) => {
                self.errors.push(err.0);
                None
            }
        }
    }
}

fn is_phase_name(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_value_without_a_shell_a_bad_name_or_an_unrecorded_databases_size_is_refused_located() {
        let dir = tempfile::tempdir().unwrap();
        let yml = "journal:\n  databases_bytes: db_size\nphases:\n  - name: p\n    steps:\n      - { name: a, assert: { that: 'true', message: m }, record_value: x }\n      - { name: b, on: origin, run: echo 1, record_value: 'no good' }\n";
        std::fs::write(dir.path().join("role.yml"), yml).unwrap();
        let err = crate::role::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("role.yml:6:72: step `p/a` has `record_value` but no shell"), "{err}");
        assert!(err.contains("role.yml:7:59: `no good` cannot be a `record_value` name"), "{err}");
        assert!(
            err.contains("role.yml:2:20: journal: databases_bytes `db_size` is recorded by no step"),
            "{err}"
        );

        let ok = "journal:\n  databases_bytes: db_size\nphases:\n  - name: p\n    steps:\n      - { name: b, on: origin, run: echo 1, record_value: db_size }\n";
        std::fs::write(dir.path().join("role.yml"), ok).unwrap();
        let role = crate::role::load(dir.path()).unwrap();
        assert_eq!(role.journal.databases_bytes.as_deref(), Some("db_size"));
        assert_eq!(role.phases[0].steps[0].record_value.as_deref(), Some("db_size"));
    }
    /// `journal: method:` names a value a step records, and has a title and labels.
    #[test]
    fn a_method_that_no_step_records_or_without_labels_is_refused_located() {
        let dir = tempfile::tempdir().unwrap();
        let yml = "journal:\n  method: { value: how, title: t, labels: [] }\nphases:\n  - name: p\n    steps:\n      - { name: b, on: origin, run: echo 1 }\n";
        std::fs::write(dir.path().join("role.yml"), yml).unwrap();
        let err = crate::role::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("role.yml:2:20: journal: method `how` is recorded by no step"), "{err}");
        assert!(err.contains("journal: method needs a title and a label for each number"), "{err}");
        let ok = "journal:\n  method: { value: how, title: t, labels: [a, b] }\nphases:\n  - name: p\n    steps:\n      - { name: b, on: origin, run: echo 1, record_value: how }\n";
        std::fs::write(dir.path().join("role.yml"), ok).unwrap();
        let role = crate::role::load(dir.path()).unwrap();
        assert_eq!(role.journal.method.map(|m| m.labels), Some(vec!["a".to_string(), "b".to_string()]));
    }
}
