{#- Report how owners map from the origin to the target. rsync maps owners by name (the procedure's
    rsync -avH; bmfleet does not use --numeric-ids), so differing ids are fine; an account the
    target lacks is not (its files would fall back to the numeric id). -#}
origin_ids={{ origin_accounts }}
target_ids={{ target_accounts }}
report=$(printf '%s\n' "$origin_ids" | while read -r kind name oid; do
  tid=$(printf '%s\n' "$target_ids" | awk -v k="$kind" -v n="$name" '$1 == k && $2 == n {print $3}')
  if [ "$oid" = - ]; then
    echo "$kind $name: absent on the origin"
  elif [ "${tid:--}" = - ]; then
    echo "$kind $name: origin $oid, ABSENT on the target"
  elif [ "$oid" = "$tid" ]; then
    echo "$kind $name: $oid on both"
  else
    echo "$kind $name: origin $oid -> target $tid (files are mapped by name)"
  fi
done)
printf '%s\n' "$report"
case "$report" in *"ABSENT on the target"*) echo "install BlueMind's packages on the target first: an account the origin has is missing" >&2; exit 1 ;; esac
