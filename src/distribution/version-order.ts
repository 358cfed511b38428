/**
 * Orders release versions (schemas/common.ts ReleaseVersion: 1.0.0, 1.0-rc5, 2.1.3-hotfix.2) the
 * way people read them: the numeric core compared number by number (missing parts are 0), then a
 * version without a suffix above one with (1.0-rc5 < 1.0.0), suffixes compared part by part
 * (numbers numerically, below words). Returns <0, 0 or >0.
 */
export function compareVersions(a: string, b: string): number {
  const [coreA, suffixA] = split(a);
  const [coreB, suffixB] = split(b);
  for (let i = 0; i < Math.max(coreA.length, coreB.length); i++) {
    const difference = (coreA[i] ?? 0) - (coreB[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  if (suffixA === undefined || suffixB === undefined) return suffixA === suffixB ? 0 : suffixA === undefined ? 1 : -1;
  const partsA = suffixA.split(/[.-]/);
  const partsB = suffixB.split(/[.-]/);
  for (let i = 0; i < Math.max(partsA.length, partsB.length); i++) {
    const x = partsA[i];
    const y = partsB[i];
    if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? -1 : 1;
    const order = comparePart(x, y);
    if (order !== 0) return order;
  }
  return 0;
}

function split(version: string): [number[], string | undefined] {
  const match = /^(\d+(?:\.\d+)*)(?:[-+.]?(.*))?$/.exec(version);
  if (!match) return [[], version];
  const suffix = match[2] === undefined || match[2] === "" ? undefined : match[2];
  return [match[1]!.split(".").map(Number), suffix];
}

function comparePart(x: string, y: string): number {
  // rc5 against rc12: the letters, then the number after them.
  const [, lettersX = "", digitsX] = /^([^\d]*)(\d*)$/.exec(x) ?? [];
  const [, lettersY = "", digitsY] = /^([^\d]*)(\d*)$/.exec(y) ?? [];
  if (lettersX !== lettersY) return lettersX < lettersY ? -1 : 1;
  if (digitsX !== undefined && digitsY !== undefined && digitsX !== "" && digitsY !== "") return Math.sign(Number(digitsX) - Number(digitsY));
  return x === y ? 0 : x < y ? -1 : 1;
}
