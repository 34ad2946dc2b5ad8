{#- bmf_dump_check DIR DB: the dump DIR/DB.dir is, file for file, the one the origin summed in
    DIR/DB.sha256: every file of the manifest there with its sha256, no file the manifest does not
    name, and a table of contents pg_restore reads. Prints why not and returns 1.
    The manifest and the dump come from the origin: they are data. The manifest names only
    files of a pg_dump directory archive (toc.dat, DUMPID.dat, blobs.toc and blob_OID.dat;
    blobs_N.toc from PostgreSQL 17), never a path: `../` in a name once made sha256sum, and
    then pg_restore, read a root-only file of the target. Every entry of the dump is a regular
    file (no link to read through, no directory). pg_restore opens the files its table of
    contents names, relative to the dump (pg_backup_directory.c, setFilePath: DIR/NAME), so a
    table of contents holding `../` anywhere is refused too: its names cannot be listed
    without parsing it, and no file name of a directory archive holds `../`. A wrong line is
    named by its number, never echoed. -#}
bmf_dump_check() {
  local dir=$1 db=$2 f line listed present
  f=$dir/$db.sha256
  { [ -f "$f" ] && [ ! -L "$f" ] && [ -s "$f" ]; } ||
    { echo "the dump of $db came without its manifest of sha256s (or it is not a regular file)" >&2; return 1; }
  { [ -d "$dir/$db.dir" ] && [ ! -L "$dir/$db.dir" ]; } || { echo "no dump of $db staged" >&2; return 1; }
  line=$(LC_ALL=C grep -nvE '^[0-9a-f]{64}  (toc\.dat|[0-9]+\.dat|blobs(_[0-9]+)?\.toc|blob_[0-9]+\.dat)$' -- "$f" | head -n 1 | cut -d: -f1)
  [ -z "$line" ] ||
    { echo "line $line of the origin's manifest of $db is not a sha256 and the name of a file of a pg_dump directory archive: refusing the dump" >&2; return 1; }
  [ -z "$(cut -c67- -- "$f" | LC_ALL=C sort | uniq -d | head -n 1)" ] ||
    { echo "the origin's manifest of $db names a file twice: refusing the dump" >&2; return 1; }
  [ -z "$(find "$dir/$db.dir" -mindepth 1 ! -type f -printf . -quit)" ] ||
    { echo "the dump of $db holds something else than regular files (a link, a directory, a device): refusing it" >&2; return 1; }
  ( cd "$dir/$db.dir" && sha256sum --quiet --strict -c -- "../$db.sha256" ) ||
    { echo "the dump of $db is not the origin's (a file missing, truncated or changed: sha256 differs)" >&2; return 1; }
  listed=$(wc -l <"$f")
  present=$(find "$dir/$db.dir" -mindepth 1 -printf . | wc -c)
  [ "$listed" = "$present" ] ||
    { echo "the dump of $db holds $present entries, the origin's manifest $listed: refusing it" >&2; return 1; }
  grep -q '  toc\.dat$' -- "$f" ||
    { echo "the dump of $db has no table of contents (toc.dat)" >&2; return 1; }
  if LC_ALL=C grep -qF -- '../' "$dir/$db.dir/toc.dat"; then
    echo "the table of contents of the dump of $db holds '../' (pg_restore would read a file outside the dump): refusing it" >&2
    return 1
  fi
  for f in "$dir/$db.dir"/blobs*.toc; do
    [ -e "$f" ] || continue
    line=$(LC_ALL=C grep -nvE '^[0-9]+ blob_[0-9]+\.dat$' -- "$f" | head -n 1 | cut -d: -f1)
    [ -z "$line" ] ||
      { echo "line $line of the large objects' table of contents of the dump of $db does not name a blob_OID.dat: refusing it" >&2; return 1; }
  done
}
