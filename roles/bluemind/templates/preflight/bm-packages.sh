{#- The installed BlueMind packages of this host (bm-* and their plugins), one name a line. -#}
dpkg-query -W -f='${Package} ${Status}\n' 'bm-*' 2>/dev/null | awk '$NF == "installed" {print $1}' | sort
