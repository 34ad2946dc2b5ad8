//! `bmfleet report`: a static HTML report of a campaign, for the operator and their customer
//! (was anything lost, how long were we down, is anything left to do). One self-contained file
//! per pair and a fleet index, built from the journal and the run directories: no network at
//! build time, nothing loaded when viewed (a CSP forbids it), no script, inline SVG pictures, a
//! print stylesheet. A pair's page opens with what the customer reads (`story`: what happened,
//! in plain words and the campaign's time zone, under the MSP's name and logo), and the
//! operator's detail below.

pub mod index;
pub mod model;
pub mod page;
pub mod pair;
pub mod story;
pub mod svg;

use std::path::Path;

use model::PairView;

use crate::time::Zone;

/// What every page of a campaign's report shares: its title, the time zone its times are
/// given in, and who made it (the inventory's `report:`).
pub struct Campaign<'a> {
    pub title: &'a str,
    pub zone: &'a Zone,
    pub msp_name: Option<&'a str>,
    /// A `data:` URI, checked when the inventory was loaded.
    pub msp_logo: Option<&'a str>,
}

/// Write `index.html` and one page per pair into `out`; returns the files written.
pub fn write(
    out: &Path,
    views: &[PairView],
    lanes: &[String],
    campaign: &Campaign,
    generated: f64,
) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(out)?;
    let mut written = Vec::new();
    for view in views {
        let name = page::pair_file(&view.name);
        std::fs::write(out.join(&name), pair::render(view, lanes, campaign))?;
        written.push(name);
    }
    std::fs::write(out.join("index.html"), index::render(views, campaign, generated))?;
    written.push("index.html".into());
    Ok(written)
}

#[cfg(test)]
mod tests;
