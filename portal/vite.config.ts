// Builds the portal into portal/build (served by every node at its root URL). `npm run dev -w portal`
// serves it with hot reload and forwards /graphql to a running demo node (POPART_NODE, default pn's).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  resolve: {
    // @popart/schemas is pure but takes randomUUID from node:crypto; the browser has its own.
    alias: { 'node:crypto': fileURLToPath(new URL('./src/shims/node-crypto.ts', import.meta.url)) },
  },
  build: { outDir: 'build', emptyOutDir: true, manifest: true, target: 'es2022', chunkSizeWarningLimit: 1200 },
  server: { proxy: { '/graphql': { target: process.env.POPART_NODE ?? 'http://127.0.0.1:4001', ws: true } } },
});
