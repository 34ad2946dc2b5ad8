//! `Match` lines of the ssh client configuration, read and evaluated as OpenSSH's
//! `match_cfg_line` does: criteria left to right, stopping at the first that does not hold, so a
//! `Match host other exec "cmd"` never runs `cmd` for a host other than `other`.
//!
//! `exec` runs its command locally under the user's shell (`$SHELL -c`, else `/bin/sh -c`), with
//! stdin and stdout on /dev/null, after expanding the tokens ssh_config(5) lists for it; exit 0
//! is a match. `plan` runs these commands too, on purpose: it resolves every endpoint through
//! the ssh config (a pair's `origin.address` from `HostName` is rendered into its scripts, and two
//! names of one host are refused after resolution), so a `Match exec` block that sets `HostName`
//! or `Port` changes what `plan` shows. Skipping it there would make `plan` show another plan
//! than `run` executes; running the user's own command from the user's own config is what
//! `ssh -G HOST` does too. Nothing connects to a host either way.
//!
//! A criterion bmfleet does not evaluate (`canonical`, `final`, `tagged`...), a token it cannot
//! expand or a shell that does not start is an error only for the hosts whose lookup reaches it:
//! a block for another host never fails a run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

/// One `Match` line: its criteria, and where it was written.
#[derive(Debug, Clone)]
pub(super) struct MatchLine {
    criteria: Vec<Criterion>,
    file: PathBuf,
    line: usize,
}

#[derive(Debug, Clone)]
struct Criterion {
    negated: bool,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    All,
    /// The name after `HostName`.
    Host(String),
    /// The name the inventory gives.
    OriginalHost(String),
    User(String),
    LocalUser(String),
    Exec(String),
    /// A criterion of OpenSSH that bmfleet does not evaluate: an error if a lookup reaches it.
    Unsupported(String),
}

/// What a lookup knows when it reaches a `Match` line (the values found so far).
pub(super) struct Facts<'a> {
    /// After `HostName`, when an earlier block set it.
    pub host: &'a str,
    pub original_host: &'a str,
    pub user: &'a str,
    pub port: u16,
}

/// `Match exec` results by expanded command, shared by the clones of one configuration: the
/// hosts behind one bastion would otherwise run the bastion's command once each.
pub(super) type ExecCache = Arc<Mutex<HashMap<String, Result<bool, String>>>>;

impl MatchLine {
    /// Parse the criteria of a `Match` line (`value` as written, quotes included).
    pub(super) fn parse(value: &str, file: &Path, line: usize) -> Result<MatchLine, String> {
        let mut words = split_words(value)?.into_iter();
        let mut criteria = Vec::new();
        while let Some(word) = words.next() {
            let (negated, name) = match word.strip_prefix('!') {
                Some(rest) => (true, rest.to_ascii_lowercase()),
                None => (false, word.to_ascii_lowercase()),
            };
            let kind = match name.as_str() {
                "all" => Kind::All,
                "canonical" | "final" => Kind::Unsupported(name),
                _ => {
                    let Some(argument) = words.next() else {
                        return Err(format!("`Match {name}` needs an argument"));
                    };
                    match name.as_str() {
                        "host" => Kind::Host(argument),
                        "originalhost" => Kind::OriginalHost(argument),
                        "user" => Kind::User(argument),
                        "localuser" => Kind::LocalUser(argument),
                        "exec" => Kind::Exec(argument),
                        _ => Kind::Unsupported(name),
                    }
                }
            };
            criteria.push(Criterion { negated, kind });
        }
        if criteria.is_empty() {
            return Err("`Match` needs criteria (`all`, `host`, `user`, `exec`...)".into());
        }
        Ok(MatchLine { criteria, file: file.to_path_buf(), line })
    }

