use super::*;

fn origin() -> TemplateSource {
    TemplateSource::file(Path::new("t.sh"), Arc::from("echo {{ x }}\n"))
}

#[test]
fn shell_templates_bind_every_variable() {
    let mut r = Renderer::new();
    r.add_shell("t", "echo {{ x }} {{ l | shell_words }} {{ x }} {{ n | int }}", origin()).unwrap();
    let mut ctx = Context::new();
    ctx.insert("x", "$(reboot)");
    ctx.insert("l", &vec!["a b", "c"]);
    ctx.insert("n", &7);
    assert_eq!(
        r.render_shell("t", &ctx).unwrap(),
        "# The values of this step, bound once (the script refers to them as \"${BMF_n}\"):\n\
         BMF_1='$(reboot)'\nBMF_2=('a b' c)\n\n\
         echo \"${BMF_1}\" ${BMF_2[@]+\"${BMF_2[@]}\"} \"${BMF_1}\" 7"
    );
}

#[test]
fn safe_is_refused_and_int_takes_digits_only() {
    let mut r = Renderer::new();
    r.add_shell("safe", "{% set v = x | safe %}echo {{ v }}", origin()).unwrap();
    r.add_shell("int", "echo $(( {{ x | int }} + 1 ))", origin()).unwrap();
    let mut ctx = Context::new();
    ctx.insert("x", "x[$(touch /tmp/c)]");
    let err = r.render_shell("safe", &ctx).unwrap_err().0;
    assert!(err.message.contains("`| safe` is refused"), "{}", err.message);
    let err = r.render_shell("int", &ctx).unwrap_err().0;
    assert!(err.message.contains("not a whole number"), "{}", err.message);
    ctx.insert("x", "-12");
    assert!(r.render_shell("int", &ctx).unwrap().ends_with("echo $(( -12 + 1 ))"));
}

#[test]
fn expressions_evaluate_to_bool() {
    let mut r = Renderer::new();
    r.add_expr("e", "a == b and n | int > 2", origin()).unwrap();
    let mut ctx = Context::new();
    ctx.insert("a", "1");
    ctx.insert("b", "1");
    ctx.insert("n", "3");
    assert!(r.eval("e", &ctx).unwrap());
    ctx.insert("n", "2");
    assert!(!r.eval("e", &ctx).unwrap());
}

#[test]
fn undefined_variables_are_located_in_the_users_file() {
    let source: Arc<str> = Arc::from("steps:\n  - run: |\n      true\n      echo {{ nope }}\n");
    let origin = TemplateSource {
        file: "role.yml".into(),
        file_source: source,
        line: 3,
        column: 7,
        indent: 7,
        prefix: 0,
    };
    let mut r = Renderer::new();
    r.add_shell("t", "true\necho {{ nope }}\n", origin).unwrap();
    let err = r.render_shell("t", &Context::new()).unwrap_err().0;
    assert_eq!(err.location, Some(Location::new("role.yml", 4, 15)));
    assert_eq!(err.message, "undefined variable `nope`");
}

/// What role loading and a step would do with `template` and the value `x` (`l` = [x, "b"]):
/// `None` when loading refuses the template, else bash's stdout.
fn load_render_run(template: &str, x: &str) -> Option<Vec<u8>> {
    let origin = TemplateSource::file(Path::new("t.sh"), Arc::from(template));
    if !quoting_errors(template, &origin).is_empty() {
        return None;
    }
    Some(render_run(template, x))
}

/// Render (no lint) and run with bash.
fn render_run(template: &str, x: &str) -> Vec<u8> {
    let mut r = Renderer::new();
    r.add_shell("t", template, origin()).unwrap();
    let mut ctx = Context::new();
    ctx.insert("x", x);
    ctx.insert("l", &vec![x, "b"]);
    let script = r.render_shell("t", &ctx).unwrap();
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .unwrap();
    out.stdout
}

