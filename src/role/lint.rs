//! Where a `{{ variable }}` may stand in a shell template.
//!
//! Rendering never splices a value into a script: `{{ x }}` becomes `"${BMF_3}"`, a reference to
//! a variable the script's preamble assigns (`render.rs`). What the shell does with a *reference*
//! is then the only question, and this scanner answers it at role load, following the shell's
//! quoting and command structure through the template. Two kinds of places are refused:
//!
//! - where the reference would not mean the value: inside single quotes or a quoted
//!   here-document it stays the literal text `"${BMF_3}"`; inside double quotes or an unquoted
//!   here-document its own quotes are literal or close the outer ones (the value is split into
//!   words); inside backticks the quoting rules change again;
//! - where the shell *evaluates* the value as code: arithmetic (`$(( ))`, `(( ))`, `$[ ]`,
//!   `[[ ]]`'s `-eq`, array subscripts, `${v:offset}`), where `x[$(cmd)]` runs `cmd`; the
//!   arguments of `eval`, `source`, `trap`, `bash -c`, `ssh HOST` (a remote shell joins them), `awk`
//!   and `sed` programs, the names given to `declare`/`export`/`read`/`unset`...; a value as a
//!   command name. `{{ n | int }}` (digits only, or the render fails) is allowed in arithmetic.
//!
//! `| safe` is refused everywhere (it would splice the value; the renderer refuses it too).
//! The first kind is about correctness; the second is defence in depth: quoting alone could not
//! protect those places, and the list is the known set of bash's evaluating contexts.
//!
//! This file follows the quoting and structure; which commands evaluate which arguments is
//! `lint/commands.rs`.

// What bash does with a simple command's words: the command it runs, the arguments it evaluates.
mod commands;

use commands::{command_words, evaluated_argument};

