/**
 * The dashboard's static files and their mount. The page is plain HTML/JS/CSS (no build step) under `static/`;
 * `tsc` does not copy them to `dist/`, so from a build we look in the source tree beside it. The charts are uPlot
 * (the `uplot` npm dependency), served from its own package under `/dashboard/vendor/uplot/` so the page needs no
 * external network and no copy of the library in this tree.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import express from 'express';
import type { Express } from 'express';

export function dashboardDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, 'static'),
    // dist/src/service/dashboard -> src/service/dashboard/static
    resolve(here, '../../../../src/service/dashboard/static'),
  ];
  for (const dir of candidates) if (existsSync(join(dir, 'index.html'))) return dir;
  throw new Error(`dashboard files not found (looked in ${candidates.join(', ')})`);
}

/** The uPlot files the page loads: `uPlot.iife.min.js` and `uPlot.min.css` of the installed `uplot` package. */
export function uplotDir(): string {
  // The package's `exports` map names its builds, not package.json: resolve the CommonJS build and take its folder.
  const entry = createRequire(import.meta.url).resolve('uplot');
  const dir = dirname(entry);
  for (const file of ['uPlot.iife.min.js', 'uPlot.min.css']) {
    if (!existsSync(join(dir, file))) throw new Error(`uplot: ${file} not found in ${dir}`);
  }
  return dir;
}

/** Files under the vendor mount that the page may load (nothing else of the package is served). */
const UPLOT_FILES = new Set(['/uPlot.iife.min.js', '/uPlot.min.css']);

/**
 * Mounts the dashboard: `/` redirects to `/dashboard/`, the page's files under `/dashboard/`, and uPlot under
 * `/dashboard/vendor/uplot/`. Static files carry no data: the page asks for a key and sends it with every call.
 */
export function mountDashboard(app: Express): void {
  const dir = dashboardDir();
  const vendor = uplotDir();
  app.get('/', (_req, res) => res.redirect(302, '/dashboard/'));
  const serveVendor = express.static(vendor, { index: false, fallthrough: true, maxAge: 0 });
  app.use('/dashboard/vendor/uplot', (req, res, next) => {
    if (UPLOT_FILES.has(req.path)) serveVendor(req, res, next);
    else next();
  });
  app.use('/dashboard', express.static(dir, { index: 'index.html', fallthrough: true, maxAge: 0 }));
}
