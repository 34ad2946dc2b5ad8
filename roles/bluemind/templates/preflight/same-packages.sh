{#- The 5.0 procedure page: the target must have the origin's BlueMind packages, plugins included
    (a plugin missing on the target leaves its data and settings without code to serve them).

    Except the transitional packages a 5.x server upgraded from 4.x keeps and a fresh 5.x install
    never has: bm-cyrus, bm-lmtpd, bm-sds-proxy, bm-ips and bm-plugin-core-mailapp, each
    "Section: oldlibs ... a transitional package. It can safely be removed." in BlueMind's
    packaging/bm-conf/debian/control (GitHub mirror mdhender/bluemindfork). They ship no code and
    no data: missing on the target, they are reported (exit 3), never a refusal. On a 4.x origin
    these names are real packages (bm-lmtpd, bm-ips: the Cyrus era) and stay required. Which
    BlueMind the origin runs is lib/bm-version.sh's answer, as everywhere in the role. -#}
{% include "templates/lib/bm-version.sh" %}
origin_pkgs={{ origin_bm_packages }}
target_pkgs={{ target_bm_packages }}
layout=$(bmf_bm_layout {{ origin_bm_version }}) || exit 1
transitional=
if [ "$layout" = core ]; then
  transitional='bm-cyrus bm-lmtpd bm-sds-proxy bm-ips bm-plugin-core-mailapp'
fi
{#- grep reads a here-string, not a pipe: `printf | grep -q` under pipefail fails with printf's
    SIGPIPE whenever grep finds the package and exits before printf has written the rest of the
    list, and the package then read as missing (the fleet's intermittent "the target lacks
    bm-keycloak"). #}
missing='' left=''
while read -r p; do
  [ -n "$p" ] || continue
  grep -qxF -- "$p" <<<"$target_pkgs" && continue
  case " $transitional " in
    *" $p "*) left="$left $p" ;;
    *) missing="$missing $p" ;;
  esac
done <<<"$origin_pkgs"
if [ -n "$missing" ]; then
  echo "the target lacks BlueMind packages the origin has:$missing; install them on the target (same version) first" >&2
  exit 1
fi
echo "$(grep -c . <<<"$origin_pkgs") BlueMind packages on the origin, all on the target${left:+ but the transitional ones}"
if [ -n "$left" ]; then
  echo "the origin keeps transitional packages of its upgrade from BlueMind 4 that a fresh BlueMind $(bmf_bm_major {{ origin_bm_version }}) install does not have:$left (packaging/bm-conf/debian/control: no code, no data, \"can safely be removed\"); nothing to install on the target"
  exit 3
fi
