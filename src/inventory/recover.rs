//! Every mistake serde finds in one run: serde stops at the first (an unknown key, a value of the
//! wrong type), so each one is reported, its entry taken out of a copy of the text, and the copy
//! read again, until it reads or a mistake cannot be taken out (a syntax error, a missing key).
//! An unknown key close to a known one (`tagret:`) is read as that one, so what it holds is
//! checked too and its absence is not reported a second time. Edits keep every line where it
//! was, and columns are mapped back, so each diagnostic points into the file as written.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::diag::Diagnostic;

/// Enough for any file a person fixes by hand; a bound so that no text loops forever.
const MAX_ERRORS: usize = 50;

/// Parse `source`, collecting every serde mistake. `Some` when the text, with the mistakes'
/// entries taken out, reads: the caller goes on to its own checks with it.
pub fn parse_all<T: DeserializeOwned>(path: &Path, source: &str) -> (Option<T>, Vec<Diagnostic>) {
    let mut text = Text::new(source);
    let mut diags: Vec<Diagnostic> = Vec::new();
    for _ in 0..MAX_ERRORS * 2 {
        if diags.len() >= MAX_ERRORS {
            break;
        }
        let err = match serde_saphyr::from_str::<T>(&text.joined()) {
            Ok(value) => return (Some(value), diags),
            Err(err) => err,
        };
        let Some(loc) = err.location().filter(|l| l.line() > 0 && l.column() > 0) else {
            diags.push(Diagnostic::from_yaml(path, source, &err));
            break;
        };
        let (line, column) = (loc.line() as usize, loc.column() as usize);
        // A key written twice because of a rename is ours: the renamed entry is taken out.
        if let serde_saphyr::Error::DuplicateMappingKey { key: Some(key), .. } = err.without_snippet()
            && let Some((line, column)) = text.unrename(key)
        {
            if !text.take_out(line, column) {
                break;
            }
            continue;
        }
        let mut diag = Diagnostic::from_yaml(path, source, &err);
        if let Some(mut at) = diag.location.clone() {
            at.column = text.original_column(line, column);
            diag = diag.at(at, Some(source));
        }
        if diags.last() == Some(&diag) {
            break; // taking it out changed nothing
        }
        diags.push(diag);
        if !text.get_past(err.without_snippet(), line, column) {
            break;
        }
    }
    (None, diags)
}

/// The text being read again: lines of characters, and the renames made in them.
struct Text {
    lines: Vec<Vec<char>>,
    /// (line, column just past the new name, how many characters longer than the old).
    shifts: Vec<(usize, usize, isize)>,
    /// Keys renamed, where and to what: a duplicate of that name is ours, not the operator's.
    renamed: Vec<(usize, usize, String)>,
}

impl Text {
    fn new(source: &str) -> Self {
        let lines = source.split('\n').map(|l| l.chars().collect()).collect();
        Text { lines, shifts: Vec::new(), renamed: Vec::new() }
    }

    fn joined(&self) -> String {
        let lines: Vec<String> = self.lines.iter().map(|l| l.iter().collect()).collect();
        lines.join("\n")
    }

    /// Edit the text past the mistake `err` found at (line, column); false when it cannot be:
    /// a syntax error, a missing key... leave nothing that can be read after them.
    fn get_past(&mut self, err: &serde_saphyr::Error, line: usize, column: usize) -> bool {
        use serde_saphyr::Error as E;
        match err {
            E::SerdeUnknownField { field, expected, .. } => {
                match crate::suggest::closest(field, expected.iter().copied()) {
                    Some(known) if self.rename(line, column, field, known) => true,
                    _ => self.take_out(line, column),
                }
            }
            E::SerdeInvalidType { .. }
            | E::SerdeInvalidValue { .. }
            | E::SerdeInvalidLength { .. }
            | E::SerdeUnknownVariant { .. }
            | E::InvalidScalar { .. }
            | E::InvalidBooleanStrict { .. }
            | E::NullIntoString { .. }
            | E::Message { .. }
            | E::DuplicateMappingKey { .. } => self.take_out(line, column),
            _ => false,
        }
    }

    /// Where the last key renamed to `name` is, forgetting the rename.
    fn unrename(&mut self, name: &str) -> Option<(usize, usize)> {
        let i = self.renamed.iter().rposition(|(_, _, to)| to == name)?;
        let (line, column, _) = self.renamed.remove(i);
        Some((line, column))
    }

    /// A column of the edited text as a column of the file as written.
    fn original_column(&self, line: usize, column: usize) -> usize {
        let shift: isize =
            self.shifts.iter().filter(|(l, past, _)| *l == line && *past <= column).map(|(_, _, d)| d).sum();
        column.saturating_add_signed(-shift).max(1)
    }

    /// Rename the key `from` written at (line, column) to `to`.
    fn rename(&mut self, line: usize, column: usize, from: &str, to: &str) -> bool {
        let Some(chars) = self.lines.get_mut(line - 1) else { return false };
        let start = column - 1;
        let from: Vec<char> = from.chars().collect();
        if chars.get(start..start + from.len()) != Some(&from[..]) {
            return false;
        }
        let to: Vec<char> = to.chars().collect();
        let delta = to.len() as isize - from.len() as isize;
        chars.splice(start..start + from.len(), to.iter().copied());
        self.shifts.push((line, start + to.len() + 1, delta));
        self.renamed.push((line, column, to.iter().collect()));
        true
    }

