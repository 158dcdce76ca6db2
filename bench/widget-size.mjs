// Widget size benchmark: what every page view of an embedding site downloads (the loader,
// widget.js) and what opening the chat downloads on top (widget-app.js, one file with
// Preact and socket.io-client inside), gzipped at level 9. Run after `npm run build`
// (`npm run bench:widget-size` does both). The last line of output is JSON.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;
const LOADER_TARGET = 3072;
const FULL_TARGET = 40960;

function gz(file) {
  let bytes;
  try {
    bytes = readFileSync(`${root}dist/public/${file}`);
  } catch {
    console.error(`dist/public/${file} is missing: run "npm run build" first.`);
    process.exit(1);
  }
  return { raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length };
}

const loader = gz('widget.js');
const app = gz('widget-app.js');
const full = loader.gz + app.gz;
const ok = loader.gz <= LOADER_TARGET && full <= FULL_TARGET;

console.log(
  `widget.js ${loader.raw} B (${loader.gz} B gz, target ${LOADER_TARGET}); ` +
    `widget-app.js ${app.raw} B (${app.gz} B gz); opened in total ${full} B gz (target ${FULL_TARGET}): ${ok ? 'OK' : 'OVER BUDGET'}`,
);
console.log(JSON.stringify({ loader_gz: loader.gz, full_gz: full, loader_target: LOADER_TARGET, full_target: FULL_TARGET, ok }));
