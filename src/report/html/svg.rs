//! Inline SVG pictures: a pair's timeline (one lane per phase, each run's span of it a bar, the
//! downtime window a band, the point of no return a dashed line) and the fleet's downtime per
//! pair. Plain SVG text: no script, nothing loaded.

use super::model::PhaseSpan;
use super::page::{esc, secs, when};
use crate::role::journal::SyncKind;
use crate::time::Zone;

const WIDTH: f64 = 900.0;
const LEFT: f64 = 110.0;
const LANE: f64 = 22.0;
/// The narrowest bar drawn: a two-minute hot sync is still visible over two weeks.
const MIN_BAR: f64 = 3.0;

/// What a timeline draws.
pub struct Timeline<'a> {
    /// `campaign` or `downtime`: the SVG's class, for readers and tests.
    pub kind: &'a str,
    pub lanes: &'a [String],
    pub spans: &'a [&'a PhaseSpan],
    pub band: Option<(f64, f64)>,
    pub marker: Option<(f64, &'a str)>,
    pub range: (f64, f64),
    /// The campaign's time zone: the axis and the tooltips are on its clock.
    pub zone: &'a Zone,
}

fn x_of(t: f64, (t0, t1): (f64, f64)) -> f64 {
    LEFT + (t - t0) / (t1 - t0).max(1e-9) * (WIDTH - LEFT - 10.0)
}

/// One rect from `a` to `b` (seconds), at least MIN_BAR wide.
fn rect(
    class: &str,
    (a, b): (f64, f64),
    (y, h): (f64, f64),
    range: (f64, f64),
    title: &str,
    data: &str,
) -> String {
    let (x0, x1) = (x_of(a, range), x_of(b, range));
    format!(
        "<rect class=\"{class}\" x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\"{data}><title>{}</title></rect>\n",
        (x1 - x0).max(MIN_BAR),
        esc(title)
    )
}

fn axis(range: (f64, f64), height: f64, zone: &Zone) -> String {
    let mut out = format!(
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{height:.1}\" x2=\"{:.1}\" y2=\"{height:.1}\"/>\n",
        WIDTH - 10.0
    );
    for i in 0..=4 {
        let t = range.0 + (range.1 - range.0) * f64::from(i) / 4.0;
        let label = when(t, zone);
        // The date when the range spans days, else the time.
        let label = if range.1 - range.0 > 86_400.0 { &label[0..16] } else { &label[11..19] };
        let anchor = match i {
            0 => "start",
            4 => "end",
            _ => "middle",
        };
        out.push_str(&format!(
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{label}</text>\n",
            x_of(t, range),
            height + 14.0
        ));
    }
    out
}

pub fn timeline(t: &Timeline) -> String {
    let height = LANE * t.lanes.len().max(1) as f64 + 8.0;
    let mut out = format!(
        "<svg class=\"timeline {}\" viewBox=\"0 0 {WIDTH} {:.0}\" role=\"img\" aria-label=\"{} timeline\">\n",
        t.kind,
        height + 22.0,
        t.kind
    );
    if let Some((a, b)) = t.band {
        let title = format!("downtime {} ({} to {})", secs(b - a), when(a, t.zone), when(b, t.zone));
        out.push_str(&rect(
            "band downtime",
            (a, b),
            (0.0, height),
            t.range,
            &title,
            " data-kind=\"downtime\"",
        ));
    }
    for (i, lane) in t.lanes.iter().enumerate() {
        let y = LANE * i as f64 + 4.0;
        out.push_str(&format!("<text x=\"4\" y=\"{:.1}\">{}</text>\n", y + 13.0, esc(lane)));
        for s in t.spans.iter().filter(|s| &s.phase == lane) {
            let sync = match s.sync {
                Some(SyncKind::Repeatable) => " sync-repeatable",
                Some(SyncKind::Final) => " sync-final",
                None => "",
            };
            let failed = if s.ok { "" } else { " failed" };
            let class = format!("span phase-{}{sync}{failed}", esc(&s.phase));
            let title = format!(
                "{} {}, started {}, took {}, run {}",
                s.phase,
                if s.ok { "completed" } else { "failed" },
                when(s.start, t.zone),
                secs(s.end - s.start),
                s.run_id
            );
            let data = format!(" data-phase=\"{}\" data-run=\"{}\"", esc(&s.phase), esc(&s.run_id));
            out.push_str(&rect(&class, (s.start, s.end), (y, LANE - 6.0), t.range, &title, &data));
        }
    }
    if let Some((at, step)) = t.marker {
        let x = x_of(at, t.range);
        out.push_str(&format!(
            "<line class=\"pnr\" x1=\"{x:.1}\" y1=\"0\" x2=\"{x:.1}\" y2=\"{height:.1}\"><title>point of no return: {} at {}</title></line>\n",
            esc(step),
            when(at, t.zone)
        ));
    }
    out.push_str(&axis(t.range, height, t.zone));
    out.push_str("</svg>\n");
    out
}

/// Downtime per pair: one horizontal bar each (grey and `-` when not measured).
pub fn downtime_chart(pairs: &[(String, Option<f64>)]) -> String {
    let max = pairs.iter().filter_map(|p| p.1).fold(0.0_f64, f64::max).max(1.0);
    let row = 18.0;
    let height = row * pairs.len() as f64 + 4.0;
    let mut out = format!(
        "<svg class=\"chart downtime\" viewBox=\"0 0 {WIDTH} {height:.0}\" role=\"img\" aria-label=\"downtime per pair\">\n"
    );
    for (i, (pair, downtime)) in pairs.iter().enumerate() {
        let y = row * i as f64 + 2.0;
        out.push_str(&format!("<text x=\"4\" y=\"{:.1}\">{}</text>\n", y + 12.0, esc(pair)));
        let (class, width, label) = match downtime {
            Some(d) => ("bar downtime", (d / max * (WIDTH - LEFT - 90.0)).max(MIN_BAR), secs(*d)),
            None => ("bar none", MIN_BAR, "-".to_string()),
        };
        out.push_str(&format!(
            "<rect class=\"{class}\" data-pair=\"{}\" x=\"{LEFT}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{:.1}\"><title>{}: {label}</title></rect>\n",
            esc(pair),
            row - 5.0,
            esc(pair)
        ));
        out.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\">{label}</text>\n",
            LEFT + width + 6.0,
            y + 12.0
        ));
    }
    out.push_str("</svg>\n");
    out
}
