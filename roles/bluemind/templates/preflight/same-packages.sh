{#- The 5.0 procedure page: the target must have the origin's BlueMind packages, plugins included
    (a plugin missing on the target leaves its data and settings without code to serve them). -#}
origin_pkgs={{ origin_bm_packages }}
target_pkgs={{ target_bm_packages }}
{#- grep reads a here-string, not a pipe: `printf | grep -q` under pipefail fails with printf's
    SIGPIPE whenever grep finds the package and exits before printf has written the rest of the
    list, and the package then read as missing (the fleet's intermittent "the target lacks
    bm-keycloak"). #}
missing=$(printf '%s\n' "$origin_pkgs" | while read -r p; do
  [ -n "$p" ] || continue
  grep -qxF -- "$p" <<<"$target_pkgs" || printf '%s ' "$p"
done)
if [ -n "$missing" ]; then
  echo "the target lacks BlueMind packages the origin has: ${missing% }; install them on the target (same version) first" >&2
  exit 1
fi
echo "$(printf '%s\n' "$origin_pkgs" | grep -c .) BlueMind packages, all on the target"
