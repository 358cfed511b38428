import { UserError } from "../errors.js";
import { blocksLogin, type ReleaseReference } from "../synth/reference-collector.js";
import { lookUpReferences, type ReferenceLookup } from "./look-up-references.js";
import type { ReferenceRegistries } from "./reference-registries.js";

export interface PreflightOptions {
  readonly registries: ReferenceRegistries;
  /** Requests in flight. Default 8. */
  readonly concurrency?: number;
  readonly progress?: (message: string) => void;
}

export interface PreflightReport {
  readonly version: string;
  readonly checked: number;
  /** References checked by digest (the rest by tag). */
  readonly byDigest: number;
}

/** References not pinned by digest (neither in the release nor in its lock). */
export function unpinnedReferences(references: readonly ReleaseReference[]): ReleaseReference[] {
  return references.filter((reference) => !reference.pinned);
}

function impact(reference: ReleaseReference): string {
  const tiers = [...new Set(reference.uses.map((use) => use.tier))].join(", ");
  return blocksLogin(reference) ? `tier ${tiers}: blocks login` : `tier ${tiers}: only background services, login still works`;
}

/** `  alga-core: image ghcr.io/…:tag (tier core: blocks login)` */
function referenceLine(lookup: ReferenceLookup): string {
  const { reference } = lookup;
  const where = `${reference.reference}${lookup.asked === reference.tag ? "" : `@${lookup.asked}`}`;
  return `${reference.uses.map((use) => use.user).join(", ")}: ${reference.kind} ${where}`;
}

const REGISTRY_PROBLEM: Record<"unreachable" | "refused" | "failed", string> = {
  unreachable: "the registry could not be reached: check the network, the host and port",
  // The fix depends on the host (its own config.json entry, or the environment's credentials for the
  // publish target), so the registry's own message, which names it, follows.
  refused: "the registry refused the credentials (what to set for this host is in its answer)",
  failed: "the registry answered with an error",
};

/**
 * The refusal: every missing reference with its component, tier and login impact; then, per
 * registry, what went wrong once (unreachable, refused credentials) and the references it leaves
 * unchecked, which are not said to be missing.
 */
function describePreflightFailures(failures: readonly ReferenceLookup[]): string[] {
  const lines = failures
    .filter((lookup) => lookup.status === "missing")
    .map((lookup) => `  ${referenceLine(lookup)} does not exist (${impact(lookup.reference)}): push it (or fix the reference) before publishing`);
  for (const lookup of failures.filter((f) => f.status === "inconsistent")) {
    lines.push(`  ${referenceLine(lookup)} cannot be confirmed by content (${impact(lookup.reference)}): ${lookup.detail ?? "HEAD and GET disagree"}`);
  }
  for (const status of ["unreachable", "refused", "failed"] as const) {
    const byRegistry = new Map<string, ReferenceLookup[]>();
    for (const lookup of failures.filter((f) => f.status === status)) {
      byRegistry.set(lookup.reference.registry, [...(byRegistry.get(lookup.reference.registry) ?? []), lookup]);
    }
    for (const [registry, lookups] of byRegistry) {
      lines.push(`  registry ${registry}: ${REGISTRY_PROBLEM[status]} [${lookups[0]!.detail ?? status}]; whether these exist is unknown:`);
      for (const lookup of lookups) lines.push(`    ${referenceLine(lookup)} (${impact(lookup.reference)})`);
    }
  }
  return lines;
}

/**
 * Checks that every image and chart a release references exists in its registry (by digest when
 * pinned), confirmed by the bytes of its manifest, before anything is pushed. Throws a `UserError` naming every problem; unreachable
 * registries and refused credentials are reported as such, never as a missing image.
 */
export async function preflightRelease(version: string, references: readonly ReleaseReference[], options: PreflightOptions): Promise<PreflightReport> {
  const lookups = await lookUpReferences(references, {
    registries: options.registries,
    by: "pinned",
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.progress ? { progress: (line: string) => options.progress!(`preflight ${version} ${line}`) } : {}),
  });
  const failures = lookups.filter((lookup) => lookup.status !== "present");
  if (failures.length > 0) {
    const counts = ["missing", "inconsistent", "unreachable", "refused", "failed"]
      .map((status) => [status, failures.filter((f) => f.status === status).length] as const)
      .filter(([, count]) => count > 0)
      .map(([status, count]) => `${count} ${status}`)
      .join(", ");
    throw new UserError(
      `preflight refused release ${version} (${counts}); nothing was pushed and no channel moved:\n${describePreflightFailures(failures).join("\n")}`,
      {
        preflight: failures.map((f) => ({
          reference: f.reference.reference,
          asked: f.asked,
          kind: f.reference.kind,
          status: f.status,
          usedBy: f.reference.uses,
          blocksLogin: blocksLogin(f.reference),
          ...(f.detail ? { detail: f.detail } : {}),
        })),
      },
    );
  }
  return { version, checked: lookups.length, byDigest: lookups.filter((lookup) => lookup.asked !== lookup.reference.tag).length };
}
