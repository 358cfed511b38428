/**
 * Lists exports of the project's sources that nothing else uses (issue 17, point 9): an export no
 * file references is dead code, and a function or constant only its own file uses should not be
 * exported. Types used only in their own file are left alone (they describe an exported function's
 * parameters or result), and so are error classes (callers test for them by name).
 *
 *   npx tsx test/support/unused-exports.ts     (.ci/run runs it; exit 1 when it finds any)
 *
 * Built on the TypeScript checker: a use is any identifier, in any file tsconfig.json includes
 * (sources, tests, benchmarks), that resolves to the exported symbol.
 */
import { relative } from "node:path";
import ts from "typescript";
import { PROJECT_ROOT } from "./run-cli.js";

/** Exported for a reader outside TypeScript, or owned by work in flight elsewhere. */
const EXCEPTIONS: { readonly path: RegExp; readonly why: string }[] = [
  { path: /^src\/infra\/index\.ts$/, why: "the Pulumi stack's outputs: Pulumi reads the entry module's exports" },
];

export function unusedExports(root = PROJECT_ROOT): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(`${root}/tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!config) throw new Error("cannot read tsconfig.json");
  const program = ts.createProgram(config.fileNames, config.options);
  const checker = program.getTypeChecker();
  const sources = program.getSourceFiles().filter((file) => !file.fileName.includes("/node_modules/"));
  const target = (symbol: ts.Symbol) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  const isDeclarationName = (node: ts.Identifier) => {
    const parent = node.parent;
    return (
      (ts.isFunctionDeclaration(parent) || ts.isVariableDeclaration(parent) || ts.isClassDeclaration(parent) || ts.isInterfaceDeclaration(parent) || ts.isTypeAliasDeclaration(parent) || ts.isExportSpecifier(parent) || ts.isEnumDeclaration(parent)) &&
      parent.name === node
    );
  };
  /** For each symbol: the files that use it (declarations are not uses). */
  const usedIn = new Map<ts.Symbol, Set<string>>();
  for (const source of sources) {
    const visit = (node: ts.Node): void => {
      const use = (symbol: ts.Symbol | undefined) => {
        if (!symbol) return;
        const resolved = target(symbol);
        if (!usedIn.has(resolved)) usedIn.set(resolved, new Set());
        usedIn.get(resolved)!.add(source.fileName);
      };
      if (ts.isIdentifier(node) && !isDeclarationName(node)) use(checker.getSymbolAtLocation(node));
      // `const { name } = await import("./module.js")`: a use of the module's export `name`.
      if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
        const key = node.propertyName ?? node.name;
        if (ts.isIdentifier(key)) use(checker.getTypeAtLocation(node.parent).getProperty(key.text));
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  const found: string[] = [];
  for (const source of sources) {
    const path = relative(root, source.fileName);
    if (!/^(src|constructs|schemas)\//.test(path) || EXCEPTIONS.some((exception) => exception.path.test(path))) continue;
    const module = checker.getSymbolAtLocation(source);
    if (!module) continue;
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = target(exported);
      const users = usedIn.get(symbol) ?? new Set<string>();
      if ([...users].some((file) => file !== source.fileName)) continue;
      const isValue = (symbol.flags & ts.SymbolFlags.Value) !== 0;
      if (users.size === 0) found.push(`${path}: ${exported.name} is used nowhere: remove it`);
      else if (isValue && !/Error$/.test(exported.name)) found.push(`${path}: ${exported.name} is used only in its own file: do not export it`);
    }
  }
  return found.sort();
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const found = unusedExports();
  for (const line of found) console.log(line);
  console.log(`${found.length} unused export(s)`);
  process.exit(found.length > 0 ? 1 : 0);
}
