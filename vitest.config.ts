import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Command processes run the built JavaScript; bring build/ up to date once before the tests.
    globalSetup: ["test/support/build-commands.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Registry servers are real processes; two workers match the 2-core machines.
    maxWorkers: 2,
  },
});
