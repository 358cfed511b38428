import type { PolicyWaiver } from "../../schemas/policy-waiver.js";
import type { PolicyFinding } from "./index.js";

/** A waiver together with the violations it covered. */
export interface AppliedWaiver extends PolicyWaiver {
  readonly covers: readonly string[];
}

/** True when `field` is `waived` or lies below it (`a.b` covers `a.b.c` and `a.b[0]`). */
function fieldCovered(field: string, waived: string): boolean {
  return field === waived || field.startsWith(`${waived}.`) || field.startsWith(`${waived}[`) || field.startsWith(`${waived} `);
}

function covers(waiver: PolicyWaiver, finding: PolicyFinding): boolean {
  if (waiver.policy !== finding.policy || waiver.object !== finding.object) return false;
  return waiver.fields === undefined || waiver.fields.some((field) => fieldCovered(finding.field, field));
}

/** Splits findings into those waived (grouped by waiver) and those that remain. */
export function applyWaivers(
  findings: readonly PolicyFinding[],
  waivers: readonly PolicyWaiver[],
): { remaining: PolicyFinding[]; applied: AppliedWaiver[]; unused: PolicyWaiver[] } {
  const covered = waivers.map(() => [] as string[]);
  const remaining = findings.filter((finding) => {
    const index = waivers.findIndex((waiver) => covers(waiver, finding));
    if (index < 0) return true;
    covered[index]!.push(`${finding.file}: ${finding.field}`);
    return false;
  });
  return {
    remaining,
    applied: waivers.flatMap((waiver, i) => (covered[i]!.length > 0 ? [{ ...waiver, covers: covered[i]! }] : [])),
    unused: waivers.filter((_, i) => covered[i]!.length === 0),
  };
}
