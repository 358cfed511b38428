// Builds every command into build/ as bundled JavaScript, so a command starts as one `node` process
// reading a few files instead of tsx compiling hundreds of TypeScript and package files.
//
//   node bin/build.mjs             build (npm ci runs it through the `prepare` script)
//   node bin/build.mjs --if-stale  build only the commands whose sources changed since their last build (the tests' setup)
//
// Plain JavaScript on purpose: it has to run before anything is built.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { isAscii } from "node:buffer";
import { builtinModules, createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { COMMAND_SCRIPT, STAMP_DIR, fileSha256, projectRoot, readStamp, staleCommands, writeStamp } from "./build-stamp.cjs";

/** The commands to build: every package.json script of the form `node bin/command.cjs <name>`. */
export function commandNames(root) {
  const scripts = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts ?? {};
  const names = new Set();
  for (const line of Object.values(scripts)) {
    const match = COMMAND_SCRIPT.exec(line);
    if (match) names.add(match[1]);
  }
  return [...names].sort();
}

/**
 * npm packages loaded from node_modules at run time instead of bundled: add one here when it needs
 * its own files beside it (native addons, files found through __dirname, such as cdk8s's
 * Yaml.load of a URL, which the kit does not use) or when it cannot be bundled.
 */
const EXTERNAL_PACKAGES = [];

/** ajv options of src/manifest/release-manifest-validator.ts (RELEASE_MANIFEST_AJV_OPTIONS): change both together. */
const RELEASE_MANIFEST_AJV_OPTIONS = { allErrors: true, strict: true };

/** ajv options and formats of src/iso/autoinstall-validator.ts (AUTOINSTALL_AJV_OPTIONS, isUri): change both together. */
const AUTOINSTALL_AJV_OPTIONS = { allErrors: true, strict: false };
const AUTOINSTALL_FORMATS = { uri: (value) => URL.canParse(value) };
/** The same formats as source code for the standalone validator (ajv cannot serialise a function). */
const AUTOINSTALL_FORMATS_SOURCE = "{ uri: (value) => URL.canParse(value) }";

/** ajv options of src/synth/flux-schema-validators.ts (FLUX_AJV_OPTIONS): change both together. */
const FLUX_AJV_OPTIONS = {
  allErrors: true,
  strict: true,
  keywords: ["x-kubernetes-validations", "x-kubernetes-preserve-unknown-fields"],
  formats: { int64: true, "date-time": true },
};

/** The JSON files of a directory of schemas, sorted (the build's output must not depend on readdir's order). */
function schemaFiles(root, dir) {
  return readdirSync(join(root, dir))
    .filter((entry) => entry.endsWith(".json"))
    .sort()
    .map((entry) => `${dir}/${entry}`);
}

/**
 * JSON Schemas compiled at build time (ajv standalone code) in place of the modules that would
 * compile them in every process: the release-manifest schema (~100 ms of each pull on the 2-core
 * machine), Subiquity's autoinstall schema (~40 ms of each synth) and Flux's CRD schemas (`schemas`:
 * several, one validator each, keyed by their `$id`). Same schema files, same options, same ajv.
 * Each replaced module exports one function returning the validator (or the validators by `$id`).
 */
export const PRECOMPILED_VALIDATORS = [
  {
    module: /[\\/]src[\\/]manifest[\\/]release-manifest-validator\.ts$/,
    schema: "schemas/release-manifest.schema.json",
    exportName: "releaseManifestValidator",
    ajv: async () => new (await import("ajv/dist/2020.js")).Ajv2020({ ...RELEASE_MANIFEST_AJV_OPTIONS, code: { source: true, esm: true } }),
  },
  {
    module: /[\\/]src[\\/]iso[\\/]autoinstall-validator\.ts$/,
    schema: "iso/autoinstall-schema.json",
    exportName: "autoinstallValidator",
    ajv: async () => {
      const { Ajv } = await import("ajv");
      const { _Code } = await import("ajv/dist/compile/codegen/code.js");
      return new Ajv({ ...AUTOINSTALL_AJV_OPTIONS, formats: AUTOINSTALL_FORMATS, code: { source: true, esm: true, formats: new _Code(AUTOINSTALL_FORMATS_SOURCE) } });
    },
  },
  {
    module: /[\\/]src[\\/]synth[\\/]flux-schema-validators\.ts$/,
    schemas: (root) => schemaFiles(root, "schemas/upstream/flux"),
    exportName: "fluxSchemaValidators",
    ajv: async () => new (await import("ajv")).Ajv({ ...FLUX_AJV_OPTIONS, code: { source: true, esm: true } }),
  },
];

/** Every schema file the precompiled validators read. */
function precompiledSchemaFiles(root) {
  return PRECOMPILED_VALIDATORS.flatMap((validator) => (validator.schemas ? validator.schemas(root) : [validator.schema]));
}

/** Where the standalone code of PRECOMPILED_VALIDATORS is kept between builds (see validatorCode). */
const VALIDATOR_CACHE = ".validators";
/** The kept files this process's builds used; the others are removed after a build (cleanup below). */
const usedValidatorCode = new Set();

/**
 * The standalone code replacing one module of PRECOMPILED_VALIDATORS. ajv's code generator takes
 * about a second of every build on the 2-core machine while its inputs rarely change, so its output
 * is kept in build/.validators/, named by the SHA-256 of everything it depends on: this file (the
 * options), ajv's version and the schema files' bytes. The same inputs give the same code, so a
 * kept copy is the code ajv would write again.
 */
async function validatorCode(root, validator) {
  const files = validator.schemas ? validator.schemas(root) : [validator.schema];
  const sources = files.map((file) => readFileSync(join(root, file)));
  const key = createHash("sha256")
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(JSON.parse(readFileSync(join(root, "node_modules", "ajv", "package.json"), "utf8")).version)
    .update(validator.exportName);
  for (const [index, file] of files.entries()) key.update(`\0${file}\0`).update(sources[index]);
  const cacheFile = join(root, "build", VALIDATOR_CACHE, `${key.digest("hex")}.js`);
  usedValidatorCode.add(cacheFile);
  try {
    return { contents: readFileSync(cacheFile, "utf8"), files };
  } catch {
    // Not kept yet: generated below.
  }
  const { default: standaloneCode } = await import("ajv/dist/standalone/index.js");
  const ajv = await validator.ajv();
  let contents;
  if (validator.schemas) {
    const ids = sources.map((source) => {
      const schema = JSON.parse(source.toString("utf8"));
      ajv.addSchema(schema);
      return schema.$id;
    });
    const names = Object.fromEntries(ids.map((id, index) => [`validate_${index}`, id]));
    const table = ids.map((id, index) => `${JSON.stringify(id)}: validate_${index}`).join(", ");
    contents = `${standaloneCode(ajv, names)}\nconst validators = { ${table} };\nexport function ${validator.exportName}() { return validators; }\n`;
  } else {
    const validate = ajv.compile(JSON.parse(sources[0].toString("utf8")));
    contents = `${standaloneCode(ajv, validate)}\nexport function ${validator.exportName}() { return validate; }\n`;
  }
  try {
    mkdirSync(dirname(cacheFile), { recursive: true });
    const temp = `${cacheFile}.tmp-${process.pid}`;
    writeFileSync(temp, contents);
    renameSync(temp, cacheFile);
  } catch {
    // Only a cache: the next build generates the code again.
  }
  return { contents, files };
}

/** An esbuild plugin swapping each module of PRECOMPILED_VALIDATORS for its validator's standalone code. */
export function precompiledValidators(root) {
  return {
    name: "precompiled-validators",
    setup(builder) {
      for (const validator of PRECOMPILED_VALIDATORS) {
        builder.onLoad({ filter: validator.module }, async () => {
          const { contents, files } = await validatorCode(root, validator);
          return { contents, loader: "js", resolveDir: root, watchFiles: files.map((file) => join(root, file)) };
        });
      }
    },
  };
}

/**
 * zod's classic API carries all of its ~40 error-message locales (~370 kB of source to parse on
 * every start); the kit uses the default, English. Other locales are left out of the bundle.
 */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(builder) {
    builder.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: 'export { default as en } from "./en.js";\n',
      loader: "js",
    }));
  },
};

