//! Rendering role templates with tera 2.
//!
//! Two tera instances: `shell` renders the commands steps run, with autoescape on for every
//! template and [`quote::escape_for_shell`] as the escaper, so each `{{ var }}` is one inert shell
//! word; `text` renders conditions, assertions and messages for humans, without escaping.
//!
//! Templates written inline in `role.yml` are compiled under a synthetic name; when tera reports
//! an error at line L, column C of that name, we translate it back to the line and column of
//! `role.yml` the operator must edit (see [`Origin`]).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tera::{Context, Tera};

use super::quote;
use crate::diag::{Diagnostic, Location};
use crate::suggest;

/// Where a template's text lives, to map tera's positions back to the user's file.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: PathBuf,
    /// The file's whole text, for the snippet under an error.
    pub file_source: Arc<str>,
    /// Line and column (1-based) of the template's first character in `file`.
    pub line: usize,
    pub column: usize,
    /// Column (1-based) where the template's continuation lines start (block scalars).
    pub indent: usize,
    /// Characters bmfleet added in front of the user's text on the first line (expressions are
    /// compiled as `{% if (EXPR) %}`).
    pub prefix: usize,
}

impl Origin {
    /// A whole template file.
    pub fn file(file: &Path, source: Arc<str>) -> Self {
        Origin { file: file.to_path_buf(), file_source: source, line: 1, column: 1, indent: 1, prefix: 0 }
    }

    /// A string value of a YAML file, located by serde-saphyr at `loc`. For a block scalar
    /// (`run: |`) the text starts on the next line at that line's indentation; for a quoted
    /// scalar, one column after the quote.
    pub fn yaml_value(file: &Path, source: Arc<str>, loc: &serde_saphyr::Location) -> Self {
        let (line, column) = (loc.line() as usize, loc.column() as usize);
        let line_text = source.lines().nth(line.saturating_sub(1)).unwrap_or("");
        let at = line_text.chars().skip(column.saturating_sub(1)).collect::<String>();
        let mut origin = Origin::file(file, source.clone());
        if at.starts_with('|') || at.starts_with('>') {
            let next = source.lines().skip(line).find(|l| !l.trim().is_empty()).unwrap_or("");
            let indent = next.len() - next.trim_start().len();
            origin.line = line + 1;
            origin.column = indent + 1;
            origin.indent = indent + 1;
        } else {
            let quoted = at.starts_with('"') || at.starts_with('\'');
            origin.line = line;
            origin.column = column + usize::from(quoted);
            origin.indent = 1;
        }
        origin
    }

    fn with_prefix(mut self, prefix: usize) -> Self {
        self.prefix = prefix;
        self
    }

    /// Translate tera's (1-based line, 0-based column) into the user's file.
    fn locate(&self, tera_line: usize, tera_col: usize) -> Location {
        if tera_line <= 1 {
            Location::new(&self.file, self.line, (self.column + tera_col).saturating_sub(self.prefix))
        } else {
            Location::new(&self.file, self.line + tera_line - 1, self.indent + tera_col)
        }
    }
}

/// A rendering failure, already translated into a located diagnostic.
#[derive(Debug, Clone)]
pub struct RenderError(pub Diagnostic);

#[derive(Default)]
pub struct Renderer {
    shell: Tera,
    text: Tera,
    origins: HashMap<String, Origin>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer").field("templates", &self.origins.len()).finish()
    }
}

/// A list rendered as several shell words: `rsync {{ opts | shell_words }}`.
fn shell_words(value: tera::Value, _: tera::Kwargs, _: &tera::State) -> tera::TeraResult<tera::Value> {
    let items: Vec<String> = match value.as_array() {
        Some(items) => {
            items.iter().map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())).collect()
        }
        None => vec![value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string())],
    };
    let mut words = Vec::with_capacity(items.len());
    for item in &items {
        words.push(quote::quote(item).map_err(tera::Error::message)?.into_owned());
    }
    Ok(tera::Value::safe_string(&words.join(" ")))
}

impl Renderer {
    pub fn new() -> Self {
        let mut shell = Tera::default();
        shell.set_escape_fn(quote::escape_for_shell);
        // An empty suffix matches every template name: autoescape is on for all of them.
        shell.autoescape_on(vec![""]);
        shell.register_filter("shell_words", shell_words);
        let mut text = Tera::default();
        text.autoescape_on(Vec::<&str>::new());
        Renderer { shell, text, origins: HashMap::new() }
    }

    pub fn add_shell(&mut self, name: &str, content: &str, origin: Origin) -> Result<(), RenderError> {
        let result = self.shell.add_raw_template(name, content);
        self.origins.insert(name.to_string(), origin);
        result.map_err(|e| self.translate(&e, "this template does not parse"))
    }

    /// Add several shell templates at once, so they may `{% include %}` one another whatever
    /// their order.
    pub fn add_shell_batch(&mut self, templates: Vec<(String, String, Origin)>) -> Result<(), RenderError> {
        let sources: Vec<(String, String)> =
            templates.iter().map(|(n, c, _)| (n.clone(), c.clone())).collect();
        for (name, _, origin) in templates {
            self.origins.insert(name, origin);
        }
        self.shell.add_raw_templates(sources).map_err(|e| self.translate(&e, "this template does not parse"))
    }

    pub fn add_text(&mut self, name: &str, content: &str, origin: Origin) -> Result<(), RenderError> {
        let result = self.text.add_raw_template(name, content);
        self.origins.insert(name.to_string(), origin);
        result.map_err(|e| self.translate(&e, "this message does not parse"))
    }

