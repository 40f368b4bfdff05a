#!/usr/bin/env bash
# Refreshes data/public_suffix_list.dat (compiled in by build.rs) and records where it
# came from in data/public_suffix_list.version. Usage:
#   scripts/refresh-psl.sh                  # Debian's publicsuffix package (apt-get install if absent)
#   scripts/refresh-psl.sh FILE             # a public_suffix_list.dat you fetched yourself
#   PSL_URL=https://publicsuffix.org/list/public_suffix_list.dat scripts/refresh-psl.sh
# Then: cargo test --lib public_suffix regex_confinement, and commit both files.
set -euo pipefail
cd "$(dirname "$0")/.."
out=data/public_suffix_list.dat
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
if [ -n "${1:-}" ]; then
  cp "$1" "$tmp"; source="file $1"
elif [ -n "${PSL_URL:-}" ]; then
  curl -fsSL "$PSL_URL" -o "$tmp"; source="$PSL_URL"
else
  deb=/usr/share/publicsuffix/public_suffix_list.dat
  [ -f "$deb" ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq publicsuffix >/dev/null; }
  cp "$deb" "$tmp"; source="Debian package publicsuffix $(dpkg-query -W -f='${Version}' publicsuffix)"
fi
grep -q '===BEGIN ICANN DOMAINS===' "$tmp" && grep -q '===BEGIN PRIVATE DOMAINS===' "$tmp" ||
  { echo "not the Public Suffix List (no ICANN and PRIVATE sections)" >&2; exit 1; }
# Newer lists carry their own "// VERSION:" line; Debian's version names the date otherwise.
date=$(grep -m1 -o 'VERSION: .*' "$tmp" | cut -d' ' -f2- || true)
cp "$tmp" "$out"
{
  echo "# The Public Suffix List in $out (https://publicsuffix.org/list/),"
  echo "# compiled into the filter by build.rs. Refresh: \`make psl\` (scripts/refresh-psl.sh)."
  echo "source: $source"
  echo "list date: ${date:-see source version (YYYYMMDD.HHMM)}"
  echo "sha256: $(sha256sum "$out" | cut -d' ' -f1)"
} > data/public_suffix_list.version
cat data/public_suffix_list.version
