{#- The stopped target's counts (templates/lib/counts.sh), each part as soon as what it counts is
    final, beside the origin's count: `bmf_count_target rows` once the databases are (restore or
    promotion, then the password), `bmf_count_target spools` once the final rsync is over. Each
    part starts as early as it can: the rows' count runs beside the final rsync, which it used to
    wait for (bench/README.md, 2026-12-07: the target's whole count, 36.7 s after the final pass,
    was the freeze's longest part). Written aside under this run's id; verify.sh compares both
    parts with the origin's and refuses counts of another run. Nothing of bmfleet writes to the
    spools or the databases' rows between here and the verification. -#}
{% include "templates/lib/counts.sh" %}
{% include "templates/lib/changes.sh" %}
{% include "templates/lib/tally.sh" %}
{% include "templates/lib/host-state.sh" %}
bmf_state_check target sync # a live target, an origin or another pair's host is never counted as the copy
origin_changes={{ origin_changes }}
bmf_count_target() {
  local part=$1 out work_dir={{ work_dir }}
  out=$work_dir/target-counts-$part.txt
  (
    umask 077
    rm -f -- "$out" "$out.partial"
    {
      printf 'run %s\n' "$bmf_state_run"
      case $part in
        {#- From the warm pass's tally and what the final rsync sent (lib/tally.sh) where they can. #}
        spools) bm_tally_spools target "$origin_changes" ;;
        *) "bm_counts_$part" ;;
      esac
    } >"$out.partial"
    mv -f -- "$out.partial" "$out"
  )
  echo "$(($(wc -l <"$out") - 1)) counts of the stopped target's $part"
}
