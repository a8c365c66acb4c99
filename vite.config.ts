/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';

// COOP/COEP give crossOriginIsolated, so onnxruntime's wasm backend can use threads.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The installable app: a web manifest and a Workbox service worker that precaches the app shell,
 * the onnxruntime wasm (27 MB) and the ffmpeg core (32 MB), so the app starts offline. Model packs
 * (packs/**) never go into the precache: they are large and live in OPFS. registerType 'prompt':
 * a new version waits until the user clicks "Reload" (src/ui/UpdateToast.tsx). No service worker
 * in `vite dev` (devOptions off) nor under vitest.
 */
const pwa = VitePWA({
  registerType: 'prompt',
  injectRegister: null,
  manifest: {
    name: 'MuseV Web',
    short_name: 'MuseV',
    description: "Virtual-human videos from one image and a prompt with Tencent's MuseV, in your browser.",
    theme_color: '#3b6cf6',
    background_color: '#f5f6f8',
    display: 'standalone',
    start_url: '.',
    icons: [
      { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
      { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
      { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  },
  workbox: {
    // The app shell, the ORT and ffmpeg wasm, icons, and the tiny built-in step graphs (graphs/).
    globPatterns: ['**/*.{js,css,html,wasm,svg,png}', 'graphs/*.onnx'],
    globIgnores: ['packs/**', 'e2e/**'],
    maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
    // Only the app's pages fall back to index.html; pack files and the e2e harness never do (a
    // wasm or JSON URL answered with HTML is the "expected magic word ... 3c 21 44 4f" failure).
    navigateFallbackDenylist: [/^\/packs\//, /^\/e2e\//],
    cleanupOutdatedCaches: true,
  },
});

export default defineConfig({
  plugins: process.env.VITEST ? [react()] : [react(), pwa],
  worker: { format: 'es' },
  optimizeDeps: {
    exclude: ['onnxruntime-web', '@ffmpeg/ffmpeg', '@ffmpeg/util', '@ffmpeg/core'],
  },
  server: { headers: isolation },
  preview: { headers: isolation },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  test: {
    include: ['src/**/*.test.ts', 'workers/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