    /// Take out the mapping entry (or sequence item) at (line, column), key or value: within a
    /// flow collection, up to its separator; in a block, the line's entry and the lines indented
    /// under it. An entry that was its block's only one leaves `{}` behind, so its parent stays a
    /// mapping. False when there is nothing to take out.
    fn take_out(&mut self, line: usize, column: usize) -> bool {
        let Some(chars) = self.lines.get(line - 1) else { return false };
        let at = (column - 1).min(chars.len());
        match flow_opener(chars, at) {
            Some(open) => self.take_out_of_flow(line - 1, open, at),
            None => self.take_out_of_block(line - 1),
        }
    }

    fn take_out_of_flow(&mut self, index: usize, open: usize, at: usize) -> bool {
        let chars = &mut self.lines[index];
        let Some((end, closer)) = flow_end(chars, at) else { return false };
        // Up to and with its own `,`; the last entry, with the `,` before it instead:
        // `{ a: 1, b: 2 }` without `b` is `{ a: 1       }`.
        let (from, to) = match (closer, chars[open] == ',') {
            (false, _) => (open + 1, end + 1),
            (true, true) => (open, end),
            (true, false) => (open + 1, end),
        };
        if chars[from..to].iter().all(|c| *c == ' ') {
            return false;
        }
        chars[from..to].iter_mut().for_each(|c| *c = ' ');
        true
    }

    fn take_out_of_block(&mut self, index: usize) -> bool {
        let chars = &self.lines[index];
        let start = entry_start(chars);
        if start >= chars.len() {
            return false;
        }
        let mut end = index + 1;
        while end < self.lines.len() && indent_of(&self.lines[end]).is_none_or(|i| i > start) {
            end += 1;
        }
        // Blank lines at the end of the block are left as they are.
        while end > index + 1 && indent_of(&self.lines[end - 1]).is_none() {
            end -= 1;
        }
        // A line inside a flow collection written over several lines is not a block entry.
        if !self.lines[index..end]
            .iter()
            .enumerate()
            .all(|(i, l)| balanced(if i == 0 { &l[start..] } else { l }))
        {
            return false;
        }
        let item = chars[..start].contains(&'-');
        self.lines[index][start..].iter_mut().for_each(|c| *c = ' ');
        for line in &mut self.lines[index + 1..end] {
            line.iter_mut().for_each(|c| *c = ' ');
        }
        if !self.has_sibling(index, start, item) {
            let line = &mut self.lines[index];
            if line.len() < start + 2 {
                line.resize(start + 2, ' ');
            }
            line[start..start + 2].copy_from_slice(&['{', '}']);
        }
        true
    }

    /// Whether the block holding the entry taken out at (index, start) has another entry.
    fn has_sibling(&self, index: usize, start: usize, item: bool) -> bool {
        let below = self.lines[index + 1..].iter().filter_map(|l| indent_of(l));
        let above = self.lines[..index].iter().rev().filter_map(|l| indent_of(l));
        let sibling = |mut lines: Box<dyn Iterator<Item = usize> + '_>| {
            lines.find(|i| *i <= start).is_some_and(|i| i == start)
        };
        sibling(Box::new(below)) || (!item && sibling(Box::new(above)))
    }
}

/// Where an entry of a block starts on its line: past the indentation and any `- `.
fn entry_start(chars: &[char]) -> usize {
    let mut i = 0;
    loop {
        while chars.get(i) == Some(&' ') {
            i += 1;
        }
        if chars.get(i) == Some(&'-') && matches!(chars.get(i + 1), Some(' ') | None) {
            i += 1;
        } else {
            return i;
        }
    }
}

/// A line's indentation; `None` for a blank or comment line, which belongs to no block.
fn indent_of(chars: &[char]) -> Option<usize> {
    let i = chars.iter().position(|c| *c != ' ')?;
    (chars[i] != '#').then_some(i)
}

/// The `{`, `[` or `,` that opens the flow entry holding column `at`, if it is in one.
fn flow_opener(chars: &[char], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    for i in (0..at).rev() {
        match chars[i] {
            '}' | ']' => depth += 1,
            '{' | '[' if depth > 0 => depth -= 1,
            '{' | '[' | ',' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// Where the flow entry holding `at` ends on its line: its `,` (false) or its collection's
/// closing bracket (true). Quotes are skipped over.
fn flow_end(chars: &[char], at: usize) -> Option<(usize, bool)> {
    let (mut depth, mut quote) = (0usize, None::<char>);
    for (i, &c) in chars.iter().enumerate().skip(at) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') if depth > 0 => depth -= 1,
            (None, '}' | ']') => return Some((i, true)),
            (None, ',') if depth == 0 => return Some((i, false)),
            _ => {}
        }
    }
    None
}

/// Whether every bracket opened in `chars` is closed there, and none closed that was not.
fn balanced(chars: &[char]) -> bool {
    let (mut depth, mut quote) = (0usize, None::<char>);
    for &c in chars {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') if depth == 0 => return false,
            (None, '}' | ']') => depth -= 1,
            _ => {}
        }
    }
    depth == 0
}
