//! What a role declares besides its phases, checked at load: its variables (`vars:`, each with a
//! type and a default, every default declared) and what its journal keeps (`journal:`, each name
//! a phase, a record or a declared variable of the role). A mistake in either would not fail a
//! step: it would let an inventory's typo through, or make `status` predict the wrong thing, so
//! both are refused here with the line and column of role.yml.

use serde_saphyr::Spanned;

use super::Loader;
use crate::diag::{Diagnostic, Location};
use crate::inventory::located::ValueSpan;
use crate::role::journal::{Downtime, JournalSpec, Method, VarEquals};
use crate::role::schema::{RawRole, RawVarEquals};
use crate::role::vars::VarSpecs;
use crate::role::{Phase, Step};

impl Loader<'_> {
    /// The role's `vars:` specs, compiled, and its own defaults checked against them.
    pub(super) fn var_specs(&mut self, raw: &RawRole) -> VarSpecs {
        let mut specs = VarSpecs::new();
        for (name, spec) in &raw.vars {
            let mut compiled = spec.value.clone();
            if let Err(why) = compiled.compile() {
                self.error_at(&spec.referenced, format!("variable `{}`: {why}", name.value), None);
                continue;
            }
            if let Some((_, default)) = raw.defaults.iter().find(|(k, _)| k.value == name.value) {
                let span = ValueSpan::of(self.path, default);
                let at = |i: Option<usize>| i.map_or(&span.at, |i| span.item(i)).clone();
                for (location, message) in compiled.check(&name.value, &default.value.value, &at) {
                    let help = format!("expected {}", compiled.expected());
                    self.errors.push(Diagnostic::new(message).at(location, Some(&self.source)).help(help));
                }
            }
            specs.insert(name.value.clone(), compiled);
        }
        // Every variable is declared, so that an inventory's typo of its name can be refused
        // (vars/inventory.rs), and every declared variable has a default, so that no template
        // meets an undefined name on a pair that did not set it.
        for name in raw.defaults.keys() {
            if !raw.vars.keys().any(|k| k.value == name.value) {
                let message = format!("default `{}` is not declared in `vars:`", name.value);
                let help = "declare it, e.g. `vars: { NAME: { type: line, description: \"what it is for\" } }` (docs/roles.md, \"Role variables\")";
                self.error_at(&name.referenced, message, Some(help));
            }
        }
        for name in raw.vars.keys() {
            if !raw.defaults.keys().any(|k| k.value == name.value) {
                let message = format!("variable `{}` has no value in `defaults:`", name.value);
                self.error_at(&name.referenced, message, Some("give it a default value in `defaults:`"));
            }
        }
        specs
    }

    /// The `journal:` section: each sync names a phase of the role (not a standalone one, and
    /// not both the same), each downtime bound the `record:` of one of its steps.
    pub(super) fn journal(&mut self, raw: &RawRole, phases: &[Phase], specs: &VarSpecs) -> JournalSpec {
        let Some(section) = &raw.journal else { return JournalSpec::default() };
        let j = &section.value;
        let phase_of = |this: &mut Self, key: &str, name: &Option<Spanned<String>>| {
            let name = name.as_ref()?;
            let problem = match phases.iter().find(|p| p.name == name.value) {
                None => Some(format!("journal: {key} `{}` is not a phase of this role", name.value)),
                Some(p) if p.standalone => Some(format!(
                    "journal: {key} `{}` is a standalone phase, not part of the sequence",
                    p.name
                )),
                Some(_) => None,
            };
            if let Some(message) = problem {
                let phases = phases.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ");
                this.error_at(&name.referenced, message, Some(&format!("the role's phases: {phases}")));
            }
            Some(name.value.clone())
        };
        let repeatable_sync = phase_of(self, "repeatable_sync", &j.repeatable_sync);
        let final_sync = phase_of(self, "final_sync", &j.final_sync);
        if let (Some(r), Some(f)) = (&j.repeatable_sync, &j.final_sync)
            && r.value == f.value
        {
            self.error_at(&f.referenced, format!("journal: `{}` cannot be both syncs", f.value), None);
        }
        let downtime = j.downtime.as_ref().map(|d| {
            for bound in [&d.start, &d.end] {
                self.recorded_by_a_step(
                    phases,
                    bound,
                    "downtime",
                    |s| s.record.as_ref(),
                    "name the `record:` of the step where the downtime starts or ends",
                );
            }
            Downtime { start: d.start.value.clone(), end: d.end.value.clone() }
        });
        let databases_bytes = j.databases_bytes.as_ref().map(|name| {
            self.recorded_by_a_step(
                phases,
                name,
                "databases_bytes",
                |s| s.record_value.as_ref(),
                "name the `record_value:` of the step that prints the databases' size",
            );
            name.value.clone()
        });
        let freeze_check_ms = j.freeze_check_ms.as_ref().map(|name| {
            self.recorded_by_a_step(
                phases,
                name,
                "freeze_check_ms",
                |s| s.record_value.as_ref(),
                "name the `record_value:` of the step that times the freeze's count",
            );
            name.value.clone()
        });
        let final_sync_lists =
            j.final_sync_lists.as_ref().map(|l| self.var_equals(raw, specs, "final_sync_lists", l));
        let warm_pass = j.warm_pass.as_ref().map(|l| self.var_equals(raw, specs, "warm_pass", l));
        let method = j.method.as_ref().map(|m| {
            self.recorded_by_a_step(
                phases,
                &m.value,
                "method",
                |s| s.record_value.as_ref(),
                "name the `record_value:` of the step that prints the method's number",
            );
            if m.labels.value.is_empty() || m.title.value.trim().is_empty() {
                let message =
                    "journal: method needs a title and a label for each number it records (0 first)";
                self.error_at(&m.labels.referenced, message, None);
            }
            Method {
                value: m.value.value.clone(),
                title: m.title.value.clone(),
                labels: m.labels.value.clone(),
            }
        });
        JournalSpec {
            repeatable_sync,
            final_sync,
            downtime,
            databases_bytes,
            freeze_check_ms,
            final_sync_lists,
            warm_pass,
            method,
        }
    }

    /// A `journal:` `{ var, equals }` (`key`): a variable of the role, and a value it can hold
    /// (as written, or as the YAML scalar it reads as: `"true"` for a boolean).
    fn var_equals(&mut self, raw: &RawRole, specs: &VarSpecs, key: &str, l: &RawVarEquals) -> VarEquals {
        if !raw.defaults.iter().any(|(k, _)| k.value == l.var.value) {
            let message =
                format!("journal: {key} names `{}`, which is no variable of this role", l.var.value);
            self.error_at(&l.var.referenced, message, Some("name a variable of `defaults:`"));
        } else if let Some(spec) = specs.get(&l.var.value) {
            // A value the variable can never hold would make every prediction the other way.
            let here = Location::of_yaml(self.path, &l.equals.referenced);
            let fails = |value: serde_json::Value| {
                spec.check(&l.var.value, &value, &|_| here.clone()).into_iter().next().map(|(_, why)| why)
            };
            if let Some(why) = fails(serde_json::Value::String(l.equals.value.clone()))
                && !serde_json::from_str(&l.equals.value).is_ok_and(|v| fails(v).is_none())
            {
                let message = format!("journal: {key} equals a value the variable never holds: {why}");
                self.error_at(&l.equals.referenced, message, Some(&format!("expected {}", spec.expected())));
            }
        }
        VarEquals { var: l.var.value.clone(), equals: l.equals.value.clone() }
    }

    /// A `journal:` name (`what`) must be what some step records (`recorded` of the step).
    fn recorded_by_a_step(
        &mut self,
        phases: &[Phase],
        name: &Spanned<String>,
        what: &str,
        recorded: fn(&Step) -> Option<&String>,
        help: &str,
    ) {
        if !phases.iter().flat_map(|p| &p.steps).any(|s| recorded(s) == Some(&name.value)) {
            let message = format!("journal: {what} `{}` is recorded by no step", name.value);
            self.error_at(&name.referenced, message, Some(help));
        }
    }
}
