{#- Calling the BlueMind core's REST API on the host itself, with the admin token read from
    bm-core.tok. The token goes to curl through a private header file, never through argv.
    Paths: an interface's @Path under /api, or /internal-api for @BMApi(internal = true)
    (BlueMind: parent/core/net.bluemind.core.rest/src/net/bluemind/core/rest/internal/
    RestServiceApiDescriptionParser.java). -#}
{% include "templates/lib/bm-version.sh" %}
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
  # Run an API call that answers a TaskRef, and wait for the task to end: GET /api/tasks/{id}
  # answers a TaskStatus whose state is NotStarted, InProgress, InError or Success (BlueMind:
  # parent/core/net.bluemind.core.task.api/src/net/bluemind/core/task/api/ITask.java, TaskStatus.java).
  # The task's id stays in bm_task_id, for bm_task_logs.
  bm_task_id=
  ref=$(bm_api "$@") || return $?
  id=$(printf '%s' "$ref" | sed -n 's/.*"id"[[:space:]]*:[[:space:]]*"\{0,1\}\([^",}]*\).*/\1/p')
  [ -n "$id" ] || { echo "no task in the answer: $ref" >&2; return 1; }
  # shellcheck disable=SC2034 # read by the steps that read the task's log (bm_task_logs)
  bm_task_id=$id
  for _ in $(seq 1 120); do
    state=$(bm_api GET "/api/tasks/$id") || return $?
    case "$state" in
      *'"state"'*'"Success"'*) echo "task $id: $state"; return 0 ;;
      *'"state"'*'"InError"'*) echo "task $id failed: $state" >&2; return 4 ;;
      *) sleep 1 ;;
    esac
  done
  echo "task $id did not finish in 120 s" >&2
  return 1
}
# shellcheck disable=SC2317 # a library function: not every step that includes it calls it
bm_task_logs() {
  # bm_task_logs ID: the task's log lines, GET /api/tasks/{id}/_currentLogs (ITask.java
  # getCurrentLogs, a JSON list of strings), one a line. A task's end state does not say what
  # its log does: RulesUpdater.java logs "Host X failed updated" in a task that ends in Success.
  bm_api GET "/api/tasks/$1/_currentLogs" | python3 -c 'import json, sys
for line in json.load(sys.stdin) or []:
    print(line)'
}
# shellcheck disable=SC2317 # a library function: not every step that includes it calls it
bm_core_state() {
  # The core's state, GET /api/system/installation/state (IInstallation.java, SystemState.java),
  # asked without a key: the core serves it to anyone, and a key it does not know (a token file
  # from before its start) gets 403, as any request does (RestRootHandler.java getSecurityContext,
  # HttpStatusCode.java PERMISSION_DENIED -> 403).
  command -v curl >/dev/null || return 127
  curl -fsS --max-time 10 -- {{ core_url }}/api/system/installation/state | tr -d '"[:space:]'
}
# shellcheck disable=SC2317 # a library function: not every step that includes it calls it
bm_sysconf_get() {
  # bm_sysconf_get KEY: one value of the system configuration. GET /api/configuration answers a
  # SystemConf {"values": {...}} (BlueMind: parent/system/net.bluemind.system.api/src/net/bluemind/
  # system/api/ISystemConfiguration.java, SystemConf.java). There is no `bm-cli sysconf get`.
  conf=$(bm_api GET /api/configuration) || return $?
  if command -v python3 >/dev/null; then
    printf '%s' "$conf" | python3 -c 'import json, sys; v = json.load(sys.stdin)["values"].get(sys.argv[1]); print("" if v is None else v)' "$1"
  else
    printf '%s' "$conf" | sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p"
  fi
}
# shellcheck disable=SC2317 # a library function: not every step that includes it calls it
bm_version_at_least() {
  # bm_version_at_least MAJOR MINOR: is the installed bm-core at least that version? A Debian
  # epoch ("1:5.3.2") is not part of the BlueMind version (lib/bm-version.sh reads it).
  v=$(bmf_bm_version 2>/dev/null)
  major=${v%%.*}; rest=${v#*.}; minor=${rest%%.*}
  case "$major$minor" in *[!0-9]*|'') major=0; minor=0 ;; esac
  [ "$major" -gt "$1" ] || { [ "$major" -eq "$1" ] && [ "$minor" -ge "$2" ]; }
}
manual() {
  # An action bmfleet could not automate on this host: the operator gets it in the summary.
  echo "BMFLEET-MANUAL: $*"
  exit 3
}
