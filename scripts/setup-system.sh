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
# PGlite, the embedding model, OCR data (tesseract.js) and most parsers ship in npm packages.
# From Debian: git and ca-certificates for the checkout and npm; the programs the media and legacy
# parsers run (src/ports/tools.ts TOOL_PACKAGES): ffmpeg for audio and video, poppler-utils to
# render image-only PDF pages for OCR, tesseract as the alternative OCR engine, pocketsphinx for
# offline speech-to-text, catdoc for .xls/.ppt, p7zip-full for .7z; util-linux's prlimit caps
# their memory. espeak-ng, sox and python3 only make test fixtures.
PACKAGES=(ca-certificates git util-linux ffmpeg poppler-utils tesseract-ocr tesseract-ocr-eng pocketsphinx pocketsphinx-en-us
  catdoc p7zip-full espeak-ng sox python3)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
bash "$(dirname "${BASH_SOURCE[0]}")/install-postgres.sh"

# --- S3 for tests: Ceph radosgw (begin) ---
# The S3 blob store's tests run against a real, signature-checking S3 server: a single-node Ceph
# cluster (monitor + memstore OSD) with radosgw on loopback, started per test file by
# scripts/ceph-rgw.sh (STACK-NOTES §3). Pacific's radosgw needs the RADOS daemons; curl is its
# readiness probe.
CEPH_PACKAGES=(ceph-mon ceph-osd radosgw curl)
ceph_missing=()
for p in "${CEPH_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || ceph_missing+=("$p"); done
if [ ${#ceph_missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${ceph_missing[@]}"
fi
# --- S3 for tests: Ceph radosgw (end) ---
# --- NATS JetStream: nats-server (begin) ---
# The nats queue (P8FS_QUEUE_PROVIDER=nats) and its tests use Debian's nats-server 2.9 with
# JetStream (-js). test/nats.ts starts a throwaway one per test file; scripts/nats.sh starts one
# for development. The package also enables a system service: stop it if port 4222 must stay free.
dpkg -s nats-server >/dev/null 2>&1 || { apt-get update -qq; apt-get install -y -qq --no-install-recommends nats-server; }
# --- NATS JetStream: nats-server (end) ---
echo "system packages ready (node ${ver})"
