import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // test/radosgw/ needs Ceph and runs on its own: `npm run test:radosgw` (vitest.radosgw.config.ts).
    exclude: [...configDefaults.exclude, "test/radosgw/**"],
    // Command processes run the built JavaScript; bring build/ up to date once before the tests.
    globalSetup: ["test/support/build-commands.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Registry servers are real processes; two workers match the 2-core machines.
    maxWorkers: 2,
  },
});
