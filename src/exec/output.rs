//! What a step prints: split into lines (rsync's progress uses `\r`), kept for the log, for
//! `register:`, for the summary's last lines, and read for rsync statistics, rsync progress and
//! `BMFLEET-MANUAL:` notes (actions the operator must do by hand).

use std::collections::VecDeque;

use serde::Serialize;

use crate::report::events::Stream;

/// Bytes of stdout kept for `register:` (beyond that, the register is truncated).
const REGISTER_CAP: usize = 1 << 20;
/// Lines kept for the summary.
const TAIL_LINES: usize = 8;
/// The prefix of a line that asks the operator to act by hand.
pub const MANUAL_PREFIX: &str = "BMFLEET-MANUAL:";

/// What rsync's `--stats` told us.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct TransferStats {
    pub files: u64,
    pub files_transferred: u64,
    pub bytes_total: u64,
    pub bytes_transferred: u64,
}

impl TransferStats {
    pub fn add(&mut self, other: &TransferStats) {
        self.files += other.files;
        self.files_transferred += other.files_transferred;
        self.bytes_total += other.bytes_total;
        self.bytes_transferred += other.bytes_transferred;
    }
}

/// A line of output, classified.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Text(Stream, String),
    /// An rsync progress update: percent and the rest of the line (rate, ETA).
    Progress(u8, String),
}

#[derive(Default)]
pub struct Collector {
    rsync: bool,
    pending: [Vec<u8>; 2],
    pub stdout: String,
    truncated: bool,
    pub tail: VecDeque<String>,
    pub stats: Option<TransferStats>,
    pub manual: Vec<String>,
}

impl Collector {
    /// `rsync`: the step declares rsync output (progress and/or stats).
    pub fn new(rsync: bool) -> Self {
        Collector { rsync, ..Default::default() }
    }

    /// Feed a chunk; returns the complete lines it finished.
    pub fn feed(&mut self, stream: Stream, data: &[u8]) -> Vec<Line> {
        let index = stream as usize;
        let mut lines = Vec::new();
        let mut buffer = std::mem::take(&mut self.pending[index]);
        for &b in data {
            if b == b'\n' || b == b'\r' {
                let cr = b == b'\r';
                let text = String::from_utf8_lossy(&buffer).into_owned();
                buffer.clear();
                if let Some(line) = self.line(stream, text, cr) {
                    lines.push(line);
                }
            } else {
                buffer.push(b);
            }
        }
        self.pending[index] = buffer;
        lines
    }

    /// Flush what remains after the command ended.
    pub fn finish(&mut self) -> Vec<Line> {
        let mut lines = Vec::new();
        for stream in [Stream::Stdout, Stream::Stderr] {
            let rest = std::mem::take(&mut self.pending[stream as usize]);
            if !rest.is_empty()
                && let Some(line) = self.line(stream, String::from_utf8_lossy(&rest).into_owned(), false)
            {
                lines.push(line);
            }
        }
        lines
    }

    fn line(&mut self, stream: Stream, text: String, carriage_return: bool) -> Option<Line> {
        if self.rsync
            && let Some((percent, detail)) = parse_progress(&text)
        {
            return Some(Line::Progress(percent, detail));
        }
        if carriage_return && text.trim().is_empty() {
            return None;
        }
        if stream == Stream::Stdout {
            if self.stdout.len() + text.len() < REGISTER_CAP {
                if !self.stdout.is_empty() {
                    self.stdout.push('\n');
                }
                self.stdout.push_str(&text);
            } else {
                self.truncated = true;
            }
            if let Some(note) = text.strip_prefix(MANUAL_PREFIX) {
                self.manual.push(note.trim().to_string());
            }
        }
        if self.rsync {
            self.stats.get_or_insert_with(TransferStats::default);
            parse_stat(&text, self.stats.as_mut().expect("just set"));
        }
        if self.tail.len() == TAIL_LINES {
            self.tail.pop_front();
        }
        self.tail.push_back(text.clone());
        Some(Line::Text(stream, text))
    }
}

/// `  1,234,567  45%   10.2MB/s    0:00:03 (xfr#12, to-chk=3/40)` -> (45, "10.2MB/s 0:00:03 ...")
fn parse_progress(text: &str) -> Option<(u8, String)> {
    let mut words = text.split_whitespace();
    let bytes = words.next()?;
    if !bytes.chars().all(|c| c.is_ascii_digit() || c == ',') {
        return None;
    }
    let percent = words.next()?.strip_suffix('%')?.parse::<u8>().ok()?;
    Some((percent.min(100), words.collect::<Vec<_>>().join(" ")))
}

fn number(text: &str) -> Option<u64> {
    let digits: String = text.split_whitespace().next()?.chars().filter(|c| *c != ',').collect();
    digits.parse().ok()
}

fn parse_stat(text: &str, stats: &mut TransferStats) {
    let Some((key, value)) = text.split_once(':') else { return };
    let target = match key.trim() {
        "Number of files" => &mut stats.files,
        "Number of regular files transferred" => &mut stats.files_transferred,
        "Total file size" => &mut stats.bytes_total,
        "Total transferred file size" => &mut stats.bytes_transferred,
        _ => return,
    };
    if let Some(n) = number(value) {
        *target = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_across_chunks_and_streams() {
        let mut c = Collector::new(false);
        assert_eq!(c.feed(Stream::Stdout, b"hel"), vec![]);
        assert_eq!(c.feed(Stream::Stderr, b"oops\n"), vec![Line::Text(Stream::Stderr, "oops".into())]);
        assert_eq!(c.feed(Stream::Stdout, b"lo\nwor"), vec![Line::Text(Stream::Stdout, "hello".into())]);
        assert_eq!(c.finish(), vec![Line::Text(Stream::Stdout, "wor".into())]);
        assert_eq!(c.stdout, "hello\nwor");
        assert_eq!(c.tail, ["oops", "hello", "wor"]);
    }

    #[test]
    fn reads_rsync_progress_and_stats() {
        let mut c = Collector::new(true);
        let progress =
            c.feed(Stream::Stdout, b"      1,234  45%  10.2MB/s    0:00:03 (xfr#1, to-chk=3/40)\r");
        assert_eq!(progress, vec![Line::Progress(45, "10.2MB/s 0:00:03 (xfr#1, to-chk=3/40)".into())]);
        c.feed(
            Stream::Stdout,
            b"\nNumber of files: 40 (reg: 30, dir: 10)\nNumber of regular files transferred: 12\nTotal file size: 1,048,576 bytes\nTotal transferred file size: 4,096 bytes\n",
        );
        assert_eq!(
            c.stats,
            Some(TransferStats {
                files: 40,
                files_transferred: 12,
                bytes_total: 1_048_576,
                bytes_transferred: 4096
            })
        );
    }

    #[test]
    fn collects_manual_notes() {
        let mut c = Collector::new(false);
        c.feed(Stream::Stdout, b"BMFLEET-MANUAL: save My networks\n");
        assert_eq!(c.manual, ["save My networks"]);
    }
}
