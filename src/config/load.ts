import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Value } from "@sinclair/typebox/value";
import { parseDocument } from "yaml";
import { AppError } from "../core/index.ts";
import { ConfigSchema, type TollgateConfig } from "./schema.ts";
import { describeSchemaErrors } from "./errors.ts";
import { validateSemantics } from "./semantics.ts";
import { loadInventoryDeclarations, validateInventory } from "./inventory.ts";

/** Command-line values that take precedence over the file and the environment. */
export interface ConfigOverrides {
  configPath?: string | undefined;
  dataDir?: string | undefined;
  httpListen?: string | undefined;
  netflowListen?: readonly string[] | undefined;
  ipfixListen?: readonly string[] | undefined;
  ipfixTcpListen?: readonly string[] | undefined;
  sflowListen?: readonly string[] | undefined;
}

export interface LoadedConfig {
  config: Readonly<TollgateConfig>;
  /** The file that was read, or null when Tollgate runs on its defaults. */
  configPath: string | null;
}

/** The file read when neither `--config` nor `TOLLGATE_CONFIG` names one, if it exists. */
export const DEFAULT_CONFIG_FILE = "tollgate.yaml";

/**
 * Loads, validates and freezes the configuration, once at start-up. Precedence: command line,
 * then environment (`TOLLGATE_CONFIG`, `TOLLGATE_DATA_DIR`), then the file, then defaults.
 * Throws `AppError` (ERR_CONFIG_*) whose message names the key and the fix.
 */
export function loadConfig(
  overrides: ConfigOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
): LoadedConfig {
  const explicitPath = overrides.configPath ?? env["TOLLGATE_CONFIG"];
  let configPath: string | null = null;
  let raw: unknown = {};
  if (explicitPath !== undefined && explicitPath !== "") {
    configPath = path.resolve(explicitPath);
    raw = readYamlFile(configPath);
  } else if (existsSync(DEFAULT_CONFIG_FILE)) {
    configPath = path.resolve(DEFAULT_CONFIG_FILE);
    raw = readYamlFile(configPath);
  }
  const config = validateConfig(raw, configPath ?? "configuration", overrides, env);
  const baseDir = configPath === null ? process.cwd() : path.dirname(configPath);
  CONFIG_BASE_DIRS.set(config, baseDir);
  if (configPath !== null) CONFIG_FILES.set(config, configPath);
  if (config.inventory.include.length > 0) {
    // Included files are validated with the rest: a bad one stops start-up like a bad key.
    const problems = validateInventory(loadInventoryDeclarations(config, baseDir));
    if (problems.length > 0) throw configError(configPath ?? "configuration", problems);
  }
  return { config, configPath };
}

const CONFIG_BASE_DIRS = new WeakMap<object, string>();
const CONFIG_FILES = new WeakMap<object, string>();

/** The file a loaded config was read from, undefined for defaults (hot reload re-reads it). */
export function configFileOf(config: Readonly<TollgateConfig>): string | undefined {
  return CONFIG_FILES.get(config);
}

/** Records that `config` (e.g. one rebuilt on reload) comes from `configPath`. */
export function rememberConfigFile(config: Readonly<TollgateConfig>, configPath: string): void {
  CONFIG_FILES.set(config, configPath);
  CONFIG_BASE_DIRS.set(config, path.dirname(configPath));
}

/**
 * The directory relative paths of a loaded config resolve against (its file's, else the
 * working directory): `inventory.include`, hot reload.
 */
export function configBaseDir(config: Readonly<TollgateConfig>): string {
  return CONFIG_BASE_DIRS.get(config) ?? process.cwd();
}

/** Validates an already-parsed document; exported for tests and `config check` of text. */
export function validateConfig(
  raw: unknown,
  sourceName: string,
  overrides: ConfigOverrides = {},
  env: NodeJS.ProcessEnv = {},
): Readonly<TollgateConfig> {
  const document: unknown = raw ?? {};
  if (typeof document !== "object" || Array.isArray(document)) {
    throw new AppError(
      "ERR_CONFIG_INVALID",
      `${sourceName}: the top level must be a mapping of sections (inventory, sources, storage, api), not ${Array.isArray(document) ? "a list" : typeof document}`,
    );
  }
  const withDefaults = Value.Default(ConfigSchema, structuredClone(document));
  const schemaProblems = describeSchemaErrors(ConfigSchema, withDefaults);
  if (schemaProblems.length > 0) throw configError(sourceName, schemaProblems);
  const config = withDefaults as TollgateConfig;
  applyOverrides(config, overrides, env);
  const semanticProblems = validateSemantics(config);
  if (semanticProblems.length > 0) throw configError(sourceName, semanticProblems);
  return deepFreeze(config);
}

function configError(sourceName: string, problems: readonly string[]): AppError {
  const [first, ...rest] = problems;
  const more = rest.length === 0 ? "" : `\n${rest.map((problem) => `  ${problem}`).join("\n")}`;
  return new AppError("ERR_CONFIG_INVALID", `${sourceName}: ${first ?? "invalid"}${more}`);
}

function readYamlFile(filePath: string): unknown {
  let text: string;
  try {
    text = readFileSync(filePath, "utf8");
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(error);
    throw new AppError(
      "ERR_CONFIG_READ",
      `cannot read config file ${filePath} (${reason}): check the path given to --config or TOLLGATE_CONFIG`,
      { cause: error },
    );
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [firstError] = document.errors;
  if (firstError !== undefined) {
    const where = firstError.linePos?.[0];
    const position = where === undefined ? "" : `:${where.line}:${where.col}`;
    throw new AppError(
      "ERR_CONFIG_PARSE",
      `${filePath}${position}: not valid YAML (${firstError.message.split("\n")[0] ?? ""}): fix the syntax at that line`,
      { cause: firstError },
    );
  }
  return document.toJS() as unknown;
}

function applyOverrides(
  config: TollgateConfig,
  overrides: ConfigOverrides,
  env: NodeJS.ProcessEnv,
): void {
  if (config.cacheDir === "") {
    const xdg = env["XDG_CACHE_HOME"];
    const home = env["HOME"];
    if (xdg !== undefined && xdg !== "") config.cacheDir = path.join(xdg, "tollgate");
    else if (home !== undefined && home !== "")
      config.cacheDir = path.join(home, ".cache", "tollgate");
  }
  const envDataDir = env["TOLLGATE_DATA_DIR"];
  if (overrides.dataDir !== undefined) config.dataDir = overrides.dataDir;
  else if (envDataDir !== undefined && envDataDir !== "") config.dataDir = envDataDir;
  if (overrides.httpListen !== undefined) config.api.listen = overrides.httpListen;
  if (overrides.netflowListen !== undefined && overrides.netflowListen.length > 0) {
    config.sources.netflow.listen = [...overrides.netflowListen];
  }
  // "none" turns a listener off from the command line (tests, or a port another tool holds).
  const listenOverride = (values: readonly string[] | undefined): string[] | undefined =>
    values === undefined || values.length === 0
      ? undefined
      : values.filter((value) => value !== "none");
  config.sources.ipfix.listen =
    listenOverride(overrides.ipfixListen) ?? config.sources.ipfix.listen;
  config.sources.ipfix.tcpListen =
    listenOverride(overrides.ipfixTcpListen) ?? config.sources.ipfix.tcpListen;
  config.sources.sflow.listen =
    listenOverride(overrides.sflowListen) ?? config.sources.sflow.listen;
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
