//! One step of role.yml, loaded: each key checked with its location in role.yml, the variables
//! it uses collected (the plan asks for them). The step's keys are a concern of their own,
//! beside the role's and its phases' in `load.rs`: a new step key adds its check here.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_saphyr::Spanned;

use super::Loader;
use crate::diag::Location;
use crate::role::schema::{Count, RawPhase, RawStep, StepHost};
use crate::role::{Assert, Step};

impl Loader<'_> {
    /// Load one step of phase `phase`: every key checked with its location; `None` when one is
    /// wrong (its diagnostics are kept). A new step key adds its check (and its line in
    /// `Step { .. }`) here.
    pub(super) fn step(
        &mut self,
        phase: &str,
        s: &RawStep,
        location: Location,
        role_timeout: Duration,
    ) -> Option<Step> {
        let id = format!("{phase}/{}", s.name.value);
        let before = self.errors.len();
        let mut uses = BTreeSet::new();
        let script = self.script(s, &id);
        if let Some(name) = &script {
            uses.extend(self.renderer.variables(name));
        }
        let on = self.host(s, &id, script.is_some());
        if script.is_none() && s.assert.is_none() && s.run.is_none() && s.template.is_none() {
            self.error_at(
                &s.name.referenced,
                format!("step `{id}` has nothing to do"),
                Some("give it `run:`, `template:` or `assert:`"),
            );
        }
        let when = s.when.as_ref().and_then(|w| self.expr(&format!("{id}#when"), w));
        let assert = self.assert(s, &id);
        for expr in when.iter().chain(assert.iter().flat_map(|a| a.that.iter())) {
            uses.extend(self.renderer.variables(&expr.template));
        }
        if let Some(a) = &assert {
            uses.extend(self.renderer.variables(&a.message));
        }
        let register = self.register(s);
        let loop_over = self.loop_over(s, &mut uses);
        self.max_parallel(s, &mut uses);
        let record_value = self.record_value(s, &id, script.is_some());
        let manual_actions = self.manual_actions(s, &id, script.is_some());
        let timeout = s.timeout.as_ref().map(|t| self.duration(t)).unwrap_or(role_timeout);
        let retry_delay = s.retry_delay.as_ref().map(|t| self.duration(t)).unwrap_or(Duration::from_secs(5));
        if self.errors.len() > before {
            return None;
        }
        Some(Step {
            phase: phase.to_string(),
            name: s.name.value.clone(),
            on,
            script,
            ok_codes: s.ok_codes.clone().unwrap_or_else(|| vec![0]),
            warn_codes: s.warn_codes.clone().unwrap_or_default(),
            timeout,
            retries: s.retries.unwrap_or(0),
            retry_delay,
            when,
            register,
            assert,
            parallel: s.parallel.clone(),
            max_parallel: s.max_parallel.as_ref().map(|m| m.value.clone()),
            after: s.after.iter().map(|a| a.value.clone()).collect(),
            probe: s.probe,
            loop_over,
            check: s.check.clone(),
            progress: s.progress,
            stats: s.stats,
            record: s.record.clone(),
            record_value,
            point_of_no_return: s.point_of_no_return,
            manual_actions,
            location,
            uses,
        })
    }

    /// Its shell: `run:` (inline) or `template:` (a file), compiled; the template's name.
    fn script(&mut self, s: &RawStep, id: &str) -> Option<String> {
        match (&s.run, &s.template) {
            (Some(_), Some(t)) => {
                self.error_at(
                    &t.referenced,
                    format!("step `{id}` has both `run` and `template`"),
                    Some("keep one of them"),
                );
                None
            }
            (Some(run), None) => {
                let name = format!("{}#{id}", self.path.display());
                let origin = self.origin(&run.referenced);
                self.compile_shell(&name, &run.value, origin)
            }
            (None, Some(t)) => self.template_file(t),
            (None, None) => None,
        }
    }

    /// Where it runs: `on:`, which a step with a shell must say (a check alone runs on the
    /// controller).
    fn host(&mut self, s: &RawStep, id: &str, has_script: bool) -> StepHost {
        match (s.on, has_script) {
            (Some(on), _) => on,
            (None, false) => StepHost::Controller,
            (None, true) => {
                self.error_at(
                    &s.name.referenced,
                    format!("step `{id}` does not say where it runs"),
                    Some("add `on: origin`, `on: target` or `on: controller`"),
                );
                StepHost::Controller
            }
        }
    }

    /// `assert:`: its expressions and its message, compiled.
    fn assert(&mut self, s: &RawStep, id: &str) -> Option<Assert> {
        match &s.assert {
            Some(a) => {
                let mut that = Vec::new();
                let exprs = a.that.value.clone().into_vec();
                for (i, e) in exprs.iter().enumerate() {
                    let spanned =
                        Spanned { value: e.clone(), referenced: a.that.referenced, defined: a.that.defined };
                    that.extend(self.expr(&format!("{id}#assert{i}"), &spanned));
                }
                let message = format!("{id}#message");
                let origin = self.origin(&a.message.referenced);
                if let Err(e) = self.renderer.add_text(&message, &a.message.value, origin) {
                    self.errors.push(e.0);
                }
                Some(Assert { that, message })
            }
            None => None,
        }
    }

    /// `register:` names a variable later steps read: an identifier, not a reserved name.
    fn register(&mut self, s: &RawStep) -> Option<String> {
        s.register.as_ref().map(|r| {
            if !crate::inventory::is_identifier(&r.value)
                || crate::inventory::RESERVED_VARS.contains(&r.value.as_str())
            {
                self.error_at(
                    &r.referenced,
                    format!("`{}` cannot be a register name", r.value),
                    Some("use letters, digits and underscores; not a reserved name"),
                );
            }
            r.value.clone()
        })
    }

    /// `loop:` names a list variable (which the step then uses).
    fn loop_over(&mut self, s: &RawStep, uses: &mut BTreeSet<String>) -> Option<String> {
        s.loop_over.as_ref().map(|l| {
            if !crate::inventory::is_identifier(&l.value) {
                self.error_at(
                    &l.referenced,
                    format!("`loop:` takes the name of a list variable, not `{}`", l.value),
                    None,
                );
            }
            uses.insert(l.value.clone());
            l.value.clone()
        })
    }

    /// `max_parallel:` is at least 1, or names a variable (which the step then uses).
    fn max_parallel(&mut self, s: &RawStep, uses: &mut BTreeSet<String>) {
        if let Some(mp) = &s.max_parallel {
            match &mp.value {
                Count::Number(0) => self.error_at(&mp.referenced, "`max_parallel` must be at least 1", None),
                Count::Var(v) if !crate::inventory::is_identifier(v) => self.error_at(
                    &mp.referenced,
                    format!("`max_parallel` takes a number or a variable name, not `{v}`"),
                    None,
                ),
                Count::Var(v) => {
                    uses.insert(v.clone());
                }
                Count::Number(_) => {}
            }
        }
    }

    /// `record_value:` is a plain name, on a step with a shell (what it prints is the value).
    fn record_value(&mut self, s: &RawStep, id: &str, has_script: bool) -> Option<String> {
        let r = s.record_value.as_ref()?;
        if !crate::inventory::is_identifier(&r.value) {
            self.error_at(
                &r.referenced,
                format!("`{}` cannot be a `record_value` name", r.value),
                Some("use letters, digits and underscores"),
            );
        } else if !has_script {
            self.error_at(
                &r.referenced,
                format!("step `{id}` has `record_value` but no shell to print the value"),
                Some("give it `run:` or `template:` printing the number on its last line"),
            );
        }
        Some(r.value.clone())
    }

    /// `manual_actions: true` is for a step with a shell (what it prints are the actions).
    fn manual_actions(&mut self, s: &RawStep, id: &str, has_script: bool) -> bool {
        let Some(m) = s.manual_actions.as_ref().filter(|m| m.value) else { return false };
        if !has_script {
            self.error_at(
                &m.referenced,
                format!("step `{id}` has `manual_actions` but no shell to print them"),
                Some("give it `run:` or `template:` printing `BMFLEET-MANUAL: what to do` lines"),
            );
        }
        true
    }

    /// `after:` names an earlier step of the same parallel group of phase `p`.
    pub(super) fn check_after(&mut self, p: &RawPhase, s: &RawStep) {
        for after in &s.after {
            // `after` names an earlier step of the same parallel group.
            let earlier = p.steps.iter().take_while(|r| r.value.name.value != s.name.value);
            let same_group = earlier.filter(|r| r.value.parallel.is_some() && r.value.parallel == s.parallel);
            if !same_group.map(|r| &r.value.name.value).any(|n| *n == after.value) {
                self.error_at(
                &after.referenced,
                format!("step `{}` waits for `{}`, which is not an earlier step of its parallel group", s.name.value, after.value),
                Some("`after` orders steps inside one parallel group; steps outside groups already run in order"),
            );
            }
        }
    }
}
