//! One pair's page. First what the customer reads: the MSP, the tenant, what happened in plain
//! words (`story`), the campaign's timeline and the cut-over's close-up with a legend. Then the
//! operator's detail: status cards, what failed and how to retry it, what is left to do by hand
//! and by whom, every transfer, the verification verdicts, warnings.

use super::Campaign;
use super::model::{PairView, PhaseSpan};
use super::page::{brand, bytes, esc, page, secs, table, when};
use super::story::story;
use super::svg::{Timeline, timeline};
use crate::role::journal::SyncKind;
use crate::time::Zone;

/// The page of one pair. `lanes`: the role's phases, in order.
pub fn render(view: &PairView, lanes: &[String], campaign: &Campaign) -> String {
    let zone = campaign.zone;
    let mut body = brand(campaign);
    body.push_str(&format!("<p class=\"sub\"><a href=\"index.html\">{}</a></p>\n", esc(campaign.title)));
    body.push_str(&customer(view, zone));
    body.push_str(&timelines(view, lanes, zone));
    body.push_str(&format!(
        "<h2 class=\"operator\">For the operator</h2>\n\
         <p class=\"sub\">Pair <code>{}</code>: origin <code>{}</code> &rarr; target <code>{}</code>, wave {}</p>\n",
        esc(&view.name),
        esc(&view.origin),
        esc(&view.target),
        view.wave
    ));
    body.push_str(&cards(view, zone));
    if view.needs_attention() {
        body.push_str(&attention(view));
    }
    body.push_str(&transfers(view, zone));
    body.push_str(&verdicts(view));
    body.push_str(&warnings(view));
    let title = view.display_name.as_deref().unwrap_or(&view.name);
    page(&format!("{title} — {}", campaign.title), &body, campaign.msp_logo.is_some())
}

/// The tenant's name and what happened to it, in plain words.
fn customer(view: &PairView, zone: &Zone) -> String {
    let (kind, lines) = story(view, zone);
    let title = match &view.display_name {
        Some(d) => esc(d),
        None => format!("Pair {}", esc(&view.name)),
    };
    let mut out = format!(
        "<h1 data-pair=\"{}\">{title}</h1>\n<div class=\"story {}\" data-story=\"{}\">\n",
        esc(&view.name),
        kind.as_str(),
        kind.as_str()
    );
    for line in &lines {
        out.push_str(&format!("<p>{}</p>\n", esc(line)));
    }
    out.push_str(&format!(
        "</div>\n<p class=\"sub\">Times are given on the {} clock.</p>\n",
        esc(zone.name())
    ));
    out
}

fn cards(view: &PairView, zone: &Zone) -> String {
    let downtime = view.downtime_secs().map(secs).unwrap_or_else(|| "not measured".into());
    let status = view.status.clone().unwrap_or_else(|| "never run".into());
    let class = status_class(&status);
    let pnr = match &view.point_of_no_return {
        Some((at, step)) => format!("{}<br><small>{}</small>", esc(step), when(*at, zone)),
        None => "not passed".into(),
    };
    let method = view.method.as_ref().map_or_else(String::new, |(title, label)| {
        format!(
            "<div class=\"card\">{}<b data-method=\"{}\">{}</b></div>\n",
            esc(title),
            esc(label),
            esc(label)
        )
    });
    format!(
        "<div class=\"cards\">\n<div class=\"card\">status<b class=\"{class}\" data-status=\"{}\">{}</b></div>\n\
         <div class=\"card\">phase reached<b>{}</b></div>\n\
         <div class=\"card\">downtime<b data-downtime=\"{}\">{}</b></div>\n\
         <div class=\"card\">hot syncs<b>{}</b></div>\n\
         <div class=\"card\">point of no return<b>{pnr}</b></div>\n{method}</div>\n",
        esc(&status),
        esc(&status),
        esc(view.reached.as_deref().unwrap_or("-")),
        view.downtime_secs().map(|d| format!("{d:.1}")).unwrap_or_default(),
        esc(&downtime),
        view.hot_syncs.len(),
    )
}

