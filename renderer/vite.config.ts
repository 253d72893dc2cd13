import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The till's renderer: one build for Electron and for a plain browser (the platform adapter is
// chosen at start-up). Relative asset paths so it loads from a file:// URL in Electron too.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  // One bundle is fine for an app loaded from disk or the LAN; RxDB and the barcode renderer are most of it.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'chrome120', chunkSizeWarningLimit: 2500 },
});
