{#- bmf_dump_check DIR DB: the dump DIR/DB.dir is, file for file, the one the origin summed in
    DIR/DB.sha256: every file of the manifest there with its sha256, no file the manifest does not
    name, and a table of contents pg_restore reads. Prints why not and returns 1. -#}
bmf_dump_check() {
  local dir=$1 db=$2 listed present
  [ -s "$dir/$db.sha256" ] || { echo "the dump of $db came without its manifest of sha256s" >&2; return 1; }
  [ -d "$dir/$db.dir" ] || { echo "no dump of $db staged" >&2; return 1; }
  ( cd "$dir/$db.dir" && sha256sum --quiet --strict -c -- "../$db.sha256" ) ||
    { echo "the dump of $db is not the origin's (a file missing, truncated or changed: sha256 differs)" >&2; return 1; }
  listed=$(wc -l <"$dir/$db.sha256")
  present=$(find "$dir/$db.dir" -mindepth 1 | wc -l)
  [ "$listed" = "$present" ] ||
    { echo "the dump of $db holds $present entries, the origin's manifest $listed: refusing it" >&2; return 1; }
  grep -q '  toc\.dat$' -- "$dir/$db.sha256" ||
    { echo "the dump of $db has no table of contents (toc.dat)" >&2; return 1; }
}
