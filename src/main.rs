//! The `bmfleet` binary: everything lives in the library; this file only hands the process over to
//! it and turns its result into an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    quiet_on_closed_output();
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

/// `bmfleet plan | head`: when the reader of our output goes away, `print!` panics with
/// "failed printing to stdout: Broken pipe". End quietly instead, as Unix tools do (exit 141,
/// the status of a process ended by SIGPIPE). SIGPIPE itself stays ignored, so that a closed
/// SSH socket is an error the connection handles, never the end of the whole run.
fn quiet_on_closed_output() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to std") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}
