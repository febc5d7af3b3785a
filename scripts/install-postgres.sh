#!/usr/bin/env bash
# Installs PostgreSQL 15 and pgvector on Debian 12, as root, for the real-Postgres tests
# (packages/p8fs/test/pg-cluster.ts). Safe to run again: it installs only what is missing.
# pgvector is not packaged for Debian 12, so it is built from Debian trixie's source package,
# fetched through a throwaway apt configuration; the system's sources are never changed.
set -euo pipefail

PG_MAJOR=15
PG_CONFIG=/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config
VECTOR_CONTROL=/usr/share/postgresql/${PG_MAJOR}/extension/vector.control

if [ "$(id -u)" -ne 0 ]; then
  echo "install-postgres: run as root (or with sudo)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive

# dpkg -s also succeeds for removed packages whose config files remain, so check the real state.
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

PACKAGES=("postgresql-${PG_MAJOR}" "postgresql-server-dev-${PG_MAJOR}" make gcc)
missing=()
for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-postgres: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-postgres: ${PACKAGES[*]} already installed"
fi

if [ -f "$VECTOR_CONTROL" ]; then
  echo "install-postgres: pgvector already installed for PostgreSQL ${PG_MAJOR} ($(sed -n "s/^default_version = '\(.*\)'/\1/p" "$VECTOR_CONTROL"))"
  exit 0
fi

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/lists/partial" "$T/cache/archives/partial"
# apt downloads as the unprivileged _apt user when it can write there (otherwise it warns).
if id _apt >/dev/null 2>&1; then chown -R _apt:root "$T"; fi
# A temporary deb-src entry for trixie, used only for this download (see STACK-NOTES §2).
printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > "$T/trixie-src.sources"
# The lists and apt's package caches live in the scratch dir too: an update against this one source
# must not leave the system's caches describing trixie sources only.
APT_OPTS=(-o Dir::Etc::sourcelist="$T/trixie-src.sources" -o Dir::Etc::sourceparts=/nonexistent
  -o Dir::State::Lists="$T/lists" -o Dir::Cache="$T/cache")
echo "install-postgres: downloading Debian trixie's pgvector source package"
apt-get update -qq "${APT_OPTS[@]}"
(cd "$T" && apt-get source --download-only -qq "${APT_OPTS[@]}" pgvector)

orig=$(find "$T" -maxdepth 1 -name 'pgvector_*.orig.tar.*' | head -n 1)
if [ -z "$orig" ]; then
  echo "install-postgres: no pgvector upstream tarball in the trixie source package" >&2
  exit 1
fi
mkdir "$T/src"
tar xf "$orig" -C "$T/src" --strip-components=1
echo "install-postgres: building $(basename "$orig") against PostgreSQL ${PG_MAJOR}"
# OPTFLAGS="" drops -march=native, so the library also runs on a machine with another CPU.
make -s -C "$T/src" -j"$(nproc)" PG_CONFIG="$PG_CONFIG" OPTFLAGS=""
make -s -C "$T/src" PG_CONFIG="$PG_CONFIG" OPTFLAGS="" install
echo "install-postgres: pgvector $(sed -n "s/^default_version = '\(.*\)'/\1/p" "$VECTOR_CONTROL") installed for PostgreSQL ${PG_MAJOR}"