pub fn status_class(status: &str) -> &'static str {
    match status {
        "ok" => "ok",
        "warning" => "warning",
        "never run" => "skipped",
        _ => "failed",
    }
}

/// What failed and its retry, then what is left by hand.
fn attention(view: &PairView) -> String {
    let mut out = String::from("<h2>Needs attention</h2>\n<div class=\"attention\">\n");
    if let Some(f) = &view.failure {
        out.push_str(&format!(
            "<p class=\"failed\" data-failure=\"{}\">{} in run {}{}{}</p>\n",
            esc(f.step.as_deref().unwrap_or("")),
            esc(&f.status),
            esc(&f.run_id),
            f.step.as_deref().map(|s| format!(" at <code>{}</code>", esc(s))).unwrap_or_default(),
            f.message.as_deref().map(|m| format!(": {}", esc(m))).unwrap_or_default(),
        ));
        if !f.tail.is_empty() {
            out.push_str(&format!("<pre>{}</pre>\n", esc(&f.tail.join("\n"))));
        }
        if let Some(r) = &f.rollback {
            out.push_str(&format!("<p>Rollback: {}</p>\n", esc(r)));
        }
        out.push_str(&format!("<p>Retry exactly this: <code class=\"retry\">{}</code></p>\n", esc(&f.retry)));
    }
    if !view.manual.is_empty() {
        let rows: Vec<Vec<String>> = view
            .manual
            .iter()
            .map(|m| vec![esc(m.who), esc(&m.text), esc(&m.from), esc(&m.run_id)])
            .collect();
        out.push_str("<p>Left to do by hand:</p>\n");
        out.push_str(&table("manual", &["WHO", "ACTION", "PRINTED BY", "RUN"], &rows));
    }
    out.push_str("</div>\n");
    out
}

/// The campaign (every run's phases over the nights) and the cut-over night's close-up with the
/// downtime band.
fn timelines(view: &PairView, lanes: &[String], zone: &Zone) -> String {
    let mut out = String::from("<h2>Timeline</h2>\n");
    if view.spans.is_empty() {
        return out + "<p>No run of this pair is recorded.</p>\n";
    }
    let used: Vec<String> =
        lanes.iter().filter(|l| view.spans.iter().any(|s| &&s.phase == l)).cloned().collect();
    out.push_str(&legend(view, &used));
    let all: Vec<&PhaseSpan> = view.spans.iter().collect();
    let range = padded(
        all.iter().map(|s| s.start).fold(f64::MAX, f64::min),
        all.iter().map(|s| s.end).fold(0.0, f64::max),
    );
    let marker = view.point_of_no_return.as_ref().map(|(at, step)| (*at, step.as_str()));
    let campaign =
        Timeline { kind: "campaign", lanes: &used, spans: &all, band: view.downtime, marker, range, zone };
    out.push_str(&timeline(&campaign));
    if let Some((a, b)) = view.downtime {
        let cold = view
            .spans
            .iter()
            .filter(|s| s.sync == Some(SyncKind::Final) && s.end >= a - 1.0)
            .map(|s| s.start);
        let start = cold.fold(a, f64::min);
        let night: Vec<&PhaseSpan> =
            view.spans.iter().filter(|s| s.end >= start && s.start <= b + 600.0).collect();
        let end = night.iter().map(|s| s.end).fold(b, f64::max);
        let lanes: Vec<String> =
            used.iter().filter(|l| night.iter().any(|s| &&s.phase == l)).cloned().collect();
        out.push_str(&format!(
            "<p>The cut-over: downtime {} from {} to {}.</p>\n",
            secs(b - a),
            when(a, zone),
            when(b, zone)
        ));
        let close = Timeline {
            kind: "downtime",
            lanes: &lanes,
            spans: &night,
            band: view.downtime,
            marker,
            range: padded(start, end),
            zone,
        };
        out.push_str(&timeline(&close));
    }
    out
}

