{#- Wait until the BlueMind core answers HTTP on the target (it takes a while to start). -#}
deadline=$(( $(date +%s) + {{ core_start_timeout_secs }} ))
until curl -s -o /dev/null --max-time 5 -- {{ core_url }}/api/system/installation/version; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "the BlueMind core did not answer within {{ core_start_timeout_secs }} s" >&2; exit 1; }
  sleep 2
done
echo "the BlueMind core answers"
