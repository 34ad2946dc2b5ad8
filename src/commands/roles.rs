//! Finding a role directory by name. An explicit path always wins; otherwise a role named NAME is
//! looked up, in order, under `$BMFLEET_ROLES/`, `./roles/`, and `roles/` next to the inventory
//! or one directory above it (the layout of this repository: `inventories/` beside `roles/`);
//! last comes the BlueMind role built into the binary.

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::error::{Error, Result};

pub const DEFAULT_ROLE: &str = "bluemind";

pub fn find(name_or_path: &Path, inventory: &Path) -> Result<PathBuf> {
    if name_or_path.join("role.yml").is_file() {
        return Ok(name_or_path.to_path_buf());
    }
    let name = name_or_path.to_string_lossy();
    let candidates = candidates(&name, inventory);
    if !name.contains('/')
        && let Some(found) = candidates.iter().find(|c| c.join("role.yml").is_file())
    {
        return Ok(found.clone());
    }
    let looked: Vec<String> = candidates.iter().map(|c| c.display().to_string()).collect();
    Err(Error::input(
        Diagnostic::new(format!("no role `{name}`: no role.yml in {}", if name.contains('/') { name.to_string() } else { looked.join(", ") }))
            .help("pass the role directory (the one holding role.yml), or set BMFLEET_ROLES to the directory holding your roles"),
    ))
}

fn candidates(name: &str, inventory: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(env) = std::env::var_os("BMFLEET_ROLES") {
        dirs.push(PathBuf::from(env).join(name));
    }
    dirs.push(PathBuf::from("roles").join(name));
    let inv_dir = inventory.parent().unwrap_or(Path::new("."));
    dirs.push(inv_dir.join("roles").join(name));
    dirs.push(inv_dir.join("..").join("roles").join(name));
    dirs
}

/// The role given by `--role` or by name; the BlueMind role falls back to the copy built into
/// the binary when no `roles/bluemind` directory is found.
pub fn load(role: Option<&Path>, inventory: &Path) -> Result<crate::role::Role> {
    let wanted = role.unwrap_or(Path::new(DEFAULT_ROLE));
    match find(wanted, inventory) {
        Ok(dir) => crate::role::load(&dir),
        Err(_) if wanted == Path::new(DEFAULT_ROLE) => {
            crate::role::load_from(crate::role::files::RoleFiles::Builtin {
                name: DEFAULT_ROLE,
                files: crate::role::files::BUILTIN_BLUEMIND,
            })
        }
        Err(e) => Err(e),
    }
}

/// `bmfleet roles show`: the role's phases and its declared variables, from role.yml itself, so
/// that what an operator reads cannot drift from what the plan checks.
pub fn show(args: crate::cli::RolesShowArgs) -> Result<std::process::ExitCode> {
    let role = load(args.role.as_deref(), Path::new("inventory.yml"))?;
    let where_from = if role.dir.as_os_str().is_empty() {
        "built into bmfleet".to_string()
    } else {
        role.dir.display().to_string()
    };
    if args.markdown {
        print!("{}", variables_markdown(&role));
    } else if args.format == crate::cli::Format::Json {
        let variables: Vec<_> = variables(&role)
            .into_iter()
            .map(|v| serde_json::json!({"name": v.name, "type": v.kind, "default": v.default, "description": v.description}))
            .collect();
        let out = serde_json::json!({"role": role.name, "from": where_from, "phases": role.phase_names(), "variables": variables});
        println!("{}", serde_json::to_string_pretty(&out).expect("json"));
    } else {
        println!("role `{}` ({where_from})", role.name);
        println!("phases: {}", role.phase_names().join(", "));
        println!();
        let rows: Vec<Vec<String>> = variables(&role)
            .into_iter()
            .map(|v| vec![v.name, v.kind, compact(&v.default), v.description])
            .collect();
        print!("{}", crate::report::table(&["VARIABLE", "TYPE", "DEFAULT", "DESCRIPTION"], &rows));
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// One declared variable as `roles show` and `inventory list --pair` describe it.
pub struct Variable {
    pub name: String,
    pub kind: String,
    pub default: serde_json::Value,
    pub description: String,
}

fn variables(role: &crate::role::Role) -> Vec<Variable> {
    role.var_specs
        .iter()
        .map(|(name, spec)| Variable {
            name: name.clone(),
            kind: spec.type_name(),
            default: role.defaults.get(name).cloned().unwrap_or_default(),
            description: spec.description.clone().unwrap_or_default(),
        })
        .collect()
}

/// The declared variables as a Markdown table, one row each (docs/roles.md's "Role variables").
pub fn variables_markdown(role: &crate::role::Role) -> String {
    let cell = |text: &str| text.replace('|', "\\|");
    let mut out = String::from("| variable | type | default | description |\n|---|---|---|---|\n");
    for v in variables(role) {
        out.push_str(&format!(
            "| `{}` | {} | `{}` | {} |\n",
            v.name,
            cell(&v.kind),
            cell(&compact(&v.default)),
            cell(&v.description)
        ));
    }
    out
}

fn compact(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) if s.is_empty() => "\"\"".into(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) if items.len() > 3 => format!("[{} items]", items.len()),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    /// docs/roles.md's table of role variables is what `roles show --markdown` prints for the
    /// built-in role: a variable added, retyped or redescribed in role.yml fails here until the
    /// page says so too.
    #[test]
    fn docs_roles_lists_the_variables_the_role_declares() {
        let role = crate::role::load_from(crate::role::files::RoleFiles::Builtin {
            name: "bluemind",
            files: crate::role::files::BUILTIN_BLUEMIND,
        })
        .unwrap();
        let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/roles.md")).unwrap();
        let table = super::variables_markdown(&role);
        assert!(
            page.contains(&table),
            "docs/roles.md's \"Role variables\" table is out of date: replace it with `bmfleet roles show --markdown`:\n{table}"
        );
    }
}
