import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Rooted at web/ (`vite build web`): the gateway serves web/dist at `/` (src/http/dashboard-route.ts).
export default defineConfig({
  plugins: [react()],
  // What the server and the dashboard share (message types, close codes, backoff): one source.
  resolve: {
    alias: { '@protocol': fileURLToPath(new URL('../src/protocol', import.meta.url)) },
  },
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    // `npx vite web` during development: API and live socket from a gateway on :8080.
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', ws: true },
    },
  },
});
