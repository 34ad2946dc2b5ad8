//! The role's phases as commands: `bmfleet PHASE -i INV` runs any phase of the loaded role, so a
//! phase added to role.yml is a command with no Rust change. Which phases exist, what they say
//! in the help, and which flag of a phase's command runs another phase (`trust --revoke`,
//! `flag_of:`) are the role's; the engine names none.
//!
//! Two ways in, one command shape (`phase_command`: [`PhaseArgs`] and the role's flags):
//! - the phases of the role the command line would run (its `--role`, looked up beside its `-i`
//!   as a run does; else `BMFLEET_ROLES`, `./roles`, built in) are subcommands of their own, so
//!   `--help`, the completions and the manual list them;
//! - any other name, or words that role's subcommand refused, reach [`external`] (clap's
//!   external subcommand): the role the run loads decides whether it is a phase and parses its
//!   words, or the name is refused with the role's phases and the closest name.
//!
//! Loading the role to parse costs a phase command a second reading of role.yml (the run reads
//! it again); the built-in commands but `help`, `completions` and `manpage` skip it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::{ArgAction, ArgMatches, Args, CommandFactory, FromArgMatches};

use crate::cli::{Cli, PhaseArgs};
use crate::diag::Diagnostic;
use crate::error::{Error, Result};
use crate::role::Role;

/// What the command line asked for: a built-in command, or a phase of the role.
pub enum Parsed {
    Builtin(Cli),
    Phase(PhaseCall),
}

/// `bmfleet NAME [--FLAG] ARGS`: the phase's command name, the role's flags given, the rest.
pub struct PhaseCall {
    pub name: String,
    pub flags: Vec<String>,
    pub args: PhaseArgs,
}

/// Built-in commands that need no role: the role's phases are not loaded to parse them.
fn needs_no_role(first: Option<&OsString>) -> bool {
    let Some(first) = first.and_then(|f| f.to_str()) else { return false };
    !matches!(first, "help" | "completions" | "manpage" | "-h" | "--help")
        && Cli::command().find_subcommand(first).is_some()
}

/// The role whose phases the help, completions and manual list: the one `--role` defaults to.
/// `None` when it does not load: the command a phase runs then says why.
pub fn listed_role() -> Option<Role> {
    super::roles::load(None, Path::new("inventory.yml")).ok()
}

/// The role a command line's phase would run from: its `--role`, looked up beside its `-i`
/// inventory as a run does, else the one `--role` defaults to.
fn role_of(argv: &[OsString]) -> Option<Role> {
    let inventory = option_value(argv, "-i", "--inventory").unwrap_or_else(|| PathBuf::from("inventory.yml"));
    super::roles::load(option_value(argv, "", "--role").as_deref(), &inventory).ok()
}

/// bmfleet's command line: the built-in commands and the phases of `role`, each a subcommand
/// (a built-in command of the same name wins).
pub fn command(role: Option<&Role>) -> clap::Command {
    let mut cmd = Cli::command();
    for phase in role.map(|r| r.phases.as_slice()).unwrap_or_default() {
        // clap's own `help` subcommand is added later: a phase cannot take its name either.
        if phase.flag_of.is_some() || phase.name == "help" || cmd.find_subcommand(&phase.name).is_some() {
            continue;
        }
        if let Ok(sub) = phase_command(role.expect("phases come from a role"), &phase.name) {
            cmd = cmd.subcommand(sub);
        }
    }
    cmd
}

