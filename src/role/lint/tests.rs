use super::unprotected_variables as scan;

fn offenders(t: &str) -> usize {
    scan(t).len()
}

#[test]
fn unquoted_uses_are_fine() {
    for t in [
        "echo {{ x }}",
        "rsync -a -- {{ src }} {{ dst }}",
        "a=$(dirname -- {{ path }})",
        "x=\"$(basename -- {{ p }})\"",
        "# a comment with \"{{ x }}\"\necho {{ x }}",
        "cat <<'EOF'\nplain\nEOF\necho {{ x }}",
        "{% if x %}echo \"yes\"{% endif %} {{ y }}",
        "{# \"{{ x }}\" #} echo {{ x }}",
        "echo $((1 + 2)) {{ x }}",
        "grep -q \"^x\" file && echo {{ x }}",
        "while read -r a b; do :; done <<<\"$v\"\necho {{ x }}",
        "echo $(( {{ n | int }} + 1 ))",
        "x={{ y }}; if [ -n {{ y }} ]; then :; fi",
        "for s in {{ l | shell_words }}; do :; done",
        "ssh -o ControlPath={{ p }} -O exit host",
        "printf '%s\\n' {{ x }} >{{ dir }}/f.txt",
        "bash -c 'echo \"$1\"' _ {{ x }}",
        "awk -v m={{ x }} '$1 == m' f",
        "local v={{ x }}",
        "sudo -u {{ user }} -- true",
        "{% raw %}n=${#a[@]}{% endraw %} echo {{ x }}",
        "[[ -n $x ]] && echo {{ x }}",
        "echo é\\é {{ x }}",
    ] {
        assert_eq!(scan(t), vec![], "{t}");
    }
}

#[test]
fn quotes_backticks_and_heredocs_are_refused() {
    for t in [
        "echo \"{{ x }}\"",
        "echo \"step {{ x }} on $(hostname)\"",
        "ssh=\"ssh -i {{ key }} -p 22\"",
        "echo `echo {{ x }}`",
        "cat <<EOF\n{{ x }}\nEOF",
        "cat <<'EOF'\n{{ x }}\nEOF",
        "x=\"$(echo \"{{ y }}\")\"",
        "echo 'label: {{ x }} end'",
        "bash -c '... {{ x }}'",
        "echo $'a {{ x }}'",
    ] {
        assert_eq!(offenders(t), 1, "{t}");
    }
}

/// Every bypass of the old lint (issue #13), and bash's other evaluating contexts.
#[test]
fn evaluating_contexts_are_refused() {
    for t in [
        "echo $(( {{ x }} + 1 ))",
        "(( {{ x }} > 2 ))",
        "echo $[ {{ x }} ]",
        "[[ {{ x }} -eq 1 ]]",
        "a[{{ x }}]=1",
        "echo ${a[{{ x }}]}",
        "echo ${v:{{ x }}}",
        "eval {{ x }}",
        "source {{ x }}",
        ". {{ x }}",
        "trap {{ x }} EXIT",
        "bash -c {{ x }}",
        "sh -ec {{ x }}",
        "su -c {{ x }} root",
        "ssh host {{ x }}",
        "ssh -p 22 host ls {{ x }}",
        "declare {{ x }}",
        "export {{ x }}",
        "read {{ x }}",
        "unset {{ x }}",
        "printf -v {{ x }} %s y",
        "let {{ x }}",
        "awk {{ x }} file",
        "sed {{ x }} file",
        "sed -n -e {{ x }} file",
        "find / -exec {{ x }} ;",
        "{{ x }} arg",
        "nohup {{ x }} &",
        "timeout 10 {{ x }}",
        "echo a | {{ x }}",
        "{{ x | safe }}",
        "echo {{ x | safe }}",
        "{% set v = x | safe %}echo {{ v }}",
        "{% filter safe %}echo {{ x }}{% endfilter %}",
        "python3 -c {{ x }}",
    ] {
        assert!(offenders(t) >= 1, "{t}");
    }
}

/// Role loading never panics, whatever the bytes (a backslash before a non-ASCII character
/// panicked: slicing inside a UTF-8 character).
#[test]
fn never_panics_on_odd_text() {
    for t in [
        "echo \\é",
        "\\\u{1F600}",
        "# é\necho {{ x }}",
        "echo 'é",
        "echo \"é\\",
        "echo ${é",
        "cat <<É\n{{ x }}",
        "$((é",
        "{{",
        "{%",
        "{#",
        "`é",
        "[[ é",
        "a[é{{ x }}",
        "\\",
        "$'\\é'",
    ] {
        let _ = scan(t);
    }
}