    /// Does the block apply? Criteria are evaluated left to right and the first that does not
    /// hold ends the evaluation: later ones (an `exec` above all) are not looked at.
    pub(super) fn holds(&self, facts: &Facts<'_>, cache: &ExecCache) -> Result<bool, String> {
        for criterion in &self.criteria {
            let hit = match &criterion.kind {
                Kind::All => true,
                Kind::Host(list) => super::list_matches(list, facts.host),
                Kind::OriginalHost(list) => super::list_matches(list, facts.original_host),
                Kind::User(list) => super::list_matches(list, facts.user),
                Kind::LocalUser(list) => super::list_matches(list, &super::local_user()),
                Kind::Exec(command) => {
                    let command = expand_tokens(command, facts).map_err(|e| self.error(&e))?;
                    let run = || run_in_shell(&command);
                    let mut cache = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    cache.entry(command.clone()).or_insert_with(run).clone().map_err(|e| self.error(&e))?
                }
                Kind::Unsupported(name) => {
                    return Err(self.error(&format!(
                        "`Match {name}` is not supported (bmfleet evaluates all, host, originalhost, user, localuser and exec)"
                    )));
                }
            };
            if hit == criterion.negated {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn error(&self, message: &str) -> String {
        format!("ssh config {}:{}: {message}", self.file.display(), self.line)
    }
}

/// The words of a `Match` line, as OpenSSH's argv_split: `"..."` and `'...'` quote, `\` escapes
/// a quote, a backslash or a space, and a word starting with `#` ends the line.
fn split_words(value: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut chars = value.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.peek() {
            None | Some('#') => return Ok(words),
            Some(_) => {}
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        while let Some(c) = chars.next() {
            match (c, quote) {
                ('\\', _) if matches!(chars.peek(), Some('"' | '\'' | '\\' | ' ')) => {
                    word.push(chars.next().expect("peeked"));
                }
                ('"' | '\'', None) => quote = Some(c),
                (c, Some(q)) if c == q => quote = None,
                (c, None) if c.is_whitespace() => break,
                (c, _) => word.push(c),
            }
        }
        if let Some(q) = quote {
            return Err(format!("unterminated {q} in `Match {value}`"));
        }
        words.push(word);
    }
}

/// The tokens ssh_config(5) lists for `Match exec`: %% %C %d %h %i %k %L %l %n %p %r %u (%k is
/// the original host name: bmfleet reads no `HostKeyAlias`). Any other is an error, as in ssh.
fn expand_tokens(command: &str, facts: &Facts<'_>) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let port = facts.port.to_string();
        match chars.next() {
            Some('%') => out.push('%'),
            Some('h') => out.push_str(facts.host),
            Some('n' | 'k') => out.push_str(facts.original_host),
            Some('p') => out.push_str(&port),
            Some('r') => out.push_str(facts.user),
            Some('u') => out.push_str(&super::local_user()),
            Some('d') => out.push_str(&home().display().to_string()),
            Some('i') => out.push_str(&uid().to_string()),
            Some('l') => out.push_str(&local_hostname()),
            Some('L') => out.push_str(local_hostname().split('.').next().unwrap_or_default()),
            Some('C') => {
                use sha1::Digest;
                let joined = format!("{}{}{}{}", local_hostname(), facts.host, port, facts.user);
                let digest = sha1::Sha1::digest(joined.as_bytes());
                out.push_str(&data_encoding::HEXLOWER.encode(&digest));
            }
            Some(other) => return Err(format!("`%{other}` is not a token of `Match exec`")),
            None => return Err("`Match exec` ends with a lone `%`".into()),
        }
    }
    Ok(out)
}

/// Run `command` as ssh does: the user's shell, stdin and stdout on /dev/null, stderr shown.
fn run_in_shell(command: &str) -> Result<bool, String> {
    let shell = std::env::var("SHELL").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "/bin/sh".into());
    Command::new(&shell)
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map(|status| status.success())
        .map_err(|e| format!("`Match exec` could not run `{command}` with {shell}: {e}"))
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default()
}

fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// The local host name with its domain, as gethostname(2) gives it.
fn local_hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is writable for its whole length; gethostname truncates to fit.
    if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } != 0 {
        return String::new();
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::super::SshConfig;
    use super::*;

    fn lookup(config: &str, host: &str) -> super::super::HostSettings {
        SshConfig::parse(Path::new("cfg"), config).lookup(host, None, None)
    }

    #[test]
    fn exec_matches_on_exit_zero() {
        let config = "Match exec false\n  User no\nMatch !exec false exec true\n  User yes\n";
        let s = lookup(config, "h");
        assert_eq!(s.user.unwrap().value, "yes");
        assert!(s.problems.is_empty());
    }

    /// OpenSSH stops at the first criterion that does not hold: the command of a block for
    /// another host is never run, and the same block runs it for its own host.
    #[test]
    fn exec_runs_only_when_the_criteria_before_it_hold() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("ran");
        let config = format!(
            "Match host other exec \"touch '{}'\"\n  User agent\nMatch !user root exec \"touch '{}'\"\n  Port 2\n",
            marker.display(),
            marker.display()
        );
        let mine = lookup(&config, "mine");
        assert_eq!((mine.user, mine.port), (None, None));
        assert!(!marker.exists(), "a block for another host ran its command");
        assert_eq!(lookup(&config, "other").user.unwrap().value, "agent");
        assert!(marker.exists(), "the block for this host ran its command");
    }

    #[test]
    fn exec_tokens_are_expanded_with_what_is_known_at_the_line() {
        let home = std::env::var("HOME").unwrap_or_default();
        let config = format!(
            "Host alias\n  HostName real.example\n  Port 2201\nMatch exec \"test %h = real.example && test %n = alias && test %k = alias && test %p = 2201 && test %r = ops && test '%d' = '{home}' && test %i = {}\"\n  IdentityFile /k/tokens\n",
            uid()
        );
        let cfg = SshConfig::parse(Path::new("cfg"), &config);
        let s = cfg.lookup("alias", Some("ops"), None);
        assert_eq!(s.identity_file.map(|f| f.value).as_deref(), Some("/k/tokens"), "{:?}", s.problems);
        let facts = Facts { host: "h", original_host: "n", user: "r", port: 22 };
        let short = expand_tokens("%L", &facts).unwrap();
        assert!(expand_tokens("%l", &facts).unwrap().starts_with(&short));
        assert_eq!(expand_tokens("%C", &facts).unwrap().len(), 40);
        assert_eq!(expand_tokens("100%% %h", &facts).unwrap(), "100% h");
        assert_eq!(expand_tokens("x%u", &facts).unwrap(), format!("x{}", super::super::local_user()));
    }

    /// What cannot be evaluated is a problem of the hosts the line applies to, with its place,
    /// and of no other host.
    #[test]
    fn an_unusable_line_is_a_problem_only_for_the_hosts_it_concerns() {
        let config = "Host x\n  User x\nMatch host bm-* exec \"test %Z\"\n  User y\nMatch originalhost db final\n  User z\n";
        assert!(lookup(config, "other").problems.is_empty());
        let bm = lookup(config, "bm-1");
        assert_eq!(bm.problems, vec!["ssh config cfg:3: `%Z` is not a token of `Match exec`".to_string()]);
        assert_eq!(bm.user, None);
        let db = lookup(config, "db").problems;
        assert!(
            db.len() == 1 && db[0].starts_with("ssh config cfg:5: `Match final` is not supported"),
            "{db:?}"
        );
    }

    #[test]
    fn words_are_split_as_openssh_does() {
        assert_eq!(
            split_words(r#"host a,b exec "test -S ~/.agent" !exec 'x y' exec a\ b # c"#).unwrap(),
            vec!["host", "a,b", "exec", "test -S ~/.agent", "!exec", "x y", "exec", "a b"]
        );
        assert!(split_words("exec \"open").is_err());
        assert!(MatchLine::parse("", Path::new("c"), 1).is_err());
    }
}
