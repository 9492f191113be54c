import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { Value } from "@sinclair/typebox/value";
import { parseDocument } from "yaml";
import { AppError } from "../core/index.ts";
import {
  buildExporterTable,
  buildNetworkTable,
  EGRESS_PATHS,
  type ExporterDeclaration,
  type NetworkDeclaration,
} from "../inventory/index.ts";
import { closest, describeSchemaErrors } from "./errors.ts";
import { InventoryFileSchema, type TollgateConfig } from "./schema.ts";

/**
 * The inventory as the pipeline uses it: the networks and exporters of the config file and of
 * every file its `inventory.include` names, in that order, each declaration knowing where it
 * came from (`explain` says "matched 10.1.0.0/16 of network prod, inventory/aws.yaml
 * networks[3]"). Included files are re-read on every load, which is what hot reload does.
 */
export interface InventoryDeclarations {
  networks: NetworkDeclaration[];
  exporters: ExporterDeclaration[];
  /** Every included file that was read, absolute. */
  files: string[];
}

/**
 * Expands one include entry: a path, or a path whose last segment has `*` / `?` wildcards
 * (`inventory/*.yaml`), relative to the config file's directory. A path without wildcards must
 * exist; a pattern may match nothing.
 */
export function expandInclude(entry: string, baseDir: string): string[] {
  const absolute = path.resolve(baseDir, entry);
  const name = path.basename(absolute);
  if (!/[*?]/.test(name)) return [absolute];
  const dir = path.dirname(absolute);
  if (/[*?]/.test(dir)) {
    throw new AppError(
      "ERR_CONFIG_INVALID",
      `inventory.include: "${entry}": wildcards are allowed in the file name only (dir/*.yaml)`,
    );
  }
  const pattern = new RegExp(
    `^${name
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => pattern.test(file) && !file.startsWith("."))
    .sort()
    .map((file) => path.join(dir, file))
    .filter((file) => statSync(file).isFile());
}

function readInventoryFile(file: string, shownAs: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(error);
    throw new AppError(
      "ERR_CONFIG_READ",
      `inventory.include: cannot read ${shownAs} (${reason}): fix the path (relative to the config file)`,
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
      `${shownAs}${position}: not valid YAML or JSON (${firstError.message.split("\n")[0] ?? ""})`,
      { cause: firstError },
    );
  }
  return document.toJS() as unknown;
}

/** Reads the included files and merges them after the config file's own declarations. */
export function loadInventoryDeclarations(
  config: Readonly<TollgateConfig>,
  baseDir: string | undefined,
): InventoryDeclarations {
  const declarations = ownInventoryDeclarations(config);
  if (baseDir === undefined) return declarations;
  const { networks, exporters, files } = declarations;
  for (const entry of config.inventory.include) {
    for (const file of expandInclude(entry, baseDir)) {
      const shownAs = path.relative(baseDir, file) || file;
      const raw = readInventoryFile(file, shownAs);
      const document: unknown = raw ?? {};
      if (typeof document !== "object" || Array.isArray(document)) {
        throw new AppError(
          "ERR_CONFIG_INVALID",
          `${shownAs}: an inventory file is a mapping with networks: and exporters: lists`,
        );
      }
      const withDefaults = Value.Default(InventoryFileSchema, structuredClone(document));
      const problems = describeSchemaErrors(InventoryFileSchema, withDefaults);
      if (problems.length > 0) {
        throw new AppError("ERR_CONFIG_INVALID", `${shownAs}: ${problems.join("\n  ")}`);
      }
      const parsed = withDefaults as {
        networks: NetworkDeclaration[];
        exporters: ExporterDeclaration[];
      };
      parsed.networks.forEach((network, index) => {
        networks.push({ ...network, origin: `${shownAs} networks[${index}]` });
      });
      parsed.exporters.forEach((exporter, index) => {
        exporters.push({ ...exporter, origin: `${shownAs} exporters[${index}]` });
      });
      files.push(file);
    }
  }
  return { networks, exporters, files };
}

/** The config file's own declarations, without reading the included files. */
export function ownInventoryDeclarations(config: Readonly<TollgateConfig>): InventoryDeclarations {
  return {
    networks: (config.inventory.networks ?? []).map((network, index) => ({
      ...network,
      origin: `inventory.networks[${index}]`,
    })),
    exporters: config.inventory.exporters.map((exporter, index) => ({
      ...exporter,
      origin: `inventory.exporters[${index}]`,
    })),
    files: [],
  };
}

/**
 * Problems the schema cannot see, each naming where it is: CIDRs, duplicate names and
 * prefixes across files, exporter addresses, interface patterns, unknown egress paths.
 */
export function validateInventory(declarations: InventoryDeclarations): string[] {
  const problems: string[] = [];
  if (declarations.networks.length > 0) {
    const result = buildNetworkTable(declarations.networks);
    if (!result.ok) {
      for (const error of result.errors) problems.push(`${error.path}: ${error.message}`);
    }
  }
  const exporters = buildExporterTable(declarations.exporters);
  if (!exporters.ok) {
    for (const error of exporters.errors) problems.push(`${error.path}: ${error.message}`);
  }
  declarations.networks.forEach((network) => {
    const egress = network.egress;
    if (egress !== undefined && !(EGRESS_PATHS as readonly string[]).includes(egress)) {
      const suggestion = closest(egress, EGRESS_PATHS);
      problems.push(
        `${network.origin ?? "inventory"}.egress: "${egress}" is not an egress path${suggestion === undefined ? "" : `; did you mean "${suggestion}"?`} (one of ${EGRESS_PATHS.join(", ")})`,
      );
    }
  });
  return problems;
}
