import { defineConfig } from "vite";

// The API server serves `dist/` at `/`; during development `vite` serves the sources and
// forwards API calls to a locally running `tollgate serve` (default HTTP port 8080).
const apiTarget = "http://127.0.0.1:8080";

export default defineConfig({
  // Relative asset URLs so the built dashboard also works behind a path prefix.
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Measured: the ECharts chunk is 572 kB minified (193 kB gzip) with line, bar and sankey.
    chunkSizeWarningLimit: 650,
    // ECharts (tree-shaken to line, bar and sankey) is the bulk of the bundle; keep it in its
    // own chunk so a dashboard change does not invalidate the browser's cached copy.
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [{ name: "echarts", test: /node_modules[\\/](echarts|zrender)/ }],
        },
      },
    },
  },
  server: {
    proxy: {
      "/api": apiTarget,
      "/healthz": apiTarget,
    },
  },
});
