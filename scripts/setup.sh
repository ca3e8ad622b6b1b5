#!/usr/bin/env bash
# Installs everything semdex needs on Debian 12: the apt packages in deps/apt-packages.txt and the
# pinned npm tarballs in deps/npm-packages.txt (unpacked into .cache/npm/, which git ignores).
# Idempotent: a second run checks what is there and downloads nothing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

mapfile -t apt_pkgs < <(grep -v '^\s*#' deps/apt-packages.txt | sed '/^\s*$/d')
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing apt packages: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Node.js and npm fetch the pinned tarballs; Debian's packages only where the machine has none
# (images that ship NodeSource's nodejs hold Debian's npm back).
if ! command -v npm >/dev/null 2>&1; then
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq nodejs npm >/dev/null
fi

scripts/fetch_npm.sh deps/npm-packages.txt