/// The command of phase `name`: [`PhaseArgs`], and a flag for each phase declaring
/// `flag_of: { phase: NAME, flag: FLAG }`.
fn phase_command(role: &Role, name: &str) -> Result<clap::Command> {
    let about = role.phase(name).and_then(|p| p.description.clone()).unwrap_or_default();
    // After `augment_args`, which sets the flattened structs' own doc as the about.
    let mut cmd = PhaseArgs::augment_args(clap::Command::new(name.to_string())).about(about);
    for (flag, phase) in role.flags_of(name) {
        if cmd.get_arguments().any(|a| a.get_long() == Some(flag)) {
            return Err(Error::input(Diagnostic::new(format!(
                "role `{}`: phase `{}` is run by `{name} --{flag}`, a flag every phase command already has",
                role.name, phase.name
            ))
            .help("name another flag in its `flag_of:`")));
        }
        let help = match &phase.description {
            Some(d) => format!("Run phase `{}` instead: {d}", phase.name),
            None => format!("Run phase `{}` instead", phase.name),
        };
        cmd = cmd.arg(
            clap::Arg::new(flag.to_string()).long(flag.to_string()).action(ArgAction::SetTrue).help(help),
        );
    }
    Ok(cmd)
}

/// Parse the process's command line (clap exits on `--help` and on bad flags).
pub fn parse() -> Parsed {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let role = if needs_no_role(argv.get(1)) { None } else { role_of(&argv) };
    let matches = match command(role.as_ref()).try_get_matches_from(&argv) {
        Ok(matches) => matches,
        Err(e) if !is_phase(role.as_ref(), argv.get(1)) || !e.use_stderr() => e.exit(),
        // A phase's words the listed role refused: the role the run loads judges them
        // (`external`), and says clap's error if it refuses them too.
        Err(_) => return Parsed::Builtin(Cli { command: crate::cli::Command::Phase(argv[1..].to_vec()) }),
    };
    // A phase of the listed role (what `command` added); anything else is Cli's, the external
    // subcommand included.
    if let (Some((name, sub)), Some(role)) = (matches.subcommand(), &role)
        && is_phase(Some(role), Some(&OsString::from(name)))
    {
        return Parsed::Phase(call(name, role, sub).unwrap_or_else(|e| e.exit()));
    }
    Parsed::Builtin(Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit()))
}

/// Whether `name` is one of the subcommands `command` made of `role`'s phases.
fn is_phase(role: Option<&Role>, name: Option<&OsString>) -> bool {
    let (Some(role), Some(name)) = (role, name.and_then(|n| n.to_str())) else { return false };
    Cli::command().find_subcommand(name).is_none() && role.phase(name).is_some_and(|p| p.flag_of.is_none())
}

fn call(name: &str, role: &Role, matches: &ArgMatches) -> std::result::Result<PhaseCall, clap::Error> {
    let flags = role
        .flags_of(name)
        .into_iter()
        .filter(|(flag, _)| matches.get_flag(flag))
        .map(|(flag, _)| flag.to_string())
        .collect();
    Ok(PhaseCall { name: name.to_string(), flags, args: PhaseArgs::from_arg_matches(matches)? })
}

/// A name that is no built-in command and no phase of the listed role: a phase of the role
/// its `--role` names, parsed with that role's flags; else refused with the role's phases.
pub fn external(argv: Vec<OsString>) -> Result<PhaseCall> {
    let name = argv.first().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // Which role, before the phase's own flags are known (they are the role's): read from
    // the words themselves, as clap would, whatever unknown flag comes before them.
    let inventory =
        option_value(&argv, "-i", "--inventory").unwrap_or_else(|| PathBuf::from("inventory.yml"));
    let role_dir = option_value(&argv, "", "--role");
    let role = super::roles::load(role_dir.as_deref(), &inventory)?;
    if role.phase(&name).is_none() {
        return Err(unknown_phase(&role, &name));
    }
    let matches = phase_command(&role, &name)?
        .bin_name(format!("bmfleet {name}"))
        .try_get_matches_from(&argv)
        .unwrap_or_else(|e| e.exit());
    call(&name, &role, &matches).map_err(|e| e.exit())
}

