#!/usr/bin/env bash
# CycloneDX SBOM of what the p8fs package installs (decision 0023): `npm run sbom [-- OUT]`, default
# sbom.cdx.json at the repository root (gitignored; CI keeps it with the release's tarball).
#
# Read from package-lock.json alone (--package-lock-only): no network, no node_modules needed, a second or two.
# `npm sbom --omit dev` is not used: npm 11.19 then drops packages that also have a copy in a dev-only subtree
# (zod, hono, @hono/node-server went missing), so the full tree is generated and the components npm marks
# cdx:npm:package:development=true are removed here, with the dependency graph pruned to match.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-sbom.cdx.json}"
raw="$(mktemp)"
trap 'rm -f "$raw"' EXIT
npm sbom --sbom-format cyclonedx --sbom-type application --package-lock-only -w p8fs >"$raw"
node - "$raw" "$out" <<'JS'
const fs = require('node:fs');
const [raw, out] = process.argv.slice(2);
const bom = JSON.parse(fs.readFileSync(raw, 'utf8'));
const dev = (c) => (c.properties ?? []).some((p) => p.name === 'cdx:npm:package:development' && p.value === 'true');
const app = bom.components.find((c) => c.name === 'p8fs' && !dev(c));
if (!app) throw new Error('sbom: no p8fs component');
// The subject of the SBOM is the p8fs application, not the private workspace root.
bom.metadata.component = { ...app, type: 'application' };
bom.components = bom.components.filter((c) => !dev(c) && c['bom-ref'] !== app['bom-ref']);
const refs = new Set([app['bom-ref'], ...bom.components.map((c) => c['bom-ref'])]);
bom.dependencies = (bom.dependencies ?? [])
  .filter((d) => refs.has(d.ref))
  .map((d) => ({ ...d, dependsOn: (d.dependsOn ?? []).filter((r) => refs.has(r)) }));
const names = new Set(bom.components.map((c) => c.name));
const missing = ['@p8fs/contracts', 'zod', 'hono', '@hono/node-server', 'pino'].filter((n) => !names.has(n) && !names.has(n.split('/').pop()));
if (missing.length) throw new Error(`sbom: runtime packages missing: ${missing.join(', ')}`);
fs.writeFileSync(out, `${JSON.stringify(bom, null, 2)}\n`);
console.log(`${out}: CycloneDX ${bom.specVersion}, ${bom.components.length} components, ${app.name}@${app.version}`);
JS
