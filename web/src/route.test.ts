import { describe, expect, it } from "vitest";
import { defaultRoute, formatRoute, parseRoute, queryParams, rangeParams } from "./route.ts";

describe("route", () => {
  it("reads the page and choices from the hash, defaulting what is missing or unknown", () => {
    expect(parseRoute("")).toEqual(defaultRoute);
    expect(parseRoute("#/")).toEqual(defaultRoute);
    expect(parseRoute("#/nowhere?range=3y&metric=watts&by=src.secret")).toEqual(defaultRoute);
    expect(parseRoute("#/explore?by=src.tag.team&direction=egress&limit=25&as=total")).toEqual({
      ...defaultRoute,
      page: "explore",
      by: "src.tag.team",
      direction: "egress",
      limit: 25,
      rate: false,
    });
  });

  it("writes a hash that reads back as the same route, leaving defaults out", () => {
    expect(formatRoute(defaultRoute)).toBe("#/");
    const route = { ...defaultRoute, page: "explore" as const, range: "7d" as const, by: "proto" };
    expect(formatRoute(route)).toBe("#/explore?range=7d&by=proto");
    expect(parseRoute(formatRoute(route))).toEqual(route);
  });

  it("keeps the filter on every page, encoded, so a link reproduces the view", () => {
    const filter = 'direction = egress and src.tag."cost center" = cc-17 & more';
    const route = { ...defaultRoute, filter };
    expect(parseRoute(formatRoute(route))).toEqual(route);
    const explore = { ...route, page: "explore" as const };
    expect(parseRoute(formatRoute(explore))).toEqual(explore);
    expect(formatRoute({ ...defaultRoute, filter: "proto = tcp" })).toBe("#/?filter=proto+%3D+tcp");
    expect(queryParams({ ...defaultRoute, range: "all", filter: "proto = tcp" })).toEqual({
      filter: "proto = tcp",
    });
    expect(queryParams(defaultRoute).filter).toBeUndefined();
  });

  it("leaves both bounds open for the whole range", () => {
    expect(rangeParams("all")).toEqual({});
    expect(rangeParams("15m")).toEqual({ since: "15m", until: "now" });
  });
});