/// The value of option `short`/`long` in `argv` (`-i F`, `-iF`, `--inventory F`,
/// `--inventory=F`), the last one winning as in clap; words after `--` are no options.
fn option_value(argv: &[OsString], short: &str, long: &str) -> Option<PathBuf> {
    let mut found = None;
    let mut words = argv.iter().skip(1).map(|w| w.to_string_lossy());
    while let Some(word) = words.next() {
        if word == "--" {
            break;
        }
        if word == long || (!short.is_empty() && word == short) {
            found = words.next().map(|v| PathBuf::from(v.as_ref()));
        } else if let Some(v) = word.strip_prefix(&format!("{long}=")) {
            found = Some(PathBuf::from(v));
        } else if let Some(v) =
            word.strip_prefix(short).filter(|v| !short.is_empty() && !v.is_empty() && !word.starts_with("--"))
        {
            found = Some(PathBuf::from(v));
        }
    }
    found
}

/// `bmfleet NAME` where NAME is neither a command nor a phase of the role.
pub fn unknown_phase(role: &Role, name: &str) -> Error {
    let phases = role.phase_names();
    let cli = Cli::command();
    let commands = cli.get_subcommands().map(|c| c.get_name());
    let close = crate::suggest::closest(name, phases.iter().copied().chain(commands));
    let mut help = close.map(|c| format!("did you mean `{c}`? ")).unwrap_or_default();
    help.push_str(&format!(
        "the phases of role `{}` are: {}; the other commands: `bmfleet --help`",
        role.name,
        phases.join(", ")
    ));
    Error::input(
        Diagnostic::new(format!("`{name}` is neither a bmfleet command nor a phase of role `{}`", role.name))
            .help(help),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<OsString> {
        line.split(' ').map(OsString::from).collect()
    }

    #[test]
    fn the_role_and_inventory_are_read_from_the_words_as_clap_would() {
        let v = |line: &str, short, long| option_value(&words(line), short, long);
        assert_eq!(v("census --bogus --role r -i inv.yml", "", "--role"), Some(PathBuf::from("r")));
        assert_eq!(v("census --role=r -iinv.yml", "-i", "--inventory"), Some(PathBuf::from("inv.yml")));
        assert_eq!(v("census --inventory=a --inventory b", "-i", "--inventory"), Some(PathBuf::from("b")));
        assert_eq!(v("census -- --role r", "", "--role"), None);
        assert_eq!(v("census --limit x", "-i", "--inventory"), None);
    }

    /// What the built-in commands did before the role declared it: the preflight is read-only,
    /// the check of every phase and schedulable with the hot sync; `trust --revoke` is
    /// revoke-trust; every phase but the flag's is a subcommand, listed in the help.
    #[test]
    fn the_bluemind_role_declares_what_its_commands_did() {
        let role = crate::role::load_from(crate::role::files::RoleFiles::Builtin {
            name: "bluemind",
            files: crate::role::files::BUILTIN_BLUEMIND,
        })
        .unwrap();
        assert_eq!(role.prechecks(), ["preflight"]);
        assert!(role.read_only(&["preflight".into()]) && !role.read_only(&["hot-sync".into()]));
        assert!(!role.read_only(&[]), "migrate (no phase named) changes hosts");
        let scheduled: Vec<&str> =
            role.phases.iter().filter(|p| p.schedule.is_some()).map(|p| p.name.as_str()).collect();
        assert_eq!(scheduled, ["preflight", "hot-sync"]);
        assert_eq!(role.phase_for_command("trust", &["revoke".into()]).unwrap().name, "revoke-trust");
        assert_eq!(role.phase_for_command("trust", &[]).unwrap().name, "trust");
        let cmd = command(Some(&role));
        for phase in ["preflight", "trust", "hot-sync", "cold-sync", "cutover", "post", "rollback"] {
            assert!(cmd.find_subcommand(phase).is_some(), "{phase}");
        }
        assert!(
            cmd.find_subcommand("revoke-trust").is_none(),
            "run as trust --revoke (or by its name, external)"
        );
        let trust = cmd.find_subcommand("trust").unwrap();
        assert!(trust.get_arguments().any(|a| a.get_long() == Some("revoke")));
    }
}
