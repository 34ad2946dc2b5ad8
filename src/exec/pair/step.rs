//! One step of a pair, from its plan to its result: skipped or not, rendered at run time when
//! it waits for registers, its attempts (retries) on its host with the output streamed to the
//! events, its register kept, its value recorded, its `assert:` judged.

use std::time::{Duration, SystemTime};

use super::PairRun;
use crate::exec::attempt::{self, AttemptSpec};
use crate::exec::cancel::Level;
use crate::exec::ledger::StepResult;
use crate::exec::output::{Collector, Line, recorded_value};
use crate::inventory::Side;
use crate::outcome::{Event, ManualAction, StepStatus};
use crate::plan::PlannedStep;
use crate::role::{OutputParser, StepHost, is_secret_name};

impl PairRun<'_> {
    /// The context a step renders with at run time: the plan's, plus registers and host keys.
    async fn runtime_context(&self, ps: &PlannedStep) -> Result<tera::Context, StepStatus> {
        let mut ctx = self.plan.step_context(ps);
        for (name, value) in self.registers.lock().expect("registers").iter() {
            ctx.insert(name.clone(), value);
        }
        ctx.insert("run_id", &self.shared.run_id);
        for (fact, side) in [("origin_hostkey_pub", Side::Origin), ("target_hostkey_pub", Side::Target)] {
            let needed = ps.step.uses.contains(fact);
            let open = match side {
                Side::Origin => self.origin.get(),
                Side::Target => self.target.get(),
            };
            if needed || matches!(open, Some(Ok(_))) {
                let conn = self.connection(side).await?;
                ctx.insert(fact, &conn.host_key_line());
            }
        }
        Ok(ctx)
    }

    /// A step's stdout as its register (masked when secret); a failed step's register is marked.
    fn keep_register(&self, name: &str, stdout: &str, ps: &PlannedStep, succeeded: bool) {
        let value = stdout.trim_end_matches('\n').to_string();
        if is_secret_name(name, &self.plan.secret_names) {
            self.masker.lock().expect("masker").add(&value);
        }
        self.registers.lock().expect("registers").insert(name.to_string(), value);
        if !succeeded {
            self.failed_registers.lock().expect("registers").insert(name.to_string(), ps.label.clone());
        }
    }

    /// An assertion over a failed step's register would judge its error output: not checked.
    fn not_checked(&self, step: &crate::role::Step) -> Option<StepStatus> {
        let label = step.assert.as_ref().filter(|_| step.script.is_none()).and_then(|_| {
            let failed = self.failed_registers.lock().expect("registers");
            failed.iter().find(|(r, _)| step.uses.contains(*r)).map(|(_, label)| label.clone())
        })?;
        Some(StepStatus::Skipped { reason: format!("not checked: step `{label}` failed") })
    }

    pub(super) async fn run_step(&self, ps: &PlannedStep) -> StepResult {
        let started = SystemTime::now();
        let step = &ps.step;
        let host = self.host_label(step.on);
        let done = |status: StepStatus| StepResult {
            status,
            stats: None,
            manual: Vec::new(),
            tail: Vec::new(),
            started,
            ended: SystemTime::now(),
        };
        let finished = |status: &StepStatus, attempt: u32, secs: f64| {
            self.shared.emit(Event::StepFinished {
                pair: self.name().into(),
                phase: step.phase.clone(),
                step: ps.label.clone(),
                host: host.clone(),
                attempt,
                secs,
                status: status.clone(),
            });
        };
        let check_mode = self.shared.check_mode && !step.probe && step.script.is_some();
        let skipped = ps.skipped.clone().or_else(|| check_mode.then(|| "check mode".to_string()));
        if let Some(status) =
            skipped.map(|reason| StepStatus::Skipped { reason }).or_else(|| self.not_checked(step))
        {
            finished(&status, 0, 0.0);
            return done(status);
        }
        let ctx = match self.runtime_context(ps).await {
            Ok(ctx) => ctx,
            Err(status) => {
                finished(&status, 1, 0.0);
                return done(status);
            }
        };
        let script = match self.script_at_run_time(ps, &ctx) {
            Ok(script) => script,
            Err((status, attempt)) => {
                finished(&status, attempt, 0.0);
                return done(status);
            }
        };

        if let Err(status) = self.point_of_no_return_recordable(ps) {
            finished(&status, 1, 0.0);
            return done(status);
        }
        let mut result = done(StepStatus::Ok);
        let mut stdout = String::new();
        self.point_of_no_return_at_start(ps, script.as_deref());
        if let Some(script) = script {
            stdout = self.attempts(ps, &script, &host, &mut result).await;
        }
        if let Some(name) = &step.register {
            self.keep_register(name, &stdout, ps, result.status.is_success());
        }
        // An `Ok` step's value parses: `attempts` failed the step otherwise.
        if let Some(name) = &step.record_value
            && result.status == StepStatus::Ok
            && let Ok(value) = recorded_value(name, &stdout)
        {
            self.journaled(self.shared.hooks.value_recorded(&self.plan.pair, name, value));
        }
        if result.status.is_success()
            && !matches!(result.status, StepStatus::Skipped { .. })
            && let Some(assert) = &step.assert
        {
            if let Some(status) = self.assert_fails(assert, ctx) {
                result.status = status;
            }
            if step.script.is_none() {
                finished(&result.status, 1, 0.0);
            }
        }
        result.ended = SystemTime::now();
        result
    }

    /// A deferred step's `when:` and shell, evaluated now that its registers exist (else the
    /// script rendered at plan time). `Err` is the step's end: skipped (attempt 0) or failed
    /// to evaluate or render (attempt 1).
    fn script_at_run_time(
        &self,
        ps: &PlannedStep,
        ctx: &tera::Context,
    ) -> Result<Option<String>, (StepStatus, u32)> {
        let step = &ps.step;
        let renderer = self.shared.role.renderer();
        if ps.deferred
            && let Some(when) = &step.when
        {
            match renderer.eval(&when.template, ctx) {
                Ok(true) => {}
                Ok(false) => {
                    return Err((StepStatus::Skipped { reason: format!("when: {}", when.source) }, 0));
                }
                Err(e) => {
                    let message = format!("cannot evaluate `when`: {}", e.0.message);
                    return Err((StepStatus::AssertFailed { message }, 1));
                }
            }
        }
        match (&step.script, ps.deferred) {
            (Some(name), true) => renderer.render_shell(name, ctx).map(Some).map_err(|e| {
                (StepStatus::AssertFailed { message: format!("cannot render the step: {}", e.0.message) }, 1)
            }),
            _ => Ok(ps.script.clone()),
        }
    }

    /// Run a step's attempts (its retries) into `result`; the last attempt's stdout.
    async fn attempts(&self, ps: &PlannedStep, script: &str, host: &str, result: &mut StepResult) -> String {
        let step = &ps.step;
        let attempts = step.retries + 1;
        let mut stdout = String::new();
        for attempt in 1..=attempts {
            self.shared.emit(Event::StepStarted {
                pair: self.name().into(),
                phase: step.phase.clone(),
                step: ps.label.clone(),
                host: host.to_string(),
                attempt,
            });
            let mut attempted = self.attempt(ps, script, host).await;
            self.point_of_no_return_after(ps, attempted.end, &attempted.status);
            if let Some(name) = &step.record_value
                && attempted.status == StepStatus::Ok
                && let Err(message) = recorded_value(name, &attempted.collector.stdout())
            {
                attempted.status = StepStatus::AssertFailed { message: self.mask(&message) };
            }
            self.shared.emit(Event::StepFinished {
                pair: self.name().into(),
                phase: step.phase.clone(),
                step: ps.label.clone(),
                host: host.to_string(),
                attempt,
                secs: attempted.duration.as_secs_f64(),
                status: attempted.status.clone(),
            });
            result.status = attempted.status;
            result.stats = attempted.collector.stats.clone();
            result.manual = self.manual_actions(ps, host, &attempted.collector);
            result.tail = attempted.collector.tail.iter().map(|l| self.mask(l)).collect();
            stdout = attempted.collector.stdout();
            let retryable = !result.status.is_success()
                && !result.status.is_unreachable()
                && result.status != StepStatus::Interrupted
                && attempt < attempts;
            if !retryable {
                break;
            }
            let cancel = self.cancel();
            tokio::select! {
                _ = tokio::time::sleep(step.retry_delay) => {}
                _ = cancel.reached(Level::Soft) => break,
            }
        }
        stdout
    }

    /// The actions a step's attempt left to the operator, with the step and host that printed
    /// them; lines it printed without declaring `manual_actions` are said ignored in the log.
    fn manual_actions(&self, ps: &PlannedStep, host: &str, collector: &Collector) -> Vec<ManualAction> {
        let step = format!("{}/{}", ps.step.phase, ps.label);
        if collector.ignored_manual > 0 {
            self.shared.emit(Event::ManualIgnored {
                pair: self.name().into(),
                step: step.clone(),
                host: host.to_string(),
                lines: collector.ignored_manual,
            });
        }
        let action = |text: &String| ManualAction {
            step: step.clone(),
            host: host.to_string(),
            text: self.mask(text),
        };
        collector.manual.iter().map(action).collect()
    }

    /// The status of a step whose `assert:` does not hold (with the registers known now).
    fn assert_fails(&self, assert: &crate::role::Assert, mut ctx: tera::Context) -> Option<StepStatus> {
        let renderer = self.shared.role.renderer();
        for (name, value) in self.registers.lock().expect("registers").iter() {
            ctx.insert(name.clone(), value);
        }
        for that in &assert.that {
            let holds = renderer.eval(&that.template, &ctx);
            if !matches!(holds, Ok(true)) {
                let message = match holds {
                    Err(e) => format!("cannot evaluate `{}`: {}", that.source, e.0.message),
                    _ => renderer.render_text(&assert.message, &ctx).unwrap_or_else(|_| that.source.clone()),
                };
                return Some(StepStatus::AssertFailed { message: self.mask(&message) });
            }
        }
        None
    }

    /// One attempt of a step's script, with its output streamed to the events.
    async fn attempt(&self, ps: &PlannedStep, script: &str, host: &str) -> attempt::AttemptResult {
        let step = &ps.step;
        let spec = AttemptSpec {
            script,
            timeout: step.timeout,
            ok_codes: &step.ok_codes,
            warn_codes: &step.warn_codes,
            parse: crate::exec::output::Parse {
                progress: step.progress == Some(OutputParser::Rsync),
                stats: step.stats == Some(OutputParser::Rsync),
                manual: step.manual_actions,
            },
            grace: self.shared.grace,
            heartbeat: self.shared.hosts.heartbeat(),
        };
        let pair = self.name().to_string();
        let label = ps.label.clone();
        let host_s = host.to_string();
        let mut on_line = |line: Line| match line {
            Line::Text(stream, text) => {
                self.point_of_no_return_line(ps, stream, &text);
                self.shared.emit(Event::Output {
                    pair: pair.clone(),
                    step: label.clone(),
                    host: host_s.clone(),
                    stream,
                    line: self.mask(&text),
                })
            }
            Line::Progress(percent, detail) => {
                self.shared.emit(Event::Progress { pair: pair.clone(), step: label.clone(), percent, detail })
            }
        };
        let host = match step.on {
            StepHost::Origin => self.connection(Side::Origin).await,
            StepHost::Target => self.connection(Side::Target).await,
            StepHost::Controller => Ok(self.shared.hosts.controller()),
        };
        match host {
            Ok(host) => attempt::run(host.as_ref(), &spec, &self.cancel(), &mut on_line).await,
            Err(status) => attempt::AttemptResult {
                status,
                collector: Collector::default(),
                duration: Duration::ZERO,
                end: attempt::End::NotStarted,
            },
        }
    }
}
