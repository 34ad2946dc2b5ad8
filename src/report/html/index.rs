//! The fleet's page: how many pairs are where, those that need someone first (what failed, the
//! command that retries exactly it, what is left by hand), then every wave with each pair's
//! status and downtime, and a chart of downtime per pair.

use super::Campaign;
use super::model::PairView;
use super::page::{brand, esc, page, pair_file, secs, table, when};
use super::pair::status_class;
use super::svg::downtime_chart;

pub fn render(views: &[PairView], campaign: &Campaign, generated: f64) -> String {
    let title = campaign.title;
    let mut body = brand(campaign);
    body.push_str(&format!(
        "<h1>Migration report: {}</h1>\n<p class=\"sub\">{} pairs, generated {} (times: {})</p>\n",
        esc(title),
        views.len(),
        when(generated, campaign.zone),
        esc(campaign.zone.name())
    ));
    body.push_str(&cards(views));
    body.push_str(&attention(views));
    body.push_str(&waves(views));
    let chart: Vec<(String, Option<f64>)> =
        views.iter().map(|v| (v.name.clone(), v.downtime_secs())).collect();
    body.push_str("<h2>Downtime per pair</h2>\n");
    body.push_str(&downtime_chart(&chart));
    page(&format!("Migration report: {title}"), &body, campaign.msp_logo.is_some())
}

fn cards(views: &[PairView]) -> String {
    let count = |f: &dyn Fn(&PairView) -> bool| views.iter().filter(|v| f(v)).count();
    let done = count(&|v| v.migrated);
    let failed = count(&|v| v.failure.is_some());
    let manual = count(&|v| !v.manual.is_empty());
    let mut downtimes: Vec<f64> = views.iter().filter_map(PairView::downtime_secs).collect();
    downtimes.sort_by(f64::total_cmp);
    let median = downtimes.get(downtimes.len() / 2).map(|d| secs(*d)).unwrap_or_else(|| "-".into());
    let max = downtimes.last().map(|d| secs(*d)).unwrap_or_else(|| "-".into());
    format!(
        "<div class=\"cards\">\n<div class=\"card\">migrated (every phase done)<b>{done} / {}</b></div>\n\
         <div class=\"card\">failed<b class=\"{}\">{failed}</b></div>\n\
         <div class=\"card\">manual actions left<b>{manual} pairs</b></div>\n\
         <div class=\"card\">downtime median<b>{median}</b></div>\n\
         <div class=\"card\">downtime max<b>{max}</b></div>\n</div>\n",
        views.len(),
        if failed > 0 { "failed" } else { "ok" }
    )
}

fn attention(views: &[PairView]) -> String {
    let failed: Vec<&PairView> = views.iter().filter(|v| v.failure.is_some()).collect();
    let manual: Vec<&PairView> = views.iter().filter(|v| !v.manual.is_empty()).collect();
    if views.iter().all(|v| v.status.is_none()) && manual.is_empty() {
        return "<h2>Needs attention</h2>\n<p class=\"skipped\">Nothing has run yet: no run of these pairs is recorded.</p>\n".into();
    }
    if failed.is_empty() && manual.is_empty() {
        return "<h2>Needs attention</h2>\n<p class=\"ok\">Nothing: every pair's last run succeeded and nothing is left by hand.</p>\n".into();
    }
    let mut out = String::from("<h2>Needs attention</h2>\n");
    if !failed.is_empty() {
        let rows: Vec<Vec<String>> = failed
            .iter()
            .filter_map(|v| Some((v, v.failure.as_ref()?)))
            .map(|(v, f)| {
                vec![
                    link(&v.name),
                    format!("<span class=\"failed\">{}</span>", esc(&f.status)),
                    esc(f.step.as_deref().unwrap_or("-")),
                    esc(f.message.as_deref().unwrap_or("")),
                    format!("<code class=\"retry\">{}</code>", esc(&f.retry)),
                ]
            })
            .collect();
        out.push_str(&table("failures", &["PAIR", "STATUS", "FAILED STEP", "WHY", "RETRY WITH"], &rows));
    }
    if !manual.is_empty() {
        let rows: Vec<Vec<String>> = manual
            .iter()
            .flat_map(|v| {
                v.manual.iter().map(move |m| vec![link(&v.name), esc(m.who), esc(&m.text), esc(&m.from)])
            })
            .collect();
        out.push_str("<p>Left to do by hand:</p>\n");
        out.push_str(&table("manual", &["PAIR", "WHO", "ACTION", "PRINTED BY"], &rows));
    }
    out
}

fn link(pair: &str) -> String {
    format!("<a href=\"{}\">{}</a>", esc(&pair_file(pair)), esc(pair))
}

fn waves(views: &[PairView]) -> String {
    let mut waves: Vec<u32> = views.iter().map(|v| v.wave).collect();
    waves.sort_unstable();
    waves.dedup();
    let mut out = String::new();
    for wave in waves {
        let rows: Vec<Vec<String>> = views
            .iter()
            .filter(|v| v.wave == wave)
            .map(|v| {
                let status = v.status.clone().unwrap_or_else(|| "never run".into());
                let checks = v.verdicts.iter().filter(|c| c.result == "failed").count();
                let name = match &v.display_name {
                    Some(d) => format!("{} <small>{}</small>", link(&v.name), esc(d)),
                    None => link(&v.name),
                };
                vec![
                    name,
                    format!(
                        "<span class=\"{}\" data-status=\"{}\">{}</span>",
                        status_class(&status),
                        esc(&status),
                        esc(&status)
                    ),
                    esc(v.reached.as_deref().unwrap_or("-")),
                    v.downtime_secs().map(secs).unwrap_or_else(|| "-".into()),
                    v.hot_syncs.len().to_string(),
                    if checks > 0 {
                        format!("<span class=\"failed\">{checks} failed</span>")
                    } else if v.verdicts.is_empty() {
                        "-".into()
                    } else {
                        format!("{} ok", v.verdicts.len())
                    },
                ]
            })
            .collect();
        out.push_str(&format!("<h2>Wave {wave}</h2>\n"));
        out.push_str(&table(
            &format!("wave wave-{wave}"),
            &["PAIR", "LAST RUN", "PHASE REACHED", "DOWNTIME", "HOT SYNCS", "CHECKS"],
            &rows,
        ));
    }
    out
}
