import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Built by `make build` into dist/console, which the API serves at `/`. */
export default defineConfig({
  root,
  // Relative asset URLs: the console works wherever the API is mounted.
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No inlined data: URLs for assets: the page's CSP allows scripts from 'self' only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  // `vite --config console/vite.config.ts`: a dev server that forwards API calls to a running `kiln up`.
  server: { proxy: { '/v1': 'http://127.0.0.1:8580' } },
});
