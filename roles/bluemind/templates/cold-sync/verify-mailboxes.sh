{#- The mailbox-level check before the point of no return (issue #14): on the two stopped
    hosts, every mailbox's message count, UIDVALIDITY and UIDNEXT must be the origin's (what a
    mail client compares: a different UIDVALIDITY makes it download everything again, a lower
    UIDNEXT loses or reuses UIDs). Reports "all N messages in M mailboxes on the target", or the
    mailboxes that differ and fails the pair (the engine then puts the origin back in service).
    How each host is read: templates/lib/mailboxes.sh (4.x: cyrus.index headers; 5.x: no Cyrus,
    bj-data's per-folder rows when present). -#}
{% include "templates/lib/mailboxes.sh" %}
{% include "templates/lib/origin-ssh.sh" %}
umask 077
{% include "templates/lib/private-dir.sh" %}
bmf_private_dir {{ work_dir }} || exit 1
dir={{ work_dir }}/mailcheck
rm -rf -- "$dir"
mkdir -p -- "$dir"
src={{ work_dir }}/mailcheck/origin-mailboxes.txt
{#- The origin's list is data the target's root reads: a regular file and nothing else. Without
    -l (and without --copy-links, which would follow a link on the origin) rsync skips a
    symbolic link instead of making one here that the target's root would read through: the
    origin's list made a link to the target's private host key once printed that key, line by
    line, into the console, the pair's log and the report. #}
rsync -t --no-links --no-devices --no-specials -e "$bmfleet_origin_ssh" -- "$bmfleet_origin:$src" "$dir/origin-mailboxes.txt" ||
  { echo "the origin's mailbox list could not be fetched: the pair stops before cutover" >&2; exit 1; }
{ [ -f "$dir/origin-mailboxes.txt" ] && [ ! -L "$dir/origin-mailboxes.txt" ]; } ||
  { echo "the origin's mailbox list is not a regular file (a link, a device or nothing): refused, the pair stops before cutover" >&2; exit 1; }
bmf_mailboxes >"$dir/target-mailboxes.txt" || { echo "the target's mailboxes cannot be read: the pair stops before cutover" >&2; exit 1; }
# Lines from the origin are data: checked field by field, never evaluated, never echoed whole (a
# wrong line is named by its number); what is shown of them (mailbox names) without control
# characters.
awk '
  function parse(side) {
    gsub(/[[:cntrl:]]/, "?")
    if ($1 == "method") { how[side] = $2; text[side] = $0; sub(/^method [^ ]+ ?/, "", text[side]); return }
    if ($1 != "mailbox" || $2 !~ /^[0-9]+$/ || $3 !~ /^[0-9]+$/ || $4 !~ /^[0-9]+$/ || NF < 5) {
      printf "unexpected line %d of the %s mailbox list\n", FNR, side > "/dev/stderr"; broken = 1; return }
    k = $0; sub(/^mailbox [0-9]+ [0-9]+ [0-9]+ /, "", k)
    v = sprintf("%s messages, UIDVALIDITY %s, UIDNEXT %s", $2, $3, $4)
    if (side == "origin") { o[k] = v; on += $2; om++ } else { t[k] = v; tn += $2; tm++ }
  }
  FNR == NR { parse("origin"); next }
  { parse("target") }
  END {
    if (broken) exit 2
    if (how["origin"] == "" || how["target"] == "") { print "a mailbox list says not how it was read" > "/dev/stderr"; exit 2 }
    if (how["origin"] != how["target"]) {
      printf "the hosts were read differently: origin %s, target %s: not the same mail layout\n", how["origin"], how["target"] > "/dev/stderr"; exit 1 }
    if (how["origin"] == "none") {
      printf "no mailbox-level check: %s (BlueMind 5.x has no Cyrus, FEATBL-1831); the next step verifies the rows of every table and the files and bytes of every spool, message bodies (by_hash) included\n", text["origin"]; exit 0 }
    for (k in o) if (!(k in t)) { d[++nd] = k ": origin " o[k] "; absent on the target" }
      else if (o[k] != t[k]) d[++nd] = k ": origin " o[k] "; target " t[k]
    for (k in t) if (!(k in o)) d[++nd] = k ": absent on the origin; target " t[k]
    if (nd) {
      printf "%d mailbox(es) differ between the stopped origin and the target: the pair stops before cutover\n", nd > "/dev/stderr"
      for (i = 1; i <= nd && i <= 40; i++) print "  " d[i] > "/dev/stderr"
      if (nd > 40) printf "  ... and %d more\n", nd - 40 > "/dev/stderr"
      print "a mail reached the origin after the final rsync, or the copy is incomplete: run `bmfleet cold-sync` again" > "/dev/stderr"
      exit 1
    }
    src = how["origin"] == "bj-data" ? "bj-data t_mailbox_replica and t_mailbox_record (BlueMind 5.x: no Cyrus; bodies in by_hash, verified with the spools)" : "cyrus.index headers, index version " text["origin"]
    printf "all %d messages in %d mailboxes on the target (each mailbox: messages, UIDVALIDITY and UIDNEXT of the stopped origin; read from %s)\n", on, om, src
  }' "$dir/origin-mailboxes.txt" "$dir/target-mailboxes.txt"
