#!/usr/bin/env bash
# System setup for P8FS on Debian 12, as root: checks Node.js and installs the Debian packages the
# product and its tests use. Safe to run again.
set -euo pipefail

need_major=20; need_minor=19
if ! command -v node >/dev/null 2>&1; then
  echo "Node.js >= ${need_major}.${need_minor} is required (Debian's nodejs package is too old; use NodeSource or nvm)." >&2
  exit 1
fi
ver=$(node -p 'process.versions.node')
major=${ver%%.*}; rest=${ver#*.}; minor=${rest%%.*}
if (( major < need_major || (major == need_major && minor < need_minor) )); then
  echo "Node.js ${ver} found; P8FS needs >= ${need_major}.${need_minor}." >&2
  exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "run as root (or with sudo) to install Debian packages" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# The embedded default needs nothing from apt (PGlite, the embedding model and the parsers ship in
# npm packages). These are for the tools and tests: git for the checkout, ca-certificates for npm.
PACKAGES=(ca-certificates git)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
bash "$(dirname "${BASH_SOURCE[0]}")/install-postgres.sh"
echo "system packages ready (node ${ver})"
