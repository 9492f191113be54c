import { Command as Program, CommanderError, InvalidArgumentError, Option } from "commander";
import { AppError } from "../core/index.ts";
import { FILE_FORMATS } from "../decoders/index.ts";
import type { Command, GlobalOptions, OutputFormat, QueryOptions } from "./command.ts";

export const DEFAULT_SERVER = "http://127.0.0.1:8080";

/**
 * Parses `tollgate …` into a `Command`. Usage mistakes become `AppError("ERR_USAGE")` (exit 2)
 * with commander's sentence; `--help` and `--version` print and return `{ kind: "exit" }`.
 */
export function parseCommandLine(
  argv: readonly string[],
  version: string,
  write: { out: (text: string) => void; err: (text: string) => void },
): Command {
  let parsed: Command | undefined;
  const program = new Program("tollgate")
    .description(
      "Tollgate sees, prices and polices every byte crossing your network's edge.\nWithout a command it shows this help; `tollgate serve` runs the collector, API and dashboard.",
    )
    .version(version, "-V, --version")
    .option(
      "-c, --config <file>",
      "configuration file (env TOLLGATE_CONFIG; default ./tollgate.yaml if present)",
    )
    .option("-d, --data-dir <dir>", "data directory (env TOLLGATE_DATA_DIR; default ./data)")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: write.out, writeErr: () => undefined });

  const repeat = (value: string, previous: string[] | undefined): string[] => [
    ...(previous ?? []),
    value,
  ];

  const global = (): GlobalOptions => {
    const options = program.opts<{ config?: string; dataDir?: string }>();
    return { configPath: options.config, dataDir: options.dataDir };
  };

  program
    .command("serve")
    .description("collect NetFlow, store it, serve the API and dashboard (the default job)")
    .option("--http-listen <host:port>", "HTTP API and dashboard address (default 127.0.0.1:8080)")
    .option(
      "--netflow-listen <host:port>",
      "UDP NetFlow address; repeat for several (default 0.0.0.0:2055 and [::]:2055)",
      repeat,
    )
    .option(
      "--ipfix-listen <host:port>",
      'UDP IPFIX address; repeat for several, "none" for none (default 0.0.0.0:4739 and [::]:4739)',
      repeat,
    )
    .option(
      "--ipfix-tcp-listen <host:port>",
      'TCP IPFIX address; repeat for several, "none" for none (default 0.0.0.0:4739 and [::]:4739)',
      repeat,
    )
    .option(
      "--sflow-listen <host:port>",
      'UDP sFlow address; repeat for several, "none" for none (default 0.0.0.0:6343 and [::]:6343)',
      repeat,
    )
    .action(
      (options: {
        httpListen?: string;
        netflowListen?: string[];
        ipfixListen?: string[];
        ipfixTcpListen?: string[];
        sflowListen?: string[];
      }) => {
        parsed = {
          kind: "serve",
          global: global(),
          httpListen: options.httpListen,
          netflowListen: options.netflowListen,
          ipfixListen: options.ipfixListen,
          ipfixTcpListen: options.ipfixTcpListen,
          sflowListen: options.sflowListen,
        };
      },
    );

  program
    .command("demo")
    .description(
      "send realistic synthetic NetFlow v5 (several hosts, ingress and egress, internet and internal, a daily rhythm) to a collector",
    )
    .option("--target <host:port>", "collector to send to (loopback only)", "127.0.0.1:2055")
    .option("--backfill <hours>", "hours of history to send first", integerIn(0, 24 * 14), 24)
    .option(
      "--duration <seconds>",
      "then keep sending live traffic this long (0: stop after backfill)",
      integerIn(0, 86_400),
      60,
    )
    .option("--rate <flows/s>", "live flows per second", integerIn(1, 1_000_000), 200)
    .option("--seed <n>", "random seed (same seed, same traffic)", integerIn(0, 2 ** 31), 1)
    .action(
      (options: {
        target: string;
        backfill: number;
        duration: number;
        rate: number;
        seed: number;
      }) => {
        parsed = {
          kind: "demo",
          global: global(),
          target: options.target,
          backfillHours: options.backfill,
          durationSeconds: options.duration,
          flowsPerSecond: options.rate,
          seed: options.seed,
        };
      },
    );

  program
    .command("import")
    .description(
      "store flows from AWS VPC / GCP VPC / Azure NSG and VNet flow logs (plain or gzip) and from pcap/pcapng captures of NetFlow, IPFIX and sFlow; files, directory trees and globs; a file already imported is skipped, an interrupted import resumes",
    )
    .argument("<paths...>", "files, directories (walked recursively) or quoted globs")
    .option("--no-progress", "no progress bar even on a terminal")
    .option("--follow", "keep watching the paths for new and growing files (Ctrl-C stops)")
    .addOption(
      new Option(
        "--format <format>",
        "read every file as this format (default: recognised)",
      ).choices([...FILE_FORMATS]),
    )
    .option(
      "--aws-log-format <fields>",
      'AWS LogFormat of headerless AWS lines, e.g. "${version} ${srcaddr} ${dstaddr} …" (overrides sources.awsVpc.logFormat)',
    )
    .action(
      (
        files: string[],
        options: { progress: boolean; follow?: boolean; format?: string; awsLogFormat?: string },
      ) => {
        parsed = {
          kind: "import",
          global: global(),
          files,
          progress: options.progress,
          follow: options.follow === true,
          ...(options.format === undefined ? {} : { format: options.format }),
          ...(options.awsLogFormat === undefined ? {} : { awsLogFormat: options.awsLogFormat }),
        };
      },
    );

  const addQueryOptions = (command: Program): Program =>
    command
      .option(
        "--since <time>",
        "start: duration back from now (1h, 7d), ISO time or now (default: first flow)",
      )
      .option("--until <time>", "end, exclusive (default: after the last flow)")
      .addOption(
        new Option("--direction <direction>", "only this direction").choices([
          "ingress",
          "egress",
          "internal",
          "transit",
        ]),
      )
      .option(
        "--filter <expr>",
        "only flows matching this filter, e.g. 'proto = tcp and dst.port in (443, 8443)' (see docs/33-filter-language.md)",
      )
      .option(
        "--server <url>",
        `a running Tollgate to ask (default ${DEFAULT_SERVER}; when none answers, the data directory is read)`,
      )
      .option("--json", "JSON output")
      .option("--csv", "CSV output");

  const queryOptions = (options: {
    since?: string;
    until?: string;
    direction?: string;
    filter?: string;
    server?: string;
    json?: boolean;
    csv?: boolean;
  }): QueryOptions => {
    if (options.json === true && options.csv === true) {
      throw new AppError("ERR_USAGE", "choose one of --json and --csv");
    }
    const format: OutputFormat =
      options.json === true ? "json" : options.csv === true ? "csv" : "table";
    return {
      server: options.server ?? DEFAULT_SERVER,
      serverExplicit: options.server !== undefined,
      since: options.since,
      until: options.until,
      direction: options.direction,
      filter: options.filter,
      format,
    };
  };

  addQueryOptions(
    program
      .command("summary")
      .description("bytes, packets and flows per direction over a time range"),
  ).action((options: Parameters<typeof queryOptions>[0]) => {
    parsed = { kind: "summary", global: global(), query: queryOptions(options) };
  });

  addQueryOptions(
    program
      .command("top")
      .description(
        "top values of a dimension (src.addr, dst.addr, dst.port, proto, src.net, src.tag.team…)",
      )
      .requiredOption("--by <dimension>", "dimension to group by")
      .option("--metric <metric>", "bytes, packets or flows", "bytes")
      .option("--limit <n>", "rows before the rest is folded into (other)", "10"),
  ).action(
    (
      options: Parameters<typeof queryOptions>[0] & { by: string; metric: string; limit: string },
    ) => {
      parsed = {
        kind: "top",
        global: global(),
        query: queryOptions(options),
        by: options.by,
        metric: options.metric,
        limit: options.limit,
      };
    },
  );

  addQueryOptions(
    program
      .command("query")
      .description(
        "explore: top groups by one or several dimensions (--by, repeated), the rest folded into (other), with total, average, max and p95 per group; series, previous period, sankey",
      )
      .option("--by <dimension>", "dimension to group by; repeat for several (up to 4)", repeat)
      .option("--unit <unit>", "bytes, bits/s, packets, packets/s or flows", "bytes")
      .option("--step <duration>", "step of the series (1m, 5m, 1h; default: auto, 100–300 steps)")
      .option("--limit <n>", "groups before the rest is folded into (other)", "10")
      .option("--series", "each group's value per step")
      .option("--previous", "compare with the preceding period of the same length")
      .option("--sankey", "links between consecutive dimensions (needs two --by or more)"),
  ).action(
    (
      options: Parameters<typeof queryOptions>[0] & {
        by?: string[];
        unit: string;
        step?: string;
        limit: string;
        series?: boolean;
        previous?: boolean;
        sankey?: boolean;
      },
    ) => {
      parsed = {
        kind: "explore",
        global: global(),
        query: queryOptions(options),
        dimensions: options.by ?? [],
        unit: options.unit,
        step: options.step,
        limit: options.limit,
        series: options.series === true,
        previous: options.previous === true,
        sankey: options.sankey === true,
      };
    },
  );

  program
    .command("explain")
    .description(
      "what the inventory makes of an address (network, tags, ASN, country, cloud range) or of a flow between two (direction, locality), and why",
    )
    .argument("<address>", "an IPv4 or IPv6 address (the source, when two are given)")
    .argument("[destination]", "a second address: explain the flow from the first to it")
    .option("--exporter <address>", "apply this exporter's boundary interfaces")
    .option("--in-if <ifIndex>", "input interface of the flow", integerIn(0, 4294967295))
    .option("--out-if <ifIndex>", "output interface of the flow", integerIn(0, 4294967295))
    .option("--json", "JSON output")
    .action(
      (
        address: string,
        destination: string | undefined,
        options: { exporter?: string; inIf?: number; outIf?: number; json?: boolean },
      ) => {
        parsed = {
          kind: "explain",
          global: global(),
          addresses: destination === undefined ? [address] : [address, destination],
          exporter: options.exporter,
          inIf: options.inIf,
          outIf: options.outIf,
          json: options.json === true,
        };
      },
    );

  program
    .command("reclassify")
    .description(
      "classify stored flows again against the inventory now (networks, direction, locality, countries) and write them back, with progress; on the data directory (stop `tollgate serve` first, or POST /api/v1/reclassify to it)",
    )
    .option(
      "--since <time>",
      "start: duration back from now (1h, 7d), ISO time (default: first flow)",
    )
    .option("--until <time>", "end, exclusive (default: after the last flow)")
    .option("--yes", "do not ask for confirmation (required when stdin is not a terminal)")
    .option(
      "--server <url>",
      `the server to name in the advice when one holds the data directory (default ${DEFAULT_SERVER})`,
    )
    .action((options: { since?: string; until?: string; yes?: boolean; server?: string }) => {
      parsed = {
        kind: "reclassify",
        global: global(),
        since: options.since,
        until: options.until,
        yes: options.yes === true,
        server: options.server ?? DEFAULT_SERVER,
      };
    });

  const inventory = program
    .command("inventory")
    .description("the inventory's data: cloud provider ranges, suggestions from cloud logs");
  inventory
    .command("update-ranges")
    .description(
      "download AWS, Google Cloud and Azure published IP ranges into inventory.cloudRanges.dir (needs internet access)",
    )
    .option(
      "--dir <dir>",
      "directory to write (default: inventory.cloudRanges.dir or <dataDir>/cloud-ranges)",
    )
    .action((options: { dir?: string }) => {
      parsed = { kind: "update-ranges", global: global(), dir: options.dir };
    });

  inventory
    .command("suggest")
    .description(
      "propose networks (one per cloud subnet, with the traffic seen) from the account, VPC, subnet and zone that stored AWS/GCP/Azure flow-log records name, minus what the inventory declares",
    )
    .option(
      "--since <time>",
      "start: duration back from now (7d) or ISO time (default: first flow)",
    )
    .option("--until <time>", "end, exclusive (default: after the last flow)")
    .option("--yaml", "print an inventory file (for inventory.include) instead of a table")
    .option("--write <file>", "write the inventory file there and say how to include it")
    .option("--force", "overwrite the --write file when it exists")
    .action(
      (options: {
        since?: string;
        until?: string;
        yaml?: boolean;
        write?: string;
        force?: boolean;
      }) => {
        parsed = {
          kind: "inventory-suggest",
          global: global(),
          since: options.since,
          until: options.until,
          yaml: options.yaml === true,
          write: options.write,
          force: options.force === true,
        };
      },
    );

  program
    .command("storage")
    .description("the flow store's tiers: raw flows and rollups")
    .command("stats")
    .description(
      "rows, bytes on disk, bytes per flow, time covered and retention of raw flows and each rollup tier",
    )
    .option("--json", "print JSON")
    .option(
      "--server <url>",
      `ask this server (default ${DEFAULT_SERVER}, else the data directory)`,
    )
    .action((options: { json?: boolean; server?: string }) => {
      parsed = {
        kind: "storage-stats",
        global: global(),
        json: options.json === true,
        server: options.server ?? DEFAULT_SERVER,
        serverExplicit: options.server !== undefined,
      };
    });

  const config = program.command("config").description("validate or print the configuration");
  config
    .command("check")
    .description("validate a configuration file; names each bad key and the fix")
    .argument("[file]", "file to check (default: --config, TOLLGATE_CONFIG or ./tollgate.yaml)")
    .action((file: string | undefined) => {
      parsed = { kind: "config-check", global: global(), file };
    });
  config
    .command("dump")
    .description("print the effective configuration (file + environment + defaults)")
    .option("--json", "JSON instead of YAML")
    .action((options: { json?: boolean }) => {
      parsed = {
        kind: "config-dump",
        global: global(),
        format: options.json === true ? "json" : "yaml",
      };
    });

  try {
    program.parse([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" ||
        error.code === "commander.help"
      ) {
        return { kind: "exit", exitCode: 0 };
      }
      throw new AppError("ERR_USAGE", error.message.replace(/^error: /, ""), { cause: error });
    }
    throw error;
  }
  if (parsed === undefined) {
    write.out(program.helpInformation());
    return { kind: "exit", exitCode: argv.length === 0 ? 0 : 2 };
  }
  return parsed;
}

function integerIn(min: number, max: number) {
  return (value: string): number => {
    const parsedValue = Number(value);
    if (!Number.isInteger(parsedValue) || parsedValue < min || parsedValue > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return parsedValue;
  };
}

/** The process's own arguments (only cli/ reads process.argv). */
export function processArguments(): string[] {
  return process.argv.slice(2);
}
