//! `bmfleet exec`: each host's output printed as one block when its command ends, like
//! `ansible -m shell`, so lines of different hosts never interleave.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;

use super::events::{Event, Reporter, Stream};

/// Output lines of one host's command, waiting for the command to end.
type Pending = HashMap<(String, String), Vec<(Stream, String)>>;

#[derive(Default)]
pub struct HostBlocks {
    pending: Mutex<Pending>,
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
                    .push((*stream, line.clone()));
            }
            Event::StepFinished { pair, host, status, .. } => {
                let lines = self
                    .pending
                    .lock()
                    .expect("blocks")
                    .remove(&(pair.clone(), host.clone()))
                    .unwrap_or_default();
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{pair} | {host} | {} >>", status.describe());
                for (stream, line) in lines {
                    let _ = match stream {
                        Stream::Stdout => writeln!(out, "{line}"),
                        Stream::Stderr => writeln!(out, "{line}  (stderr)"),
                    };
                }
                let _ = out.flush();
            }
            _ => {}
        }
    }
}
