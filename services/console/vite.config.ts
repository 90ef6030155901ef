import { defineConfig } from "vite";

// The console is served by the API from `dist/` at `/`; the hash router needs no server routes.
export default defineConfig({
  root: __dirname,
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // ECharts is split into its own chunk, loaded only on the report page.
    chunkSizeWarningLimit: 800,
    // No inline module-preload polyfill: the CSP allows scripts from our own origin only.
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:3000" },
  },
});
