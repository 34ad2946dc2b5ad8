//! A campaign's time zone (an IANA name such as `Europe/Paris`), for the times the customer
//! reads in the report. bmfleet has no time-zone library: the system's tz database
//! (`/usr/share/zoneinfo`, or `$TZDIR`, the `tzdata` package) already holds every zone as a
//! compiled TZif file (RFC 8536), and reading one takes a page of code. Its transitions cover the
//! past; its footer, a POSIX TZ rule (`CET-1CEST,M3.5.0,M10.5.0/3`), the years after the last
//! transition (a "slim" file ends its transitions early and relies on it).
//!
//! The process's own `TZ` and `/etc/localtime` play no part: a report made on a controller in
//! UTC says the same times as one made in Paris.

use std::path::PathBuf;

use super::{civil, days_from_civil};

/// One local time type: its offset from UTC and its abbreviation (`CET`, `CEST`, `+03`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct LocalType {
    offset: i32,
    abbr: String,
}

/// A POSIX TZ rule with daylight saving time: standard and DST types, and when DST starts and
/// ends, each a (month, week, weekday, seconds after local midnight).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    std: LocalType,
    dst: Option<(LocalType, RuleDay, RuleDay)>,
}

/// `Mm.w.d/time`: day `d` (0 Sunday) of week `w` (5: the last) of month `m`, at `time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RuleDay {
    month: u32,
    week: u32,
    weekday: u32,
    secs: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    name: String,
    /// Transition instants (seconds since the epoch), ascending, and the type from each on.
    transitions: Vec<(i64, usize)>,
    types: Vec<LocalType>,
    /// After the last transition (or without any); `None` in a file without a footer.
    rule: Option<Rule>,
}

/// A moment on the zone's wall clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wall {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub abbr: String,
}

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

impl Wall {
    /// `2 Dec 2026`
    pub fn date(&self) -> String {
        format!("{} {} {}", self.day, MONTHS[(self.month - 1) as usize], self.year)
    }

    /// `01:09`
    pub fn hm(&self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }

    /// `2026-12-02 01:09:40 CET`: the report's tables.
    pub fn full(&self) -> String {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} {}",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.abbr
        )
    }

    pub fn same_day(&self, other: &Wall) -> bool {
        (self.year, self.month, self.day) == (other.year, other.month, other.day)
    }
}

