/** An npm package whose code is in a bundle. */
export interface BundledPackage {
  readonly name: string;
  readonly version: string;
  /** The package's declared licence (SPDX expression as npm records it), or undefined when it declares none. */
  readonly license?: string;
  /** Where it was installed, e.g. `node_modules/ws` (nested installs keep their path). */
  readonly path: string;
}

/** `node_modules/a`, `node_modules/@s/a`, `node_modules/a/node_modules/b`: the install directory of a bundled file. */
const PACKAGE_DIRECTORY = /^(?:node_modules\/(?:@[^/]+\/)?[^/]+\/)*node_modules\/(?:@[^/]+\/)?[^/]+(?=\/)/;

interface LockEntry {
  readonly version?: unknown;
  readonly license?: unknown;
  readonly name?: unknown;
}

/**
 * The npm packages a bundle holds: each bundled input (esbuild's metafile `inputs`, paths relative
 * to the project) under node_modules is attributed to its install directory, whose version and
 * licence npm's lock file (`package-lock.json`, lockfileVersion 2 or 3) records. Sorted by path.
 * A bundled package the lock does not know is refused: the SBOM would be guessing.
 */
export function bundledPackages(inputs: readonly string[], packageLock: { packages?: Record<string, LockEntry> }): BundledPackage[] {
  const packages = packageLock.packages;
  if (!packages || typeof packages !== "object") throw new Error("package-lock.json has no `packages` map (lockfileVersion 2 or 3 is needed; run npm install with npm 7 or later)");
  const directories = new Set<string>();
  for (const input of inputs) {
    const match = PACKAGE_DIRECTORY.exec(input.replaceAll("\\", "/"));
    if (match) directories.add(match[0]);
  }
  return [...directories].sort().map((path) => {
    const entry = packages[path];
    if (!entry || typeof entry.version !== "string") throw new Error(`package-lock.json does not record ${path}, which the bundle holds: run npm install so the lock file matches node_modules`);
    const name = typeof entry.name === "string" ? entry.name : path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
    return { name, version: entry.version, ...(typeof entry.license === "string" ? { license: entry.license } : {}), path };
  });
}

/** The package URL (purl spec, `pkg:npm/…`): a scope's `@` is percent-encoded. */
export function npmPurl(name: string, version: string): string {
  return `pkg:npm/${name.startsWith("@") ? `%40${name.slice(1)}` : name}@${encodeURIComponent(version)}`;
}
