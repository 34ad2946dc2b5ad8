{#- Stop the origin for good: it must never serve again once the target has its data. Besides
    BlueMind and postfix, its PostgreSQL and bm-nginx stop and are disabled: both are outside
    bluemind.target and stay up after `bmctl stop` (DOMAIN.md "Services"), so a target started
    with a copied bm.ini, or a client, could still reach the old data. The origin's record moves
    to `retired`: it is never a sync source again, whatever a controller or journal says. -#}
{% include "templates/lib/one-of.sh" %}
# Before the origin stops for good: the cutover must be one a later step carries out.
bmf_one_of cutover_mode {{ cutover_mode }} none ip netplan ifupdown keep-address
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/services.sh" %}
bmf_state_guard origin cutover
# Its guard passed: the pair is past its point of no return from here (bmfleet reads this line
# from a `point_of_no_return` step only, src/exec/rollback.rs; refused above, it rolls back).
echo BMFLEET-POINT-OF-NO-RETURN
# postfix first, BlueMind last (the mirror of post/start-target.sh): postfix hands mail to BlueMind
# (LMTP), so once BlueMind is stopped, whatever postfix still accepts stays in the origin's postfix
# queue, which is not migrated (the mail campaign test, tests/fleet_mail.rs, lost such mail).
bm_postfix stop
bmctl stop
bmf_stop_for_good() {
  # bmf_stop_for_good NAME [UNIT]: stop it (absent: fine; stopped already: fine, so a second run
  # finishes what a first one cut short) and keep it from starting at the next boot.
  local rc=0
  bmf_service stop "$@" || rc=$?
  case $rc in
    0) echo "$1 stopped" ;;
    5) echo "$1: not installed" ;;
    *) echo "cannot stop $1 (exit $rc)" >&2; return 1 ;;
  esac
  bmf_service_disable "$@"
}
bmf_stop_for_good bm-nginx
bmf_stop_for_good postgresql
bmf_service_disable postfix postfix.service
if bmf_systemd; then systemctl disable bluemind.target >/dev/null 2>&1 || true; fi
bmf_state_set stage=retired
echo "BlueMind, postfix, bm-nginx and PostgreSQL stopped on the origin for good: retired"
