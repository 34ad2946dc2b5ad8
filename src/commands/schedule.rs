//! `bmfleet schedule`: nightly runs with the system's own scheduler, not a home-made daemon.
//! A systemd service + timer per schedule (`bmfleet-NAME.service`, `bmfleet-NAME.timer`), or a
//! crontab line with `--cron`. The scheduled command runs without a terminal, so it logs plain
//! lines, and carries `--until` so it never overruns its window.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::{ScheduleCommand, ScheduleInstallArgs, ScheduleRemoveArgs};
use crate::diag::Diagnostic;
use crate::error::{Error, Result};
use crate::report::rundir::runs_dir;

const PREFIX: &str = "bmfleet-";

const MARK: &str = "# Written by bmfleet schedule install";

pub fn schedule(command: ScheduleCommand) -> Result<ExitCode> {
    match command {
        ScheduleCommand::Install(args) => install(*args),
        ScheduleCommand::List(args) => list(&args.unit_dir),
        ScheduleCommand::Remove(args) => remove(args),
    }
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::fs::canonicalize(path).map_err(|source| Error::Read { path: path.to_path_buf(), source })
}

/// The command the scheduler runs, every path absolute, every argument shell-quoted.
pub fn command_line(args: &ScheduleInstallArgs) -> Result<(PathBuf, Vec<String>)> {
    let phase = scheduled_phase(args)?;
    let exe = std::env::current_exe()
        .map_err(|e| Error::internal(format!("cannot find the bmfleet binary: {e}")))?;
    let inventory = absolute(&args.selection.inventory)?;
    let workdir = inventory.parent().unwrap_or(Path::new("/")).to_path_buf();
    let mut argv = vec![exe.display().to_string(), phase, "-i".into(), inventory.display().to_string()];
    if let Some(limit) = &args.selection.limit {
        argv.push("--limit".into());
        argv.push(limit.clone());
    }
    if let Some(until) = &args.until {
        argv.push("--until".into());
        argv.push(until.to_string());
    }
    // What the operator chose must hold at night too.
    for (flag, path) in [
        ("--ssh-config", &args.selection.ssh_config),
        ("--role", &args.role),
        ("--state-dir", &args.state_dir),
    ] {
        if let Some(path) = path {
            argv.push(flag.into());
            argv.push(absolute(path)?.display().to_string());
        }
    }
    if let Some(notify) = &args.notify {
        argv.push("--notify".into());
        argv.push(notify.clone());
    }
    if let Some(stale) = args.stale_after {
        argv.push("--stale-after".into());
        argv.push(format!("{}s", stale.as_secs()));
    }
    // Where the runs by hand go (runs/ beside the inventory, or --runs-dir), named absolute:
    // the scheduled runs' records are read by the same `report -i`.
    let explicit = args
        .runs_dir
        .as_deref()
        .map(std::path::absolute)
        .transpose()
        .map_err(|e| Error::internal(format!("cannot make --runs-dir absolute: {e}")))?;
    argv.push("--runs-dir".into());
    argv.push(runs_dir(explicit.as_deref(), &inventory).display().to_string());
    Ok((workdir, argv))
}

/// The phase a schedule runs: the one named, else the role's repeatable sync; it must be one
/// the role declares `schedule:` (BlueMind: the hot sync, repeated every night, and the
/// preflight). Every other phase needs an operator (downtime, confirmations, keys changed once).
fn scheduled_phase(args: &ScheduleInstallArgs) -> Result<String> {
    let role = super::roles::load(args.role.as_deref(), &args.selection.inventory)?;
    let unattended: Vec<String> = role
        .phases
        .iter()
        .filter_map(|p| p.schedule.as_ref().map(|why| format!("{} ({why})", p.name)))
        .collect();
    let Some(phase) = args.phase.clone().or_else(|| role.journal.repeatable_sync.clone()) else {
        return Err(Error::input(
            Diagnostic::new(format!("role `{}` has no repeatable sync to schedule by default", role.name))
                .help(format!("name the phase: one of {}", unattended.join("; "))),
        ));
    };
    match role.phase(&phase) {
        Some(p) if p.schedule.is_some() => Ok(phase),
        Some(_) => Err(Error::input(
            Diagnostic::new(format!("`{phase}` cannot be scheduled: it needs an operator, or runs once"))
                .help(format!("schedule one of: {}; run {phase} by hand", unattended.join("; "))),
        )),
        None => Err(super::phase_cli::unknown_phase(&role, &phase)),
    }
}

fn quoted(argv: &[String]) -> Result<String> {
    argv.iter()
        .map(|a| crate::shell::quote(a).map(|q| q.into_owned()).map_err(|e| Error::usage(e.to_string())))
        .collect::<Result<Vec<_>>>()
        .map(|v| v.join(" "))
}

fn validate_name(name: &str) -> Result<()> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(Error::input(
            Diagnostic::new(format!("`{name}` cannot name a schedule"))
                .help("use letters, digits, `-` and `_`"),
        ));
    }
    Ok(())
}

