import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The UI is served by Tauri from `ui/dist` (tauri://localhost). Relative asset paths keep the
// build loadable from any origin, including the tiny static server the e2e tests use.
export default defineConfig({
  plugins: [svelte()],
  base: './',
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One extra entry for Playwright: a test-only page that installs mocked IPC before the
    // app starts. It is never loaded by the desktop shell (index.html is).
    rollupOptions: {
      input: {
        main: 'index.html',
      },
    },
  },
  server: { port: 5173, strictPort: false },
});