    /// Compile an expression (`when:`, `assert.that`) that renders `true` or `false`.
    pub fn add_expr(&mut self, name: &str, expr: &str, origin: Origin) -> Result<(), RenderError> {
        const PREFIX: &str = "{% if (";
        let content = format!("{PREFIX}{expr}) %}}true{{% else %}}false{{% endif %}}");
        let result = self.text.add_raw_template(name, &content);
        self.origins.insert(name.to_string(), origin.with_prefix(PREFIX.len()));
        result.map_err(|e| self.translate(&e, "this expression does not parse"))
    }

    pub fn render_shell(&self, name: &str, context: &Context) -> Result<String, RenderError> {
        self.shell.render(name, context).map_err(|e| self.translate(&e, "cannot render"))
    }

    pub fn render_text(&self, name: &str, context: &Context) -> Result<String, RenderError> {
        self.text.render(name, context).map_err(|e| self.translate(&e, "cannot render"))
    }

    pub fn eval(&self, name: &str, context: &Context) -> Result<bool, RenderError> {
        Ok(self.render_text(name, context)? == "true")
    }

    pub fn has_template(&self, name: &str) -> bool {
        self.origins.contains_key(name)
    }

    /// Top-level variables a template references (best effort: it ignores `if`s).
    pub fn variables(&self, name: &str) -> BTreeSet<String> {
        let from =
            |t: &Tera| t.get_template_variables(name).ok().map(|s| s.into_iter().map(String::from).collect());
        from(&self.shell).or_else(|| from(&self.text)).unwrap_or_default()
    }

    /// Turn a tera error into a diagnostic located in the user's file.
    fn translate(&self, err: &tera::Error, fallback: &str) -> RenderError {
        let report = match err.kind() {
            tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => Some(r),
            _ => None,
        };
        let Some(report) = report else {
            return RenderError(Diagnostic::new(format!("{fallback}: {err}")));
        };
        let (message, help) = explain(report.message());
        let mut diag = Diagnostic::new(message);
        if let Some(origin) = self.origins.get(report.filename()) {
            let span = report.span();
            let loc = origin.locate(span.start_line, span.start_col);
            diag = diag.at(loc, Some(&origin.file_source));
        }
        if let Some(help) = help {
            diag = diag.help(help);
        }
        RenderError(diag)
    }
}

/// Every `{{ var }}` of a shell template where quoting would not protect it (see `lint.rs`).
pub fn quoting_errors(content: &str, origin: &Origin) -> Vec<Diagnostic> {
    super::lint::unprotected_variables(content)
        .into_iter()
        .map(|(offset, message)| {
            let before = &content[..offset];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count());
            Diagnostic::new(message.to_string()).at(origin.locate(line, column), Some(&origin.file_source)).help(
                "put the variable outside the quotes (`echo \"x=\"{{ x }}`), assign it to a shell variable first \
                 (`x={{ x }}`, then \"$x\"), or write `| safe` if its value is shell on purpose",
            )
        })
        .collect()
}

/// Reword tera's messages for role authors; suggest a close name for undefined variables.
fn explain(message: &str) -> (String, Option<String>) {
    if let Some(rest) = message.strip_prefix("Variable `")
        && let Some((name, tail)) = rest.split_once("` is not defined")
    {
        let available: Vec<&str> = tail
            .split_once("Available variables: ")
            .map(|(_, list)| list.split(", ").map(str::trim).collect())
            .unwrap_or_default();
        let help = match suggest::closest(name, available) {
            Some(close) => format!(
                "did you mean `{close}`? Otherwise define `{name}` in the inventory (vars, a group, the pair) or in the role's defaults"
            ),
            None => format!(
                "define `{name}` in the inventory (vars, a group, the pair) or in the role's defaults"
            ),
        };
        return (format!("undefined variable `{name}`"), Some(help));
    }
    (message.to_string(), None)
}

/// Names whose values are secrets by default: `*password`, `*token`, `*secret`, `*key`.
pub fn is_secret_name(name: &str, extra: &[String]) -> bool {
    let lower = name.to_ascii_lowercase();
    ["password", "token", "secret", "key"].iter().any(|s| lower.ends_with(s))
        || extra.iter().any(|e| e == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin::file(Path::new("t.sh"), Arc::from("echo {{ x }}\n"))
    }

    #[test]
    fn shell_templates_quote_every_variable() {
        let mut r = Renderer::new();
        r.add_shell("t", "echo {{ x }} {{ l | shell_words }} {{ x | safe }}", origin()).unwrap();
        let mut ctx = Context::new();
        ctx.insert("x", "$(reboot)");
        ctx.insert("l", &vec!["a b", "c"]);
        assert_eq!(r.render_shell("t", &ctx).unwrap(), "echo '$(reboot)' 'a b' c $(reboot)");
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
        let origin =
            Origin { file: "role.yml".into(), file_source: source, line: 3, column: 7, indent: 7, prefix: 0 };
        let mut r = Renderer::new();
        r.add_shell("t", "true\necho {{ nope }}\n", origin).unwrap();
        let err = r.render_shell("t", &Context::new()).unwrap_err().0;
        assert_eq!(err.location, Some(Location::new("role.yml", 4, 15)));
        assert_eq!(err.message, "undefined variable `nope`");
    }
}
