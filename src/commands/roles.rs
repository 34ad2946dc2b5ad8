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