pub fn unit_files(args: &ScheduleInstallArgs) -> Result<(String, String)> {
    let (hour, minute) = (args.at.hour, args.at.minute);
    let (workdir, argv) = command_line(args)?;
    // systemd splits ExecStart= like a shell would, with its own quoting rules; our quoting
    // (single quotes, '\'' for a quote) is understood by systemd too.
    // It also expands `$VAR` and `%x` specifiers inside quotes: a `--notify` command written
    // for a shell (`mail -s "$SUBJECT"`) keeps its text only doubled (`$$`, `%%`).
    let exec = quoted(&argv)?.replace('$', "$$").replace('%', "%%");
    let service = format!(
        "{MARK}: {name}\n[Unit]\nDescription=bmfleet {phase} of {inv} ({name})\nAfter=network-online.target\nWants=network-online.target\n\n[Service]\nType=oneshot\nWorkingDirectory={workdir}\nExecStart={exec}\n# 2 bad input, 3 pairs failed, 4 unreachable, 5 busy, 6 deadline: all worth a look in the journal.\nSuccessExitStatus=6\n",
        name = args.name,
        phase = argv[1],
        inv = args.selection.inventory.display(),
        workdir = workdir.display(),
    );
    let timer = format!(
        "{MARK}: {name}\n[Unit]\nDescription=bmfleet {phase} every night at {at} ({name})\n\n[Timer]\nOnCalendar=*-*-* {hour:02}:{minute:02}:00\nPersistent=false\nUnit={PREFIX}{name}.service\n\n[Install]\nWantedBy=timers.target\n",
        name = args.name,
        phase = argv[1],
        at = args.at,
    );
    Ok((service, timer))
}

pub fn cron_line(args: &ScheduleInstallArgs) -> Result<String> {
    let (hour, minute) = (args.at.hour, args.at.minute);
    let (workdir, argv) = command_line(args)?;
    let workdir = quoted(&[workdir.display().to_string()])?;
    let log =
        quoted(&[Path::new(&argv[3]).with_extension(format!("{}.log", args.name)).display().to_string()])?;
    // cron turns an unescaped `%` into a newline, even inside quotes.
    Ok(format!(
        "{minute} {hour} * * * cd {workdir} && {} >>{log} 2>&1 # bmfleet:{}",
        quoted(&argv)?.replace('%', "\\%"),
        args.name
    ))
}

fn install(args: ScheduleInstallArgs) -> Result<ExitCode> {
    validate_name(&args.name)?;
    // What would fail every night (an inventory error, a --limit that selects no pair) is said now.
    super::load_selection(&args.selection)?;
    if args.cron {
        println!("{}", cron_line(&args)?);
        eprintln!("Add this line to root's crontab (`crontab -e`); cron runs it without a terminal.");
        return Ok(ExitCode::SUCCESS);
    }
    let (service, timer) = unit_files(&args)?;
    let dir = &args.dir.unit_dir;
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::internal(format!("cannot create {}: {e}", dir.display())))?;
    let service_path = dir.join(format!("{PREFIX}{}.service", args.name));
    let timer_path = dir.join(format!("{PREFIX}{}.timer", args.name));
    for (path, text) in [(&service_path, &service), (&timer_path, &timer)] {
        crate::fsutil::write_atomic(path, text.as_bytes())
            .map_err(|e| Error::internal(format!("cannot write {}: {e}", path.display())))?;
        println!("wrote {}", path.display());
    }
    if args.no_enable {
        return Ok(ExitCode::SUCCESS);
    }
    if Path::new("/run/systemd/system").is_dir() {
        systemctl(&["daemon-reload"])?;
        systemctl(&["enable", "--now", &format!("{PREFIX}{}.timer", args.name)])?;
        println!("enabled {PREFIX}{}.timer; `systemctl list-timers {PREFIX}*` shows the next run", args.name);
    } else {
        println!(
            "systemd is not running here: enable it later with `systemctl enable --now {PREFIX}{}.timer`, or use --cron",
            args.name
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn systemctl(args: &[&str]) -> Result<()> {
    let status = std::process::Command::new("systemctl")
        .args(args)
        .status()
        .map_err(|e| Error::internal(format!("cannot run systemctl: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::internal(format!("systemctl {} failed ({status})", args.join(" "))))
    }
}

fn list(dir: &Path) -> Result<ExitCode> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(schedule) = name.strip_prefix(PREFIX).and_then(|n| n.strip_suffix(".timer")) {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                if !text.starts_with(MARK) {
                    continue;
                }
                let when =
                    text.lines().find_map(|l| l.strip_prefix("OnCalendar=")).unwrap_or("?").to_string();
                let service = std::fs::read_to_string(dir.join(format!("{PREFIX}{schedule}.service")))
                    .unwrap_or_default();
                let exec =
                    service.lines().find_map(|l| l.strip_prefix("ExecStart=")).unwrap_or("?").to_string();
                found.push(vec![schedule.to_string(), when, exec]);
            }
        }
    }
    found.sort();
    if found.is_empty() {
        println!("no bmfleet schedule in {}", dir.display());
    } else {
        print!("{}", crate::report::table(&["NAME", "WHEN", "COMMAND"], &found));
    }
    Ok(ExitCode::SUCCESS)
}

fn remove(args: ScheduleRemoveArgs) -> Result<ExitCode> {
    validate_name(&args.name)?;
    let dir = &args.dir.unit_dir;
    let timer = dir.join(format!("{PREFIX}{}.timer", args.name));
    if !timer.exists() {
        return Err(Error::input(
            Diagnostic::new(format!("no schedule `{}` in {}", args.name, dir.display()))
                .help("`bmfleet schedule list` shows them"),
        ));
    }
    if Path::new("/run/systemd/system").is_dir() {
        let _ = systemctl(&["disable", "--now", &format!("{PREFIX}{}.timer", args.name)]);
    }
    for path in [timer, dir.join(format!("{PREFIX}{}.service", args.name))] {
        let _ = std::fs::remove_file(&path);
        println!("removed {}", path.display());
    }
    if Path::new("/run/systemd/system").is_dir() {
        let _ = systemctl(&["daemon-reload"]);
    }
    Ok(ExitCode::SUCCESS)
}
