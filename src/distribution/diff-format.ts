import type { FieldChange, ReleaseDiff } from "./diff-releases.js";

export interface Palette {
  added(text: string): string;
  removed(text: string): string;
  changed(text: string): string;
  heading(text: string): string;
}

const PLAIN: Palette = { added: (t) => t, removed: (t) => t, changed: (t) => t, heading: (t) => t };
const ANSI: Palette = {
  added: (t) => `\x1b[32m${t}\x1b[0m`,
  removed: (t) => `\x1b[31m${t}\x1b[0m`,
  changed: (t) => `\x1b[33m${t}\x1b[0m`,
  heading: (t) => `\x1b[1m${t}\x1b[0m`,
};

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function paletteFor(stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>> = process.env): Palette {
  return stream.isTTY && !env["NO_COLOR"] ? ANSI : PLAIN;
}

function show(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function fieldLine(change: FieldChange, palette: Palette, indent: string): string {
  if (!("a" in change)) return palette.added(`${indent}+ ${change.path}: ${show(change.b)}`);
  if (!("b" in change)) return palette.removed(`${indent}- ${change.path}: ${show(change.a)}`);
  return palette.changed(`${indent}~ ${change.path}: ${show(change.a)} -> ${show(change.b)}`);
}

/** The human report: the release-level summary, then added, removed and changed bundle objects. */
export function formatDiff(diff: ReleaseDiff, palette: Palette = PLAIN): string {
  const lines = [`A: ${diff.a}`, `B: ${diff.b}`];
  if (diff.equal) return [...lines, "no differences"].join("\n");
  lines.push(palette.heading(`release: ${diff.release.length === 0 ? "no differences" : `${diff.release.length} field(s) differ`}`));
  for (const change of diff.release) lines.push(fieldLine(change, palette, "  "));
  lines.push(palette.heading(`bundle objects: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`));
  for (const object of diff.added) lines.push(palette.added(`  + ${object.object} (${object.file})`));
  for (const object of diff.removed) lines.push(palette.removed(`  - ${object.object} (${object.file})`));
  for (const object of diff.changed) {
    lines.push(palette.changed(`  ~ ${object.object} (${object.file})`));
    for (const change of object.fields) lines.push(fieldLine(change, palette, "      "));
  }
  return lines.join("\n");
}
