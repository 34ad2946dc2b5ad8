{#- Calling the BlueMind core's REST API on the host itself, with the admin token read from
    bm-core.tok. The token goes to curl through a private header file, never through argv. -#}
bm_api() {
  # bm_api METHOD PATH [JSON-BODY]; prints the response body.
  token_file={{ bm_token_file }}
  [ -r "$token_file" ] && command -v curl >/dev/null || return 127
  headers=$(mktemp)
  ( umask 077; printf 'X-BM-ApiKey: %s\nContent-Type: application/json\n' "$(cat -- "$token_file")" >"$headers" )
  if [ $# -ge 3 ]; then
    curl -fsS --max-time 60 -X "$1" -H @"$headers" --data-binary "$3" -- {{ core_url }}"$2"
  else
    curl -fsS --max-time 60 -X "$1" -H @"$headers" -- {{ core_url }}"$2"
  fi
  status=$?
  rm -f -- "$headers"
  return $status
}
bm_api_task() {
  # Run an API call that answers a TaskRef, and wait for the task to end.
  ref=$(bm_api "$@") || return $?
  id=$(printf '%s' "$ref" | sed -n 's/.*"id"[[:space:]]*:[[:space:]]*"\{0,1\}\([^",}]*\).*/\1/p')
  [ -n "$id" ] || { echo "$ref"; return 0; }
  for _ in $(seq 1 120); do
    state=$(bm_api GET "/api/tasks/$id") || return $?
    case "$state" in
      *'"state"'*'"InProgress"'*|*'"state"'*'"NotStarted"'*) sleep 1 ;;
      *'"state"'*'"InError"'*) echo "task $id failed: $state" >&2; return 1 ;;
      *) echo "task $id: $state"; return 0 ;;
    esac
  done
  echo "task $id did not finish in 120 s" >&2
  return 1
}
bm_version_at_least() {
  # bm_version_at_least MAJOR MINOR: is the installed bm-core at least that version?
  v=$(dpkg-query -W -f='${Version}' bm-core 2>/dev/null)
  major=${v%%.*}; rest=${v#*.}; minor=${rest%%.*}
  [ "${major:-0}" -gt "$1" ] || { [ "${major:-0}" -eq "$1" ] && [ "${minor:-0}" -ge "$2" ]; }
}
manual() {
  # An action bmfleet could not automate on this host: the operator gets it in the summary.
  echo "BMFLEET-MANUAL: $*"
  exit 3
}
