#!/usr/bin/env node
// The `ilhedge` command as npm links it (package.json "bin"). This launcher is checked in with its run bit
// (mode 100755 in git) because tsc writes dist/ without one: pointing "bin" at dist/src/cli/main.js made every
// `npx ilhedge ...` fail with "Permission denied" until a manual chmod. The CLI itself is compiled into dist/ by
// `npm run build`, which `npm ci` runs through `prepare`.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(`ilhedge: ${fileURLToPath(main)} is missing; build the CLI first with \`npm run build\`\n`);
  process.exit(1);
}
// The module parses process.argv and runs the command when it is loaded.
await import(main.href);
