import { defineConfig } from "vitest/config";

// `npm run test:radosgw`: issue 16's proof on a real S3 implementation, Debian's radosgw on a
// throw-away single-node Ceph (test/support/radosgw-server.ts). Kept out of `npm test` (see README).
export default defineConfig({
  test: {
    include: ["test/radosgw/**/*.test.ts"],
    globalSetup: ["test/support/build-commands.ts"],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    // One cluster, one file at a time: Ceph is heavy enough on a 2-core machine.
    fileParallelism: false,
  },
});
