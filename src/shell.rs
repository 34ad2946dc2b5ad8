//! Shell quoting: one value as one POSIX shell word. Below everything that writes shell for a
//! host (role templates, the SSH connection's sudo probe, the target lock, masked secrets, the
//! report's command lines), so none of them has to reach into another's room for it.

use std::borrow::Cow;

/// Characters that never need quoting in a POSIX shell word. Deliberately short: `=` (assignment
/// in first position), `~` (tilde expansion) and `!` (history in interactive bash) are quoted.
fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/' | b':' | b'@' | b'%' | b'+' | b',')
}

/// Quote `s` as one shell word: unchanged when it is plain, else single-quoted with every `'`
/// written as `'\''`. Fails on a NUL byte, which no shell word can hold.
pub fn quote(s: &str) -> Result<Cow<'_, str>, NulError> {
    if s.contains('\0') {
        return Err(NulError);
    }
    if !s.is_empty() && s.bytes().all(is_plain) {
        return Ok(Cow::Borrowed(s));
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    Ok(Cow::Owned(out))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NulError;

impl std::fmt::Display for NulError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a value contains a NUL byte, which cannot be passed to a shell")
    }
}

impl std::error::Error for NulError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_plain() {
        for s in ["bj", "bj-data", "/var/spool/cyrus/", "10.0.0.1:22", "root@host", "50%"] {
            assert_eq!(quote(s).unwrap(), s);
        }
    }

    #[test]
    fn everything_else_is_single_quoted() {
        let cases = [
            ("", "''"),
            ("a b", "'a b'"),
            ("it's", "'it'\\''s'"),
            ("$(reboot)", "'$(reboot)'"),
            ("`id`", "'`id`'"),
            ("a\nb", "'a\nb'"),
            ("~root", "'~root'"),
            ("x=y", "'x=y'"),
            ("'; touch /tmp/pwned #", "''\\''; touch /tmp/pwned #'"),
        ];
        for (input, expected) in cases {
            assert_eq!(quote(input).unwrap(), expected, "quoting {input:?}");
        }
    }

    #[test]
    fn nul_is_refused() {
        assert_eq!(quote("a\0b"), Err(NulError));
    }

    /// The real proof: whatever a value holds, `sh` sees exactly that one word.
    #[test]
    fn sh_reads_back_exactly_one_word() {
        let hostile = [
            "'; touch /tmp/bmfleet-pwned-quote #",
            "$(touch /tmp/bmfleet-pwned-quote)",
            "`touch /tmp/bmfleet-pwned-quote`",
            "a\nb; touch /tmp/bmfleet-pwned-quote",
            "\\'\"$HOME\" *",
            "-n",
            "",
            "é ü \u{1F600}",
        ];
        for value in hostile {
            let script = format!("printf '%s\\0' {}", quote(value).unwrap());
            let out = std::process::Command::new("sh").arg("-c").arg(&script).output().unwrap();
            assert!(out.status.success());
            assert_eq!(out.stdout, format!("{value}\0").as_bytes(), "for {value:?}");
        }
        assert!(!std::path::Path::new("/tmp/bmfleet-pwned-quote").exists());
    }
}
