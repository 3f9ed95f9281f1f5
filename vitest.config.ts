import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["host-tests/**/*.test.ts"],
    // Simulated meshes are CPU-bound; one worker per core keeps timings sane on 2-core CI.
    pool: "forks",
    testTimeout: 120_000,
  },
});
