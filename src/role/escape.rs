//! The escape function of every role template.
//!
//! Role templates render shell. With autoescape on and [`escape_for_shell`] as the escaper, a
//! `{{ var }}` never puts the variable's value into the script's source: it writes a reference
//! to a shell variable (`"${BMF_3}"`), and [`Bindings::preamble`] assigns each value once,
//! single-quoted by [`quote`] (`crate::shell`), at the top of the script (see `render.rs` for why
//! this makes templates secure by construction).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, Write};

use crate::shell::{NulError, quote};

/// The values one script refers to, each bound once to a shell variable `BMF_n` by the preamble
/// [`Bindings::preamble`] writes at the top of the script.
#[derive(Debug, Default)]
pub struct Bindings {
    values: Vec<Binding>,
    words: HashMap<String, usize>,
    lists: HashMap<Vec<String>, usize>,
}

#[derive(Debug)]
enum Binding {
    Word(String),
    Words(Vec<String>),
}

thread_local! {
    /// The bindings of the script the current thread renders (tera's escape function is a plain
    /// `fn`, and rendering one template is synchronous: a thread-local is exactly its scope).
    static CURRENT: RefCell<Option<Bindings>> = const { RefCell::new(None) };
}

impl Bindings {
    /// Run `render` with fresh bindings; every value escaped meanwhile is bound, not spliced.
    pub fn collect<T>(render: impl FnOnce() -> T) -> (T, Bindings) {
        let previous = CURRENT.with(|c| c.replace(Some(Bindings::default())));
        let out = render();
        let bindings = CURRENT.with(|c| c.replace(previous)).unwrap_or_default();
        (out, bindings)
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `BMF_1='value'` lines (arrays for lists), in a context bmfleet controls: the start of the
    /// script, one plain assignment each, every value single-quoted.
    pub fn preamble(&self) -> String {
        let mut out = String::from(
            "# The values of this step, bound once (the script refers to them as \"${BMF_n}\"):\n",
        );
        for (i, value) in self.values.iter().enumerate() {
            let n = i + 1;
            match value {
                Binding::Word(w) => {
                    out.push_str(&format!("BMF_{n}={}\n", quote(w).expect("NUL refused when bound")))
                }
                Binding::Words(ws) => {
                    let items: Vec<String> =
                        ws.iter().map(|w| quote(w).expect("NUL refused when bound").into_owned()).collect();
                    out.push_str(&format!("BMF_{n}=({})\n", items.join(" ")));
                }
            }
        }
        out
    }
}

/// Bind `value` in the current script's bindings; the reference to write instead of the value.
/// `None` outside [`Bindings::collect`].
fn bind(value: Binding) -> Option<String> {
    CURRENT.with(|c| {
        let mut c = c.borrow_mut();
        let b = c.as_mut()?;
        let next = b.values.len() + 1;
        Some(match value {
            Binding::Word(w) => {
                let n = *b.words.entry(w.clone()).or_insert(next);
                if n == next {
                    b.values.push(Binding::Word(w));
                }
                format!("\"${{BMF_{n}}}\"")
            }
            Binding::Words(ws) => {
                let n = *b.lists.entry(ws.clone()).or_insert(next);
                if n == next {
                    b.values.push(Binding::Words(ws));
                }
                // `${a[@]+...}`: an empty list is no word at all, even under `set -u` (bash < 4.4).
                format!("${{BMF_{n}[@]+\"${{BMF_{n}[@]}}\"}}")
            }
        })
    })
}

/// A list as several shell words (`| shell_words`): a reference to a bound array, or, outside
/// a render, the words quoted one by one.
pub fn words_reference(items: Vec<String>) -> Result<String, NulError> {
    if items.iter().any(|i| i.contains('\0')) {
        return Err(NulError);
    }
    let fallback: Vec<String> =
        items.iter().map(|i| quote(i).map(Cow::into_owned)).collect::<Result<_, _>>()?;
    Ok(bind(Binding::Words(items)).unwrap_or_else(|| fallback.join(" ")))
}

/// The escape function given to tera (`Tera::set_escape_fn`): the value never reaches the
/// script's source; a reference to its binding does (`"${BMF_3}"`). Outside a render (no
/// bindings), the value single-quoted.
pub fn escape_for_shell(input: &str, output: &mut dyn Write) -> io::Result<()> {
    let quoted = quote(input).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    match bind(Binding::Word(input.to_string())) {
        Some(reference) => output.write_all(reference.as_bytes()),
        None => output.write_all(quoted.as_bytes()),
    }
}
