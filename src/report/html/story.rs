//! The first lines of a pair's page: what happened, in plain words and the campaign's time zone,
//! for a reader who knows nothing of phases and steps (the customer, the tenant's manager):
//! "ACME Corp moved on 2 Dec 2026; mail was unavailable for 25 s, 01:09–01:10 CET; 12,345
//! messages in 40 mailboxes verified." The operator's detail follows on the page.
//!
//! Every number comes from what the hosts reported and the journal kept (the downtime's
//! records, the point of no return, the verified counts recorded as values): nothing here is
//! parsed back out of a human sentence, and what was not measured is said to be so.

use super::model::PairView;
use crate::time::{Wall, Zone};

/// Which of the page's stories a pair is in (the `data-story` of its paragraph, for tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Moved,
    RolledBack,
    RollbackFailed,
    Stopped,
    NotYet,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Moved => "moved",
            Kind::RolledBack => "rolled-back",
            Kind::RollbackFailed => "rollback-failed",
            Kind::Stopped => "stopped",
            Kind::NotYet => "not-yet",
        }
    }
}

/// The story of one pair: its kind and its sentences, plain text (the page escapes them).
pub fn story(view: &PairView, zone: &Zone) -> (Kind, Vec<String>) {
    let who = view.display_name.as_deref().unwrap_or(&view.name);
    if let Some((pnr, _)) = &view.point_of_no_return {
        return (Kind::Moved, moved(view, who, *pnr, zone));
    }
    let Some(failure) = &view.failure else { return (Kind::NotYet, not_yet(view, who, zone)) };
    let on = super::model::run_start(&failure.run_id).map(|t| zone.wall(t).date());
    let on = on.map(|d| format!(" on {d}")).unwrap_or_default();
    match failure.rollback_ok {
        Some(true) => (
            Kind::RolledBack,
            vec![format!("The move of {who}{on} was rolled back; mail stayed on the old server.")],
        ),
        Some(false) => (
            Kind::RollbackFailed,
            vec![format!(
                "The move of {who}{on} stopped, and putting the old server back in service did not \
                 finish: the operator is on it (the detail is below)."
            )],
        ),
        None => {
            let mut lines = not_yet(view, who, zone);
            lines.push(format!("The last run{on} {}", unfinished(&failure.status)));
            (Kind::Stopped, lines)
        }
    }
}

fn moved(view: &PairView, who: &str, pnr: f64, zone: &Zone) -> Vec<String> {
    let at = view.downtime.map_or(pnr, |(_, end)| end);
    let mut first = format!("{who} moved on {}", zone.wall(at).date());
    match view.downtime {
        Some((a, b)) => first.push_str(&format!(
            "; mail was unavailable for {}, {}",
            plain_duration(b - a),
            window(&zone.wall(a), &zone.wall(b))
        )),
        None => first.push_str("; how long mail was unavailable was not measured"),
    }
    if let Some(v) = &view.verified {
        first.push_str(&format!(
            "; {} in {} verified",
            counted(v.messages, "message", "messages"),
            counted(v.mailboxes, "mailbox", "mailboxes")
        ));
    }
    first.push('.');
    let mut lines = vec![first];
    if view.failure.is_some() {
        lines.push(
            "Mail is on the new server; a step after the switch did not finish, and the operator is \
             completing it."
                .into(),
        );
    }
    if !view.manual.is_empty() {
        lines.push(format!(
            "{} left to do by hand: see \"Needs attention\" below.",
            counted(view.manual.len() as u64, "thing is", "things are")
        ));
    }
    lines
}

fn not_yet(view: &PairView, who: &str, zone: &Zone) -> Vec<String> {
    if let Some(done) = view.final_sync_done {
        let w = zone.wall(done);
        return vec![format!(
            "{who} has not moved yet: the last copy was made on {}, {} {}, with mail stopped on the old \
             server; the switch to the new server comes next.",
            w.date(),
            w.hm(),
            w.abbr
        )];
    }
    let first = match view.hot_syncs.last() {
        Some(sync) => {
            let w = zone.wall(sync.at);
            format!(
                "{who} has not moved yet: last hot sync {}, {} {}; mail is still served by the old server.",
                w.date(),
                w.hm(),
                w.abbr
            )
        }
        None if view.status.is_some() => {
            format!(
                "{who} has not moved yet, and no mail has been copied so far; mail is served by the old server."
            )
        }
        None => format!("{who} has not moved yet: nothing has run for it so far."),
    };
    vec![first]
}

/// Why the last run did not finish, from its status (`PairStatus::as_str`).
fn unfinished(status: &str) -> &'static str {
    match status {
        "unreachable" => "could not reach one of the servers; the operator is on it.",
        "stopped" => {
            "was stopped before it finished (the end of its time window, or the operator); the next run resumes it."
        }
        "blocked" => "waited for an earlier part of the migration, which has not completed.",
        "failed" => "stopped at a step that failed; the operator is on it.",
        _ => "did not start for it.",
    }
}

/// `01:09–01:10 CET`, `at 01:09 CET`, or both ends in full when the window spans a day or a
/// change of the clocks.
fn window(a: &Wall, b: &Wall) -> String {
    if !a.same_day(b) {
        return format!("{} {} {} to {} {} {}", a.date(), a.hm(), a.abbr, b.date(), b.hm(), b.abbr);
    }
    if a.abbr != b.abbr {
        return format!("{} {}–{} {}", a.hm(), a.abbr, b.hm(), b.abbr);
    }
    if a.hm() == b.hm() {
        return format!("at {} {}", a.hm(), a.abbr);
    }
    format!("{}–{} {}", a.hm(), b.hm(), a.abbr)
}

/// `25 s`, `3 min 7 s`, `1 h 5 min`: a duration as people say it.
pub fn plain_duration(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match s {
        0 => "less than a second".into(),
        1..60 => format!("{s} s"),
        60..3600 if s.is_multiple_of(60) => format!("{} min", s / 60),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

/// `12,345 messages`, `1 mailbox`.
fn counted(n: u64, one: &str, many: &str) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{grouped} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
#[path = "story_tests.rs"]
mod tests;