/**
 * The Kubernetes model validators word their errors with ajv-i18n's English messages only
 * (`localize.en`); its index requires all 23 languages (~95 KB of every bundle that validates
 * against the upstream schemas). Only English is bundled.
 */
export const ajvI18nEnglishOnly = {
  name: "ajv-i18n-english-only",
  setup(builder) {
    builder.onLoad({ filter: /[\\/]ajv-i18n[\\/]localize[\\/]index\.js$/ }, () => ({
      contents: '"use strict";\nmodule.exports = { en: require("./en") };\n',
      loader: "js",
    }));
  },
};

/**
 * A dynamic `import()` of a Node built-in (`import("node:http")`, as the AWS SDK does on some paths)
 * fails in a bundle run from V8's code cache on Node 20 ("A dynamic import callback was not
 * specified"). Such imports are bundled as a one-line module that requires the built-in, which
 * esbuild then loads with `require` like every other bundled module.
 */
const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** esbuild namespaces of the modules the two plugins below write in place of built-ins: no file behind them. */
const BUILTIN_IMPORT_NAMESPACE = "builtin-dynamic-import";
const LAZY_BUILTIN_NAMESPACE = "lazy-package-builtin";
const SHIM_NAMESPACES = [BUILTIN_IMPORT_NAMESPACE, LAZY_BUILTIN_NAMESPACE];
const builtinDynamicImports = {
  name: "builtin-dynamic-imports",
  setup(builder) {
    builder.onResolve({ filter: /^[a-z:_/]+$/ }, (args) =>
      args.kind === "dynamic-import" && BUILTINS.has(args.path) ? { path: args.path, namespace: BUILTIN_IMPORT_NAMESPACE } : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: BUILTIN_IMPORT_NAMESPACE }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path.startsWith("node:") ? args.path : `node:${args.path}`)});`,
      loader: "js",
    }));
  },
};

/**
 * Built-ins that bundled packages require at their top level for a path the kit never takes: cdk8s
 * requires `child_process` (and with it net, dgram and the stream machinery, ~6 ms of every synth
 * and diff on the 2-core machine) only to fetch a URL in Yaml.load and to run helm. In the bundle,
 * such a package's `require` gives a stand-in whose functions load the built-in when called (not
 * getters: packages copy functions out at their top level, cdk8s `{ spawnSync: child_process.spawnSync }`).
 * A built-in listed here must export functions only; the build refuses one that does not. The kit's
 * own code imports what it uses, lazily where it should, and gets the real module.
 */
const LAZY_PACKAGE_BUILTINS = ["child_process"];
/** The plugin, for `builtins` (the list above unless a test gives another). */
export function lazyPackageBuiltins(builtins = LAZY_PACKAGE_BUILTINS) {
  const names = new Set(builtins.flatMap((name) => [name, `node:${name}`]));
  return {
    name: "lazy-package-builtins",
    setup(builder) {
      builder.onResolve({ filter: /^[a-z:_]+$/ }, (args) =>
        args.kind === "require-call" && names.has(args.path) && /[\\/]node_modules[\\/]/.test(args.importer)
          ? { path: args.path.replace(/^node:/, ""), namespace: LAZY_BUILTIN_NAMESPACE }
          : undefined,
      );
      builder.onLoad({ filter: /.*/, namespace: LAZY_BUILTIN_NAMESPACE }, (args) => {
        // The built-in's exports as this Node has them (Node 20, 22 and 24 have the same names).
        const builtin = createRequire(import.meta.url)(`node:${args.path}`);
        const keys = Object.keys(builtin).sort();
        const values = keys.filter((key) => typeof builtin[key] !== "function");
        if (values.length > 0) {
          throw new Error(`lazyPackageBuiltins: node:${args.path} exports values that are not functions (${values.join(", ")}); a stand-in cannot load them on first call`);
        }
        const load = `require(${JSON.stringify(`node:${args.path}`)})`;
        return {
          contents:
            `"use strict";\n` +
            `for (const key of ${JSON.stringify(keys)}) exports[key] = function (...args) { const real = ${load}[key]; return new.target ? Reflect.construct(real, args) : real.apply(this, args); };\n`,
          loader: "js",
        };
      });
    },
  };
}

/**
 * Packages written before Node deprecated its `punycode` module (DEP0040, warned on Node 22 and 24)
 * load it with `require("punycode")`: ajv-formats-draft2019 (under the Kubernetes models), tr46 and
 * whatwg-url (under the Kubernetes client). The npm package `punycode` is the same code with the same
 * API, so the bundle holds it in their place and no command prints the warning.
 */
const userlandPunycode = {
  name: "userland-punycode",
  setup(builder) {
    builder.onResolve({ filter: /^(node:)?punycode$/ }, (args) =>
      builder.resolve("punycode/", { kind: args.kind, resolveDir: builder.initialOptions.absWorkingDir }),
    );
  },
};

/**
 * A command file ends in `await runCli(...)`, a top-level await, which CommonJS cannot hold. Nothing
 * follows it and runCli catches every error, so starting it without awaiting is the same program.
 * Any other top-level await in a command stops the build with esbuild's message.
 */
function commandEntries(root, entryPaths) {
  const entries = new Set(entryPaths.map((path) => join(root, path)));
  return {
    name: "command-entries",
    setup(builder) {
      builder.onLoad({ filter: /[\\/]src[\\/]cli[\\/][^\\/]+\.ts$/ }, (args) => {
        if (!entries.has(args.path)) return undefined;
        return { contents: readFileSync(args.path, "utf8").replace(/^await runCli\(/m, "void runCli("), loader: "ts" };
      });
    },
  };
}

/**
 * Bundles read at run time by other commands, by the module that reads them: a command whose bundle
 * holds the module depends on that command's bundle too (publish, lock and image build the status
 * image from the status-service bundle), so the launcher rebuilds it with them when it is stale.
 */
const RUNTIME_BUNDLE_READERS = { "src/distribution/status-service-image.ts": "status-service" };

/**
 * Bundles src/cli/<name>.ts of the given commands (default: all) in one esbuild run, each into
 * build/<content hash>/<name>.cjs, npm packages included (one file read instead of hundreds of module
 * resolutions), then writes each command's stamp (build-stamp.cjs): every project file its bundle
 * read, with size, mtime and SHA-256. Other commands' bundles and stamps are left as they are.
 */
export async function build(root = projectRoot(), commands = undefined) {
  let esbuild;
  try {
    esbuild = await import("esbuild");
  } catch {
    throw new Error("esbuild (a dev dependency) is not installed: run `npm ci` without --omit=dev; it installs esbuild and builds");
  }
  const started = performance.now();
  const startedAt = Date.now();
  const allNames = commandNames(root);
  const names = commands ? [...new Set(commands)].sort() : allNames;
  for (const name of names) if (!allNames.includes(name)) throw new Error(`"${name}" is not a command: package.json has no script "node bin/command.cjs ${name}"`);
  const buildRoot = join(root, "build");
  mkdirSync(join(buildRoot, STAMP_DIR), { recursive: true });
  const entries = Object.fromEntries(names.map((name) => [name, `src/cli/${name}.ts`]));
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: entries,
    outdir: join(buildRoot, "out"),
    // Written below, one content-named directory per command.
    write: false,
    outExtension: { ".js": ".cjs" },
    bundle: true,
    // CommonJS, one file per command: bin/command.cjs compiles it with V8's code cache (vm.Script
    // cachedData), which Node 20 offers for scripts but not for ES modules.
    format: "cjs",
    platform: "node",
    target: "node20",
    // ESM's import.meta, as the sources use it, in terms of the bundle file.
    banner: { js: 'var __arkImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
    define: { "import.meta.url": "__arkImportMetaUrl", "import.meta.dirname": "__dirname", "import.meta.filename": "__filename" },
    external: EXTERNAL_PACKAGES,
    // Module paths as the checkout names them, not where a symlinked node_modules points: they are
    // written into the bundle (esbuild's module keys), and the status image's digest must not
    // depend on where the packages were installed.
    preserveSymlinks: true,
    // Less source for V8 to parse at every start; names are kept, so stack traces stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    plugins: [commandEntries(root, Object.values(entries)), precompiledValidators(root), zodEnglishOnly, ajvI18nEnglishOnly, userlandPunycode, builtinDynamicImports, lazyPackageBuiltins()],
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
  });

  const shared = ["package.json", "node_modules/.package-lock.json", relative(root, fileURLToPath(import.meta.url)), "bin/build-stamp.cjs"];
  const hashes = new Map();
  const record = (path) => {
    // A file edited while the build ran may not be in it: recorded as unknown, so the next command rebuilds.
    if (!hashes.has(path)) {
      const stats = statSync(join(root, path), { throwIfNoEntry: false });
      hashes.set(path, stats && stats.mtimeMs < startedAt ? [stats.mtimeMs, stats.size, fileSha256(join(root, path))] : null);
    }
    return hashes.get(path);
  };
  const dirs = [];
  for (const name of names) {
    const file = result.outputFiles.find((output) => output.path.endsWith(`${sep}${name}.cjs`));
    const output = Object.values(result.metafile.outputs).find((candidate) => candidate.entryPoint === entries[name]);
    // The output directory is named by its content: identical sources give the same directory, so
    // two builds racing each other (parallel test workers) agree, and a running command's files never change.
    const outName = `v-${createHash("sha256").update(`${name}\0`).update(file.contents).digest("hex").slice(0, 16)}`;
    const outDir = join(buildRoot, outName);
    const staging = join(buildRoot, `.tmp-${process.pid}-${Date.now()}-${name}`);
    mkdirSync(staging);
    writeFileSync(join(staging, `${name}.cjs`), file.contents);
    try {
      renameSync(staging, outDir);
    } catch (error) {
      if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
      rmSync(staging, { recursive: true, force: true });
      // Kept: fresh again, so no other build's clean-up takes it for an old one.
      const now = new Date();
      utimesSync(outDir, now, now);
    }
    dirs.push(outName);
    // What the bundle holds (project files and packages): what its process can load.
    const bundled = Object.keys(output.inputs).sort();
    // What it read from the project (packages are covered by npm's lock file, which npm ci rewrites;
    // the built-in shims are not files).
    const projectFiles = bundled.filter((path) => !path.startsWith("node_modules/") && !SHIM_NAMESPACES.some((namespace) => path.startsWith(`${namespace}:`)));
    const schemas = PRECOMPILED_VALIDATORS.filter((validator) => projectFiles.some((path) => validator.module.test(`/${path}`))).flatMap((validator) =>
      validator.schemas ? validator.schemas(root) : [validator.schema],
    );
    const reads = [...new Set(projectFiles.map((path) => RUNTIME_BUNDLE_READERS[path]).filter((reader) => reader && reader !== name))].sort();
    const inputs = [...new Set([...projectFiles, ...schemas, ...shared])].sort();
    // Whether the bundle is ASCII (esbuild escapes other characters, so it always is): the launcher
    // then reads it as Latin-1 without scanning 2.4 MB for other bytes at every start.
    const ascii = isAscii(file.contents);
    writeStamp(root, name, { dir: outName, ascii, reads, bundled, inputs: Object.fromEntries(inputs.map((path) => [path, record(path)])) });
  }

  // Earlier builds are removed once ten minutes old (a command started from one may still be
  // running), unless a command's stamp still names them.
  const current = new Set(dirs);
  for (const name of allNames) {
    const stamp = readStamp(root, name);
    if (stamp) current.add(stamp.dir);
  }
  const removeIfOld = (path) => {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats && Date.now() - stats.mtimeMs > 10 * 60_000) rmSync(path, { recursive: true, force: true });
  };
  for (const entry of readdirSync(buildRoot)) {
    if (current.has(entry) || entry === STAMP_DIR || entry === VALIDATOR_CACHE) continue;
    removeIfOld(join(buildRoot, entry));
  }
  // Stamps of commands package.json no longer has, and temporary files of killed builds.
  for (const entry of readdirSync(join(buildRoot, STAMP_DIR))) {
    if (!allNames.some((name) => entry === `${name}.json`)) removeIfOld(join(buildRoot, STAMP_DIR, entry));
  }
  // Validator code kept for schemas or options that have since changed (only a full build saw them all).
  if (!commands) {
    for (const entry of existsSync(join(buildRoot, VALIDATOR_CACHE)) ? readdirSync(join(buildRoot, VALIDATOR_CACHE), { withFileTypes: true }) : []) {
      const path = join(buildRoot, VALIDATOR_CACHE, entry.name);
      if (!usedValidatorCode.has(path)) rmSync(path, { force: true });
    }
  }
  return { commands: names, ms: performance.now() - started };
}

/** Every command whose build is stale, with the commands it reads at run time that are stale too. */
export function staleBuild(root) {
  const stamps = new Map();
  const stale = new Map();
  for (const name of commandNames(root)) for (const entry of staleCommands(root, name, stamps)) if (!stale.has(entry.command)) stale.set(entry.command, entry.reason);
  return stale;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = projectRoot();
  const ifStale = process.argv.includes("--if-stale");
  const stale = ifStale ? staleBuild(root) : undefined;
  if (stale?.size === 0) process.exit(0);
  try {
    const { commands, ms } = await build(root, stale && [...stale.keys()]);
    process.stderr.write(`built ${commands.length} commands into build/ (${Math.round(ms)} ms)\n`);
  } catch (error) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(1);
  }
}