impl Zone {
    /// UTC: the zone of a campaign that names none.
    pub fn utc() -> Zone {
        let utc = LocalType { offset: 0, abbr: "UTC".into() };
        Zone { name: "UTC".into(), transitions: Vec::new(), types: vec![utc.clone()], rule: None }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone named `name` in the system's tz database; `Err` says why in the operator's terms.
    pub fn load(name: &str) -> Result<Zone, String> {
        let well_formed = !name.is_empty()
            && name.split('/').all(|part| {
                !part.is_empty()
                    && part != "."
                    && part != ".."
                    && part.chars().all(|c| c.is_ascii_alphanumeric() || "_+-".contains(c))
            });
        if !well_formed {
            return Err(format!("`{name}` is not a time zone name (an IANA name such as Europe/Paris)"));
        }
        let dir =
            std::env::var_os("TZDIR").map_or_else(|| PathBuf::from("/usr/share/zoneinfo"), PathBuf::from);
        let path = dir.join(name);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(format!(
                    "no time zone `{name}` in {} (an IANA name such as Europe/Paris)",
                    dir.display()
                ));
            }
            Err(e) => return Err(format!("cannot read the time zone {}: {e}", path.display())),
        };
        Zone::parse(name, &bytes).map_err(|why| format!("{}: not a time zone file: {why}", path.display()))
    }

    /// A TZif file's contents (version 2 or later: its 64-bit part and footer).
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Zone, String> {
        let (v1, _) = header(bytes)?;
        if bytes[4] < b'2' {
            return Err("version 1 files are not read (no 64-bit part)".into());
        }
        let rest = bytes.get(v1.skip(4)..).ok_or("truncated")?;
        let (h, body) = header(rest)?;
        let mut at = 0;
        let mut take = |n: usize| -> Result<&[u8], String> {
            let part = body.get(at..at + n).ok_or("truncated")?;
            at += n;
            Ok(part)
        };
        let times: Vec<i64> = take(h.timecnt * 8)?
            .chunks(8)
            .map(|c| i64::from_be_bytes(c.try_into().expect("8 bytes")))
            .collect();
        let indices = take(h.timecnt)?.to_vec();
        let raw_types = take(h.typecnt * 6)?.to_vec();
        let chars = take(h.charcnt)?.to_vec();
        take(h.leapcnt * 12 + h.isstdcnt + h.isutcnt)?;
        let footer = body.get(at..).unwrap_or_default();
        let abbr = |i: usize| -> String {
            let tail = chars.get(i..).unwrap_or_default();
            String::from_utf8_lossy(&tail[..tail.iter().position(|b| *b == 0).unwrap_or(tail.len())])
                .into_owned()
        };
        let types: Vec<LocalType> = raw_types
            .chunks(6)
            .map(|c| LocalType {
                offset: i32::from_be_bytes([c[0], c[1], c[2], c[3]]),
                abbr: abbr(c[5] as usize),
            })
            .collect();
        if types.is_empty() || indices.iter().any(|i| *i as usize >= types.len()) {
            return Err("no local time type, or a transition to none".into());
        }
        let transitions = times.into_iter().zip(indices.into_iter().map(usize::from)).collect();
        let text = String::from_utf8_lossy(footer);
        let rule = text.trim_matches('\n').lines().next().and_then(parse_rule);
        Ok(Zone { name: name.into(), transitions, types, rule })
    }

    /// The offset and abbreviation in force at `epoch`.
    fn local_type(&self, epoch: i64) -> LocalType {
        let after_last = self.transitions.last().is_none_or(|(t, _)| epoch >= *t);
        if after_last && let Some(rule) = &self.rule {
            return rule.at(epoch);
        }
        match self.transitions.partition_point(|(t, _)| *t <= epoch) {
            // Before the first transition: the first type (RFC 8536 3.2).
            0 => self.types[0].clone(),
            n => self.types[self.transitions[n - 1].1].clone(),
        }
    }

    /// `epoch` (seconds since the Unix epoch) on this zone's wall clock.
    pub fn wall(&self, epoch: f64) -> Wall {
        let epoch = epoch.floor() as i64;
        let t = self.local_type(epoch);
        let local = epoch + i64::from(t.offset);
        let (year, month, day) = civil(local.div_euclid(86_400));
        let secs = local.rem_euclid(86_400) as u32;
        Wall {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs % 3600 / 60,
            second: secs % 60,
            abbr: t.abbr,
        }
    }
}

/// The counts of a TZif header.
struct Header {
    isutcnt: usize,
    isstdcnt: usize,
    leapcnt: usize,
    timecnt: usize,
    typecnt: usize,
    charcnt: usize,
}

impl Header {
    /// The length of the version-1 body this header announces, with `time_size`-byte times.
    fn skip(&self, time_size: usize) -> usize {
        44 + self.timecnt * (time_size + 1)
            + self.typecnt * 6
            + self.charcnt
            + self.leapcnt * (time_size + 4)
            + self.isstdcnt
            + self.isutcnt
    }
}

fn header(bytes: &[u8]) -> Result<(Header, &[u8]), String> {
    if bytes.len() < 44 || &bytes[0..4] != b"TZif" {
        return Err("no TZif header".into());
    }
    let n =
        |i: usize| u32::from_be_bytes(bytes[20 + 4 * i..24 + 4 * i].try_into().expect("4 bytes")) as usize;
    let h =
        Header { isutcnt: n(0), isstdcnt: n(1), leapcnt: n(2), timecnt: n(3), typecnt: n(4), charcnt: n(5) };
    Ok((h, &bytes[44..]))
}

