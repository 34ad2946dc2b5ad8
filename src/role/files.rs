//! Where a role's files come from: a directory, or the copy of `roles/bluemind` built into the
//! binary, so an installed `bmfleet` migrates BlueMind with no checkout at hand.

use std::path::{Path, PathBuf};

/// The files of `roles/bluemind`, relative to it, found by `build.rs` (every file under it).
pub const BUILTIN_BLUEMIND: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_bluemind.rs"));

#[derive(Debug, Clone)]
pub enum RoleFiles {
    Dir(PathBuf),
    Builtin { name: &'static str, files: &'static [(&'static str, &'static str)] },
}

impl RoleFiles {
    /// The path shown in messages for a file of the role.
    pub fn display_path(&self, rel: &str) -> PathBuf {
        match self {
            RoleFiles::Dir(dir) => dir.join(rel),
            RoleFiles::Builtin { name, .. } => Path::new("<built-in>/roles").join(name).join(rel),
        }
    }

    pub fn read(&self, rel: &str) -> std::io::Result<String> {
        match self {
            RoleFiles::Dir(dir) => std::fs::read_to_string(dir.join(rel)),
            RoleFiles::Builtin { files, .. } => {
                files.iter().find(|(path, _)| *path == rel).map(|(_, text)| text.to_string()).ok_or_else(
                    || std::io::Error::new(std::io::ErrorKind::NotFound, "not in the built-in role"),
                )
            }
        }
    }

    /// Every file under `templates/`, relative to the role, sorted.
    pub fn templates(&self) -> Vec<String> {
        let mut found = Vec::new();
        match self {
            RoleFiles::Dir(dir) => {
                let mut pending = vec![dir.join("templates")];
                while let Some(d) = pending.pop() {
                    let Ok(entries) = std::fs::read_dir(&d) else { continue };
                    for entry in entries.flatten() {
                        let path = entry.path();
                        if path.is_dir() {
                            pending.push(path);
                        } else if let Ok(rel) = path.strip_prefix(dir) {
                            found.push(rel.to_string_lossy().into_owned());
                        }
                    }
                }
            }
            RoleFiles::Builtin { files, .. } => {
                found
                    .extend(files.iter().map(|(p, _)| p.to_string()).filter(|p| p.starts_with("templates/")));
            }
        }
        found.sort();
        found
    }

    pub fn dir_name(&self) -> String {
        match self {
            RoleFiles::Dir(dir) => {
                dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "role".into())
            }
            RoleFiles::Builtin { name, .. } => name.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_role_lists_every_file_of_roles_bluemind() {
        let dir = RoleFiles::Dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("roles/bluemind"));
        let mut on_disk = dir.templates();
        on_disk.push("role.yml".into());
        on_disk.sort();
        let mut built_in: Vec<String> = BUILTIN_BLUEMIND.iter().map(|(p, _)| p.to_string()).collect();
        built_in.sort();
        assert_eq!(built_in, on_disk, "build.rs embeds every file of roles/bluemind");
    }
}
