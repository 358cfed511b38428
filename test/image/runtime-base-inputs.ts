/**
 * The pinned inputs of releases/base/node22-debian12.yaml in the kit's own cache (the one
 * `npm run image -- base` uses), fetched once from the npm registry and deb.debian.org with a
 * progress line. Without the network and without a cache, the tests that need them fail here,
 * loudly, naming the URL: they are never skipped.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { defaultCacheDir, loadBaseDefinition } from "../../src/distribution/runtime-base.js";
import { pinnedInputs } from "../../src/image/node-runtime-base.js";
import { cachePath, fetchPinnedInput, type PinnedInput } from "../../src/image/pinned-input.js";
import { parsePlatform } from "../../src/image/platform.js";
import { PROJECT_ROOT } from "../support/run-cli.js";

export const BASE_DEFINITION = join(PROJECT_ROOT, "releases", "base", "node22-debian12.yaml");

export interface CachedInput {
  readonly input: PinnedInput;
  readonly path: string;
}

/** Every input of the shipped definition, per platform, present and verified in the default cache. */
export async function cachedBaseInputs(): Promise<Map<string, { debian: CachedInput[]; node: CachedInput }>> {
  const definition = loadBaseDefinition(BASE_DEFINITION);
  const cacheDir = defaultCacheDir();
  const result = new Map<string, { debian: CachedInput[]; node: CachedInput }>();
  for (const entry of definition.platforms) {
    const inputs = pinnedInputs(definition, entry, parsePlatform(entry.platform));
    const cached = (input: PinnedInput): CachedInput => ({ input, path: cachePath(cacheDir, input.digest) });
    result.set(entry.platform, { debian: inputs.debian.map(cached), node: cached(inputs.node) });
  }
  const missing = [...result.values()].flatMap((p) => [...p.debian, p.node]).filter((c) => !existsSync(c.path));
  if (missing.length > 0) {
    process.stderr.write(`runtime base tests: fetching ${missing.length} pinned input(s) once into ${cacheDir} (npm registry, deb.debian.org; about 100 MB the first time)\n`);
  }
  for (const { input } of missing) await fetchPinnedInput(input, { cacheDir, progress: (line) => process.stderr.write(`  ${line}\n`) });
  return result;
}
