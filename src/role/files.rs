//! Where a role's files come from: a directory, or the copy of `roles/bluemind` built into the
//! binary, so an installed `bmfleet` migrates BlueMind with no checkout at hand.

use std::path::{Path, PathBuf};

/// The files of `roles/bluemind`, relative to it. A unit test checks the list is complete.
pub const BUILTIN_BLUEMIND: &[(&str, &str)] = &[
    ("role.yml", include_str!("../../roles/bluemind/role.yml")),
    (
        "templates/cold-sync/apply-config.sh",
        include_str!("../../roles/bluemind/templates/cold-sync/apply-config.sh"),
    ),
    (
        "templates/cold-sync/db-password.sh",
        include_str!("../../roles/bluemind/templates/cold-sync/db-password.sh"),
    ),
    ("templates/cold-sync/dump.sh", include_str!("../../roles/bluemind/templates/cold-sync/dump.sh")),
    (
        "templates/cold-sync/pull-config.sh",
        include_str!("../../roles/bluemind/templates/cold-sync/pull-config.sh"),
    ),
    (
        "templates/cold-sync/pull-dumps.sh",
        include_str!("../../roles/bluemind/templates/cold-sync/pull-dumps.sh"),
    ),
    ("templates/cold-sync/restore.sh", include_str!("../../roles/bluemind/templates/cold-sync/restore.sh")),
    (
        "templates/cold-sync/save-counts.sh",
        include_str!("../../roles/bluemind/templates/cold-sync/save-counts.sh"),
    ),
    (
        "templates/cold-sync/stop-services.sh",
        include_str!("../../roles/bluemind/templates/cold-sync/stop-services.sh"),
    ),
    (
        "templates/cutover/check-address.sh",
        include_str!("../../roles/bluemind/templates/cutover/check-address.sh"),
    ),
    (
        "templates/cutover/manual-switch.sh",
        include_str!("../../roles/bluemind/templates/cutover/manual-switch.sh"),
    ),
    (
        "templates/cutover/release-address.sh",
        include_str!("../../roles/bluemind/templates/cutover/release-address.sh"),
    ),
    (
        "templates/cutover/stop-origin.sh",
        include_str!("../../roles/bluemind/templates/cutover/stop-origin.sh"),
    ),
    (
        "templates/cutover/take-address.sh",
        include_str!("../../roles/bluemind/templates/cutover/take-address.sh"),
    ),
    (
        "templates/hot-sync/stop-target.sh",
        include_str!("../../roles/bluemind/templates/hot-sync/stop-target.sh"),
    ),
    ("templates/lib/bm-ini.sh", include_str!("../../roles/bluemind/templates/lib/bm-ini.sh")),
    ("templates/lib/core-api.sh", include_str!("../../roles/bluemind/templates/lib/core-api.sh")),
    ("templates/lib/counts.sh", include_str!("../../roles/bluemind/templates/lib/counts.sh")),
    ("templates/lib/origin-master.sh", include_str!("../../roles/bluemind/templates/lib/origin-master.sh")),
    ("templates/lib/origin-ssh.sh", include_str!("../../roles/bluemind/templates/lib/origin-ssh.sh")),
    ("templates/lib/pull-user.sh", include_str!("../../roles/bluemind/templates/lib/pull-user.sh")),
    ("templates/lib/rsync-pull.sh", include_str!("../../roles/bluemind/templates/lib/rsync-pull.sh")),
    ("templates/lib/services.sh", include_str!("../../roles/bluemind/templates/lib/services.sh")),
    (
        "templates/post/compare-counts.sh",
        include_str!("../../roles/bluemind/templates/post/compare-counts.sh"),
    ),
    ("templates/post/firewall.sh", include_str!("../../roles/bluemind/templates/post/firewall.sh")),
    ("templates/post/mynetworks.sh", include_str!("../../roles/bluemind/templates/post/mynetworks.sh")),
    ("templates/post/postfix-maps.sh", include_str!("../../roles/bluemind/templates/post/postfix-maps.sh")),
    ("templates/post/services-up.sh", include_str!("../../roles/bluemind/templates/post/services-up.sh")),
    ("templates/post/start-target.sh", include_str!("../../roles/bluemind/templates/post/start-target.sh")),
    ("templates/post/wait-core.sh", include_str!("../../roles/bluemind/templates/post/wait-core.sh")),
    (
        "templates/preflight/free-space.sh",
        include_str!("../../roles/bluemind/templates/preflight/free-space.sh"),
    ),
    (
        "templates/preflight/reach-origin.sh",
        include_str!("../../roles/bluemind/templates/preflight/reach-origin.sh"),
    ),
    ("templates/preflight/usage.sh", include_str!("../../roles/bluemind/templates/preflight/usage.sh")),
    ("templates/trust/authorize.sh", include_str!("../../roles/bluemind/templates/trust/authorize.sh")),
    ("templates/trust/check.sh", include_str!("../../roles/bluemind/templates/trust/check.sh")),
    ("templates/trust/known-host.sh", include_str!("../../roles/bluemind/templates/trust/known-host.sh")),
    (
        "templates/trust/revoke-origin.sh",
        include_str!("../../roles/bluemind/templates/trust/revoke-origin.sh"),
    ),
    (
        "templates/trust/revoke-target.sh",
        include_str!("../../roles/bluemind/templates/trust/revoke-target.sh"),
    ),
    ("templates/trust/target-key.sh", include_str!("../../roles/bluemind/templates/trust/target-key.sh")),
];

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
        assert_eq!(built_in, on_disk, "add new role files to BUILTIN_BLUEMIND in src/role/files.rs");
    }
}
