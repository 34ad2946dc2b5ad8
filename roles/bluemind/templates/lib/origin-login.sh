{#- The login PostgreSQL's own processes on the target use toward the origin's cluster (a
    standby's WAL receiver, physical/standby.sh; a subscription's workers, logical/subscribe.sh):
    bm.ini's user and password on the origin, read through the read-only migration trust
    (lib/origin-ssh.sh) into a private directory, then written as a password file of the
    postgres account (mode 600, in a directory of that account), which those processes read
    while they connect. The password never reaches a command line nor the output.
    bmf_origin_login PASSFILE: sets bmf_origin_user. -#}
bmf_origin_login() {
  local pass=$1 priv={{ work_dir }}/origin-login ini={{ bm_ini }} password
  bmf_private_dir {{ work_dir }} || return 1
  rm -rf -- "$priv" && (umask 077 && mkdir -p -- "$priv") || return 1
  if ! rsync -a -e "$bmfleet_origin_ssh" -- "$bmfleet_origin:$ini" "$priv/bm.ini"; then
    rm -rf -- "$priv"
    echo "cannot read the origin's bm.ini" >&2
    return 1
  fi
  bmf_ini() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$priv/bm.ini" | tail -n 1 | sed "s/^[\"']//; s/[\"'][[:space:]]*\$//; s/[[:space:]]*\$//"; }
  bmf_origin_user=$(bmf_ini user)
  password=$(bmf_ini password)
  rm -rf -- "$priv"
  [[ $bmf_origin_user =~ ^[A-Za-z_][A-Za-z0-9_-]*$ ]] || { echo "unusable database user in the origin's bm.ini" >&2; return 1; }
  [ -n "$password" ] || { echo "no password in the origin's bm.ini" >&2; return 1; }
  password=${password//\\/\\\\}
  password=${password//:/\\:}
  rm -f -- "$pass"
  # (Files in the postgres account's directories are written as postgres: root following a link
  # that account left there would write anywhere. printf is a builtin: no command line shows it.)
  # shellcheck disable=SC2016 # $1 is the inner sh's argument
  printf '*:*:*:%s:%s\n' "$bmf_origin_user" "$password" | (cd / && runuser -u postgres -- sh -c 'umask 077 && set -C && cat >"$1"' sh "$pass") ||
    { echo "cannot write $pass" >&2; return 1; }
}
