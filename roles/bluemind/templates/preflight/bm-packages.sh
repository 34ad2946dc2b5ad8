{#- The installed BlueMind packages of this host (bm-* and their plugins), one name a line. A
    dpkg database that cannot be read fails here, with dpkg's message, rather than reading as a
    host without packages (the "same packages" check would then blame the packages). -#}
list=$(dpkg-query -W -f='${Package} ${Status}\n' 'bm-*') || { echo "cannot list the BlueMind packages (dpkg-query failed)" >&2; exit 1; }
printf '%s\n' "$list" | awk '$NF == "installed" {print $1}' | sort
