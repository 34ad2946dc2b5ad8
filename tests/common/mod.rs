//! Test harness: run the real `bmfleet` binary through a fluent builder, and use the test fleet
//! (simulated BlueMind hosts with real sshd and PostgreSQL, see tests/fleet/README.md).
//!
//! Fleet tests claim pairs of the running fleet (an flock per pair, so tests running at once
//! never share a pair) and reset them before use. Without a fleet (`BMFLEET_FLEET` unset) a fleet
//! test fails with the command to run; it never passes without having run.
#![allow(dead_code)]

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod db;
#[allow(unused_imports)] // (not every test binary migrates)
pub use db::resync_and_migrate;

pub const BIN: &str = env!("CARGO_BIN_EXE_bmfleet");

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One invocation of bmfleet, built step by step.
pub struct Bmfleet {
    args: Vec<OsString>,
    envs: Vec<(String, String)>,
    dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The directory bmfleet ran in.
    pub dir: PathBuf,
    /// Where this invocation's runs go (see [`Bmfleet::runs`]), whether it made one or not.
    pub runs: PathBuf,
    /// The run directory this invocation made, when it made one: a campaign's runs share the
    /// directory beside its inventory, so the newest there may be a later command's.
    pub run: Option<PathBuf>,
}

impl Default for Bmfleet {
    fn default() -> Self {
        Self::new()
    }
}

impl Bmfleet {
    /// Runs in a fresh temporary directory, unless `in_dir` says otherwise. Its runs go beside
    /// its inventory, as bmfleet's own, or to its `--runs-dir` ([`Bmfleet::runs`]).
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        Bmfleet { args: Vec::new(), envs: Vec::new(), dir: tmp.path().to_path_buf(), _tmp: Some(tmp) }
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn inventory(self, path: &Path) -> Self {
        self.arg("-i").arg(path)
    }

    pub fn limit(self, pattern: &str) -> Self {
        self.arg("--limit").arg(pattern)
    }

    pub fn role(self, dir: &Path) -> Self {
        self.arg("--role").arg(dir)
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    pub fn in_dir(mut self, dir: &Path) -> Self {
        self.dir = dir.to_path_buf();
        self._tmp = None;
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The value of the first `flag` among the arguments (`--flag VALUE` or `--flag=VALUE`).
    fn flag(&self, flags: &[&str]) -> Option<PathBuf> {
        let args: Vec<String> = self.args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        args.iter().enumerate().find_map(|(i, arg)| {
            flags.iter().find_map(|flag| match arg.strip_prefix(flag) {
                Some("") => args.get(i + 1).map(PathBuf::from),
                Some(value) => value.strip_prefix('=').map(PathBuf::from),
                None => None,
            })
        })
    }

    /// Where the runs of this invocation go, as bmfleet decides it (`report::rundir::runs_dir`):
    /// its `--runs-dir`, else `runs/` beside its inventory; either relative to the directory it
    /// runs in. Tests find run directories here, never in their working directory.
    pub fn runs(&self) -> PathBuf {
        let base = match (self.flag(&["--runs-dir"]), self.flag(&["-i", "--inventory"])) {
            (Some(runs), _) => runs,
            (None, Some(inventory)) => inventory.parent().unwrap_or(Path::new("")).join("runs"),
            (None, None) => PathBuf::from("runs"),
        };
        self.dir.join(base)
    }

    /// The runs directory, when it lies inside the repository: no test may write there (tests
    /// of an inventory of the repository's pass `--runs-dir` when they run something).
    fn runs_in_repository(&self) -> Option<PathBuf> {
        let runs = self.runs();
        let parent = runs.parent().and_then(|p| std::fs::canonicalize(p).ok())?;
        parent.starts_with(repo()).then_some(runs)
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(&self.args).current_dir(&self.dir).env_remove("SSH_AUTH_SOCK");
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        cmd
    }

    pub fn run(self) -> Outcome {
        let runs = self.runs();
        let before = run_dirs(&runs);
        let output = self.command().stdin(Stdio::null()).output().expect("run bmfleet");
        let dir = self.dir.clone();
        let run = run_dirs(&runs).into_iter().filter(|d| !before.contains(d)).max();
        if let Some(inside) = self.runs_in_repository() {
            assert!(
                !inside.exists(),
                "{} exists: runs were written inside the repository; pass --runs-dir to a test that runs an inventory of the repository's",
                inside.display()
            );
        }
        // Keep the temporary directory alive with the outcome's path.
        if let Some(tmp) = self._tmp {
            let _ = tmp.keep();
        }
        Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            dir,
            runs,
            run,
        }
    }

    /// Start bmfleet without waiting (for signals); stdout and stderr are captured. Returns the
    /// child and where its runs go ([`Bmfleet::runs`]).
    pub fn spawn(self) -> (std::process::Child, PathBuf) {
        let child = self
            .command()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn bmfleet");
        let runs = self.runs();
        if let Some(tmp) = self._tmp {
            let _ = tmp.keep();
        }
        (child, runs)
    }
}

impl Outcome {
    /// Assert the exit code, showing everything bmfleet printed when it differs.
    pub fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn all_output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// The run directory of the (single) run this invocation made (else the newest of its runs
    /// directory, for an outcome that made none).
    pub fn run_dir(&self) -> PathBuf {
        self.run
            .clone()
            .or_else(|| run_dirs(&self.runs).pop())
            .unwrap_or_else(|| panic!("no run directory in {}\n{}", self.runs.display(), self.all_output()))
    }