fn canary_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Each bypass of the old lint from issue #13 ran the canary (the old renderer spliced the
/// quoted value into the source, and the lint let these shapes through). Now each is either
/// refused at load, or its reference stays inert even rendered without the lint.
#[test]
fn the_known_bypasses_never_run_the_canary() {
    let dir = canary_dir();
    let canary = dir.path().join("canary");
    let c = canary.display();
    let value = format!("'; touch {c}; #");
    let eval = format!("touch {c}");
    let arith = format!("x[$(touch {c})]");
    let by_construction = [
        ("echo 'label: {{ x }} end'", &value),
        ("bash -c 'echo {{ x }}'", &value),
        ("bash -c \"echo {{ x }}\"", &value),
        ("echo \"a {{ x }} b\"", &value),
        ("cat <<EOF\n{{ x }}\nEOF", &arith),
        ("cat <<'EOF'\n{{ x }}\nEOF", &value),
        ("echo `echo {{ x }}`", &arith),
    ];
    for (template, x) in by_construction {
        assert_eq!(load_render_run(template, x), None, "the lint refuses {template:?}");
        render_run(template, x);
        assert!(!canary.exists(), "{template:?} with {x:?} ran the canary");
    }
    let refused = [
        ("echo $(( {{ x }} + 1 ))", &arith),
        ("(( {{ x }} ))", &arith),
        ("[[ {{ x }} -eq 1 ]]", &arith),
        ("a=(1); echo ${a[{{ x }}]}", &arith),
        ("eval {{ x }}", &eval),
        ("bash -c {{ x }}", &eval),
        ("{% set v = x | safe %}echo {{ v }}", &value),
        ("echo {{ x | safe }}", &value),
        ("declare {{ x }}=1", &arith),
        ("ssh localhost {{ x }}", &eval),
    ];
    for (template, x) in refused {
        assert_eq!(load_render_run(template, x), None, "the lint refuses {template:?}");
    }
    assert!(!canary.exists());
}

/// Shapes the lint accepts; the exact ones print the value back (`Some(true)`), the list ones
/// print `x` then `b`, NUL-separated.
const SHAPES: &[(&str, Expect)] = &[
    ("echo {{ x }} >/dev/null", Expect::Nothing),
    ("printf '%s' {{ x }}", Expect::Value),
    ("v={{ x }}; printf '%s' \"$v\"", Expect::Value),
    ("bash -c 'printf \"%s\" \"$1\"' _ {{ x }}", Expect::Value),
    ("x=$(printf '%s' {{ x }}); printf '%s' \"$x\" >/dev/null", Expect::Nothing),
    ("f() { printf '%s' \"$1\"; }; f {{ x }}", Expect::Value),
    ("printf '%s\\0' {{ l | shell_words }}", Expect::List),
    ("for w in {{ l | shell_words }}; do printf '%s\\0' \"$w\"; done", Expect::List),
    ("case {{ x }} in *) : ;; esac", Expect::Nothing),
    ("[ -n {{ x }} ] && :", Expect::Nothing),
    ("test {{ x }} = y || :", Expect::Nothing),
    ("cat <<<{{ x }} >/dev/null", Expect::Nothing),
    ("awk -v v={{ x }} 'BEGIN { }'", Expect::Nothing),
    ("{% set v = x %}printf '%s' {{ v }}", Expect::Value),
    ("{% set c %}printf '%s' {{ x }}{% endset %}{{ c }}", Expect::Value),
    ("printf '%s' 'a'{{ x }}'b' >/dev/null", Expect::Nothing),
    ("printf '%s' \"a\"{{ x }}\"b\" >/dev/null", Expect::Nothing),
    ("printf '%s' {{ x | replace(from=\"a\", to=\"b\") }} >/dev/null", Expect::Nothing),
    ("printf '%s' {{ [x, \"y\"] | join(sep=\" \") }} >/dev/null", Expect::Nothing),
    ("printf '%s' ${UNSET:-{{ x }}}", Expect::Value),
    ("echo $( echo {{ x }} ) >/dev/null", Expect::Nothing),
    ("x={{ x }} && [[ -n $x ]] && :", Expect::Nothing),
];

#[derive(Clone, Copy, PartialEq)]
enum Expect {
    Nothing,
    Value,
    List,
}

#[test]
fn every_fuzz_shape_passes_the_lint() {
    for (shape, _) in SHAPES {
        let origin = TemplateSource::file(Path::new("t.sh"), Arc::from(*shape));
        assert!(quoting_errors(shape, &origin).is_empty(), "{shape}");
    }
}

mod fuzz {
    use proptest::prelude::*;

    use super::*;

