//! The page shell every report file shares: escaping, the Content-Security-Policy that keeps a
//! report from loading anything (no script, no image, no font, no stylesheet from anywhere: a
//! report opened from a mail or a share shows what it holds and nothing else), the inline
//! stylesheet and its print variant, and small formatting helpers.

use std::time::{Duration, UNIX_EPOCH};

/// Nothing loads; only the inline `<style>` applies.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

pub(super) const STYLE: &str = r#"
:root { --ok: #2e7d32; --warn: #b26a00; --fail: #c62828; --ink: #1d2330; --muted: #5c6577; --line: #d8dce3; }
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
svg .span { fill: #5b8def; }
svg .span.sync-repeatable { fill: #7fa7f0; } svg .span.sync-final { fill: #1f4fb8; }
svg .span.phase-cutover { fill: #7b3fb5; } svg .span.phase-post { fill: #2e7d32; }
/* after the phase colours, which have the same specificity: a failed span is drawn as failed */
svg .span.failed { fill: var(--fail); }
svg .band.downtime { fill: rgba(198, 40, 40, .16); stroke: var(--fail); stroke-dasharray: 3 2; }
svg .pnr { stroke: var(--ink); stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .bar.downtime { fill: #c62828; } svg .bar.none { fill: var(--line); }
.attention { border-left: 4px solid var(--fail); padding: 4px 12px; background: #fdf3f3; }
a { color: #1f4fb8; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; } table, svg, .card, pre { break-inside: avoid; }
  th { background: none; } .attention { background: none; }
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

/// A whole page: title, CSP, style, body.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(title)
    )
}

/// `2026-11-26 04:38:00 UTC`
pub fn when(epoch: f64) -> String {
    let t = UNIX_EPOCH + Duration::from_secs_f64(epoch.max(0.0));
    let s = crate::time::rfc3339(t);
    format!("{} {} UTC", &s[0..10], &s[11..19])
}

pub fn secs(s: f64) -> String {
    crate::time::human_duration(Duration::from_secs_f64(s.max(0.0)))
}

pub fn bytes(n: u64) -> String {
    crate::report::summary::human_bytes(n)
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
        assert_eq!(when(0.0), "1970-01-01 00:00:00 UTC");
    }
}
