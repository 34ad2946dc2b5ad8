{#- Wait until the BlueMind core answers HTTP on the target (it takes a while to start). -#}
wait_secs={{ core_start_timeout_secs }}
case "$wait_secs" in *[!0-9]*|'') echo "core_start_timeout_secs must be a number of seconds" >&2; exit 2 ;; esac
deadline=$(( $(date +%s) + wait_secs ))
until curl -s -o /dev/null --max-time 5 -- {{ core_url }}/api/system/installation/version; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "the BlueMind core did not answer within $wait_secs s" >&2; exit 1; }
  sleep 2
done
echo "the BlueMind core answers"