    /// Fragments a hostile value is made of: quotes of every kind, substitutions, separators,
    /// newlines, arithmetic subscripts, globs, here-document delimiters, tera-like braces.
    fn fragment(canary: String) -> impl Strategy<Value = String> {
        prop_oneof![
            Just("'".to_string()),
            Just("\"".to_string()),
            Just("\\".to_string()),
            Just("`".to_string()),
            Just(format!("$(touch {canary})")),
            Just(format!("`touch {canary}`")),
            Just(format!(";touch {canary};")),
            Just(format!("\ntouch {canary}\n")),
            Just(format!("x[$(touch {canary})]")),
            Just("${BMF_1}".to_string()),
            Just("\nEOF\n".to_string()),
            Just("}".to_string()),
            Just("{".to_string()),
            Just(" ".to_string()),
            Just("*".to_string()),
            Just("#".to_string()),
            Just("-e".to_string()),
            Just("é".to_string()),
            "[a-z]{1,3}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

        /// For any value and every accepted shape, bash never runs the canary, and the value
        /// arrives intact where the shape prints it.
        #[test]
        fn no_value_ever_runs_as_code(parts in proptest::collection::vec(fragment("CANARY".into()), 1..6)) {
            let dir = canary_dir();
            let canary = dir.path().join("canary").display().to_string();
            let value = parts.concat().replace("CANARY", &canary);
            for (shape, expect) in SHAPES {
                let out = load_render_run(shape, &value).expect("accepted shape");
                prop_assert!(!Path::new(&canary).exists(), "{} with {:?} ran the canary", shape, value);
                match expect {
                    Expect::Value => prop_assert_eq!(&out, value.as_bytes(), "{}", shape),
                    Expect::List => {
                        let list = format!("{value}\0b\0");
                        prop_assert_eq!(&out, list.as_bytes(), "{}", shape)
                    }
                    Expect::Nothing => {}
                }
            }
        }
    }
}

/// The BlueMind role's "same packages" check, rendered with the two hosts' lists: a package
/// found early in a long list of the target's must not read as missing. It did, intermittently
/// (the fleet's "the target lacks bm-keycloak"): `printf | grep -q` under pipefail failed with
/// printf's SIGPIPE once grep had found the package; a list longer than a pipe's buffer makes it
/// happen every time.
#[test]
fn the_same_packages_check_finds_a_package_early_in_a_long_list() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("roles/bluemind/templates/preflight/same-packages.sh");
    let template = std::fs::read_to_string(&path).unwrap();
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("roles/bluemind/templates/lib/bm-version.sh");
    let lib_text = std::fs::read_to_string(&lib).unwrap();
    let mut r = Renderer::new();
    r.add_shell_batch(vec![
        (
            "templates/lib/bm-version.sh".into(),
            lib_text.clone(),
            TemplateSource::file(&lib, Arc::from(lib_text.as_str())),
        ),
        ("same-packages".into(), template.clone(), TemplateSource::file(&path, Arc::from(template.as_str()))),
    ])
    .unwrap();
    let target: Vec<String> = std::iter::once("bm-core".to_string())
        .chain((0..20_000).map(|i| format!("bm-plugin-{i:05}")))
        .collect();
    let mut ctx = Context::new();
    ctx.insert("origin_bm_version", "5.3.2");
    ctx.insert("origin_bm_packages", "bm-core");
    ctx.insert("target_bm_packages", &target.join("\n"));
    let run = |ctx: &Context| {
        let script = r.render_shell("same-packages", ctx).unwrap();
        // A file, not `bash -c`: the list is longer than one argument may be.
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), format!("set -eo pipefail\n{script}")).unwrap();
        std::process::Command::new("bash")
            .arg(file.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let out = run(&ctx);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "1 BlueMind packages on the origin, all on the target"
    );
    // and a package the target lacks is still named
    ctx.insert("origin_bm_packages", "bm-core\nbm-plugin-core-ldap-import");
    let out = run(&ctx);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the target lacks BlueMind packages the origin has: bm-plugin-core-ldap-import;"),
        "{stderr}"
    );
    // Issue #26: a 5.x origin's transitional packages (packaging/bm-conf/debian/control) are
    // reported (exit 3), not required; on a 4.x origin bm-lmtpd is a real package.
    ctx.insert("origin_bm_packages", "bm-core\nbm-cyrus\nbm-lmtpd");
    let out = run(&ctx);
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains(": bm-cyrus bm-lmtpd (packaging/bm-conf/debian/control")
    );
    ctx.insert("origin_bm_version", "1:4.9.3");
    let out = run(&ctx);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the origin has: bm-cyrus bm-lmtpd;"));
}