/// What the timeline's colours, band and line mean, for what this page draws.
fn legend(view: &PairView, used: &[String]) -> String {
    let phase_of = |kind: SyncKind| view.spans.iter().find(|s| s.sync == Some(kind)).map(|s| s.phase.clone());
    let mut keys: Vec<(&str, String)> =
        vec![("", "a phase (each row is one; each bar one run of it)".into())];
    if let Some(p) = phase_of(SyncKind::Repeatable) {
        keys.push(("sync-repeatable", format!("{p}: a copy while mail stays in service")));
    }
    if let Some(p) = phase_of(SyncKind::Final) {
        keys.push(("sync-final", format!("{p}: the last copy, mail stopped")));
    }
    // The stylesheet's own colours for these two phases (`svg .span.phase-...`).
    for phase in ["cutover", "post"].into_iter().filter(|p| used.iter().any(|u| u == p)) {
        keys.push((if phase == "cutover" { "phase-cutover" } else { "phase-post" }, phase.to_string()));
    }
    if view.spans.iter().any(|s| !s.ok) {
        keys.push(("failed", "a phase that failed".into()));
    }
    if view.downtime.is_some() {
        keys.push(("downtime", "mail unavailable (the downtime)".into()));
    }
    if view.point_of_no_return.is_some() {
        keys.push(("pnr", "the point of no return: the new server serves the mail from here on".into()));
    }
    let items: String = keys
        .iter()
        .map(|(class, text)| {
            format!("<li><span class=\"{}\"></span>{}</li>", format!("key {class}").trim(), esc(text))
        })
        .collect();
    format!("<ul class=\"legend\">{items}</ul>\n")
}

fn padded(a: f64, b: f64) -> (f64, f64) {
    let pad = ((b - a) * 0.03).max(1.0);
    (a - pad, b + pad)
}

fn transfers(view: &PairView, zone: &Zone) -> String {
    let mut rows: Vec<Vec<String>> = view
        .hot_syncs
        .iter()
        .map(|s| ("hot sync", s))
        .chain(view.cold_sync.iter().map(|s| ("cold sync (final rsync)", s)))
        .map(|(what, s)| {
            vec![
                esc(what),
                when(s.at, zone),
                format!("<span class=\"num\">{}</span>", secs(s.secs)),
                format!("<span class=\"num\" data-bytes=\"{}\">{}</span>", s.bytes, bytes(s.bytes)),
                s.files.to_string(),
                esc(&s.run_id),
            ]
        })
        .collect();
    if let Some((a, b)) = view.downtime {
        rows.push(vec![
            "downtime".into(),
            when(a, zone),
            secs(b - a),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    let mut out = String::from("<h2>Transfers</h2>\n");
    if rows.is_empty() {
        return out + "<p>No transfer recorded.</p>\n";
    }
    out.push_str(&table(
        "transfers",
        &["WHAT", "STARTED", "DURATION", "BYTES SENT", "FILES SENT", "RUN"],
        &rows,
    ));
    out
}

fn verdicts(view: &PairView) -> String {
    let mut out = String::from("<h2>Verification</h2>\n");
    if view.verdicts.is_empty() {
        return out + "<p>No check has run for this pair.</p>\n";
    }
    let rows: Vec<Vec<String>> = view
        .verdicts
        .iter()
        .map(|v| {
            vec![
                esc(&v.phase),
                esc(&v.label),
                format!(
                    "<span class=\"verdict {}\" data-verdict=\"{}\">{}</span>",
                    esc(&v.result),
                    esc(&v.result),
                    esc(&v.result)
                ),
                esc(v.message.as_deref().unwrap_or("")),
                esc(&v.run_id),
            ]
        })
        .collect();
    out.push_str(&table("verdicts", &["PHASE", "CHECK", "RESULT", "WHAT IT SAID", "RUN"], &rows));
    out
}

fn warnings(view: &PairView) -> String {
    if view.warnings.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = view.warnings.iter().map(|(run, w)| vec![esc(w), esc(run)]).collect();
    format!("<h2>Warnings</h2>\n{}", table("warnings", &["STEP", "RUN"], &rows))
}
