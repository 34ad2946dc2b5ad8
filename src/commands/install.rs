//! `bmfleet completions SHELL` and `bmfleet manpage`: what a package installs next to the binary
//! (`.ci/deb` builds both into the Debian package), generated from the command line's own
//! definitions so that they never disagree with it.

use std::process::ExitCode;

use crate::cli::CompletionShell;
use crate::error::{Error, Result};

pub fn completions(shell: CompletionShell) -> Result<ExitCode> {
    let shell = match shell {
        CompletionShell::Bash => clap_complete::Shell::Bash,
        CompletionShell::Zsh => clap_complete::Shell::Zsh,
        CompletionShell::Fish => clap_complete::Shell::Fish,
    };
    let mut out = Vec::new();
    let mut cmd = super::phase_cli::command(super::phase_cli::listed_role().as_ref());
    clap_complete::generate(shell, &mut cmd, "bmfleet", &mut out);
    print(&out)
}

pub fn manpage() -> Result<ExitCode> {
    let mut out = Vec::new();
    clap_mangen::Man::new(super::phase_cli::command(super::phase_cli::listed_role().as_ref()))
        .render(&mut out)
        .map_err(Error::internal)?;
    print(&out)
}

/// With `print!`, so that a closed pipe ends quietly as everywhere else (see `main.rs`).
fn print(bytes: &[u8]) -> Result<ExitCode> {
    print!("{}", String::from_utf8_lossy(bytes));
    Ok(ExitCode::SUCCESS)
}
