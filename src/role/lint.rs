//! Where a `{{ variable }}` may stand in a shell template.
//!
//! Shell quoting makes a value one inert word *where words are read*: unquoted. Inside double
//! quotes, single quotes are plain characters and `$(...)` still runs, so `"{{ x }}"` with
//! `x = $(reboot)` would reboot; the same holds in the body of an unquoted here-document. This
//! scanner follows the shell's quoting through a template and refuses, at role load, every
//! `{{ ... }}` that lands inside double quotes, backticks or a here-document. (`| safe` opts out:
//! the author then takes the value as shell.)

/// Byte offset and message of each `{{` found where quoting does not protect it.
pub fn unprotected_variables(template: &str) -> Vec<(usize, &'static str)> {
    #[derive(Clone, Copy, PartialEq)]
    enum Ctx {
        Normal,
        Double,
        Backtick,
    }
    let bytes = template.as_bytes();
    let mut found = Vec::new();
    // Shell contexts: `$(` opens a fresh normal context even inside double quotes.
    let mut stack = vec![Ctx::Normal];
    let mut heredocs: Vec<(String, bool)> = Vec::new(); // pending (delimiter, quoted)
    let mut in_heredoc: Option<(String, bool)> = None;
    let mut at_word_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let rest = &template[i..];
        // Tera: comments and statements produce no value; skip them whole.
        if rest.starts_with("{#") || rest.starts_with("{%") {
            let close = if rest.starts_with("{#") { "#}" } else { "%}" };
            i += rest.find(close).map_or(rest.len(), |e| e + 2);
            continue;
        }
        if rest.starts_with("{{") {
            let end = rest.find("}}").map_or(rest.len(), |e| e + 2);
            let expr = &rest[..end];
            let safe = expr.split('|').skip(1).any(|f| f.trim().trim_end_matches("}}").trim() == "safe");
            let ctx = *stack.last().expect("never empty");
            if !safe {
                if let Some((_, quoted)) = &in_heredoc {
                    found.push((
                        i,
                        if *quoted {
                            "a variable in a quoted here-document would keep its quotes"
                        } else {
                            "a variable in a here-document is not protected by quoting: `$(...)` in its value would run"
                        },
                    ));
                } else if ctx == Ctx::Double {
                    found.push((i, "a variable inside double quotes is not protected by quoting: `$(...)` in its value would run"));
                } else if ctx == Ctx::Backtick {
                    found.push((i, "a variable inside backticks is not protected by quoting"));
                }
            }
            i += end;
            at_word_start = false;
            continue;
        }
        let c = bytes[i];
        if let Some((delimiter, _)) = &in_heredoc {
            // A here-document body: line by line until the delimiter.
            let line_end = rest.find('\n').map_or(rest.len(), |e| e + 1);
            let line = rest[..line_end].trim_end_matches('\n');
            if line.trim_start_matches('\t') == delimiter {
                in_heredoc = None;
                if !heredocs.is_empty() {
                    in_heredoc = Some(heredocs.remove(0));
                }
                i += line_end;
                continue;
            }
            // Only `{{` matters in the body: scan to the next one on this line.
            match rest[..line_end]
                .find("{{")
                .or_else(|| rest[..line_end].find("{%"))
                .or_else(|| rest[..line_end].find("{#"))
            {
                Some(off) if off > 0 => i += off,
                Some(_) => unreachable!("handled above"),
                None => i += line_end,
            }
            continue;
        }
        let ctx = *stack.last().expect("never empty");
        match ctx {
            Ctx::Normal | Ctx::Backtick => match c {
                b'\\' => i += 1,
                b'\'' => {
                    // Single quotes: nothing inside is special, `{{` included (quoted twice).
                    i += rest[1..].find('\'').map_or(rest.len() - 1, |e| e + 1);
                }
                b'"' => stack.push(Ctx::Double),
                b'`' if ctx == Ctx::Backtick => {
                    stack.pop();
                }
                b'`' => stack.push(Ctx::Backtick),
                b'$' if rest.starts_with("$(") && !rest.starts_with("$((") => {
                    stack.push(Ctx::Normal);
                    i += 1;
                }
                b')' if stack.len() > 1 => {
                    stack.pop();
                }
                b'#' if at_word_start => {
                    i += rest.find('\n').map_or(rest.len(), |e| e) - 1;
                }
                b'<' if rest.starts_with("<<") && !rest.starts_with("<<<") => {
                    let after = rest[2..].trim_start_matches('-').trim_start();
                    let quoted = after.starts_with('\'') || after.starts_with('"');
                    let word: String = after
                        .trim_start_matches(['\'', '"'])
                        .chars()
                        .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '_')
                        .collect();
                    if !word.is_empty() {
                        heredocs.push((word, quoted));
                    }
                    i += 1;
                }
                b'\n' if !heredocs.is_empty() && stack.len() == 1 => {
                    in_heredoc = Some(heredocs.remove(0));
                }
                _ => {}
            },
            Ctx::Double => match c {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'$' if rest.starts_with("$(") && !rest.starts_with("$((") => {
                    stack.push(Ctx::Normal);
                    i += 1;
                }
                b'`' => stack.push(Ctx::Backtick),
                _ => {}
            },
        }
        at_word_start = matches!(c, b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(');
        i += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::unprotected_variables as scan;

    fn offenders(t: &str) -> usize {
        scan(t).len()
    }

    #[test]
    fn unquoted_and_single_quoted_uses_are_fine() {
        for t in [
            "echo {{ x }}",
            "rsync -a -- {{ src }} {{ dst }}",
            "a=$(dirname -- {{ path }})",
            "x=\"$(basename -- {{ p }})\"",
            "echo 'literal {{ x }} text'",
            "# a comment with \"{{ x }}\"\necho {{ x }}",
            "cat <<'EOF'\nplain\nEOF\necho {{ x }}",
            "echo \"{{ x | safe }}\"",
            "{% if x %}echo \"yes\"{% endif %} {{ y }}",
            "{# \"{{ x }}\" #} echo {{ x }}",
            "echo $((1 + 2)) {{ x }}",
            "grep -q \"^x\" file && echo {{ x }}",
            "while read -r a b; do :; done <<<\"$v\"\necho {{ x }}",
        ] {
            assert_eq!(scan(t), vec![], "{t}");
        }
    }

    #[test]
    fn double_quotes_backticks_and_heredocs_are_refused() {
        for t in [
            "echo \"{{ x }}\"",
            "echo \"step {{ x }} on $(hostname)\"",
            "ssh=\"ssh -i {{ key }} -p 22\"",
            "echo `echo {{ x }}`",
            "cat <<EOF\n{{ x }}\nEOF",
            "cat <<'EOF'\n{{ x }}\nEOF",
            "x=\"$(echo \"{{ y }}\")\"",
        ] {
            assert_eq!(offenders(t), 1, "{t}");
        }
    }
}
