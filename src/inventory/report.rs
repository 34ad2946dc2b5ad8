//! What the inventory says about the customer's report (`bmfleet report`): the campaign's time
//! zone, the MSP's name and logo (`report:`), and each tenant's display name (a pair's
//! `display_name:`). None of it reaches a host; all of it is checked at load, like the rest of
//! the file, so a misspelt zone or a logo that is not one fails the same way as a bad port does,
//! at its line and column, before any report is half-written.
//!
//! The logo is read here and kept as a `data:` URI: the report stays one self-contained file
//! (its CSP loads nothing but such an image), and a report made elsewhere later does not depend
//! on a file lying next to the inventory.

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::load::Checker;
use crate::time::Zone;

/// The largest logo embedded in every page of a report.
pub const LOGO_MAX_BYTES: u64 = 256 * 1024;

/// `report:` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReport {
    #[serde(default)]
    pub msp_name: Option<Spanned<String>>,
    #[serde(default)]
    pub msp_logo: Option<Spanned<String>>,
    #[serde(default)]
    pub time_zone: Option<Spanned<String>>,
}

/// `report:`, checked: what every page of the report shows besides the runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSettings {
    pub msp_name: Option<String>,
    /// `data:image/png;base64,...`, read at load.
    pub msp_logo: Option<String>,
    /// UTC when the inventory names none.
    pub zone: Zone,
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings { msp_name: None, msp_logo: None, zone: Zone::utc() }
    }
}

impl Checker<'_> {
    pub(super) fn report(&mut self, raw: Option<&RawReport>) -> ReportSettings {
        let Some(raw) = raw else { return ReportSettings::default() };
        let msp_name = raw.msp_name.as_ref().and_then(|n| self.label(n, "msp_name"));
        let zone = match &raw.time_zone {
            None => Zone::utc(),
            Some(name) => Zone::load(name.value.trim()).unwrap_or_else(|why| {
                let help =
                    "a name from the tz database (`timedatectl list-timezones`), such as Europe/Paris or UTC";
                self.error(&name.referenced, format!("time_zone: {why}"), Some(help.into()));
                Zone::utc()
            }),
        };
        let msp_logo = raw.msp_logo.as_ref().and_then(|logo| {
            let path = self.resolve(&logo.value);
            logo_uri(&path)
                .map_err(|why| {
                    let help = format!(
                        "a PNG, JPEG or SVG file of at most {} KiB (relative paths are from the inventory's directory)",
                        LOGO_MAX_BYTES / 1024
                    );
                    self.error(&logo.referenced, format!("msp_logo {}: {why}", path.display()), Some(help));
                })
                .ok()
        });
        ReportSettings { msp_name, msp_logo, zone }
    }

    /// A name shown to the customer (`display_name`, `msp_name`): one line of text.
    pub(super) fn label(&mut self, text: &Spanned<String>, key: &str) -> Option<String> {
        let value = text.value.trim();
        let why = if value.is_empty() {
            Some("is empty")
        } else if value.chars().any(char::is_control) {
            Some("has a control character (a line break, a tab...)")
        } else if value.chars().count() > 100 {
            Some("is longer than 100 characters")
        } else {
            None
        };
        match why {
            Some(why) => {
                let help = "a name as the customer reads it, on one line: `ACME Corp`";
                self.error(&text.referenced, format!("{key} {why}"), Some(help.into()));
                None
            }
            None => Some(value.to_string()),
        }
    }
}

/// The file at `path` as a `data:` URI, if it is a regular PNG, JPEG or SVG file under the cap.
pub fn logo_uri(path: &std::path::Path) -> Result<String, String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("cannot be read: {e}"))?;
    let meta = if meta.file_type().is_symlink() {
        std::fs::metadata(path).map_err(|e| format!("is a link that leads nowhere: {e}"))?
    } else {
        meta
    };
    if !meta.is_file() {
        return Err("is not a regular file".into());
    }
    if meta.len() > LOGO_MAX_BYTES {
        return Err(format!("is {} KiB, more than {} KiB", meta.len().div_ceil(1024), LOGO_MAX_BYTES / 1024));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot be read: {e}"))?;
    let mime =
        image_type(&bytes).ok_or("is neither a PNG, a JPEG nor an SVG image (judged by its contents)")?;
    Ok(format!("data:{mime};base64,{}", data_encoding::BASE64.encode(&bytes)))
}

