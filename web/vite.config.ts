import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The web app's build (web/build.ts runs it): web/index.html and web/src/
 * into web/dist, which the worker serves as Workers Static Assets
 * (wrangler.toml `[assets]`). JSX is Preact's, through Vite's own Oxc
 * transform: no plugin needed for a production build.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  // public/_headers: the security and caching headers Workers Static Assets sends with the files.
  publicDir: 'public',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: {
    // This checkout's client package (npm run build:client), which is where the workspace link points in an ordinary
    // checkout; named here so that a checkout sharing another's node_modules (a git worktree) builds with its own.
    alias: { '@kite-edge/client': fileURLToPath(new URL('../client/dist/index.js', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    // build.ts removes what the new build no longer has after writing it, so the directory is never empty
    // while a running wrangler (or the workers tests) reads it.
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
});
