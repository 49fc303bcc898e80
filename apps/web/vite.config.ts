// Vite builds the web app into dist/, which every provider serves at `/` (config `webRoot`). JSX is compiled for
// Preact by Vite's own transformer; the @parley packages are TypeScript sources, bundled like the app's own.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One file for the app, one for the MLS and crypto code it shares with nothing else.
    chunkSizeWarningLimit: 1500,
  },
});
