//! The `bmfleet` binary: everything lives in the library; this file only hands the process over to
//! it and turns its result into an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    match bmfleet::run() {
        Ok(code) => code,
        Err(err) => {
            // Every expected failure carries its own message and exit code (see `error.rs`);
            // print it once, readably, and exit with that code.
            eprintln!("{err}");
            ExitCode::from(err.exit_code())
        }
    }
}
