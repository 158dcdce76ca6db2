// Builds everything into dist/: the server (bundled, packages external), the widget
// loader and app, and the dashboard. Source folders are never written to.
import { build } from 'esbuild';
import { cp, mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const out = `${root}dist`;
const watchless = { logLevel: 'warning', absWorkingDir: root };

await rm(out, { recursive: true, force: true });
await mkdir(`${out}/public/admin`, { recursive: true });

const browser = {
  ...watchless,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2019', 'chrome80', 'firefox78', 'safari13'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
};

await Promise.all([
  build({
    ...watchless,
    // The email parse worker runs in its own thread and is loaded by URL beside main.js.
    entryPoints: { main: 'server/main.ts', 'parse-worker': 'server/channels/email/parse-worker.ts' },
    outdir: `${out}/server`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
  }),
  build({ ...browser, entryPoints: ['widget/loader.ts'], outfile: `${out}/public/widget.js` }),
  build({ ...browser, entryPoints: ['widget/app.tsx'], outfile: `${out}/public/widget-app.js` }),
  build({ ...browser, entryPoints: ['admin/main.tsx'], outfile: `${out}/public/admin/app.js` }),
]);

for (const f of ['index.html', 'style.css']) {
  if (existsSync(`${root}admin/${f}`)) await cp(`${root}admin/${f}`, `${out}/public/admin/${f}`);
}
