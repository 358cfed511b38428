/**
 * The import graph of the project's TypeScript sources, parsed by TypeScript itself (imports,
 * re-exports and literal dynamic imports; type-only imports are left out, since they load
 * nothing), for tests that check which way dependencies point and what a command loads.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { PROJECT_ROOT } from "./run-cli.js";

export interface ImportGraph {
  /** Project files reached, relative to the project root. */
  readonly files: Set<string>;
  /** Bare package specifiers reached (`cdk8s`, `kubernetes-models/v1/Namespace`, `node:fs`). */
  readonly packages: Set<string>;
  /** Who imported each file or package first: for messages. */
  readonly importedBy: Map<string, string>;
}

/** Every module reachable from `entries` (paths relative to the project root), not following packages. */
export function importGraph(entries: readonly string[]): ImportGraph {
  const files = new Set<string>();
  const packages = new Set<string>();
  const importedBy = new Map<string, string>();
  const pending = entries.map((entry) => resolve(PROJECT_ROOT, entry));
  while (pending.length > 0) {
    const file = pending.pop()!;
    const key = relative(PROJECT_ROOT, file);
    if (files.has(key)) continue;
    files.add(key);
    for (const specifier of importSpecifiers(file)) {
      if (specifier.startsWith(".")) {
        const target = resolveSource(join(dirname(file), specifier));
        if (!importedBy.has(relative(PROJECT_ROOT, target))) importedBy.set(relative(PROJECT_ROOT, target), key);
        pending.push(target);
      } else {
        packages.add(specifier);
        if (!importedBy.has(specifier)) importedBy.set(specifier, key);
      }
    }
  }
  return { files, packages, importedBy };
}

/**
 * The project files `file` imports directly (paths relative to `root`) and the packages it names,
 * type-only imports included when `types` is set: what a module depends on, not only what it loads.
 */
export function directImports(root: string, file: string, options: { types: boolean }): { files: string[]; packages: string[] } {
  const path = resolve(root, file);
  const files: string[] = [];
  const packages: string[] = [];
  for (const specifier of importSpecifiers(path, options)) {
    if (specifier.startsWith(".")) files.push(relative(root, resolveSource(join(dirname(path), specifier))));
    else packages.push(specifier);
  }
  return { files, packages };
}

/**
 * Module specifiers `file` loads when it runs: static imports and re-exports except type-only
 * ones (erased by the compiler; kept with `types`), and `import("literal")`.
 */
function importSpecifiers(file: string, options: { types: boolean } = { types: false }): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((element) => element.isTypeOnly)));
      if (!typeOnly || options.types) found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.isTypeOnly || options.types) found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteral(argument)) found.push(argument.text);
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "require" && file.endsWith(".cjs")) {
      // bin/'s CommonJS files (the launcher) load with require.
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteral(argument)) found.push(argument.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `./x.js` is written for `./x.ts`; bin/ holds plain `.mjs` and `.cjs`. */
function resolveSource(path: string): string {
  for (const candidate of [path.replace(/\.js$/, ".ts"), path, `${path}.ts`, join(path, "index.ts")]) {
    if (existsSync(candidate) && /\.(ts|mjs|cjs|json)$/.test(candidate)) return candidate;
  }
  throw new Error(`cannot resolve ${path}`);
}

/** The chain of importers from an entry to `target`, for failure messages. */
export function importChain(graph: ImportGraph, target: string): string {
  const chain = [target];
  for (let current = graph.importedBy.get(target); current !== undefined && chain.length < 30; current = graph.importedBy.get(current)) chain.push(current);
  return chain.reverse().join(" → ");
}
