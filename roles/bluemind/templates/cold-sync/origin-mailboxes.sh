{#- The stopped origin's mailboxes, read once its final rsync is over (after: final rsync): a
    mail that reached the origin after the rsync read its spool shows here and not on the
    target, and the target's check fails the pair before cutover. Kept on the origin for the
    target to pull (data never travels through the controller). -#}
{% include "templates/lib/mailboxes.sh" %}
{% include "templates/lib/private-dir.sh" %}
umask 077
bmf_private_dir {{ work_dir }} || exit 1
dir={{ work_dir }}/mailcheck
mkdir -p -- "$dir"
bmf_mailboxes >"$dir/origin-mailboxes.txt.partial" || { echo "the stopped origin's mailboxes cannot be read: the pair stops before cutover" >&2; exit 1; }
mv -f -- "$dir/origin-mailboxes.txt.partial" "$dir/origin-mailboxes.txt"
awk '$1 == "mailbox" { m++; n += $2 } $1 == "method" { kind = $2; sub(/^method [^ ]+ ?/, ""); how = $0 }
  END {
    if (kind == "none") printf "no mailbox-level state on the stopped origin: %s\n", how
    else printf "%d messages in %d mailboxes on the stopped origin (%s %s)\n", n, m, kind, how
  }' "$dir/origin-mailboxes.txt"