impl Rule {
    fn at(&self, epoch: i64) -> LocalType {
        let Some((dst, start, end)) = &self.dst else { return self.std.clone() };
        let year = civil((epoch + i64::from(self.std.offset)).div_euclid(86_400)).0;
        // Each change is written in the wall time in force before it.
        let begins = start.instant(year) - i64::from(self.std.offset);
        let ends = end.instant(year) - i64::from(dst.offset);
        let in_dst =
            if begins < ends { epoch >= begins && epoch < ends } else { epoch >= begins || epoch < ends };
        if in_dst { dst.clone() } else { self.std.clone() }
    }
}

impl RuleDay {
    /// Local seconds since the epoch of this day and time in `year`.
    fn instant(&self, year: i64) -> i64 {
        let first = days_from_civil(year, i64::from(self.month), 1);
        // 1970-01-01 was a Thursday (4).
        let first_weekday = (first + 4).rem_euclid(7) as u32;
        let mut day = 1 + (self.weekday + 7 - first_weekday) % 7 + (self.week - 1) * 7;
        let next_month = if self.month == 12 {
            days_from_civil(year + 1, 1, 1)
        } else {
            days_from_civil(year, i64::from(self.month) + 1, 1)
        };
        while i64::from(day) > next_month - first {
            day -= 7;
        }
        (first + i64::from(day) - 1) * 86_400 + self.secs
    }
}

/// A POSIX TZ string as TZif footers write it; `None` for forms it does not take (a `Jn` or `n`
/// day: no zone of the tz database uses them), which leave the last transition's type in force.
fn parse_rule(text: &str) -> Option<Rule> {
    let mut s = text;
    let std_abbr = abbreviation(&mut s)?;
    let std_offset = -clock(&mut s)?;
    let std = LocalType { offset: std_offset as i32, abbr: std_abbr };
    if s.is_empty() {
        return Some(Rule { std, dst: None });
    }
    let dst_abbr = abbreviation(&mut s)?;
    let dst_offset = if s.starts_with(',') { std_offset + 3600 } else { -clock(&mut s)? };
    let mut days = s.strip_prefix(',')?.split(',');
    let (start, end) = (rule_day(days.next()?)?, rule_day(days.next()?)?);
    let dst = LocalType { offset: dst_offset as i32, abbr: dst_abbr };
    Some(Rule { std, dst: Some((dst, start, end)) })
}

/// `CET` or `<+03>`, taken from the front of `s`.
fn abbreviation(s: &mut &str) -> Option<String> {
    let (abbr, rest) = if let Some(quoted) = s.strip_prefix('<') {
        let end = quoted.find('>')?;
        (&quoted[..end], &quoted[end + 1..])
    } else {
        let end = s.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(s.len());
        (&s[..end], &s[end..])
    };
    *s = rest;
    (abbr.len() >= 3).then(|| abbr.to_string())
}

/// `[+-]h[:mm[:ss]]` in seconds, taken from the front of `s`.
fn clock(s: &mut &str) -> Option<i64> {
    let end = s.find(|c: char| !(c.is_ascii_digit() || "+-:".contains(c))).unwrap_or(s.len());
    let (text, rest) = s.split_at(end);
    *s = rest;
    let (sign, text) = match text.strip_prefix('-') {
        Some(t) => (-1, t),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let mut secs = 0;
    for (i, part) in text.split(':').enumerate() {
        secs += part.parse::<i64>().ok()? * [3600, 60, 1].get(i)?;
    }
    Some(sign * secs)
}

/// `M3.5.0` or `M10.5.0/3`.
fn rule_day(text: &str) -> Option<RuleDay> {
    let (date, mut time) = text.split_once('/').map_or((text, "2"), |(d, t)| (d, t));
    let mut parts = date.strip_prefix('M')?.split('.').map(|p| p.parse::<u32>().ok());
    let (month, week, weekday) = (parts.next()??, parts.next()??, parts.next()??);
    let valid = (1..=12).contains(&month) && (1..=5).contains(&week) && weekday <= 6;
    let secs = clock(&mut time)?;
    valid.then_some(RuleDay { month, week, weekday, secs })
}

#[cfg(test)]
mod tests;
