import { defineConfig } from "vitest/config";

// Two projects: fast unit tests next to the code, and integration/e2e tests in test/ that start
// real servers and peers (softflowd, Chromium). `npm run check` runs only the unit project.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "web/src/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // Integration tests bind real ports and share peers; run them one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
