import { cpSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "./run-cli.js";
import { tempDir } from "./temp-dir.js";

/** A copy of the checkout's sources and scripts without build/ (a fresh clone after npm ci, minus the build). */
export function copyCheckout(): string {
  const checkout = join(tempDir("ark-checkout-"), "kit");
  for (const entry of ["package.json", "package-lock.json", "tsconfig.json", "cdk8s.yaml", "bin", "src", "constructs", "schemas", "releases", "iso"]) {
    cpSync(join(PROJECT_ROOT, entry), join(checkout, entry), { recursive: true });
  }
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(checkout, "node_modules"));
  return checkout;
}
