/**
 * Checks a project's imports against a table of layers: for each folder, the folders it may import.
 * Used by test/structure/layering.test.ts on the checkout and on fixture trees written to prove that
 * each rule refuses what it should.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { directImports } from "./import-graph.js";

/** Folder → the folders its modules may import (besides their own). `"*"`: anything (tests, benchmarks). */
export type LayerRules = Readonly<Record<string, readonly string[] | "*">>;

/** Generated, installed or scratch directories: never source. */
const NOT_SOURCE = new Set(["node_modules", "build", "dist", "oci-layout", ".git", ".tmp", ".ci"]);
const CODE = /\.(ts|mts|cts|mjs|cjs|js)$/;

/**
 * The layer a project path belongs to: `src/<folder>` under src/, `src/*.ts` for src's own files,
 * `*.ts` for the project root's files, else its top-level folder (`constructs`, `bin`, `iso`, …).
 */
export function layerOf(path: string): string {
  const parts = path.split("/");
  if (parts.length === 1) return "*.ts";
  if (parts[0] === "src") return parts.length === 2 ? "src/*.ts" : `src/${parts[1]}`;
  return parts[0]!;
}

/** Every code file of the project under `root`, relative to it (generated and installed trees left out). */
export function codeFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!NOT_SOURCE.has(entry.name)) walk(path);
      } else if (CODE.test(entry.name) && !entry.name.endsWith(".d.ts") && statSync(join(root, path)).isFile()) {
        found.push(path);
      }
    }
  };
  walk("");
  return found.sort();
}

/**
 * One line per import that breaks `rules` (type-only imports count: a dependency in the design even
 * when nothing loads), and one per folder, imported or importing, that has no rule.
 */
export function layerViolations(root: string, files: readonly string[], rules: LayerRules): string[] {
  const problems = new Set<string>();
  const ruleOf = (layer: string) => (Object.hasOwn(rules, layer) ? rules[layer] : undefined);
  for (const file of files) {
    const layer = layerOf(file);
    const allowed = ruleOf(layer);
    if (allowed === undefined) {
      problems.add(`${layer}/ has no rule (${file}): add a line to the layer table saying what it may import`);
      continue;
    }
    for (const target of directImports(root, file, { types: true }).files) {
      const targetLayer = layerOf(target);
      if (targetLayer === layer) continue;
      if (ruleOf(targetLayer) === undefined) problems.add(`${targetLayer}/ has no rule (imported by ${file}): add a line to the layer table`);
      else if (allowed !== "*" && !allowed.includes(targetLayer)) problems.add(`${file} imports ${target}: ${layer} may not import ${targetLayer}`);
    }
  }
  return [...problems].sort();
}

/** Cycles among the rules themselves (a may import b, b may import a): one line per cycle found. */
export function ruleCycles(rules: LayerRules): string[] {
  const cycles: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (layer: string, path: string[]): void => {
    if (state.get(layer) === "done") return;
    if (state.get(layer) === "visiting") {
      cycles.push([...path.slice(path.indexOf(layer)), layer].join(" → "));
      return;
    }
    state.set(layer, "visiting");
    const allowed = rules[layer];
    for (const next of allowed === "*" || allowed === undefined ? [] : allowed) visit(next, [...path, layer]);
    state.set(layer, "done");
  };
  for (const layer of Object.keys(rules)) visit(layer, []);
  return cycles;
}
