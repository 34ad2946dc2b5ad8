//! One step runner per connection, so that a step costs the host a fork, not an SSH session.
//!
//! Opening a channel makes sshd fork a session and start a login shell: about 7 ms of the
//! host's CPU, which is what bounds fan-out (hundreds of hosts, dozens of steps each). When the
//! host has python3, bmfleet starts `executor.py` once per connection (sent on stdin, run from
//! memory, nothing installed) and sends it every step on that one channel; stdout and stderr
//! come back in framed chunks, so output still streams live. Without python3, steps fall back to
//! a channel each (`exec::attempt`). The runner stops every step if bmfleet or the network goes
//! (three missed heartbeats), like the per-channel wrapper.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use super::Connection;

const PROGRAM: &str = include_str!("executor.py");

/// What a running step reports.
#[derive(Debug)]
pub enum StepEvent {
    Stdout(Vec<u8>),
    Stderr(Vec<u8>),
    /// Exit code; negative: killed by that signal.
    Exit(i32),
    /// The runner's channel ended before the step did.
    Lost(String),
}

type Routes = Arc<Mutex<HashMap<u64, mpsc::UnboundedSender<StepEvent>>>>;

pub struct Executor {
    frames: mpsc::UnboundedSender<Vec<u8>>,
    routes: Routes,
    next: AtomicU64,
}

impl Executor {
    /// Start the runner on a connection; `None` when the host cannot run it (no python3).
    pub async fn start(conn: &Connection, heartbeat: Duration) -> Option<Executor> {
        let timeout = heartbeat.as_secs().max(1) * 3 + 5;
        let loader = format!(
            "import os\nn={}\nb=b\"\"\nwhile len(b)<n:\n c=os.read(0,n-len(b))\n if not c: raise SystemExit(125)\n b+=c\nexec(compile(b,\"bmfleet-executor\",\"exec\"))",
            PROGRAM.len()
        );
        let (command, preamble) = conn.program_command("python3", &loader, &timeout.to_string());
        let (mut channel, permit) = conn.channel().await.ok()?;
        channel.exec(true, command).await.ok()?;
        let mut input = preamble.map(String::into_bytes).unwrap_or_default();
        input.extend_from_slice(PROGRAM.as_bytes());
        channel.data_bytes(input).await.ok()?;
        // The runner says it is ready, or the host has no python3 (the channel just ends).
        let mut parser = Parser::default();
        let ready = tokio::time::timeout(Duration::from_secs(15), async {
            loop {
                match channel.wait().await {
                    Some(russh::ChannelMsg::Data { data }) => {
                        parser.buffer.extend_from_slice(&data);
                        if let Some(Frame::Ready) = parser.next_frame() {
                            return true;
                        }
                    }
                    Some(
                        russh::ChannelMsg::ExitStatus { .. }
                        | russh::ChannelMsg::Close
                        | russh::ChannelMsg::Eof,
                    )
                    | None => return false,
                    Some(_) => {}
                }
            }
        })
        .await;
        if ready != Ok(true) {
            let _ = channel.close().await;
            return None;
        }
        let (frames, mut outgoing) = mpsc::unbounded_channel::<Vec<u8>>();
        let routes: Routes = Arc::default();
        let task_routes = routes.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let mut beat = tokio::time::interval(heartbeat.max(Duration::from_secs(1)));
            let reason = loop {
                tokio::select! {
                    msg = channel.wait() => match msg {
                        Some(russh::ChannelMsg::Data { data }) => {
                            parser.buffer.extend_from_slice(&data);
                            while let Some(frame) = parser.next_frame() {
                                route(&task_routes, frame);
                            }
                        }
                        Some(russh::ChannelMsg::ExitStatus { exit_status }) => break format!("the step runner exited ({exit_status})"),
                        Some(russh::ChannelMsg::Close) | None => break "the connection closed".to_string(),
                        Some(_) => {}
                    },
                    frame = outgoing.recv() => match frame {
                        Some(bytes) => {
                            if channel.data_bytes(bytes).await.is_err() {
                                break "cannot write to the connection".to_string();
                            }
                        }
                        // Every handle is gone: closing stdin stops the runner.
                        None => break "closed".to_string(),
                    },
                    _ = beat.tick() => {
                        if channel.data_bytes(&b"H\n"[..]).await.is_err() {
                            break "cannot write to the connection".to_string();
                        }
                    }
                }
            };
            let _ = channel.close().await;
            for (_, route) in task_routes.lock().expect("routes").drain() {
                let _ = route.send(StepEvent::Lost(reason.clone()));
            }
        });
        Some(Executor { frames, routes, next: AtomicU64::new(1) })
    }

    /// Start a step; its events arrive on the receiver. `None` when the runner is gone.
    pub fn run(&self, script: &str) -> Option<(u64, mpsc::UnboundedReceiver<StepEvent>)> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::unbounded_channel();
        self.routes.lock().expect("routes").insert(id, tx);
        let mut frame = format!("S {id} {}\n", script.len()).into_bytes();
        frame.extend_from_slice(script.as_bytes());
        if self.frames.send(frame).is_err() {
            self.routes.lock().expect("routes").remove(&id);
            return None;
        }
        Some((id, rx))
    }

    /// Stop a step: TERM to its process group, KILL five seconds later.
    pub fn kill(&self, id: u64) {
        let _ = self.frames.send(format!("K {id}\n").into_bytes());
    }

    pub fn forget(&self, id: u64) {
        self.routes.lock().expect("routes").remove(&id);
    }
}

