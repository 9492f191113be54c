import path from "node:path";
import { stringify } from "yaml";
import { isAppError } from "../core/index.ts";
import { filterErrorDetails, renderFilterCaret } from "../query/index.ts";
import { loadConfig, type ConfigOverrides } from "../config/index.ts";
import {
  parseCommandLine,
  processArguments,
  type Command,
  type GlobalOptions,
  renderAddressExplanation,
  renderFlowExplanation,
  renderSuggestTable,
  renderStorageStats,
} from "../cli/index.ts";
import type { FileFormat } from "../decoders/index.ts";
import { createLogger } from "../platform/index.ts";
import { runDemo } from "./demo/send.ts";
import { renderImportFile, renderImportReport } from "./import/report.ts";
import { runImport, type ImportFileReport } from "./import/run-import.ts";
import { runSummary, runTop } from "./query.ts";
import { runExplore } from "./explore.ts";
import { renderReclassify, runReclassify } from "./reclassify.ts";
import { runSuggest } from "./suggest.ts";
import { runStorageStats } from "./storage-stats.ts";
import { runExplain } from "./explain.ts";
import { cloudRangesDir } from "./inventory.ts";
import { renderUpdateReport, updateCloudRanges } from "./cloud-ranges/index.ts";
import { startServer } from "./serve.ts";
import { version } from "./version.ts";

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  stderr: NodeJS.WriteStream;
}

const processIo: Io = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
  stderr: process.stderr,
};

/**
 * The `tollgate` entry point: parse the command line (cli/), load the configuration (config/),
 * and run the command by wiring the components it needs. Returns the exit code: 0 success,
 * 1 runtime failure, 2 usage or configuration error. Errors are one sentence on stderr.
 */
