import { watch, type FSWatcher } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { AppError } from "../core/index.ts";
import {
  configBaseDir,
  configFileOf,
  rememberConfigFile,
  loadInventoryDeclarations,
  validateConfig,
  validateInventory,
  type InventoryDeclarations,
  type TollgateConfig,
} from "../config/index.ts";
import { loadCloudRanges, type LoadedCloudRanges } from "../inventory/cloud-ranges/index.ts";
import {
  buildExporterTable,
  buildNetworkTable,
  networksOrDefault,
  type Inventory,
} from "../inventory/index.ts";
import {
  loadAddressRegistry,
  type AddressRegistry,
  type AddressRegistryOptions,
} from "../inventory/registry/index.ts";
import type { Logger } from "../platform/index.ts";
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";

/**
 * The inventory as a running service: the declared networks and exporters (config file and its
 * included files), the cloud providers' ranges and the ASN/country registry, built into one
 * `Inventory` snapshot and swapped as a whole when any of their files changes (hot reload,
 * DESIGN.md "Inventory"). A change that does not validate is refused with its error in the log
 * and the running snapshot stays: a typo never turns classification off.
 *
 * The registry takes seconds to load (≈1M ranges), so the declared part is ready at once and
 * the enrichment joins when loaded: `ready` resolves then. `import` waits for it; `serve`
 * starts receiving without it.
 */
export interface InventoryService {
  /** The snapshot now. */
  current(): Inventory;
  /** Resolves when the registry and cloud ranges are loaded (or failed to, which is logged). */
  readonly ready: Promise<void>;
  readonly declarations: () => InventoryDeclarations;
  readonly registry: () => AddressRegistry | undefined;
  readonly cloudRanges: () => LoadedCloudRanges | undefined;
  /** Re-reads everything that changed; resolves with what was reloaded. */
  reload(reason: string): Promise<string[]>;
  /** Stops watching files. */
  stop(): void;
}

export interface InventoryServiceOptions {
  dataDir: string;
  logger: Logger;
  /** Called with every new snapshot (the classifier's `setInventory`). */
  onChange?: (inventory: Inventory) => void;
  /** Watch the files and reload on change (serve). */
  watch?: boolean;
  /** Skip the registry and cloud ranges (tests, `config check`). */
  declaredOnly?: boolean;
}

/** The directory of the cloud ranges files. */
export function cloudRangesDir(
  config: Readonly<TollgateConfig>,
  dataDir: string,
  baseDir = configBaseDir(config),
): string {
  const dir = config.inventory.cloudRanges.dir;
  return dir === "" ? path.join(dataDir, "cloud-ranges") : path.resolve(baseDir, dir);
}

export function registryOptions(
  config: Readonly<TollgateConfig>,
  baseDir = configBaseDir(config),
): AddressRegistryOptions {
  const resolve = (
    option: TollgateConfig["inventory"]["registry"]["asn"],
  ): NonNullable<AddressRegistryOptions["asn"]> => {
    if (typeof option === "string") return option;
    if ("mmdb" in option) return { mmdb: path.resolve(baseDir, option.mmdb) };
    return {
      csv: {
        ipv4: path.resolve(baseDir, option.csv.ipv4),
        ...(option.csv.ipv6 === undefined ? {} : { ipv6: path.resolve(baseDir, option.csv.ipv6) }),
      },
    };
  };
  return {
    asn: resolve(config.inventory.registry.asn),
    country: resolve(config.inventory.registry.country),
  };
}

/** Builds the declared part; throws ERR_CONFIG_INVALID when it does not validate. */
export function declaredInventory(
  declarations: InventoryDeclarations,
  extras: Pick<Inventory, "registry" | "cloudRanges"> = {
    registry: undefined,
    cloudRanges: undefined,
  },
): Inventory {
  const problems = validateInventory(declarations);
  if (problems.length > 0) throw new AppError("ERR_CONFIG_INVALID", problems.join("; "));
  const networks = buildNetworkTable(networksOrDefault(declarations.networks));
  const exporters = buildExporterTable(declarations.exporters);
  if (!networks.ok || !exporters.ok) {
    throw new AppError("ERR_CONFIG_INVALID", "the inventory does not validate");
  }
  return { networks: networks.table, exporters: exporters.table, ...extras };
}