/// Byte offset and message of each `{{` (or `| safe`) found where it is refused.
pub fn unprotected_variables(template: &str) -> Vec<(usize, &'static str)> {
    let mut scan = Scan { t: template, i: 0, found: Vec::new(), stack: vec![Frame::normal()] };
    scan.run();
    scan.found
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Ctx {
    Normal,
    Double,
    Backtick,
    /// `$((`/`((` (closed by `))`, `paren` counts inner parentheses) or `$[` (closed by `]`).
    Arith {
        bracket: bool,
    },
    /// `${...}`, `double` when inside double quotes.
    Param {
        double: bool,
    },
    /// `[[ ... ]]`.
    Test,
}

#[derive(Debug)]
struct Frame {
    ctx: Ctx,
    depth: usize,
    /// The current simple command's words so far, and the word being read (variables as `{{}}`).
    words: Vec<String>,
    word: String,
}

impl Frame {
    fn normal() -> Frame {
        Frame::new(Ctx::Normal)
    }
    fn new(ctx: Ctx) -> Frame {
        Frame { ctx, depth: 0, words: Vec::new(), word: String::new() }
    }
    fn end_word(&mut self) {
        if !self.word.is_empty() {
            self.words.push(std::mem::take(&mut self.word));
        }
    }
    fn end_command(&mut self) {
        self.word.clear();
        self.words.clear();
    }
}

struct Scan<'a> {
    t: &'a str,
    i: usize,
    found: Vec<(usize, &'static str)>,
    stack: Vec<Frame>,
}

const VAR: &str = "{{}}";
const SAFE: &str = "`| safe` is refused in shell templates: a value never becomes shell source";

impl<'a> Scan<'a> {
    fn rest(&self) -> &'a str {
        &self.t[self.i..]
    }
    fn top(&mut self) -> &mut Frame {
        self.stack.last_mut().expect("never empty")
    }
    /// Advance past the character at `i` (whole UTF-8 character: never inside one).
    fn step(&mut self) {
        self.i += self.rest().chars().next().map_or(1, char::len_utf8);
    }
    fn refuse(&mut self, at: usize, message: &'static str) {
        self.found.push((at, message));
    }

    fn run(&mut self) {
        let mut heredocs: Vec<(String, bool)> = Vec::new();
        while self.i < self.t.len() {
            if self.tera_tag() {
                continue;
            }
            let rest = self.rest();
            let c = rest.chars().next().expect("not at end");
            let ctx = self.top().ctx;
            match ctx {
                Ctx::Double => self.double(c),
                _ => {
                    if c == '\n' && !heredocs.is_empty() && self.stack.len() == 1 {
                        self.step();
                        self.top().end_command();
                        for (delimiter, quoted) in std::mem::take(&mut heredocs) {
                            self.heredoc(&delimiter, quoted);
                        }
                        continue;
                    }
                    if c == '<' && rest.starts_with("<<") && !rest.starts_with("<<<") {
                        let after = rest[2..].trim_start_matches('-').trim_start();
                        let quoted =
                            after.starts_with('\'') || after.starts_with('"') || after.starts_with('\\');
                        let word: String = after
                            .trim_start_matches(['\'', '"', '\\'])
                            .chars()
                            .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '_')
                            .collect();
                        if !word.is_empty() {
                            heredocs.push((word, quoted));
                        }
                        self.i += 2;
                        continue;
                    }
                    self.code(c);
                }
            }
        }
    }

    /// Tera syntax at `i`: comments, statements (`raw` blocks copied as shell), expressions.
    fn tera_tag(&mut self) -> bool {
        let rest = self.rest();
        if rest.starts_with("{#") {
            self.i += rest.find("#}").map_or(rest.len(), |e| e + 2);
            return true;
        }
        if rest.starts_with("{%") {
            let end = rest.find("%}").map_or(rest.len(), |e| e + 2);
            let tag = &rest[..end];
            if has_safe(tag) {
                self.refuse(self.i, SAFE);
            }
            let is_raw = tag.trim_matches(['{', '%', '}', '-', ' ']).trim() == "raw";
            self.i += end;
            if is_raw {
                // Raw text holds no variable: skipped up to `{% endraw %}` (it must leave the
                // shell's quoting as it found it).
                self.i = self.rest().find("{%").map_or(self.t.len(), |e| self.i + e);
            }
            return true;
        }
        if rest.starts_with("{{") {
            let end = rest.find("}}").map_or(rest.len(), |e| e + 2);
            let expr = &rest[..end];
            let at = self.i;
            self.i += end;
            self.variable(at, expr);
            return true;
        }
        false
    }

    /// A `{{ ... }}` at `at`, in the current context.
    fn variable(&mut self, at: usize, expr: &str) {
        if has_safe(expr) {
            self.refuse(at, SAFE);
            return;
        }
        let int = last_filter(expr) == Some("int");
        let before = self.t[..at].chars().next_back();
        let frame = self.stack.last().expect("never empty");
        let message = match frame.ctx {
            Ctx::Double | Ctx::Param { double: true } => Some(
                "a variable inside double quotes is refused: put it outside the quotes (`echo \"x=\"{{ x }}`) or assign it first (`x={{ x }}`, then \"$x\")",
            ),
            Ctx::Backtick => Some("a variable inside backticks is refused: use $( ) instead"),
            Ctx::Arith { .. } | Ctx::Test if !int => Some(
                "a variable in arithmetic (or `[[ ]]`) is evaluated as code (`x[$(cmd)]` runs cmd): write `{{ x | int }}`, or compare with `[ ]`",
            ),
            Ctx::Param { .. } if !int && matches!(before, Some(':' | '[')) => {
                Some("a variable as an offset or subscript is evaluated as code: write `{{ x | int }}`")
            }
            Ctx::Normal if !int && before == Some('[') && is_subscript_start(&frame.word) => {
                Some("a variable as an array subscript is evaluated as code: write `{{ x | int }}`")
            }
            Ctx::Normal => evaluated_argument(&frame.words, &frame.word),
            _ => None,
        };
        if let Some(message) = message {
            self.refuse(at, message);
        }
        self.top().word.push_str(VAR);
    }

    fn heredoc(&mut self, delimiter: &str, quoted: bool) {
        while self.i < self.t.len() {
            let rest = self.rest();
            let line_end = rest.find('\n').map_or(rest.len(), |e| e + 1);
            let line = rest[..line_end].trim_end_matches('\n');
            if line.trim_start_matches('\t') == delimiter {
                self.i += line_end;
                return;
            }
            let stop = self.i + line_end;
            while self.i < stop {
                let r = self.rest();
                if r.starts_with("{{") {
                    let end = r.find("}}").map_or(r.len(), |e| e + 2).min(stop - self.i);
                    let message = if has_safe(&r[..end]) {
                        SAFE
                    } else if quoted {
                        "a variable in a quoted here-document stays the literal text of its reference"
                    } else {
                        "a variable in a here-document is refused: its reference's quotes would be written literally"
                    };
                    self.refuse(self.i, message);
                    self.i += end;
                } else if !(r.starts_with("{%") || r.starts_with("{#")) || !self.tera_tag() {
                    self.step();
                }
            }
        }
    }

    /// A character of shell code outside double quotes.
    fn code(&mut self, c: char) {
        let rest = self.rest();
        let push = |scan: &mut Self, ctx: Ctx, skip: usize| {
            scan.stack.push(Frame::new(ctx));
            scan.i += skip;
        };
        match c {
            '\\' => {
                self.step();
                if self.i < self.t.len() {
                    let next = self.rest().chars().next().expect("not at end");
                    if next != '\n' {
                        self.top().word.push(next);
                    }
                    self.step();
                }
                return;
            }
            '\'' => return self.single_quoted(false),
            '$' if rest.starts_with("$'") => {
                self.i += 1;
                return self.single_quoted(true);
            }
            '"' => return push(self, Ctx::Double, 1),
            '`' if self.top().ctx == Ctx::Backtick => {
                self.close();
                self.i += 1;
                return;
            }
            '`' => return push(self, Ctx::Backtick, 1),
            '$' if rest.starts_with("$((") => return push(self, Ctx::Arith { bracket: false }, 3),
            '$' if rest.starts_with("$[") => return push(self, Ctx::Arith { bracket: true }, 2),
            '$' if rest.starts_with("$(") => return push(self, Ctx::Normal, 2),
            '$' if rest.starts_with("${") => return push(self, Ctx::Param { double: false }, 2),
            _ => {}
        }
        let n = self.stack.len() - 1;
        match (self.stack[n].ctx, c) {
            (Ctx::Arith { bracket: false }, '(') => self.stack[n].depth += 1,
            (Ctx::Arith { bracket: false }, ')') if self.stack[n].depth > 0 => self.stack[n].depth -= 1,
            (Ctx::Arith { bracket: false }, ')') => {
                if rest.starts_with("))") {
                    self.i += 1;
                }
                self.close();
            }
            (Ctx::Arith { bracket: true }, ']') => self.close(),
            (Ctx::Param { .. }, '{') => self.stack[n].depth += 1,
            (Ctx::Param { .. }, '}') if self.stack[n].depth > 0 => self.stack[n].depth -= 1,
            (Ctx::Param { .. }, '}') => self.close(),
            (Ctx::Normal | Ctx::Backtick | Ctx::Test, _) if self.word_char(c) => return,
            _ => {}
        }
        self.step();
    }

    /// A character that may end a word or a command (Normal, Backtick, Test contexts); `true`
    /// when it moved `i` itself.
    fn word_char(&mut self, c: char) -> bool {
        let after = self.i + c.len_utf8();
        let n = self.stack.len() - 1;
        let ctx = self.stack[n].ctx;
        let frame = &mut self.stack[n];
        match c {
            ' ' | '\t' | '\n' | ';' | '&' | '|' if ctx == Ctx::Test => {
                frame.end_word();
                if frame.words.last().is_some_and(|w| w == "]]") {
                    self.close();
                }
            }
            ' ' | '\t' => frame.end_word(),
            '\n' | ';' | '&' | '|' => frame.end_command(),
            '(' if frame.words.is_empty() && frame.word.is_empty() && self.t[after..].starts_with('(') => {
                self.stack.push(Frame::new(Ctx::Arith { bracket: false }));
                self.i = after + 1;
                return true;
            }
            '(' => frame.end_command(),
            ')' if n > 0 && ctx == Ctx::Normal => self.close(),
            ')' => frame.end_command(),
            '#' if frame.word.is_empty() => {
                self.i = self.t[after..].find('\n').map_or(self.t.len(), |e| after + e);
                return true;
            }
            '[' if ctx == Ctx::Normal
                && frame.word == "["
                && command_words(&frame.words).is_some_and(<[String]>::is_empty)
                && matches!(self.t[after..].chars().next(), Some(' ' | '\t')) =>
            {
                frame.word.clear();
                self.stack.push(Frame::new(Ctx::Test));
            }
            _ => frame.word.push(c),
        }
        false
    }

    fn close(&mut self) {
        if self.stack.len() > 1 {
            self.stack.pop();
        }
        // What was inside becomes part of the enclosing word.
        self.top().word.push('x');
    }

    fn single_quoted(&mut self, ansi_c: bool) {
        self.i += 1;
        while self.i < self.t.len() {
            let r = self.rest();
            if r.starts_with('\'') {
                self.i += 1;
                break;
            }
            if ansi_c && r.starts_with('\\') {
                self.step();
            } else if r.starts_with("{{") {
                let end = r.find("}}").map_or(r.len(), |e| e + 2);
                if has_safe(&r[..end]) {
                    self.refuse(self.i, SAFE);
                } else {
                    self.refuse(self.i, "a variable inside single quotes stays the literal text of its reference: put it outside the quotes ('label: '{{ x }}' end')");
                }
                self.i += end;
                continue;
            } else if self.tera_tag() {
                continue;
            }
            if self.i < self.t.len() {
                self.step();
            }
        }
        self.top().word.push('x');
    }

    fn double(&mut self, c: char) {
        let rest = self.rest();
        match c {
            '\\' => {
                self.step();
            }
            '"' => {
                self.close();
                self.step();
                return;
            }
            '$' if rest.starts_with("$((") => {
                self.stack.push(Frame::new(Ctx::Arith { bracket: false }));
                self.i += 3;
                return;
            }
            '$' if rest.starts_with("$(") => {
                self.stack.push(Frame::normal());
                self.i += 2;
                return;
            }
            '$' if rest.starts_with("${") => {
                self.stack.push(Frame::new(Ctx::Param { double: true }));
                self.i += 2;
                return;
            }
            '`' => self.stack.push(Frame::new(Ctx::Backtick)),
            _ => {}
        }
        if self.i < self.t.len() {
            self.step();
        }
    }
}

/// `| safe` in a tera expression or tag (`{{ x | safe }}`, `{% set v = x | safe %}`,
/// `{% filter safe %}`).
fn has_safe(tag: &str) -> bool {
    let squeezed: String = tag.chars().filter(|c| !c.is_whitespace()).collect();
    let words = |s: &str| s.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|w| w == "safe");
    (squeezed.contains("|safe") && words(tag))
        || tag.trim_start_matches(['{', '%', '-', ' ']).starts_with("filter safe")
}

/// The last filter of `{{ x | a | int }}`.
fn last_filter(expr: &str) -> Option<&str> {
    let inner = expr.trim_start_matches("{{").trim_end_matches("}}").trim_matches(['-', ' ']);
    let (_, last) = inner.rsplit_once('|')?;
    Some(last.trim().split(['(', ' ']).next().unwrap_or(""))
}

/// `name[` (an array subscript is being opened).
fn is_subscript_start(word: &str) -> bool {
    let Some(name) = word.strip_suffix('[') else { return false };
    let name = name.rsplit(['$', '{']).next().unwrap_or(name);
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests;
