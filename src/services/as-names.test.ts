import { afterEach, describe, expect, it, vi } from "vitest";
import type { AddressRegistry } from "../inventory/registry/index.ts";
import { silentLogger } from "../platform/index.ts";
import type { FlowStore } from "../storage/index.ts";
import { createAsNamesWriter } from "./as-names.ts";

// The writer's scheduling only: a store whose putAsNames fails on demand stands in for a
// ClickHouse server that is away (the stores themselves are tested against real servers).
function registryNamed(name: string): AddressRegistry {
  return { asNames: () => new Map([[64512, name]]) } as unknown as AddressRegistry;
}

function storeFailing(times: number): { store: FlowStore; puts: string[] } {
  const puts: string[] = [];
  let failures = times;
  const store = {
    putAsNames(names: ReadonlyMap<number, string>): Promise<void> {
      puts.push(names.get(64512) ?? "");
      if (failures > 0) {
        failures--;
        return Promise.reject(new Error("store away"));
      }
      return Promise.resolve();
    },
  } as unknown as FlowStore;
  return { store, puts };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("the AS names writer", () => {
  it("retries a failed write once a minute, not at once", async () => {
    vi.useFakeTimers();
    const { store, puts } = storeFailing(2);
    const writer = createAsNamesWriter({ store, logger: silentLogger });
    writer.registryLoaded(registryNamed("first"));
    await writer.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(puts).toEqual(["first"]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(puts).toEqual(["first", "first"]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(puts).toEqual(["first", "first", "first"]);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(puts).toHaveLength(3);
    await writer.stop();
  });

  it("writes a newer registry at once, even while an older one waits for its retry", async () => {
    vi.useFakeTimers();
    const { store, puts } = storeFailing(1);
    const writer = createAsNamesWriter({ store, logger: silentLogger });
    writer.registryLoaded(registryNamed("old"));
    await writer.start();
    await vi.advanceTimersByTimeAsync(1_000);
    writer.registryLoaded(registryNamed("new"));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(puts).toEqual(["old", "new"]);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(puts).toEqual(["old", "new"]);
    await writer.stop();
  });
});
