/**
 * The order of release versions (`1.2.3`, `1.0-rc5`, `2.0.0-beta.2`), semver's rules on a tolerant
 * grammar: dot-separated numeric core compared number by number (a missing number is 0), a version
 * with a pre-release (`-…`) before the same core without one, pre-release identifiers compared
 * numerically when both are numbers, else as text with its digit runs compared as numbers (rc5 <
 * rc10), numbers before text, fewer identifiers first.
 * Build metadata (`+…`) does not order. Returns <0, 0 or >0 like a sort comparator.
 */
export function compareReleaseVersions(a: string, b: string): number {
  const [coreA, preA] = split(a);
  const [coreB, preB] = split(b);
  for (let index = 0; index < Math.max(coreA.length, coreB.length); index++) {
    const difference = compareIdentifier(coreA[index] ?? "0", coreB[index] ?? "0");
    if (difference !== 0) return difference;
  }
  if (preA === undefined || preB === undefined) return preA === preB ? 0 : preA === undefined ? 1 : -1;
  const idsA = preA.split(".");
  const idsB = preB.split(".");
  for (let index = 0; index < Math.min(idsA.length, idsB.length); index++) {
    const difference = compareIdentifier(idsA[index]!, idsB[index]!);
    if (difference !== 0) return difference;
  }
  return idsA.length - idsB.length;
}

function split(version: string): [string[], string | undefined] {
  const withoutBuild = version.split("+")[0]!;
  const dash = withoutBuild.search(/[-_]/);
  const core = dash < 0 ? withoutBuild : withoutBuild.slice(0, dash);
  return [core.split("."), dash < 0 ? undefined : withoutBuild.slice(dash + 1)];
}

function compareIdentifier(a: string, b: string): number {
  const numericA = /^[0-9]+$/.test(a);
  const numericB = /^[0-9]+$/.test(b);
  if (numericA && numericB) {
    // Compared as digit strings, so a 20-digit number orders correctly too.
    const trimmedA = a.replace(/^0+(?=.)/, "");
    const trimmedB = b.replace(/^0+(?=.)/, "");
    return trimmedA.length !== trimmedB.length ? trimmedA.length - trimmedB.length : trimmedA < trimmedB ? -1 : trimmedA > trimmedB ? 1 : 0;
  }
  if (numericA !== numericB) return numericA ? -1 : 1;
  // Text with numbers inside ("rc5", "rc10") compares its digit runs as numbers, so rc10 follows
  // rc5 as a release engineer means it (semver would compare them as plain text).
  const runsA = a.match(/[0-9]+|[^0-9]+/g)!;
  const runsB = b.match(/[0-9]+|[^0-9]+/g)!;
  if (runsA.length === 1 && runsB.length === 1) return a < b ? -1 : a > b ? 1 : 0;
  for (let index = 0; index < Math.min(runsA.length, runsB.length); index++) {
    const difference = compareIdentifier(runsA[index]!, runsB[index]!);
    if (difference !== 0) return difference;
  }
  if (runsA.length !== runsB.length) return runsA.length - runsB.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
