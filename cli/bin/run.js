#!/usr/bin/env node
// The CLI runs from one bundled file (npm run build): far fewer module loads at start.
const { run } = await import('../../dist/bundle/main.mjs');
await run();
