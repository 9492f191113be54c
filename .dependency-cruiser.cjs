// Import boundaries from DESIGN.md ("Layout") and STYLE.md ("Module boundaries"), checked by
// `npm run depcruise` (part of `npm run check`).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "core-is-pure",
      comment: "core imports nothing internal.",
      severity: "error",
      from: { path: "^src/core/" },
      to: { path: "^src/", pathNot: "^src/core/" },
    },
    {
      name: "pure-layers-import-only-core",
      comment: "decoders, cost/engine, policy/model and policy/evaluate import only core.",
      severity: "error",
      from: { path: "^src/(decoders|cost/engine|policy/model|policy/evaluate)/" },
      to: {
        path: "^src/",
        pathNot: "^src/(core|decoders|cost/engine|policy/model|policy/evaluate)/",
      },
    },
    {
      name: "pure-layers-no-io",
      comment: "decoders and core are pure: no I/O modules, no clock.",
      severity: "error",
      from: { path: "^src/(core|decoders)/", pathNot: "(\\.test\\.ts|/testdata/[^/]+\\.ts)$" },
      to: {
        dependencyTypes: ["core"],
        path: "^(fs|net|dgram|http|https|child_process|node:fs|node:net|node:dgram|node:http|node:https|node:child_process)",
      },
    },
    {
      name: "testdata-only-in-tests",
      comment: "testdata/ helpers may read files; only tests and other testdata may import them.",
      severity: "error",
      from: { path: "^src/", pathNot: "(\\.test\\.ts|/testdata/[^/]+\\.ts)$" },
      to: { path: "/testdata/" },
    },
    {
      name: "middle-layers-not-upward",
      comment:
        "inventory, pipeline, storage, query, detect, gateway never import api, cli, services, config.",
      severity: "error",
      from: { path: "^src/(inventory|pipeline|storage|query|detect|gateway|policy/compile)/" },
      to: { path: "^src/(api|cli|services|config)/" },
    },
    {
      name: "pipeline-uses-the-port",
      comment: "pipeline depends on storage/store.ts (the port), never on an adapter.",
      severity: "error",
      from: { path: "^src/pipeline/" },
      to: { path: "^src/storage/(duckdb|clickhouse)/" },
    },
    {
      name: "api-cli-apart",
      comment: "api and cli never import each other.",
      severity: "error",
      from: { path: "^src/(api|cli)/" },
      to: { path: "^src/(api|cli)/", pathNot: "^src/$1/" },
    },
    {
      name: "only-services-construct-adapters",
      comment: "Only services/ (and the adapters' own tests) import storage adapters.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(services|storage)/" },
      to: { path: "^src/storage/(duckdb|clickhouse)/" },
    },
    {
      name: "vendor-sdk-in-adapter",
      comment: "@duckdb/* stays in storage/duckdb; the ClickHouse client in storage/clickhouse.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/storage/duckdb/" },
      to: { path: "node_modules/@duckdb/" },
    },
    {
      name: "http-framework-in-api",
      comment: "fastify stays in api/.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/api/" },
      to: { path: "node_modules/(fastify|@fastify)/" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "\\.test\\.ts$|\\.bench\\.ts$" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
    },
  },
};
