{#- rsync on this host, with the fixes of January 2025 (rsync 3.4.0: CVE-2024-12084 to -12088
    and CVE-2024-12747). Both ends matter: the target's rsync receives what a possibly
    compromised origin sends (CVE-2024-12087: a sender could make the receiver write outside
    its destination through symbolic links; -12086: leak the receiver's files), and the
    origin's rsync parses what the target sends (CVE-2024-12084: a heap overflow in checksum
    parsing). Accepted: rsync 3.4.0 or later; the 3.2 LTS line from 3.2.8 (RsyncProject/rsync
    release v3.2.8: its security fixes, protocol 31 kept); or a distribution build that carries
    the fixes, which raise the protocol to 32 (Debian 12's 3.2.7-1+deb12u1 changelog: "raise
    protocol version to 32"; SUSE's rsync-protocol-version-32.patch). Debian 12 needs
    3.2.7-1+deb12u2 or later anyway: u1's fix of CVE-2024-12087 collides with hard links
    (-H; u2's changelog: "Fix FLAG_GOT_DIR_FLIST collission with FLAG_HLINKED", #1093089). -#}
command -v rsync >/dev/null 2>&1 || { echo "no rsync on this host: install the distribution's rsync package (3.4.0 or a build with its security fixes)" >&2; exit 1; }
line=$(rsync --version 2>/dev/null | sed -n 1p) # all of it read: no SIGPIPE under pipefail
if ! [[ $line =~ version\ v?([0-9]+)\.([0-9]+)\.([0-9]+).*protocol\ version\ ([0-9]+) ]]; then
  echo "cannot read this host's rsync version (rsync --version: $(printf '%q' "${line:0:80}"))" >&2
  exit 1
fi
major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]} patch=${BASH_REMATCH[3]} protocol=${BASH_REMATCH[4]}
version=$major.$minor.$patch
fixed=
if ((major > 3 || (major == 3 && minor >= 4))); then
  fixed="rsync $version"
elif ((major == 3 && minor == 2 && patch >= 8)); then
  fixed="rsync $version, the 3.2 LTS line"
elif ((protocol >= 32)); then
  fixed="rsync $version with the distribution's security fixes (protocol $protocol)"
fi
if [ -z "$fixed" ]; then
  echo "rsync $version (protocol $protocol) on this host lacks the security fixes of rsync 3.4.0 (CVE-2024-12084 to -12088, CVE-2024-12747): a compromised origin could make the target's rsync write outside the spool it pulls (CVE-2024-12087). Install rsync 3.4.0 or later, or the distribution's security update (Debian 12: 3.2.7-1+deb12u2 or later, which reports protocol version 32)" >&2
  exit 1
fi
if command -v dpkg-query >/dev/null 2>&1 && [ "$(dpkg-query -W -f='${Version}' rsync 2>/dev/null)" = 3.2.7-1+deb12u1 ]; then
  echo "rsync 3.2.7-1+deb12u1 on this host has the security fixes, and a bug with hard links (-H) that 3.2.7-1+deb12u2 fixed (Debian #1093089): install 3.2.7-1+deb12u2 or later" >&2
  exit 1
fi
echo "$fixed"
