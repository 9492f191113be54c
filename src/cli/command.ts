/** A parsed command line: what to run, with its options typed. Services execute it. */
export interface GlobalOptions {
  configPath?: string | undefined;
  dataDir?: string | undefined;
}

export type OutputFormat = "table" | "json" | "csv";

export interface QueryOptions {
  server: string;
  /** True when --server was given explicitly: then an unreachable server is an error. */
  serverExplicit: boolean;
  since?: string | undefined;
  until?: string | undefined;
  direction?: string | undefined;
  /** A filter expression (query/filter), ANDed with `direction`. */
  filter?: string | undefined;
  format: OutputFormat;
}

export type Command =
  | {
      kind: "serve";
      global: GlobalOptions;
      httpListen?: string | undefined;
      netflowListen?: string[] | undefined;
      ipfixListen?: string[] | undefined;
      ipfixTcpListen?: string[] | undefined;
      sflowListen?: string[] | undefined;
    }
  | {
      kind: "demo";
      global: GlobalOptions;
      target: string;
      backfillHours: number;
      durationSeconds: number;
      flowsPerSecond: number;
      seed: number;
    }
  | {
      kind: "import";
      global: GlobalOptions;
      files: string[];
      progress: boolean;
      follow: boolean;
      /** One of decoders' FILE_FORMATS; undefined: recognised per file. */
      format?: string;
      awsLogFormat?: string;
    }
  | { kind: "summary"; global: GlobalOptions; query: QueryOptions }
  | {
      kind: "top";
      global: GlobalOptions;
      query: QueryOptions;
      by: string;
      metric: string;
      limit: string;
    }
  | {
      kind: "explore";
      global: GlobalOptions;
      query: QueryOptions;
      /** Each --by, in order. */
      dimensions: string[];
      unit: string;
      step?: string | undefined;
      limit: string;
      series: boolean;
      previous: boolean;
      sankey: boolean;
    }
  | {
      kind: "explain";
      global: GlobalOptions;
      addresses: string[];
      exporter?: string | undefined;
      inIf?: number | undefined;
      outIf?: number | undefined;
      json: boolean;
    }
  | { kind: "update-ranges"; global: GlobalOptions; dir?: string | undefined }
  | {
      kind: "inventory-suggest";
      global: GlobalOptions;
      since?: string | undefined;
      until?: string | undefined;
      yaml: boolean;
      write?: string | undefined;
      force: boolean;
    }
  | {
      kind: "reclassify";
      global: GlobalOptions;
      since?: string | undefined;
      until?: string | undefined;
      yes: boolean;
      server: string;
    }
  | {
      kind: "storage-stats";
      global: GlobalOptions;
      json: boolean;
      server: string;
      serverExplicit: boolean;
    }
  | { kind: "config-check"; global: GlobalOptions; file?: string | undefined }
  | { kind: "config-dump"; global: GlobalOptions; format: "yaml" | "json" }
  | { kind: "exit"; exitCode: number };
