#!/usr/bin/env bash
# The installable package: one tarball, p8fs-<version>.tgz, with @p8fs/contracts bundled inside it, for
# `npm i -g ./p8fs-<version>.tgz` on a machine that has only Node (decision 0023).
#
#   npm run pack [-- DEST_DIR]        # default DEST_DIR: dist-pack/ (gitignored); prints the tarball's path
#
# `npm pack -w packages/p8fs` alone leaves the bundled workspace package out (npm packs a bundled dependency
# only when node_modules holds a real folder, and a workspace's is a symlink), and @p8fs/contracts is not
# on the registry, so the tarball would not install. This script packs both workspaces, lays the contracts
# package (and its dependency zod) into the p8fs package's own node_modules and packs that. Build first (`npm run build`).
set -euo pipefail
cd "$(dirname "$0")/.."
dest="$(mkdir -p "${1:-dist-pack}" && cd "${1:-dist-pack}" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

for f in packages/contracts/dist/index.js packages/p8fs/dist/transports/cli/main.js packages/p8fs/build-info.json; do
  [[ -f $f ]] || { echo "pack: $f is missing; run npm run build first" >&2; exit 2; }
done

# What gets bundled: the contracts package and its own dependencies; package.json must say so.
bundle="$(node -p 'JSON.stringify(["@p8fs/contracts", ...Object.keys(require("./packages/contracts/package.json").dependencies ?? {})].sort())')"
listed="$(node -p 'JSON.stringify([...(require("./packages/p8fs/package.json").bundleDependencies ?? [])].sort())')"
[[ $bundle == "$listed" ]] || { echo "pack: packages/p8fs/package.json bundleDependencies is $listed, expected $bundle" >&2; exit 2; }

npm pack -w packages/contracts -w packages/p8fs --pack-destination "$stage" --silent >/dev/null
contracts=("$stage"/p8fs-contracts-*.tgz)
app=("$stage"/p8fs-[0-9]*.tgz)
mkdir -p "$stage/app"
tar -xzf "${app[0]}" -C "$stage/app"
mkdir -p "$stage/app/package/node_modules/@p8fs/contracts"
tar -xzf "${contracts[0]}" -C "$stage/app/package/node_modules/@p8fs/contracts" --strip-components=1
# A bundled package's own dependencies must be bundled with it, or npm leaves their folders empty: zod.
for dep in $(node -p 'Object.keys(require("./packages/contracts/package.json").dependencies ?? {}).join(" ")'); do
  mkdir -p "$stage/app/package/node_modules/$dep"
  cp -R "$(node -p "require('path').dirname(require.resolve('$dep/package.json', { paths: ['packages/contracts'] }))")/." \
    "$stage/app/package/node_modules/$dep/"
done
out="$(cd "$stage/app/package" && npm pack --pack-destination "$dest" --silent)"
tarball="$dest/$out"
# The bundled package must be inside; without it `npm i -g` would look for @p8fs/contracts on the registry.
listing="$(tar -tzf "$tarball")"
grep -qx 'package/node_modules/@p8fs/contracts/dist/index.js' <<<"$listing" \
  || { echo "pack: @p8fs/contracts is not bundled in $tarball" >&2; exit 1; }
echo "$tarball"
