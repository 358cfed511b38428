import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../support/run-cli.js";

const SERVICE_DIR = join(PROJECT_ROOT, "src", "services", "status");
const CLI_FILES = ["status.ts", "status-service.ts", "status-options.ts"].map((f) => join(PROJECT_ROOT, "src", "cli", f));

function imports(file: string): { specifier: string; dynamic: boolean }[] {
  const text = readFileSync(file, "utf8");
  const found: { specifier: string; dynamic: boolean }[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)) found.push({ specifier: match[1]!, dynamic: false });
  for (const match of text.matchAll(/import\(\s*"([^"]+)"\s*\)/g)) found.push({ specifier: match[1]!, dynamic: true });
  return found;
}

describe("the status service is appliance-side", () => {
  const files = readdirSync(SERVICE_DIR).filter((f) => f.endsWith(".ts")).map((f) => join(SERVICE_DIR, f));

  it("imports only schemas/, its own files, src/errors.ts, the OCI vocabulary and node: built-ins (no cdk8s, constructs, kubernetes-models, renderer)", () => {
    expect(files.length).toBeGreaterThan(10);
    for (const file of [...files, ...CLI_FILES]) {
      for (const { specifier } of imports(file)) {
        const allowed =
          specifier.startsWith("node:") ||
          specifier.startsWith("./") ||
          specifier.startsWith("../../../schemas/") ||
          specifier === "../../errors.js" ||
          // OCI vocabulary only: annotation keys and the digest grammar (no client code).
          specifier === "../../oci/annotations.js" ||
          specifier === "../../oci/registry-reference.js" ||
          specifier === "zod" ||
          // The kubeconfig reader of live mode only.
          (specifier === "yaml" && file.endsWith("kube-config.ts")) ||
          (CLI_FILES.includes(file) && (specifier.startsWith("../services/status/") || specifier === "../errors.js" || specifier === "./run.js" || specifier === "./status-options.js"));
        expect(allowed, `${file} imports ${specifier}`).toBe(true);
      }
    }
  });

  it("never loads @kubernetes/client-node (its models cost the status process over 100 MB), and loads live mode only lazily", () => {
    for (const file of [...files, ...CLI_FILES]) {
      for (const { specifier, dynamic } of imports(file)) {
        expect(specifier, file).not.toBe("@kubernetes/client-node");
        if (specifier.endsWith("live-cluster.js")) expect(dynamic, `${file} must import live-cluster lazily`).toBe(true);
      }
    }
  });
});