/// The image type from the contents, never from the name.
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        return Some("image/jpeg");
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let head = text.trim_start_matches('\u{feff}').trim_start();
    let prologue = head.starts_with("<?xml") || head.starts_with("<!--") || head.starts_with("<svg");
    // An SVG shown as an image runs no script and loads nothing, whatever it holds.
    (prologue && text.contains("<svg")).then_some("image/svg+xml")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(dir: &std::path::Path, report: &str, display: &str) -> crate::Result<super::super::Inventory> {
        let text = format!(
            "{report}pairs:\n  - name: acme\n{display}    origin: {{ host: o }}\n    target: {{ host: t }}\n"
        );
        super::super::parse(&dir.join("fleet.yml"), &text)
    }

    #[test]
    fn report_settings_and_display_names_load_and_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("msp.png"), b"\x89PNG\r\n\x1a\n").unwrap();
        let report = "report:\n  msp_name: Example MSP\n  msp_logo: msp.png\n  time_zone: Europe/Paris\n";
        let inv = load(dir.path(), report, "    display_name: \" ACME Corp \"\n").unwrap();
        assert_eq!(inv.report.msp_name.as_deref(), Some("Example MSP"));
        assert!(inv.report.msp_logo.as_deref().is_some_and(|l| l.starts_with("data:image/png;base64,")));
        assert_eq!(inv.report.zone.name(), "Europe/Paris");
        assert_eq!(inv.pairs[0].display_name.as_deref(), Some("ACME Corp"));
        let plain = load(dir.path(), "", "").unwrap();
        assert_eq!(plain.report, ReportSettings::default());
        assert_eq!(plain.pairs[0].display_name, None);
    }

    #[test]
    fn a_bad_zone_logo_or_name_is_an_error_at_its_place_all_at_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("logo.gif"), b"GIF89a").unwrap();
        let report = "report:\n  msp_logo: logo.gif\n  time_zone: Europe/Pari\n";
        let err = load(dir.path(), report, "    display_name: \"\"\n").unwrap_err().to_string();
        assert!(err.contains("fleet.yml:2:13: msp_logo "), "{err}");
        assert!(err.contains("logo.gif: is neither a PNG, a JPEG nor an SVG image"), "{err}");
        assert!(err.contains("fleet.yml:3:14: time_zone: no time zone `Europe/Pari` in "), "{err}");
        assert!(err.contains("such as Europe/Paris or UTC"), "{err}");
        assert!(err.contains("fleet.yml:6:19: display_name is empty"), "{err}");
        let typo = load(dir.path(), "report:\n  timezone: UTC\n", "").unwrap_err().to_string();
        assert!(typo.contains("fleet.yml:2:3: ") && typo.contains("did you mean `time_zone`?"), "{typo}");
        let typo = load(dir.path(), "", "    displayname: x\n").unwrap_err().to_string();
        assert!(typo.contains("did you mean `display_name`?"), "{typo}");
    }

    #[test]
    fn a_logo_is_judged_by_its_contents_and_size() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, bytes: &[u8]| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        };
        let png = write("logo.png", b"\x89PNG\r\n\x1a\nrest");
        assert!(logo_uri(&png).unwrap().starts_with("data:image/png;base64,iVBORw0KGgp"));
        let svg = write("logo.svg", b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
        assert!(logo_uri(&svg).unwrap().starts_with("data:image/svg+xml;base64,"));
        assert!(
            logo_uri(&write("a.jpg", &[0xff, 0xd8, 0xff, 0xe0])).unwrap().starts_with("data:image/jpeg;")
        );
        let gif = write("logo.png.gif", b"GIF89a....");
        assert!(logo_uri(&gif).unwrap_err().starts_with("is neither a PNG"));
        let big = write("big.png", &vec![0x89; LOGO_MAX_BYTES as usize + 1]);
        assert_eq!(logo_uri(&big).unwrap_err(), "is 257 KiB, more than 256 KiB");
        assert_eq!(logo_uri(dir.path()).unwrap_err(), "is not a regular file");
        assert!(logo_uri(&dir.path().join("none.png")).unwrap_err().starts_with("cannot be read: "));
    }
}
