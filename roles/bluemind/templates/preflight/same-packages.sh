{#- The 5.0 procedure page: the target must have the origin's BlueMind packages, plugins included
    (a plugin missing on the target leaves its data and settings without code to serve them). -#}
origin_pkgs={{ origin_bm_packages }}
target_pkgs={{ target_bm_packages }}
missing=$(printf '%s\n' "$origin_pkgs" | while read -r p; do
  [ -n "$p" ] || continue
  printf '%s\n' "$target_pkgs" | grep -qxF -- "$p" || printf '%s ' "$p"
done)
if [ -n "$missing" ]; then
  echo "the target lacks BlueMind packages the origin has: ${missing% }; install them on the target (same version) first" >&2
  exit 1
fi
echo "$(printf '%s\n' "$origin_pkgs" | grep -c .) BlueMind packages, all on the target"
