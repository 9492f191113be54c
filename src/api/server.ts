import { existsSync } from "node:fs";
import path from "node:path";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import { AppError, isAppError } from "../core/index.ts";
import type { ErrorCode } from "../core/index.ts";
import type { Component, Logger, Metrics } from "../platform/index.ts";
import { filterErrorDetails } from "../query/index.ts";
import type { FlowStore } from "../storage/index.ts";
import { registerFlowRoutes } from "./routes/flows.ts";
import { registerExploreRoutes } from "./routes/explore.ts";
import { registerSystemRoutes, type StatusInfo } from "./routes/system.ts";
import { registerInventoryRoutes, type InventoryApi } from "./routes/inventory.ts";
import { registerReclassifyRoutes, type ReclassifyApi } from "./routes/reclassify.ts";
import { registerStorageRoutes, type StorageStatsApi } from "./routes/storage.ts";

export interface ApiServerConfig {
  host: string;
  port: number;
  /** Built dashboard (web/dist); null or missing serves a page that says how to build it. */
  staticDir: string | null;
}

export interface ApiServerDeps {
  store: FlowStore;
  metrics: Metrics;
  logger: Logger;
  nowMs: () => number;
  status: () => StatusInfo;
  /** Explain and reload on the live inventory; absent: those routes are not served. */
  inventory?: InventoryApi;
  /** Reclassify stored flows with the live inventory; absent: the store cannot (501). */
  reclassify?: ReclassifyApi;
  /** Rows and bytes per storage tier; absent: the store has no tiers (501). */
  storageStats?: StorageStatsApi;
}

export interface ApiServer extends Component {
  /** `http://host:port` actually bound. */
  url(): string;
  /** For tests: the Fastify instance (`inject()` without a socket). */
  instance(): FastifyInstance;
}

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  ERR_QUERY_INVALID: 400,
  ERR_USAGE: 400,
  ERR_STORE_QUERY: 500,
  ERR_STORE_OPEN: 503,
  ERR_STORE_WRITE: 503,
  ERR_STORE_UNSUPPORTED: 501,
  ERR_RECLASSIFY_RUNNING: 409,
};

/**
 * The HTTP API and the dashboard's static files. Routes are schema-first (TypeBox JSON Schemas
 * validate requests, serialize responses and make the OpenAPI document at
 * /api/v1/openapi.json). Errors are `application/problem+json` (RFC 9457) with our error code.
 */
export function createApiServer(config: ApiServerConfig, deps: ApiServerDeps): ApiServer {
  const app = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
  let boundUrl = "";

  const setup = async (): Promise<void> => {
    await app.register(fastifySwagger, {
      openapi: {
        openapi: "3.1.0",
        info: {
          title: "Tollgate API",
          version: "1",
          description: "Flows classified as ingress, egress, internal and transit.",
        },
      },
    });
    app.setErrorHandler((error: FastifyError | AppError, _request, reply) => {
      if (isAppError(error)) {
        const status = STATUS_BY_CODE[error.code] ?? 500;
        // A filter mistake says where it is (column, length, expected) for a caret or a highlight.
        const details = filterErrorDetails(error);
        return reply
          .status(status)
          .type("application/problem+json")
          .send({
            type: "about:blank",
            title: error.code,
            status,
            detail: error.message,
            code: error.code,
            ...(details === undefined ? {} : { details }),
          });
      }
      if ("validation" in error) {
        return reply.status(400).type("application/problem+json").send({
          type: "about:blank",
          title: "ERR_QUERY_INVALID",
          status: 400,
          detail: error.message,
          code: "ERR_QUERY_INVALID",
        });
      }
      deps.logger.error("api request failed", { error });
      return reply.status(500).type("application/problem+json").send({
        type: "about:blank",
        title: "ERR_INTERNAL",
        status: 500,
        detail: "internal error: see the server log",
        code: "ERR_INTERNAL",
      });
    });
    registerSystemRoutes(app, deps);
    registerFlowRoutes(app, deps);
    registerExploreRoutes(app, deps);
    if (deps.inventory !== undefined) registerInventoryRoutes(app, { inventory: deps.inventory });
    registerReclassifyRoutes(app, { reclassify: deps.reclassify, nowMs: deps.nowMs });
    registerStorageRoutes(app, { storageStats: deps.storageStats });
    app.get("/api/v1/openapi.json", { schema: { hide: true } }, () => app.swagger());

    const staticDir = config.staticDir;
    if (staticDir !== null && existsSync(path.join(staticDir, "index.html"))) {
      await app.register(fastifyStatic, { root: staticDir, prefix: "/", wildcard: true });
    } else {
      app.get("/", { schema: { hide: true } }, (_request, reply) =>
        reply
          .type("text/html")
          .send(
            "<!doctype html><title>Tollgate</title><h1>Tollgate</h1><p>The dashboard is not built: run <code>npm run build:web</code> and restart. The API answers under <a href='/api/v1/openapi.json'>/api/v1</a>.</p>",
          ),
      );
    }
  };

  return {
    async start() {
      await setup();
      try {
        await app.listen({ host: config.host, port: config.port });
      } catch (error) {
        const errno = error as NodeJS.ErrnoException;
        const display = config.host.includes(":")
          ? `[${config.host}]:${config.port}`
          : `${config.host}:${config.port}`;
        if (errno.code === "EADDRINUSE") {
          throw new AppError(
            "ERR_LISTEN_IN_USE",
            `http ${display} is already in use by another process: stop it, or choose another address with --http-listen HOST:PORT`,
            { cause: error },
          );
        }
        throw new AppError(
          "ERR_LISTEN_FAILED",
          `http ${display} cannot be bound (${errno.code ?? errno.message}): choose another address with --http-listen HOST:PORT`,
          { cause: error },
        );
      }
      const address = app.server.address();
      if (address !== null && typeof address === "object") {
        const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
        boundUrl = `http://${host}:${address.port}`;
      }
    },
    async stop() {
      await app.close();
    },
    url: () => boundUrl,
    instance: () => app,
  };
}
