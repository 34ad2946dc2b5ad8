//! The values an operator types on the command line, parsed once by clap (`value_parser`) into
//! types: a bad `--until`, `--serial`, `--stale-after` or `--at` is refused (exit 2) before any
//! file is read or host touched, and the commands receive what the text meant, never the text.

use std::fmt;
use std::time::{Duration, SystemTime};

/// `90`, `30s`, `5m`, `2h`, `1h30m`, `2d`: durations as operators write them (the same grammar in
/// role.yml's `timeout:` and on the command line).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => return None,
        };
        total = total.checked_add(number.parse::<u64>().ok()?.checked_mul(unit)?)?;
        number.clear();
    }
    (number.is_empty() && !text.is_empty()).then(|| Duration::from_secs(total))
}

/// clap's parser of a duration option (`--stale-after 36h`).
pub fn duration(text: &str) -> Result<Duration, String> {
    parse_duration(text).ok_or_else(|| format!("`{text}` is not a duration; write e.g. 36h or 2d"))
}

/// A local wall-clock time written `HH:MM` exactly (`schedule install --at 01:30`): it becomes a
/// systemd `OnCalendar=` or a crontab line as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockTime {
    pub hour: u8,
    pub minute: u8,
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// clap's parser of `HH:MM`.
pub fn clock_time(text: &str) -> Result<ClockTime, String> {
    let parsed = text.split_once(':').and_then(|(h, m)| Some((h.parse::<u8>().ok()?, m.parse::<u8>().ok()?)));
    match parsed {
        Some((hour, minute)) if hour < 24 && minute < 60 && text.len() == 5 => Ok(ClockTime { hour, minute }),
        _ => Err(format!("`{text}` is not a time HH:MM; write e.g. 01:30")),
    }
}

/// `--until`: a local time of day (`06:00`, the next one to come) or a delay from the start
/// (`+90m`). Resolved into a deadline when the run starts (`deadline`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Until {
    /// As written, `H:MM` or `HH:MM` (checked).
    At(String),
    In(Duration),
}

/// clap's parser of `--until`.
pub fn until(text: &str) -> Result<Until, String> {
    let bad = || {
        format!(
            "`{text}` is neither a local time HH:MM nor a delay like +90m; write e.g. `--until 06:00` or `--until +4h`"
        )
    };
    if let Some(delay) = text.strip_prefix('+') {
        return parse_duration(delay).map(Until::In).ok_or_else(bad);
    }
    crate::time::next_local(text, SystemTime::now()).map(|_| Until::At(text.to_string())).ok_or_else(bad)
}

impl Until {
    /// The moment the run stops starting pairs and stops its steps. A time of day already
    /// past today means the window is over: the deadline is already gone, nothing starts.
    pub fn deadline(&self, now: SystemTime) -> SystemTime {
        match self {
            Until::In(delay) => now + *delay,
            Until::At(text) => {
                if crate::time::local_time_passed(text, now).unwrap_or(true) {
                    return now - Duration::from_secs(1);
                }
                crate::time::next_local(text, now).unwrap_or(now)
            }
        }
    }
}

/// One batch of `--serial`: a number of pairs, or a percentage of the wave's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batch {
    Count(usize),
    Percent(u8),
}

/// `--serial 1,5,25%`: the batch sizes each wave is cut into (see `plan/serial.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serial(pub Vec<Batch>);

/// clap's parser of `--serial`.
pub fn serial(text: &str) -> Result<Serial, String> {
    text.split(',')
        .map(|part| {
            let part = part.trim();
            let batch = match part.strip_suffix('%') {
                Some(p) => p.parse::<u8>().ok().filter(|p| (1..=100).contains(p)).map(Batch::Percent),
                None => part.parse::<usize>().ok().filter(|n| *n > 0).map(Batch::Count),
            };
            batch.ok_or_else(|| {
                format!(
                    "`{part}` is neither a number of pairs nor a percentage; write e.g. `--serial 1,5,25%`: one pair, then five, then a quarter of the wave at a time"
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Serial)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("2d"), Some(Duration::from_secs(172800)));
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration("m"), None);
        assert_eq!(parse_duration("10m5"), None);
        assert_eq!(parse_duration(""), None);
        assert!(duration("soon").unwrap_err().contains("`soon` is not a duration"));
    }

    #[test]
    fn serial_sizes() {
        assert_eq!(
            serial("1,5,25%").unwrap(),
            Serial(vec![Batch::Count(1), Batch::Count(5), Batch::Percent(25)])
        );
        for bad in ["0", "x", "0%", "101%", "", "1,,2"] {
            assert!(serial(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn clock_times_and_deadlines() {
        assert_eq!(clock_time("01:30"), Ok(ClockTime { hour: 1, minute: 30 }));
        assert_eq!(clock_time("01:30").unwrap().to_string(), "01:30");
        for bad in ["25:00", "1:30", "01:60", "0130", "ab:cd"] {
            assert!(clock_time(bad).is_err(), "{bad} should be refused");
        }
        let now = SystemTime::now();
        assert_eq!(until("+90m").unwrap().deadline(now), now + Duration::from_secs(5400));
        assert_eq!(until("06:00").unwrap(), Until::At("06:00".into()));
        let at = until("06:00").unwrap().deadline(now);
        assert!(at <= now + Duration::from_secs(86_400));
        for bad in ["+soon", "25:00", "6h", ""] {
            assert!(until(bad).is_err(), "{bad} should be refused");
        }
    }
}