export function createInventoryService(
  config: Readonly<TollgateConfig>,
  options: InventoryServiceOptions,
): InventoryService {
  const { logger } = options;
  const baseDir = configBaseDir(config);
  let currentConfig = config;
  let declarations = loadInventoryDeclarations(config, baseDir);
  let registry: AddressRegistry | undefined;
  let registryKey = "";
  let cloudRanges: LoadedCloudRanges | undefined;
  let cloudKey = "";
  let inventory = declaredInventory(declarations);
  const watchers: FSWatcher[] = [];
  let stopped = false;

  const publish = (): void => {
    inventory = {
      networks: inventory.networks,
      exporters: inventory.exporters,
      registry,
      cloudRanges: cloudRanges?.table,
    };
    options.onChange?.(inventory);
  };

  /** What identifies the registry's inputs: options and the files' sizes and times. */
  const registryInputs = async (
    cfg: Readonly<TollgateConfig>,
  ): Promise<{ key: string; options: AddressRegistryOptions }> => {
    const registryOptionsNow = registryOptions(cfg, baseDir);
    const files: string[] = [];
    for (const option of [registryOptionsNow.asn, registryOptionsNow.country]) {
      if (option === undefined || typeof option === "string") continue;
      if ("mmdb" in option) files.push(option.mmdb);
      else files.push(option.csv.ipv4, ...(option.csv.ipv6 === undefined ? [] : [option.csv.ipv6]));
    }
    const stamps = await Promise.all(
      files.map(async (file) => {
        const info = await stat(file).catch(() => undefined);
        return `${file}:${info?.size ?? -1}:${info?.mtimeMs ?? -1}`;
      }),
    );
    return { key: JSON.stringify([registryOptionsNow, stamps]), options: registryOptionsNow };
  };

  const cloudInputs = async (cfg: Readonly<TollgateConfig>): Promise<string> => {
    const dir = cloudRangesDir(cfg, options.dataDir, baseDir);
    const names = [
      "aws-ip-ranges.json",
      "gcp-cloud.json",
      "gcp-goog.json",
      "azure-service-tags.json",
    ];
    const stamps = await Promise.all(
      names.map(async (name) => {
        const info = await stat(path.join(dir, name)).catch(() => undefined);
        return `${name}:${info?.size ?? -1}:${info?.mtimeMs ?? -1}`;
      }),
    );
    return JSON.stringify([dir, stamps]);
  };

  const loadEnrichment = async (cfg: Readonly<TollgateConfig>): Promise<string[]> => {
    if (options.declaredOnly === true) return [];
    const reloaded: string[] = [];
    const inputs = await registryInputs(cfg);
    if (inputs.key !== registryKey) {
      const startedMs = Date.now();
      try {
        registry = await loadAddressRegistry({
          ...inputs.options,
          cacheDir:
            cfg.cacheDir === "" ? path.join(options.dataDir, "cache") : path.resolve(cfg.cacheDir),
        });
        registryKey = inputs.key;
        reloaded.push("registry");
        logger.info("address registry loaded", {
          ranges: registry.rangeCount,
          sources: registry.sources.map((source) => `${source.field}: ${source.file}`),
          ms: Date.now() - startedMs,
        });
      } catch (error) {
        logger.error("address registry not loaded: keeping the previous one", { error });
      }
    }
    const cloud = await cloudInputs(cfg);
    if (cloud !== cloudKey) {
      try {
        cloudRanges = await loadCloudRanges(cloudRangesDir(cfg, options.dataDir, baseDir));
        cloudKey = cloud;
        reloaded.push("cloud ranges");
        logger.info("cloud ranges loaded", {
          dir: cloudRangesDir(cfg, options.dataDir, baseDir),
          prefixes: cloudRanges.table.size,
          problems: cloudRanges.problems.length,
        });
      } catch (error) {
        logger.error("cloud ranges not loaded: keeping the previous ones", { error });
      }
    }
    return reloaded;
  };

  const ready = loadEnrichment(config).then(
    () => {
      if (!stopped) publish();
    },
    (error: unknown) => {
      logger.error("enrichment not loaded", { error });
    },
  );

  const reload = async (reason: string): Promise<string[]> => {
    let nextConfig = currentConfig;
    const configPath = configFileOf(currentConfig);
    if (configPath !== undefined) {
      try {
        nextConfig = reloadConfigFile(configPath, currentConfig);
      } catch (error) {
        logger.error("inventory not reloaded: the config file does not validate", {
          reason,
          error,
        });
        return [];
      }
    }
    let nextDeclarations: InventoryDeclarations;
    let next: Inventory;
    try {
      nextDeclarations = loadInventoryDeclarations(nextConfig, baseDir);
      next = declaredInventory(nextDeclarations, {
        registry,
        cloudRanges: cloudRanges?.table,
      });
    } catch (error) {
      logger.error("inventory not reloaded: keeping the running one", { reason, error });
      return [];
    }
    currentConfig = nextConfig;
    declarations = nextDeclarations;
    inventory = next;
    const reloaded = ["networks and exporters", ...(await loadEnrichment(nextConfig))];
    publish();
    rewatch();
    logger.info("inventory reloaded", {
      reason,
      reloaded,
      networks: declarations.networks.length,
      exporters: declarations.exporters.length,
    });
    return reloaded;
  };

  let pending: NodeJS.Timeout | undefined;
  const schedule = (reason: string): void => {
    if (stopped) return;
    clearTimeout(pending);
    // Editors write a file in several steps (truncate, write, rename): wait for them to settle.
    pending = setTimeout(() => {
      void reload(reason);
    }, 300);
  };

  const rewatch = (): void => {
    if (options.watch !== true || stopped) return;
    for (const watcher of watchers.splice(0)) watcher.close();
    // Directories rather than files: a file replaced by rename (editors, update-ranges) keeps
    // being seen, and an included file that does not exist yet is seen when it appears.
    const dirs = new Set<string>([
      baseDir,
      cloudRangesDir(currentConfig, options.dataDir, baseDir),
    ]);
    for (const file of declarations.files) dirs.add(path.dirname(file));
    for (const entry of currentConfig.inventory.include) {
      dirs.add(path.dirname(path.resolve(baseDir, entry)));
    }
    const registryOptionsNow = registryOptions(currentConfig, baseDir);
    for (const option of [registryOptionsNow.asn, registryOptionsNow.country]) {
      if (option === undefined || typeof option === "string") continue;
      if ("mmdb" in option) dirs.add(path.dirname(option.mmdb));
      else dirs.add(path.dirname(option.csv.ipv4));
    }
    const watched = new Set<string>([
      ...declarations.files,
      ...(configFileOf(currentConfig) === undefined ? [] : [configFileOf(currentConfig) as string]),
    ]);
    for (const dir of dirs) {
      try {
        const watcher = watch(dir, { persistent: false }, (_event, name) => {
          if (name === null) return;
          const file = path.join(dir, name);
          const relevant =
            watched.has(file) ||
            dir === cloudRangesDir(currentConfig, options.dataDir, baseDir) ||
            /\.(ya?ml|json|mmdb|csv)$/.test(file);
          if (relevant) schedule(`${file} changed`);
        });
        watchers.push(watcher);
      } catch (error) {
        logger.warn("not watching for inventory changes", { dir, error });
      }
    }
  };
  rewatch();

  return {
    current: () => inventory,
    ready,
    declarations: () => declarations,
    registry: () => registry,
    cloudRanges: () => cloudRanges,
    reload,
    stop() {
      stopped = true;
      clearTimeout(pending);
      for (const watcher of watchers.splice(0)) watcher.close();
    },
  };
}

/** Re-reads the config file; only its inventory section is taken (the rest needs a restart). */
function reloadConfigFile(
  configPath: string,
  running: Readonly<TollgateConfig>,
): Readonly<TollgateConfig> {
  const text = readFileSync(configPath, "utf8");
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [firstError] = document.errors;
  if (firstError !== undefined) {
    throw new AppError(
      "ERR_CONFIG_PARSE",
      `${configPath}: ${firstError.message.split("\n")[0] ?? ""}`,
    );
  }
  const fresh = validateConfig(document.toJS() as unknown, configPath);
  const merged = { ...running, inventory: fresh.inventory };
  rememberConfigFile(merged, configPath);
  return merged;
}