    /// The log of one pair in the last run.
    pub fn pair_log(&self, pair: &str) -> String {
        let path = self.run_dir().join(format!("{pair}.log"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    pub fn summary(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.run_dir().join("summary.json")).expect("summary.json");
        serde_json::from_str(&text).expect("summary.json is JSON")
    }

    /// Status of one pair in the summary.
    pub fn pair_status(&self, pair: &str) -> String {
        let summary = self.summary();
        summary["pairs"]
            .as_array()
            .expect("pairs")
            .iter()
            .find(|p| p["pair"] == pair)
            .unwrap_or_else(|| panic!("no pair {pair} in the summary"))["status"]
            .as_str()
            .expect("status")
            .to_string()
    }

    /// Asserts one pair's status in the summary; else fails with that pair's log (which step
    /// warned or failed, and what it said: a test's scratch directory is gone once it fails).
    pub fn pair_is(&self, pair: &str, expected: &str) -> &Self {
        let status = self.pair_status(pair);
        if status != expected {
            let log = std::fs::read_to_string(self.run_dir().join(format!("{pair}.log"))).unwrap_or_default();
            panic!("pair {pair} is {status}, not {expected}; its log:\n{log}\n{}", self.all_output());
        }
        self
    }
}

/// Run directories in `runs` (a runs directory: [`Outcome::runs`], what `spawn` returns), oldest
/// first.
pub fn run_dirs(runs: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(runs)
        .map(|rd| rd.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// The running test fleet.
pub struct Fleet {
    pub dir: PathBuf,
    tool: PathBuf,
}

#[derive(Debug, Clone)]
pub struct FleetPair {
    pub name: String,
    pub origin: String,
    pub target: String,
    pub origin_addr: String,
    pub target_addr: String,
}

/// Pairs a test holds for its duration.
pub struct Claim {
    pub pairs: Vec<FleetPair>,
    _locks: Vec<File>,
}

impl Fleet {
    pub fn get() -> Fleet {
        Fleet::from_var("BMFLEET_FLEET")
    }

    /// The fleet whose directory the environment variable `var` names (BMFLEET_FLEET, or
    /// BMFLEET_MAIL_FLEET for the mail profile's).
    pub fn from_var(var: &str) -> Fleet {
        let Some(dir) = std::env::var_os(var).map(PathBuf::from) else {
            panic!(
                "{var} is not set: this test needs the test fleet of simulated BlueMind hosts.\n\
                 Run every test with `sudo bash .ci/run`, or bring a fleet up with `sudo tests/fleet/fleet up 8` \
                 (`up 2 --mail` for BMFLEET_MAIL_FLEET) and run `{var}=/var/lib/bmfleet-fleet cargo test`."
            )
        };
        assert!(
            dir.join("inventory.yml").is_file(),
            "no fleet is up in {} (no inventory.yml): run `sudo tests/fleet/fleet up 8`",
            dir.display()
        );
        Fleet { dir, tool: repo().join("tests/fleet/fleet") }
    }

    fn tool(&self) -> Command {
        let mut cmd = Command::new(&self.tool);
        cmd.env("BMFLEET_FLEET_DIR", &self.dir);
        cmd
    }

    /// Every pair of the fleet, from `fleet hosts`.
    pub fn pairs(&self) -> Vec<FleetPair> {
        let out = self.tool().arg("hosts").output().expect("fleet hosts");
        assert!(out.status.success(), "fleet hosts: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        let mut pairs: Vec<FleetPair> = Vec::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 4 {
                continue;
            }
            let (name, addr, role, pair) = (f[0], f[1], f[2], f[3]);
            let entry = match pairs.iter_mut().position(|p| p.name == pair) {
                Some(i) => &mut pairs[i],
                None => {
                    pairs.push(FleetPair {
                        name: pair.into(),
                        origin: String::new(),
                        target: String::new(),
                        origin_addr: String::new(),
                        target_addr: String::new(),
                    });
                    pairs.last_mut().unwrap()
                }
            };
            if role == "origin" {
                entry.origin = name.into();
                entry.origin_addr = addr.into();
            } else {
                entry.target = name.into();
                entry.target_addr = addr.into();
            }
        }
        pairs.sort_by(|a, b| a.name.cmp(&b.name));
        pairs
    }

    /// Claim `n` pairs no other test holds, reset to their fresh state.
    pub fn claim(&self, n: usize) -> Claim {
        let all = self.pairs();
        assert!(
            all.len() >= n,
            "this test needs {n} pairs; the fleet has {}: `sudo tests/fleet/fleet up {n}`",
            all.len()
        );
        let claims = self.dir.join("claims");
        std::fs::create_dir_all(&claims).expect("claims dir");
        let deadline = Instant::now() + Duration::from_secs(1200);
        loop {
            let mut locks = Vec::new();
            let mut pairs = Vec::new();
            for pair in &all {
                if pairs.len() == n {
                    break;
                }
                let file = File::create(claims.join(format!("{}.lock", pair.name))).expect("lock file");
                if file.try_lock().is_ok() {
                    locks.push(file);
                    pairs.push(pair.clone());
                }
            }
            if pairs.len() == n {
                let names: Vec<&str> = pairs.iter().map(|p| p.name.as_str()).collect();
                self.reset(&names);
                // `fleet reset` restores each host's dpkg status byte for byte, under the host's
                // lock, before it returns: a difference here is a fleet bug, not a leftover to
                // retry away (see `packages_as_installed`).
                for p in &pairs {
                    for host in [&p.origin, &p.target] {
                        assert!(
                            self.packages_as_installed(host),
                            "fleet reset left {host}'s dpkg status unlike its fresh one"
                        );
                    }
                }
                for p in &pairs {
                    self.loopback_addresses(&p.origin);
                    self.loopback_addresses(&p.target);
                }
                return Claim { pairs, _locks: locks };
            }
            drop(locks);
            assert!(Instant::now() < deadline, "could not claim {n} free pairs in 20 minutes");
            std::thread::sleep(Duration::from_millis(500 + (std::process::id() % 500) as u64));
        }
    }

    fn run_tool(&self, args: &[&str]) -> Output {
        self.tool().args(args).output().expect("run tests/fleet/fleet")
    }

    pub fn reset(&self, hosts: &[&str]) {
        let mut args = vec!["reset"];
        args.extend_from_slice(hosts);
        let out = self.run_tool(&args);
        assert!(
            out.status.success(),
            "fleet reset {hosts:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Is the host's dpkg status the one it was installed with?
    fn packages_as_installed(&self, host: &str) -> bool {
        let hd = self.dir.join("hosts").join(host);
        let now = std::fs::read(hd.join("dpkg/status"));
        let fresh = std::fs::read(hd.join("fresh/dpkg-status"));
        matches!((now, fresh), (Ok(a), Ok(b)) if a == b)
    }

    /// bm.ini `host` and `hz-member-address`, and bj's `t_server.ip` = 127.0.0.1. The fleet
    /// writes the host's own address there, as BlueMind does; copied to the target, they name
    /// the origin, and `post` rightly refuses to start a target on an address it does not own
    /// unless it took that address first (`cutover_mode: ip`). Claimed pairs name loopback, so
    /// that tests of either mode migrate; the refusals themselves are tested by setting them back
    /// (bm.ini: fleet_rollback.rs; t_server: fleet_server_ip.rs).
    pub fn loopback_addresses(&self, host: &str) {
        self.sh(
            host,
            "sed -i 's/^hz-member-address *=.*/hz-member-address=127.0.0.1/; s/^host *=.*/host=127.0.0.1/' /etc/bm/bm.ini",
        );
        self.set_server_ip(host, "127.0.0.1");
    }

    /// bj's `t_server.ip` on HOST (every row: the fleet's hosts are single servers), as
    /// BlueMind's installer leaves it with the host's own address.
    pub fn set_server_ip(&self, host: &str, ip: &str) {
        self.sh(
            host,
            &format!(
                "cd / && runuser -u postgres -- psql -X -q -d bj -c \"UPDATE t_server SET ip = '{ip}'\""
            ),
        );
    }

    pub fn set(&self, host: &str, knob: &str, value: &str) {
        let mut args = vec!["set", host, knob];
        if !value.is_empty() {
            args.push(value);
        }
        let out = self.run_tool(&args);
        assert!(
            out.status.success(),
            "fleet set {host} {knob} {value}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Run a shell snippet inside a host; returns its output (stdout, stderr, status).
    pub fn exec(&self, host: &str, script: &str) -> Output {
        self.run_tool(&["exec", host, "bash", "-c", script])
    }

    /// Run a snippet that must succeed; its stdout, trimmed.
    pub fn sh(&self, host: &str, script: &str) -> String {
        let out = self.exec(host, script);
        assert!(
            out.status.success(),
            "on {host}: {script}\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn populate(&self, host: &str) {
        let out = Command::new(repo().join("tests/fleet/populate"))
            .env("BMFLEET_FLEET_DIR", &self.dir)
            .arg(host)
            .output()
            .expect("populate");
        assert!(out.status.success(), "populate {host}: {}", String::from_utf8_lossy(&out.stderr));
    }

    pub fn mutate(&self, host: &str) {
        let out = Command::new(repo().join("tests/fleet/mutate"))
            .env("BMFLEET_FLEET_DIR", &self.dir)
            .arg(host)
            .output()
            .expect("mutate");
        assert!(out.status.success(), "mutate {host}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// `tests/fleet/verify ORIGIN TARGET`: (identical?, what it printed).
    pub fn verify(&self, origin: &str, target: &str) -> (bool, String) {
        // Cutover stops the origin's PostgreSQL for good; verify reads it, so start it again.
        self.exec(origin, "systemctl is-active postgresql >/dev/null || systemctl start postgresql");
        let out = Command::new(repo().join("tests/fleet/verify"))
            .env("BMFLEET_FLEET_DIR", &self.dir)
            .args([origin, target])
            .output()
            .expect("verify");
        (
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    }

    /// `verify --no-db --no-config`: only the spools (what a hot sync copies).
    pub fn verify_spools(&self, origin: &str, target: &str) -> (bool, String) {
        let out = Command::new(repo().join("tests/fleet/verify"))
            .env("BMFLEET_FLEET_DIR", &self.dir)
            .args(["--no-db", "--no-auth", "--no-config", origin, target])
            .output()
            .expect("verify");
        (
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    }

    /// Is the process running (not gone, not a zombie waiting for the machine's PID 1, which
    /// reaps orphans slowly)?
    pub fn running(&self, host: &str, pid: &str) -> bool {
        let script = format!("test -e /proc/{pid} && ! grep -q '^State:[[:space:]]*Z' /proc/{pid}/status");
        self.exec(host, &script).status.success()
    }

    pub fn key(&self) -> PathBuf {
        self.dir.join("controller_key")
    }

    pub fn known_hosts(&self) -> PathBuf {
        self.dir.join("known_hosts")
    }
}

impl Claim {
    pub fn pair(&self, i: usize) -> &FleetPair {
        &self.pairs[i]
    }

    /// Write an inventory of the claimed pairs into `dir`. `pair_yaml(i)` adds keys to pair i
    /// (e.g. `wave: 2`); `top` is added at the top level (e.g. `vars:`).
    pub fn inventory(
        &self,
        fleet: &Fleet,
        dir: &Path,
        top: &str,
        pair_yaml: impl Fn(usize) -> String,
    ) -> PathBuf {
        let mut text = format!(
            "defaults:\n  user: root\n  identity_file: {}\n  known_hosts: {}\n  connect_timeout: 5\n{top}\npairs:\n",
            fleet.key().display(),
            fleet.known_hosts().display()
        );
        for (i, p) in self.pairs.iter().enumerate() {
            text.push_str(&format!(
                "  - name: {}\n    origin: {{ host: {} }}\n    target: {{ host: {} }}\n",
                p.name, p.origin_addr, p.target_addr
            ));
            for line in pair_yaml(i).lines() {
                text.push_str(&format!("    {line}\n"));
            }
        }
        let path = dir.join("inventory.yml");
        std::fs::write(&path, text).expect("write inventory");
        path
    }
}

/// A one-pair inventory in flow style, written at `path`: `defaults` names `identity` and
/// `known_hosts`, then `defaults_extra` (e.g. `connect_timeout: 5`); `top` is whole top-level
/// lines (e.g. `vars: { ... }\n`); `target_extra` adds keys to the target (e.g. `user: ops`).
/// For tests whose inventory differs from the fleet's own ([`Claim::inventory`]) in its keys.
pub fn pair_inventory(
    path: &Path,
    (identity, known_hosts): (&Path, &Path),
    defaults_extra: &str,
    top: &str,
    p: &FleetPair,
    target_extra: &str,
) -> PathBuf {
    let defaults_extra =
        if defaults_extra.is_empty() { String::new() } else { format!(", {defaults_extra}") };
    let target_extra = if target_extra.is_empty() { String::new() } else { format!(", {target_extra}") };
    let text = format!(
        "defaults: {{ identity_file: {}, known_hosts: {}{defaults_extra} }}\n{top}pairs:\n  - {{ name: {}, origin: {{ host: {} }}, target: {{ host: {}{target_extra} }} }}\n",
        identity.display(),
        known_hosts.display(),
        p.name,
        p.origin_addr,
        p.target_addr
    );
    std::fs::write(path, text).expect("write inventory");
    path.to_path_buf()
}

/// Wait until `check` holds (polled every 200 ms), or fail saying what did not happen in time.
pub fn wait_for(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A pair's journal (`<pairs_dir>/<pair>.json`), `Null` while it has none.
pub fn journal_in(pairs_dir: &Path, pair: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(pairs_dir.join(format!("{pair}.json"))).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

/// A scratch directory kept for the test's duration.
/// Every file under `dir`, as text (lossy), for grepping.
pub fn all_text(dir: &Path) -> String {
    let mut text = String::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                text.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }
    text
}

pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

const CHROMIUM: &str = "/usr/bin/chromium";

/// Chromium, headless, with nothing reaching the network and a fresh profile: how the report's
/// tests read and photograph its pages.
pub fn chromium(profile: &Path) -> Command {
    assert!(
        Path::new(CHROMIUM).is_file(),
        "{CHROMIUM} is missing: the report's tests render it in headless Chromium (`apt-get install chromium`; .ci/run installs it)"
    );
    let mut cmd = Command::new(CHROMIUM);
    cmd.args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args([
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

/// The bluemind role with one more cold-sync step, right before the verification: a message
/// of `pair`'s target disappears after the transfer (a fault the counts must catch).
pub fn role_losing_a_message(pair: &str) -> tempfile::TempDir {
    let dir = scratch();
    let copy = std::process::Command::new("cp")
        .arg("-a")
        .arg(repo().join("roles/bluemind/."))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(copy.success());
    let path = dir.path().join("role.yml");
    let role = std::fs::read_to_string(&path).unwrap();
    // Right before the target is counted (the check compares that count with the origin's).
    let marker = "      - name: count target databases\n";
    assert!(role.contains(marker));
    let step = format!(
        "      - name: lose a message\n        on: target\n        when: pair.name == \"{pair}\"\n        run: rm -f -- \"$(find /var/spool/cyrus -name '1.' | LC_ALL=C sort | tail -n 1)\"\n"
    );
    std::fs::write(&path, role.replacen(marker, &format!("{step}{marker}"), 1)).unwrap();
    dir
}
