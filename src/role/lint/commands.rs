//! What bash does with the words of a simple command: which command a line runs (past leading
//! assignments, redirections and wrappers such as `sudo -u x` or `timeout 10`), and which of its
//! arguments that command evaluates as code (`eval`, `sh -c`, `ssh HOST ...`, awk and sed
//! programs, names given to `declare`/`read`...). The knowledge of commands, apart from the
//! scanner of quoting and structure in `lint.rs` that asks it.

fn is_assignment(word: &str) -> bool {
    let Some((name, _)) = word.split_once('=') else { return false };
    let name = name.strip_suffix('+').unwrap_or(name);
    let name = name.split('[').next().unwrap_or(name);
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The words of a simple command from its command name on: leading assignments, reserved words,
/// redirections and wrappers (`sudo -u x`, `nohup`, `timeout 10`...) with their options dropped.
/// `None` when the next word is the value of a wrapper's option (data, not a command).
pub(super) fn command_words(words: &[String]) -> Option<&[String]> {
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        if is_redirection(w) {
            i += 2; // the operator and its target
        } else if w.trim_start_matches(|c: char| c.is_ascii_digit()).starts_with(['<', '>'])
            || is_assignment(w)
            || matches!(w, "if" | "then" | "elif" | "else" | "while" | "until" | "do" | "!" | "{" | "time")
        {
            i += 1;
        } else if matches!(
            w,
            "exec"
                | "command"
                | "builtin"
                | "nohup"
                | "sudo"
                | "env"
                | "nice"
                | "setsid"
                | "xargs"
                | "timeout"
                | "stdbuf"
                | "ionice"
                | "chroot"
        ) {
            let wrapper = w;
            i += 1;
            while i < words.len()
                && (words[i].starts_with('-') || (wrapper == "env" && is_assignment(&words[i])))
            {
                let valued = matches!(
                    words[i].as_str(),
                    "-u" | "-g"
                        | "-C"
                        | "-D"
                        | "-h"
                        | "-p"
                        | "-r"
                        | "-t"
                        | "-U"
                        | "-n"
                        | "-s"
                        | "-k"
                        | "-c"
                        | "-i"
                        | "-o"
                        | "-e"
                        | "-S"
                );
                i += if valued { 2 } else { 1 };
            }
            if matches!(wrapper, "timeout" | "chroot") {
                i += 1; // the duration, the new root
            }
            if i > words.len() {
                return None;
            }
        } else {
            break;
        }
    }
    if i > words.len() {
        return None;
    }
    Some(&words[i..])
}

/// Is the variable being read (in `word`, after the command line's `words`) an argument the
/// command evaluates? Why, when it is.
pub(super) fn evaluated_argument(words: &[String], word: &str) -> Option<&'static str> {
    let redirected = words.last().is_some_and(|w| is_redirection(w))
        || word.trim_start_matches(|c: char| c.is_ascii_digit()).starts_with(['<', '>']);
    if redirected {
        return None;
    }
    let words = command_words(words)?;
    let Some(command) = words.first() else {
        if is_assignment(word) {
            return None;
        }
        return Some("a variable as a command name is refused: name the command in the template");
    };
    let command = command.rsplit('/').next().unwrap_or(command);
    let args = &words[1..];
    let previous = args.last().map(String::as_str);
    let naming = !word.contains('=');
    let eval = match command {
        "eval" | "source" | "." | "let" | "trap" | "alias" => true,
        "declare" | "typeset" | "local" | "readonly" | "export" | "unset" | "read" | "mapfile"
        | "readarray" => naming,
        "printf" => previous == Some("-v"),
        "bash" | "sh" | "dash" | "zsh" | "ksh" | "su" | "runuser" => {
            previous.is_some_and(|p| p.starts_with('-') && !p.starts_with("--") && p.ends_with('c'))
        }
        "perl" | "python" | "python3" | "ruby" | "node" | "php" => {
            previous.is_some_and(|p| matches!(p, "-e" | "-c" | "-E" | "-r"))
        }
        "ssh" => ssh_host_given(args),
        "awk" | "gawk" | "mawk" | "sed" => program_position(command, args),
        "find" => previous.is_some_and(|p| matches!(p, "-exec" | "-execdir" | "-ok" | "-okdir")),
        _ => false,
    };
    eval.then_some(
        "a variable there is evaluated as code (eval, source, trap, sh -c, ssh's remote command, an awk or sed program, a name given to declare/read/unset...): pass it as data (`sh -c '...\"$1\"' _ {{ x }}`, `awk -v v={{ x }}`)",
    )
}

/// After ssh's options, is the host already given (so this word joins the remote command)?
fn ssh_host_given(args: &[String]) -> bool {
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if a == "--" {
            return i + 1 < args.len();
        }
        if let Some(flags) = a.strip_prefix('-') {
            // Options taking a value: the value is the next word when the flag ends the word.
            if flags.chars().last().is_some_and(|f| "BbcDEeFIiJLlmOoPpQRSWw".contains(f)) {
                i += 1;
            }
            i += 1;
            continue;
        }
        return true;
    }
    false
}

/// For awk/sed: would this word be the program (no `-f`/`-e` given, first non-option word), or
/// the value of sed's `-e`?
fn program_position(command: &str, args: &[String]) -> bool {
    let sed = command == "sed";
    match args.last().map(String::as_str) {
        Some("-e" | "--expression") if sed => return true,
        Some("-f") => return false,
        Some("-v" | "-F") if !sed => return false,
        _ => {}
    }
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if a == "-f" || (sed && a == "-e") {
            return false;
        }
        if !a.starts_with('-') {
            return false; // the program is already given: this is a file or a value
        }
        i += if !sed && matches!(a, "-v" | "-F") { 2 } else { 1 };
    }
    true
}

/// `>`, `2>>`, `<`, `&>`: a redirection operator written as its own word.
fn is_redirection(word: &str) -> bool {
    word.contains(['<', '>'])
        && word.chars().all(|c| matches!(c, '<' | '>' | '&' | '|') || c.is_ascii_digit())
}