export async function main(
  argv: readonly string[] = processArguments(),
  io: Io = processIo,
): Promise<number> {
  try {
    const command = parseCommandLine(argv, version, io);
    return await run(command, io);
  } catch (error) {
    if (isAppError(error)) {
      io.err(`tollgate: ${error.message}`);
      const details = filterErrorDetails(error);
      if (details !== undefined) io.err(renderFilterCaret(details));
      return error.exitCode;
    }
    io.err(
      `tollgate: unexpected error (a bug; please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return 1;
  }
}

function overridesOf(global: GlobalOptions, extra: Partial<ConfigOverrides> = {}): ConfigOverrides {
  return { configPath: global.configPath, dataDir: global.dataDir, ...extra };
}

async function run(command: Command, io: Io): Promise<number> {
  switch (command.kind) {
    case "exit":
      return command.exitCode;
    case "serve":
      return serve(command, io);
    case "demo": {
      const controller = new AbortController();
      const onSignal = (): void => {
        controller.abort();
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      io.err(
        `tollgate demo: sending ${command.backfillHours} h of history, then ${command.durationSeconds} s of live traffic to ${command.target} (NetFlow v5)`,
      );
      let lastPrintMs = 0;
      const report = await runDemo({
        target: command.target,
        backfillHours: command.backfillHours,
        durationSeconds: command.durationSeconds,
        flowsPerSecond: command.flowsPerSecond,
        seed: command.seed,
        signal: controller.signal,
        onProgress: (sent) => {
          if (!io.stderr.isTTY || Date.now() - lastPrintMs < 250) return;
          lastPrintMs = Date.now();
          io.stderr.write(
            `\r${sent.phase}: ${sent.records.toLocaleString("en-US")} flows in ${sent.datagrams.toLocaleString("en-US")} datagrams\x1b[K`,
          );
        },
      });
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (io.stderr.isTTY) io.stderr.write("\r\x1b[K");
      io.out(`sent ${report.records} flows in ${report.datagrams} datagrams to ${command.target}`);
      return 0;
    }
    case "import": {
      const { config } = loadConfig(overridesOf(command.global));
      const controller = new AbortController();
      // Ctrl-C stops at the next chunk; what is stored so far stays, and the next run resumes.
      const onSignal = () => {
        controller.abort();
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      let report;
      try {
        report = await runImport(config, command.files, {
          progress: command.progress,
          stderr: io.stderr,
          logger: createLogger({ level: "warn" }),
          follow: command.follow,
          ...(command.follow
            ? {
                onFile: (file: ImportFileReport) => {
                  for (const line of renderImportFile(file)) io.out(line.trimStart());
                },
              }
            : {}),
          signal: controller.signal,
          ...(command.format === undefined ? {} : { format: command.format as FileFormat }),
          ...(command.awsLogFormat === undefined ? {} : { awsLogFormat: command.awsLogFormat }),
        });
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      for (const line of renderImportReport(report)) io.out(line);
      const refused = report.files.filter((file) => file.named && file.status === "not-flow-log");
      for (const file of refused) {
        io.err(`tollgate: ${file.path} is not a flow log or a capture: ${file.detail}`);
      }
      return refused.length > 0 ? 2 : 0;
    }
    case "summary": {
      const { config } = loadConfig(overridesOf(command.global));
      io.out(await runSummary(config, command.query));
      return 0;
    }
    case "top": {
      const { config } = loadConfig(overridesOf(command.global));
      io.out(await runTop(config, command.query, command));
      return 0;
    }
    case "explore": {
      const { config } = loadConfig(overridesOf(command.global));
      io.out(await runExplore(config, command.query, command));
      return 0;
    }
    case "explain": {
      const { config } = loadConfig(overridesOf(command.global));
      const explained = await runExplain(
        config,
        command.addresses,
        { exporter: command.exporter, inIf: command.inIf, outIf: command.outIf },
        createLogger({ level: "warn" }),
      );
      if (command.json) {
        io.out(
          JSON.stringify(
            explained.kind === "address" ? explained.address : explained.flow,
            null,
            2,
          ),
        );
      } else {
        const lines =
          explained.kind === "address"
            ? renderAddressExplanation(explained.address)
            : renderFlowExplanation(explained.flow);
        io.out(lines.join("\n"));
      }
      return 0;
    }
    case "update-ranges": {
      const { config } = loadConfig(overridesOf(command.global));
      const dir =
        command.dir === undefined
          ? cloudRangesDir(config, path.resolve(config.dataDir))
          : path.resolve(command.dir);
      const report = await updateCloudRanges({ dir });
      io.out(renderUpdateReport(report));
      const usable = report.sources.some(
        (source) => source.status === "updated" || source.status === "unchanged",
      );
      return usable ? 0 : 1;
    }
    case "inventory-suggest": {
      const { config } = loadConfig(overridesOf(command.global));
      const report = await runSuggest(config, {
        since: command.since,
        until: command.until,
        write: command.write,
        force: command.force,
      });
      if (command.yaml) io.out(report.yaml);
      else for (const line of renderSuggestTable(report.suggestions)) io.out(line);
      if (report.written !== undefined) {
        io.err(
          `wrote ${report.suggestions.networks.length} suggested networks to ${report.written.file}${report.written.included ? " (already included by the config)" : ""}`,
        );
        if (report.written.advice !== undefined) io.err(report.written.advice);
      }
      return 0;
    }
    case "reclassify": {
      const { config } = loadConfig(overridesOf(command.global));
      const { range, result, elapsedMs } = await runReclassify(config, {
        since: command.since,
        until: command.until,
        yes: command.yes,
        server: command.server,
        stderr: io.stderr,
        stdin: process.stdin,
        logger: createLogger({ level: "warn" }),
      });
      for (const line of renderReclassify(range, result, elapsedMs)) io.out(line);
      return 0;
    }
    case "storage-stats": {
      const { config } = loadConfig(overridesOf(command.global));
      const stats = await runStorageStats(config, command);
      io.out(renderStorageStats(stats, command.json));
      return 0;
    }
    case "config-check": {
      const loaded = loadConfig(
        overridesOf(command.global, command.file === undefined ? {} : { configPath: command.file }),
      );
      const networks = loaded.config.inventory.networks;
      io.out(
        `${loaded.configPath ?? "defaults (no config file)"}: valid; ${networks === undefined ? "no networks declared (the private ranges count as ours)" : `${networks.length} network(s) declared`}`,
      );
      return 0;
    }
    case "config-dump": {
      const { config } = loadConfig(overridesOf(command.global));
      io.out(command.format === "json" ? JSON.stringify(config, null, 2) : stringify(config));
      return 0;
    }
  }
}

async function serve(command: Extract<Command, { kind: "serve" }>, io: Io): Promise<number> {
  const { config, configPath } = loadConfig(
    overridesOf(command.global, {
      httpListen: command.httpListen,
      netflowListen: command.netflowListen,
      ipfixListen: command.ipfixListen,
      ipfixTcpListen: command.ipfixTcpListen,
      sflowListen: command.sflowListen,
    }),
  );
  const logger = createLogger({ level: "info" });
  const server = await startServer(config, logger);
  const networks = config.inventory.networks;
  io.out(
    [
      `tollgate ${version} is running`,
      `  dashboard and API  ${server.httpUrl}/   (OpenAPI: ${server.httpUrl}/api/v1/openapi.json, metrics: ${server.httpUrl}/metrics)`,
      ...server.listeners.map(
        (listener) =>
          `  ${`${listener.kind} (${listener.protocol})`.padEnd(19)}${listener.addresses.join(", ") || "off"}`,
      ),
      `  data               ${server.dataDir} (DuckDB)`,
      `  config             ${configPath ?? "none: built-in defaults (tollgate config dump shows them)"}`,
      `  networks           ${networks === undefined ? "none declared: the private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) count as ours" : `${networks.length} declared`}`,
      `no exporter yet? run \`npx tollgate demo\` in another terminal. Ctrl-C stops.`,
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info("stopping", { signal });
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  await server.stop();
  return 0;
}
