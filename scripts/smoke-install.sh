#!/usr/bin/env bash
# Install smoke test (decision 0023): what a user without this checkout does. Packs the installable
# tarball (scripts/pack.sh), installs it with `npm i -g --ignore-scripts` into a throwaway prefix outside the
# repository (so nothing resolves from the workspace's node_modules), then checks `p8fs --version` names this
# package's version and a commit, `p8fs providers` runs, and `p8fs serve --port 0` on a fresh data dir answers
# GET /health within a deadline, ingests a note and finds it by vector search (the parser and embedder
# files load from the installed package), and stops on SIGTERM. Needs a build (`npm run build`) and the npm registry
# (or a warm npm cache). Exits non-zero on any failure; prints the time of each step.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
start=$SECONDS
tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "smoke-install: $*" >&2; exit 1; }
step() { echo "smoke-install: [$((SECONDS - start))s] $*"; }

version="$(node -p 'require("./packages/p8fs/package.json").version')"
step "packing p8fs $version"
tarball="$(bash scripts/pack.sh "$tmp/pack")"

step "installing $(basename "$tarball") into a temporary prefix"
mkdir -p "$tmp/prefix" "$tmp/home" "$tmp/cwd"
# --ignore-scripts: no dependency's install script is needed, and onnxruntime-node's would download CUDA
# libraries from nuget.org (and fail offline). This is the command the README gives users.
(cd "$tmp/cwd" && npm install --global --prefix "$tmp/prefix" --ignore-scripts --no-audit --no-fund \
  --loglevel=error "$tarball") >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log" >&2; fail "npm install -g failed"; }
bin="$tmp/prefix/bin/p8fs"
[[ -x $bin ]] || fail "no p8fs binary in $tmp/prefix/bin"
[[ -d $tmp/prefix/lib/node_modules/p8fs/node_modules/@p8fs/contracts/dist ]] || fail "@p8fs/contracts is not bundled"

# From here on the installed program runs with a home and working dir of its own, away from the checkout.
run_p8fs() { (cd "$tmp/cwd" && env -u NODE_PATH HOME="$tmp/home" P8FS_DATA_DIR="$tmp/data" "$bin" "$@"); }

step "p8fs --version"
got="$(run_p8fs --version)"
echo "  $got"
[[ $got =~ ^${version//./\\.}\ \(([0-9a-f]{7}(-dirty)?|unknown)\)$ ]] || fail "--version printed '$got', expected '$version (<commit>)'"
if git -C "$repo" rev-parse HEAD >/dev/null 2>&1 && [[ $got == *"(unknown)" ]]; then fail "--version lost the commit"; fi

step "p8fs providers"
run_p8fs providers --json >"$tmp/providers.json" || fail "p8fs providers failed"
node -e 'const p=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); if(!p.parsers.length) process.exit(1)' "$tmp/providers.json" \
  || fail "p8fs providers listed no parsers"

step "p8fs serve --port 0 on a fresh data dir"
(cd "$tmp/cwd" && exec env -u NODE_PATH HOME="$tmp/home" "$bin" serve --port 0 --data-dir "$tmp/data" --workers 1) \
  >"$tmp/serve.out" 2>"$tmp/serve.err" &
server_pid=$!
url=""
deadline=$((SECONDS + 90))
while [[ -z $url ]]; do
  kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/serve.out" "$tmp/serve.err" >&2; fail "p8fs serve exited before listening"; }
  (( SECONDS < deadline )) || { cat "$tmp/serve.err" >&2; fail "p8fs serve printed no URL within 90 s"; }
  url="$(sed -n 's/^p8fs listening on \(http:[^ ]*\).*/\1/p' "$tmp/serve.out" | head -n1)"
  [[ -n $url ]] || sleep 0.5
done
health=""
while (( SECONDS < deadline )); do
  health="$(node -e 'fetch(process.argv[1]).then(async (r) => { if (!r.ok) process.exit(1); console.log(await r.text()); }, () => process.exit(1))' "$url/health" 2>/dev/null)" && break
  health=""
  sleep 0.5
done
[[ -n $health ]] || { cat "$tmp/serve.err" >&2; fail "GET $url/health did not answer 200 within 90 s"; }
echo "  GET $url/health -> $health"
[[ $health == *"\"version\":\"$version\""* ]] || fail "/health names another version: $health"

step "p8fs ingest --wait and p8fs search --mode vector through the server (parser, embedder, model files)"
printf '# Smoke test\n\nThe lighthouse keeper feeds three orange cats every morning.\n' >"$tmp/cwd/note.md"
timeout 180 bash -c "cd '$tmp/cwd' && HOME='$tmp/home' '$bin' ingest note.md --wait --data-dir '$tmp/data'" >"$tmp/ingest.out" 2>&1 \
  || { cat "$tmp/ingest.out" >&2; fail "p8fs ingest --wait failed"; }
hits="$(cd "$tmp/cwd" && HOME="$tmp/home" timeout 60 "$bin" search 'who looks after the cats at the lighthouse' --mode vector --json --data-dir "$tmp/data")" \
  || fail "p8fs search failed"
[[ $hits == *note.md* ]] || fail "vector search did not find the ingested note: $hits"
echo "  ingested note.md, found by vector search"

step "stopping the server (SIGTERM)"
kill -TERM "$server_pid"
for _ in $(seq 1 60); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$server_pid" 2>/dev/null; then fail "p8fs serve did not stop within 30 s of SIGTERM"; fi
wait "$server_pid" || fail "p8fs serve exited with status $? on SIGTERM"
server_pid=""
step "ok: installed, --version, providers, serve, /health, ingest, search, stop"
