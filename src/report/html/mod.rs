//! `bmfleet report`: a static HTML report of a campaign, for the operator and their customer
//! (was anything lost, how long were we down, is anything left to do). One self-contained file
//! per pair and a fleet index, built from the journal and the run directories: no network at
//! build time, nothing loaded when viewed (a CSP forbids it), no script, inline SVG pictures, a
//! print stylesheet.

pub mod index;
pub mod model;
pub mod page;
pub mod pair;
pub mod svg;

use std::path::Path;

use model::PairView;

/// Write `index.html` and one page per pair into `out`; returns the files written.
pub fn write(
    out: &Path,
    views: &[PairView],
    lanes: &[String],
    title: &str,
    generated: f64,
) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(out)?;
    let mut written = Vec::new();
    for view in views {
        let name = page::pair_file(&view.name);
        std::fs::write(out.join(&name), pair::render(view, lanes, title))?;
        written.push(name);
    }
    std::fs::write(out.join("index.html"), index::render(views, title, generated))?;
    written.push("index.html".into());
    Ok(written)
}

#[cfg(test)]
mod tests;
