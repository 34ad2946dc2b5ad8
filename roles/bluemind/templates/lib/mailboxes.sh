{#- bmf_mailboxes: the mailbox-level state of this stopped host, what a mail client sees, one line
    per mailbox, sorted (LC_ALL=C):
      mailbox MESSAGES UIDVALIDITY UIDNEXT KEY
    (KEY last: it may hold spaces), and one line saying how it was read:
      method cyrus-index VERSIONS        4.x, Cyrus: the cyrus.index header of every mailbox
      method bj-data                     5.x: t_mailbox_replica / t_mailbox_record
      method none REASON                 5.x without those tables: nothing per mailbox to read
    Anything unreadable is an error (exit 1, naming the file), never an empty or equal list.

    BlueMind 4.x ships its own Cyrus build, bm-cyrus-imapd 3.0.13 (packaging/bm-cyrus/debian/
    control: `bm-cyrus-imapd (= 3.0.13-bluemind3xx)`, 2020-2022, in BlueMind's source, GitHub
    mirror mdhender/bluemindfork). Its layout, all written by BlueMind's core:
    - /etc/imapd.conf, with one partition per domain in /etc/cyrus-partitions
      (parent/mailbackend/net.bluemind.backend.cyrus/src/net/bluemind/backend/cyrus/internal/files/
      CyrusPartitions.java: `partition-NAME:/var/spool/cyrus/data/NAME`,
      `metapartition-NAME:/var/spool/cyrus/meta/NAME`, `archivepartition-NAME:/var/spool/bm-hsm/
      cyrus-archives/NAME`; NAME = serverUid__domainUid with dots as `_`, CyrusPartition.java).
      The imapd.conf itself ships with bm-cyrus-imapd, whose source is not in that tree: it must
      `@include` the partitions file, which is followed here (one level), or list them itself.
    - messages `<uid>.` under the data partition, cyrus.* files (index, header, cache) under the
      meta partition, both as domain/<d>/<domain>/<l>/user/<login with . as ^>/<folder>
      (hashimapspool with its one-letter hash, virtdomains userid, unixhierarchysep:
      CyrusFileSystemPathHelper.java; scripts/cyrus/backupSplitMetaData.sh moves every cyrus.*
      file to meta/; net.bluemind.backend.cyrus.integrity.check/scripts/spool_tree.sh walks meta/).
    - its tools in /usr/sbin (CyrusMailboxesStorage.java runs /usr/sbin/reconstruct and
      /usr/sbin/quota; Debian's cyrus-common has them in /usr/lib/cyrus/bin).

    Why the index header and not `mbexamine`: Cyrus's tools address mailboxes by name through
    mailboxes.db (`ctl_mboxlist -d`, whose dump format changed between 3.0 and 3.6 to JSON) and
    mbexamine prints every message of a mailbox; the three values compared here are fields of
    the cyrus.index header, which both sides read the same way whatever the tools' versions.
    The header is read as BlueMind's own code reads it (parent/mailbackend/
    net.bluemind.backend.cyrus.index/src/net/bluemind/backend/cyrus/index/CyrusIndexHeader.java,
    big-endian 32-bit words): minor version at byte 8, start offset 12, record size 16, number of
    records 20, last UID 28, UIDVALIDITY 44, exists (messages) 84; header size 128 for versions
    12-13 (Cyrus 2.4, 3.0: BlueMind 4.x), 160 from 14 (Cyrus 3.2 is 16, 3.4-3.6 is 17, checked
    against Debian's cyrus-imapd 3.6 `mbexamine`). A header is trusted only when the file's size
    is exactly start offset + records x record size, exists <= records, last UID >= exists and
    UIDVALIDITY > 0 (else the index is unreadable: an error). UIDNEXT = last UID + 1 (Cyrus's own definition).

    BlueMind 5.x has no Cyrus (FEATBL-1831): the core serves IMAP from bj-data, one
    t_mailbox_replica row per folder (uid_validity, last_uid, unique_id) and one t_mailbox_record
    row per message in the container `mbox_records_<unique_id>` (parent/mailbackend/
    net.bluemind.backend.mail.replica.sqlschema/sql/mailreplica-schema-1.0.0.sql; container uid:
    AuditLogDbMailboxRecordsServiceLogTests.java), bodies under by_hash (spool files, compared
    by the verification's spool counts). -#}
{% include "templates/lib/bm-ini.sh" %}
{% include "templates/lib/bm-version.sh" %}
bmf_imapd_conf=/etc/imapd.conf
bmf_mailbox_roots() {
  # "NAME ROOT" for every directory that may hold a partition's cyrus.index files: its data
  # partition, and its meta partition when there is one. Cyrus puts the index on the meta
  # partition only when metapartition_files names `index` (its default is empty), BlueMind's
  # meta/ holds every cyrus.* file (backupSplitMetaData.sh), and the imapd.conf that says so is
  # not in BlueMind's tree: both are searched, and one mailbox with an index in both is an error.
  # Values are checked, never evaluated.
  local conf=$bmf_imapd_conf inc
  inc=$(sed -n 's/^@include:[[:space:]]*//p' "$conf" | sed 's/[[:space:]]*$//')
  case "$inc" in *$'\n'*) echo "$conf: more than one @include (not a BlueMind layout)" >&2; return 1 ;; esac
  if [ -n "$inc" ]; then
    case "$inc" in /* ) ;; *) echo "$conf: @include of a relative path: $inc" >&2; return 1 ;; esac
    [ -r "$inc" ] || { echo "$conf includes $inc, which cannot be read" >&2; return 1; }
  fi
  cat -- "$conf" ${inc:+"$inc"} | awk -v conf="$conf" '
    /^[[:space:]]*#/ { next }
    { line = $0; sub(/\r$/, "", line) }
    match(line, /^(meta)?partition-[^:[:space:]]+[[:space:]]*:/) {
      key = substr(line, 1, RLENGTH - 1); sub(/[[:space:]]+$/, "", key)
      val = substr(line, RLENGTH + 1); gsub(/^[[:space:]]+|[[:space:]]+$/, "", val)
      name = key; sub(/^(meta)?partition-/, "", name)
      if (name !~ /^[A-Za-z0-9_.-]+$/) { printf "%s: partition name %s: not letters, digits, _ . -\n", conf, name > "/dev/stderr"; bad = 1; next }
      if (val !~ /^\/[A-Za-z0-9_.\/-]*$/ || val ~ /(^|\/)\.\.(\/|$)/) { printf "%s: %s: not a plain absolute path: %s\n", conf, key, val > "/dev/stderr"; bad = 1; next }
      if (key ~ /^meta/) meta[name] = val; else data[name] = val
      next
    }
    END {
      if (bad) exit 1
      for (name in data) { n++; print name, data[name]; if (name in meta) print name, meta[name] }
      if (!n) { printf "%s: no partition-NAME line: cannot find the mailboxes\n", conf > "/dev/stderr"; exit 1 }
    }'
}
bmf_cyrus_headers() {
  # For every cyrus.index under ROOT: "KEY<TAB>SIZE<TAB>first 88 bytes as numbers"; KEY is
  # NAME:relative directory, tabs and newlines in names as '?'. od, as coreutils has it
  # everywhere (no --endian, absent before 8.23): the bytes are combined in awk.
  local name=$1 root=$2 f rel size bytes
  # A partition whose directory is not there yet holds no mailbox (a domain without mail);
  # its mailboxes, if the other host has some, show as absent here.
  if [ ! -d "$root" ]; then
    [ ! -e "$root" ] || { echo "partition $name: $root is not a directory" >&2; return 1; }
    echo "note: partition $name: no $root on this host" >&2
    return 0
  fi
  # One od per mailbox and nothing else forked: find gives the sizes.
  while IFS= read -r -d '' size && IFS= read -r -d '' f; do
    rel=${f#"$root"/}
    rel=${rel%/cyrus.index}
    [ "$rel" != cyrus.index ] || rel=.
    bytes=$(od -An -v -tu1 -N 88 -- "$f") || { echo "cannot read $f" >&2; return 1; }
    rel=${rel//[$'\t\n']/?}
    bytes=${bytes//$'\n'/ }
    printf '%s\t%s\t%s\t%s\n' "$name:$rel" "$size" "$bytes" "${f//[$'\t\n']/?}"
  done < <(find "$root" -name cyrus.index -type f -printf '%s\0%p\0')
}
bmf_cyrus_mailboxes() {
  local roots name root
  [ -r "$bmf_imapd_conf" ] || { echo "$bmf_imapd_conf cannot be read" >&2; return 1; }
  roots=$(bmf_mailbox_roots) || return 1
  # Messages but not one index: the layout is not understood, never "0 mailboxes, equal".
  local indexes=
  while read -r name root; do
    [ -d "$root" ] || continue
    [ -z "$(find "$root" -name cyrus.index -type f -print -quit)" ] || { indexes=1; break; }
  done <<<"$roots"
  if [ -z "$indexes" ]; then
    while read -r name root; do
      [ -d "$root" ] || continue
      if [ -n "$(find "$root" -name '[0-9]*.' -type f -print -quit)" ]; then
        echo "partition $name: messages under $root but no cyrus.index in any partition of $bmf_imapd_conf: the mailboxes cannot be read" >&2
        return 1
      fi
    done <<<"$roots"
  fi
  while read -r name root; do
    bmf_cyrus_headers "$name" "$root" || return 1
  done <<<"$roots" | awk -F '\t' '
    function word(i) { return ((b[4*i+1] * 256 + b[4*i+2]) * 256 + b[4*i+3]) * 256 + b[4*i+4] }
    function bad(why) { printf "unreadable Cyrus index %s: %s\n", path, why > "/dev/stderr"; errors++ }
    {
      key = $1; size = $2; path = $4
      if (key in seen) { bad("a second index of " key " (also " seen[key] ")"); next }
      seen[key] = path
      n = split($3, b, " ")
      if (size !~ /^[0-9]+$/) { bad("no size"); next }
      if (n < 88) { bad(size " bytes, shorter than any index header"); next }
      for (i = 1; i <= 88; i++) if (b[i] !~ /^[0-9]+$/) { bad("not od output"); next }
      version = word(2); start = word(3); recsize = word(4); records = word(5)
      lastuid = word(7); uidvalidity = word(11); exists = word(21)
      if (version < 12 || version > 17) { bad("index version " version ", not one of Cyrus 2.4 to 3.8 (12 to 17)"); next }
      if (start != (version <= 13 ? 128 : 160)) { bad("header size " start " for version " version); next }
      if (recsize < 64 || recsize > 1024) { bad("record size " recsize); next }
      if (size != start + records * recsize) { bad(size " bytes, not " start " + " records " records x " recsize); next }
      if (exists > records || lastuid < exists) { bad(exists " messages, " records " records, last UID " lastuid); next }
      if (uidvalidity == 0) { bad("UIDVALIDITY 0"); next }
      versions[version] = 1
      printf "mailbox %.0f %.0f %.0f %s\n", exists, uidvalidity, lastuid + 1, key
    }
    END {
      if (errors) { printf "%d Cyrus index(es) unreadable: the mailboxes cannot be compared\n", errors > "/dev/stderr"; exit 1 }
      v = ""; for (k in versions) v = v (v == "" ? "" : ",") k
      printf "method cyrus-index %s\n", (v == "" ? "-" : v)
    }' | LC_ALL=C sort
  local rc=("${PIPESTATUS[@]}")
  [ "${rc[0]}" = 0 ] && [ "${rc[1]}" = 0 ]
}
bmf_replica_mailboxes() {
  # 5.x: per folder, from the database that holds t_mailbox_replica (bj-data).
  local db
  for db in {{ databases | shell_words }}; do
    case $(bm_pg -d "$db" -At -c "SELECT to_regclass('public.t_mailbox_replica') IS NOT NULL AND to_regclass('public.t_mailbox_record') IS NOT NULL") in
      t) ;;
      f) continue ;;
      *) echo "cannot read database $db" >&2; return 1 ;;
    esac
    echo "method bj-data"
    bm_pg -d "$db" -At -F ' ' -c "
      SELECT 'mailbox', count(m.item_id), r.uid_validity, r.last_uid + 1, r.unique_id
      FROM t_mailbox_replica r
      LEFT JOIN t_container c ON c.uid = 'mbox_records_' || r.unique_id
      LEFT JOIN t_mailbox_record m ON m.container_id = c.id
      GROUP BY r.unique_id, r.uid_validity, r.last_uid" || return 1
  done | awk '
    $1 == "method" { print; next }
    NF != 5 || $2 !~ /^[0-9]+$/ || $3 !~ /^[0-9]+$/ || $4 !~ /^[0-9]+$/ || $5 !~ /^[A-Za-z0-9_.:-]+$/ {
      printf "unexpected t_mailbox_replica row: %s\n", $0 > "/dev/stderr"; errors++; next }
    { print }
    END { exit errors ? 1 : 0 }' | LC_ALL=C sort
  local rc=("${PIPESTATUS[@]}")
  [ "${rc[0]}" = 0 ] && [ "${rc[1]}" = 0 ]
}
bmf_mailboxes() {
  # The version decides how the mailboxes are read (lib/bm-version.sh), not the presence of
  # imapd.conf: a 5.x server upgraded from 4.x keeps it (removeCyrus() leaves it), and its
  # cyrus.index files describe mail the 4.x -> 5.x upgrade moved into bj-data.
  local layout out
  layout=$(bmf_bm_layout '') || return 1  # '': this host's bm-core
  case "$layout" in
    cyrus)
      bmf_cyrus_mailboxes
      return ;;
    core) ;;
    *) echo "unexpected layout: $layout" >&2; return 1 ;;
  esac
  [ ! -e "$bmf_imapd_conf" ] ||
    echo "note: $bmf_imapd_conf is left from before BlueMind 5 (packaging/bm-conf/debian/postinst removeCyrus() leaves it): not read, BlueMind $(bmf_bm_version) serves the mail from bj-data" >&2
  out=$(bmf_replica_mailboxes) || return 1
  if [ -z "$out" ]; then
    echo "method none BlueMind $(bmf_bm_version) has no Cyrus and no t_mailbox_replica in" {{ databases | shell_words }}
  else
    printf '%s\n' "$out"
  fi
}
