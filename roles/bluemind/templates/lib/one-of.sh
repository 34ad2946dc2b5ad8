{#- Fail closed on an enumerated value (role.yml `type: enum`): a template that branches on one
    first says which values it handles, before it changes anything, so a value that slipped past
    the plan's checks (a hand-edited plan, a role default changed without its templates) can never
    fall to a default branch that powers off, deletes or skips. Usage, as the template's first
    command: bmf_one_of NAME VALUE HANDLED... -#}
bmf_one_of() {
  local name=$1 value=$2 v
  shift 2
  for v; do [ "$value" = "$v" ] && return 0; done
  # shellcheck disable=SC2016 # the backquotes are printed, not a command substitution
  printf 'bmfleet: %s is `%s`, which this step does not handle (it handles: %s); nothing was done\n' "$name" "$value" "$*" >&2
  exit 2
}
