#!/usr/bin/env node
// The one binary. Compiled code lives in dist/; `npm run build` produces it.
import('../dist/transports/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  console.error(err?.stack ?? String(err));
  process.exit(1);
});
