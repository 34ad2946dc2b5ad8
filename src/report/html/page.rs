//! The page shell every report file shares: escaping, the Content-Security-Policy that keeps a
//! report from loading anything (no script, no image, no font, no stylesheet from anywhere: a
//! report opened from a mail or a share shows what it holds and nothing else), the inline
//! stylesheet and its print variant, and small formatting helpers.

use std::time::Duration;

use crate::time::Zone;

/// Nothing loads; only the inline `<style>` applies.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// A page with the MSP's logo: the same, and images from `data:` URIs only (the logo is
/// embedded; an SVG shown as an image runs no script and loads nothing).
pub const CSP_WITH_IMAGES: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

pub(super) const STYLE: &str = r#"
:root { --ok: #2e7d32; --warn: #b26a00; --fail: #c62828; --ink: #1d2330; --muted: #5c6577; --line: #d8dce3;
  --phase: #5b8def; --hot: #7fa7f0; --cold: #1f4fb8; --cutover: #7b3fb5; --post: #2e7d32; --band: rgba(198, 40, 40, .16); }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); }
.sub { color: var(--muted); margin: 0 0 16px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; background: #f4f6f9; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: var(--ok); } .warning, .skipped { color: var(--warn); } .failed, .fail { color: var(--fail); font-weight: 600; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 8px 0 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 150px; }
.card b { display: block; font-size: 20px; }
code, pre { font: 12px/1.4 ui-monospace, monospace; background: #f4f6f9; border-radius: 4px; }
code { padding: 1px 4px; } pre { padding: 8px; white-space: pre-wrap; overflow-wrap: anywhere; }
svg { width: 100%; height: auto; display: block; }
svg text { font: 11px system-ui, sans-serif; fill: var(--ink); }
svg .axis { stroke: var(--line); } svg .tick { fill: var(--muted); }
svg .span { fill: var(--phase); }
svg .span.sync-repeatable { fill: var(--hot); } svg .span.sync-final { fill: var(--cold); }
svg .span.phase-cutover { fill: var(--cutover); } svg .span.phase-post { fill: var(--post); }
/* after the phase colours, which have the same specificity: a failed span is drawn as failed */
svg .span.failed { fill: var(--fail); }
svg .band.downtime { fill: var(--band); stroke: var(--fail); stroke-dasharray: 3 2; }
svg .pnr { stroke: var(--ink); stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .bar.downtime { fill: #c62828; } svg .bar.none { fill: var(--line); }
.brand { display: flex; align-items: center; gap: 12px; margin: 0 0 12px; color: var(--muted); }
.brand img { max-height: 48px; max-width: 220px; } .brand b { font-size: 16px; color: var(--ink); }
.story { font-size: 17px; line-height: 1.5; margin: 10px 0 6px; max-width: 780px; }
.story.moved { border-left: 4px solid var(--ok); padding-left: 12px; }
.story.rolled-back, .story.stopped { border-left: 4px solid var(--warn); padding-left: 12px; }
.story.rollback-failed { border-left: 4px solid var(--fail); padding-left: 12px; }
.story.not-yet { border-left: 4px solid var(--line); padding-left: 12px; }
.legend { list-style: none; padding: 0; margin: 4px 0 10px; display: flex; flex-wrap: wrap; gap: 4px 18px; color: var(--muted); font-size: 12px; }
.key { display: inline-block; width: 16px; height: 10px; margin-right: 5px; vertical-align: baseline; background: var(--phase); }
.key.sync-repeatable { background: var(--hot); } .key.sync-final { background: var(--cold); }
.key.phase-cutover { background: var(--cutover); } .key.phase-post { background: var(--post); }
.key.failed { background: var(--fail); } .key.downtime { background: var(--band); border: 1px dashed var(--fail); }
.key.pnr { width: 0; height: 12px; border-left: 2px dashed var(--ink); background: none; }
h2.operator { margin-top: 36px; }
.attention { border-left: 4px solid var(--fail); padding: 4px 12px; background: #fdf3f3; }
a { color: #1f4fb8; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; } table, svg, .card, pre { break-inside: avoid; }
  th { background: none; } .attention { background: none; }
  .key, svg { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  @page { margin: 14mm; }
}
"#;

/// Text for HTML: element content and attribute values alike.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page: title, CSP, style, body. `images`: the body shows the embedded logo.
pub fn page(title: &str, body: &str, images: bool) -> String {
    let csp = if images { CSP_WITH_IMAGES } else { CSP };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(title)
    )
}

/// `2026-11-26 05:38:00 CET`: on the campaign's wall clock.
pub fn when(epoch: f64, zone: &Zone) -> String {
    zone.wall(epoch.max(0.0)).full()
}

pub fn secs(s: f64) -> String {
    crate::time::human_duration(Duration::from_secs_f64(s.max(0.0)))
}

pub fn bytes(n: u64) -> String {
    crate::report::summary::human_bytes(n)
}

/// The MSP's logo and name above a page's title (nothing when the inventory names neither).
pub fn brand(campaign: &super::Campaign) -> String {
    if campaign.msp_name.is_none() && campaign.msp_logo.is_none() {
        return String::new();
    }
    let name = campaign.msp_name.unwrap_or_default();
    let logo = campaign
        .msp_logo
        .map(|uri| format!("<img class=\"logo\" src=\"{}\" alt=\"{}\">", esc(uri), esc(name)))
        .unwrap_or_default();
    let name = campaign.msp_name.map(|n| format!("<b class=\"msp\">{}</b>", esc(n))).unwrap_or_default();
    format!("<div class=\"brand\">{logo}{name}</div>\n")
}

/// A table from a header and already-escaped cells.
pub fn table(class: &str, header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("<table class=\"{class}\">\n<thead><tr>");
    for h in header {
        out.push_str(&format!("<th>{}</th>", esc(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            out.push_str(&format!("<td>{cell}</td>"));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// A file name for a pair's page: letters, digits, `.`, `_`, `-` kept, the rest `_`.
pub fn pair_file(pair: &str) -> String {
    let safe: String =
        pair.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    format!("pair-{safe}.html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(esc("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(pair_file("../p 1"), "pair-.._p_1.html");
        assert_eq!(when(0.0, &Zone::utc()), "1970-01-01 00:00:00 UTC");
    }
}