fn route(routes: &Routes, frame: Frame) {
    let mut routes = routes.lock().expect("routes");
    match frame {
        Frame::Ready => {}
        Frame::Out(id, data) => {
            if let Some(r) = routes.get(&id) {
                let _ = r.send(StepEvent::Stdout(data));
            }
        }
        Frame::Err(id, data) => {
            if let Some(r) = routes.get(&id) {
                let _ = r.send(StepEvent::Stderr(data));
            }
        }
        Frame::Exit(id, code) => {
            if let Some(r) = routes.remove(&id) {
                let _ = r.send(StepEvent::Exit(code));
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Frame {
    Ready,
    Out(u64, Vec<u8>),
    Err(u64, Vec<u8>),
    Exit(u64, i32),
}

#[derive(Default)]
struct Parser {
    buffer: Vec<u8>,
}

impl Parser {
    /// The next complete frame, if the buffer holds one.
    fn next_frame(&mut self) -> Option<Frame> {
        let end = self.buffer.iter().position(|b| *b == b'\n')?;
        let header = String::from_utf8_lossy(&self.buffer[..end]).into_owned();
        let words: Vec<&str> = header.split_whitespace().collect();
        let (frame, used) = match words.as_slice() {
            ["R"] => (Frame::Ready, end + 1),
            [tag @ ("O" | "E"), id, n] => {
                let (id, n) = (id.parse().ok()?, n.parse::<usize>().ok()?);
                if self.buffer.len() < end + 1 + n {
                    return None;
                }
                let data = self.buffer[end + 1..end + 1 + n].to_vec();
                (if *tag == "O" { Frame::Out(id, data) } else { Frame::Err(id, data) }, end + 1 + n)
            }
            ["X", id, code] => (Frame::Exit(id.parse().ok()?, code.parse().ok()?), end + 1),
            // Not ours (a login banner, say): skip the line.
            _ => {
                self.buffer.drain(..=end);
                return self.next_frame();
            }
        };
        self.buffer.drain(..used);
        Some(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_anywhere_are_reassembled() {
        let stream = b"R\nO 1 6\nhello\nE 1 3\nerrX 1 0\nX 2 -15\n";
        for cut in 0..stream.len() {
            let mut p = Parser::default();
            let mut frames = Vec::new();
            for part in [&stream[..cut], &stream[cut..]] {
                p.buffer.extend_from_slice(part);
                while let Some(f) = p.next_frame() {
                    frames.push(f);
                }
            }
            assert_eq!(
                frames,
                vec![
                    Frame::Ready,
                    Frame::Out(1, b"hello\n".to_vec()),
                    Frame::Err(1, b"err".to_vec()),
                    Frame::Exit(1, 0),
                    Frame::Exit(2, -15)
                ],
                "cut at {cut}"
            );
        }
    }

    /// The runner itself, on this machine: steps run, exit codes and output come back, a
    /// killed step reports its signal, and the script never shows on a command line.
    #[test]
    fn the_runner_runs_steps() {
        use std::io::{Read, Write};
        let mut child = std::process::Command::new("python3")
            .arg("-c")
            .arg(PROGRAM)
            .arg("30")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3");
        let mut stdin = child.stdin.take().unwrap();
        let script1 = "echo out; echo err >&2; exit 3";
        let script2 = "sleep 30";
        write!(stdin, "S 1 {}\n{script1}S 2 {}\n{script2}", script1.len(), script2.len()).unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(500));
        writeln!(stdin, "K 2").unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(3000));
        drop(stdin);
        let mut out = Vec::new();
        child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
        let mut p = Parser { buffer: out };
        let mut frames = Vec::new();
        while let Some(f) = p.next_frame() {
            frames.push(f);
        }
        assert!(frames.contains(&Frame::Out(1, b"out\n".to_vec())), "{frames:?}");
        assert!(frames.contains(&Frame::Err(1, b"err\n".to_vec())), "{frames:?}");
        assert!(frames.contains(&Frame::Exit(1, 3)), "{frames:?}");
        assert!(frames.contains(&Frame::Exit(2, -15)), "{frames:?}");
        let _ = child.wait();
    }
}
