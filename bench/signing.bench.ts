import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publishRelease } from "../src/distribution/publish-release.js";
import { pullRelease } from "../src/distribution/pull-release.js";
import { releaseSigner, verifyReleaseSignatures } from "../src/distribution/release-signatures.js";
import { openReleaseStore } from "../src/distribution/release-store.js";
import { resolveRelease } from "../src/distribution/resolve-release.js";
import { openStagedRelease } from "../src/distribution/staged-release.js";
import { encryptedPrivateKeyPem, generateSigningKey, parseSigningKey, parseVerificationKey, publicKeyPem } from "../src/signing/signing-keys.js";
import { synthesizeRelease } from "../src/synth/synth-release.js";
import { writeRelease } from "../src/synth/write-output.js";
import { startRegistry } from "../test/support/registry-server.js";
import { printTimings, timeFunction, type Timing } from "./timings.js";

/** What signing costs: opening a cosign key (scrypt), signed publish, verifying, a verified pull. */
export async function benchSigning(runs: number): Promise<Timing[]> {
  const work = mkdtempSync(join(tmpdir(), "ark-bench-signing-"));
  const registry = await startRegistry();
  try {
    const dist = join(work, "dist");
    await writeRelease(dist, synthesizeRelease(join(import.meta.dirname, "..", "releases", "1.0-rc5.yaml"), 0));
    const staged = await openStagedRelease(dist, "1.0-rc5");
    const key = generateSigningKey();
    const pem = encryptedPrivateKeyPem(key, "bench");
    const trusted = [parseVerificationKey(publicKeyPem(key.publicKey), "cosign.pub")];
    const timings: Timing[] = [];
    timings.push(await timeFunction("open cosign.key (scrypt N=65536, secretbox)", () => parseSigningKey(pem, "cosign.key", async () => "bench"), runs));
    let namespace = 0;
    timings.push(
      await timeFunction(
        "cold signed publish to a fresh namespace",
        async () => {
          const store = openReleaseStore({ registry: `${registry.host}/signed${namespace++}`, plainHttp: true });
          await publishRelease(staged, store, { channels: ["stable"], signer: releaseSigner(store, key) });
        },
        runs,
        undefined,
        false,
      ),
    );
    const store = openReleaseStore({ registry: `${registry.host}/signed0`, plainHttp: true });
    timings.push(await timeFunction("unchanged signed re-publish", () => publishRelease(staged, store, { channels: ["stable"], signer: releaseSigner(store, key) }), runs));
    const release = await resolveRelease(store, "stable");
    timings.push(await timeFunction("verify both signatures (npm run verify's work)", () => verifyReleaseSignatures(store, release, trusted), runs));
    let pulls = 0;
    timings.push(
      await timeFunction(
        "pull --verify-key by channel",
        () => pullRelease(store, { reference: "stable", outDir: join(work, `pull-${pulls++}`), verify: async (r) => void (await verifyReleaseSignatures(store, r, trusted)), fluxVerifyKeys: trusted.map((t) => t.pem) }),
        runs,
      ),
    );
    printTimings(`signing against docker-registry on ${registry.host} (release 1.0-rc5)`, timings);
    return timings;
  } finally {
    await registry.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
