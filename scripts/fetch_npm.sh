#!/usr/bin/env bash
# Fetches the pinned npm tarballs listed in LIST (lines "name@version sha512-integrity"; # starts
# a comment) into .cache/npm/<name>-<version>/package/ (a scope's "/" becomes "+"), each checked
# against its registry integrity before it is unpacked. Idempotent: a package unpacked before is
# not fetched again. Used by scripts/setup.sh (deps/npm-packages.txt) and bench/run_all.sh
# (bench/corpora.txt).
#   scripts/fetch_npm.sh LIST
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
list="$1"
cache="$root/.cache/npm"
mkdir -p "$cache"
grep -v '^\s*#' "$list" | sed '/^\s*$/d' | while read -r spec integrity; do
  name="${spec%@*}"
  version="${spec##*@}"
  dest="$cache/${name//\//+}-$version"
  [ -f "$dest/.complete" ] && continue
  echo "fetch_npm: fetching $spec"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  tarball="$(ls "$tmp"/*.tgz)"
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "fetch_npm: integrity mismatch for $spec: expected $integrity, got $actual" >&2
    rm -rf "$tmp"
    exit 1
  fi
  rm -rf "$dest"
  mkdir -p "$dest"
  tar -xzf "$tarball" -C "$dest"
  touch "$dest/.complete"
  rm -rf "$tmp"
done
