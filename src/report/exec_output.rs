//! `bmfleet exec`: each host's output printed as one block when its command ends, like
//! `ansible -m shell`, so lines of different hosts never interleave.
//!
//! A block waits in memory until its command ends, so it is bounded: the first and last
//! `BLOCK_HALF` bytes of lines are kept, with a note of how many lines were dropped between them
//! (the run's log of the pair keeps more, see `rundir.rs`).

use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::sync::Mutex;

use crate::outcome::{Event, Reporter, Stream};

/// Bytes of lines kept at each end of one host's block.
const BLOCK_HALF: usize = 256 << 10;

/// Output lines of one host's command, waiting for the command to end.
#[derive(Default)]
struct Block {
    head: Vec<(Stream, String)>,
    head_bytes: usize,
    tail: VecDeque<(Stream, String)>,
    tail_bytes: usize,
    dropped: usize,
}

impl Block {
    fn push(&mut self, stream: Stream, line: &str) {
        if self.head_bytes + line.len() <= BLOCK_HALF && self.tail.is_empty() {
            self.head_bytes += line.len();
            self.head.push((stream, line.to_string()));
            return;
        }
        self.tail_bytes += line.len();
        self.tail.push_back((stream, line.to_string()));
        while self.tail_bytes > BLOCK_HALF && self.tail.len() > 1 {
            let (_, old) = self.tail.pop_front().expect("not empty");
            self.tail_bytes -= old.len();
            self.dropped += 1;
        }
    }
}

#[derive(Default)]
pub struct HostBlocks {
    pending: Mutex<HashMap<(String, String), Block>>,
}

impl Reporter for HostBlocks {
    fn event(&self, event: &Event) {
        match event {
            Event::Output { pair, host, stream, line, .. } => {
                self.pending
                    .lock()
                    .expect("blocks")
                    .entry((pair.clone(), host.clone()))
                    .or_default()
                    .push(*stream, line);
            }
            Event::StepFinished { pair, host, status, .. } => {
                let block = self
                    .pending
                    .lock()
                    .expect("blocks")
                    .remove(&(pair.clone(), host.clone()))
                    .unwrap_or_default();
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{pair} | {host} | {} >>", status.describe());
                let print = |out: &mut std::io::StdoutLock, (stream, line): &(Stream, String)| match stream {
                    Stream::Stdout => writeln!(out, "{line}"),
                    Stream::Stderr => writeln!(out, "{line}  (stderr)"),
                };
                for line in &block.head {
                    let _ = print(&mut out, line);
                }
                if block.dropped > 0 {
                    let _ = writeln!(
                        out,
                        "[... {} lines dropped by bmfleet: see the run's log ...]",
                        block.dropped
                    );
                }
                for line in &block.tail {
                    let _ = print(&mut out, line);
                }
                let _ = out.flush();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_keeps_its_head_and_tail() {
        let mut b = Block::default();
        let line = "z".repeat(1000);
        for _ in 0..10_000 {
            b.push(Stream::Stdout, &line);
        }
        b.push(Stream::Stderr, "last");
        assert!(b.head_bytes <= BLOCK_HALF && b.tail_bytes <= BLOCK_HALF);
        assert!(b.dropped > 9000);
        assert_eq!(b.tail.back().unwrap().1, "last");
    }
}
