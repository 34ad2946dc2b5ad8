//! Dates without a date library: UTC timestamps for logs and run ids, and the local wall clock
//! for `--until HH:MM` (through libc's localtime, which honours TZ and /etc/localtime), and a
//! campaign's named time zone for the report (`zone`, read from the system's tz database).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod zone;

pub use zone::{Wall, Zone};

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn parts(t: SystemTime) -> (i64, u32, u32, u64, u64, u64, u32) {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (y, mo, da) = civil((secs / 86_400) as i64);
    let rem = secs % 86_400;
    (y, mo, da, rem / 3600, rem % 3600 / 60, rem % 60, d.subsec_millis())
}

/// `2026-11-26T04:38:00.123Z`
pub fn rfc3339(t: SystemTime) -> String {
    let (y, mo, d, h, mi, s, ms) = parts(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
}

/// `20261126-043800`: sortable, safe in file names.
pub fn compact(t: SystemTime) -> String {
    let (y, mo, d, h, mi, s, _) = parts(t);
    format!("{y:04}{mo:02}{d:02}-{h:02}{mi:02}{s:02}")
}

/// `04:38:00` (UTC), for plain console lines.
pub fn clock(t: SystemTime) -> String {
    let (_, _, _, h, mi, s, _) = parts(t);
    format!("{h:02}:{mi:02}:{s:02}")
}

/// Seconds since the Unix epoch, as the journal and summaries store times.
pub fn epoch_secs(t: SystemTime) -> f64 {
    t.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// `12.5s`, `3m07s`, `2h05m`: a duration as the console and `status` say it.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1}s")
    } else if s < 3600.0 {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!("{}h{:02}m", (s / 3600.0) as u64, ((s % 3600.0) / 60.0) as u64)
    }
}

/// A new run id: time plus process id, unique on one controller.
pub fn run_id() -> String {
    format!("{}-{}", compact(SystemTime::now()), std::process::id())
}

/// The next moment the local wall clock shows HH:MM (today if still ahead, else tomorrow), or
/// `None` if `text` is not HH:MM. `--until 06:00` at 01:30 means this morning at six.
pub fn next_local(text: &str, now: SystemTime) -> Option<SystemTime> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u64, u64) = (h.parse().ok()?, m.parse().ok()?);
    if h > 23 || m > 59 {
        return None;
    }
    let now_secs = now.duration_since(UNIX_EPOCH).ok()?.as_secs() as libc::time_t;
    // SAFETY: localtime_r writes into the struct we pass; no shared state.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    if unsafe { libc::localtime_r(&now_secs, &mut tm) }.is_null() {
        return None;
    }
    let since_midnight = tm.tm_hour as u64 * 3600 + tm.tm_min as u64 * 60 + tm.tm_sec as u64;
    let target = h * 3600 + m * 60;
    let ahead =
        if target > since_midnight { target - since_midnight } else { target + 86_400 - since_midnight };
    Some(UNIX_EPOCH + Duration::from_secs(now_secs as u64 + ahead))
}

/// Is `text` a time of day in the past today? (`--until 06:00` at 07:00: the window is over.)
pub fn local_time_passed(text: &str, now: SystemTime) -> Option<bool> {
    let next = next_local(text, now)?;
    // The next occurrence is more than 12 h away: today's has passed.
    Some(next.duration_since(now).ok()? > Duration::from_secs(12 * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc() {
        let t = UNIX_EPOCH + Duration::from_millis(1_795_667_880_123);
        assert_eq!(rfc3339(t), "2026-11-26T04:38:00.123Z");
        assert_eq!(compact(t), "20261126-043800");
        assert_eq!(clock(t), "04:38:00");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn next_local_time_is_within_a_day() {
        let now = SystemTime::now();
        let next = next_local("06:00", now).unwrap();
        let ahead = next.duration_since(now).unwrap();
        assert!(ahead <= Duration::from_secs(86_400));
        assert!(next_local("25:00", now).is_none());
        assert!(next_local("6h", now).is_none());
    }
}
