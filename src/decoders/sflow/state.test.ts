import { describe, expect, it } from "vitest";
import { FlowBatch, textToWords } from "../../core/index.ts";
import { decodeSflow5 } from "./decode.ts";
import { encodeSflow5 } from "./encode.ts";
import type { SflowSampleSpec } from "./encode.ts";
import { createSflowState } from "./state.ts";
import type { SflowState } from "./state.ts";

const exporterWords = new Uint32Array(4);
textToWords("192.0.2.200", exporterWords, 0);

function send(
  state: SflowState,
  sequence: number,
  uptimeMs: number,
  options: { agentAddr?: string; subAgentId?: number; samples?: SflowSampleSpec[] } = {},
): void {
  const payload = encodeSflow5({
    agentAddr: options.agentAddr ?? "192.0.2.1",
    subAgentId: options.subAgentId ?? 0,
    sequence,
    uptimeMs,
    samples: options.samples ?? [],
  });
  decodeSflow5(payload, { exporterAddr: "192.0.2.200", exporterWords, receivedMs: 0 }, state, {
    flows: new FlowBatch(4),
    counters: [],
    issues: [],
  });
}

const only = (state: SflowState) => state.exporterStats()[0];

describe("sFlow sequence tracking", () => {
  it("counts lost datagrams from sequence gaps", () => {
    const state = createSflowState();
    for (const sequence of [1, 2, 3, 7, 8, 10]) send(state, sequence, sequence * 1000);
    expect(only(state)).toMatchObject({ datagrams: 6, sequenceGaps: 3 + 1, restarts: 0 });
  });

  it("steps across the 2^32 wrap as one", () => {
    const state = createSflowState();
    send(state, 0xfffffffe, 1000);
    send(state, 0xffffffff, 2000);
    send(state, 0, 3000);
    send(state, 2, 4000);
    expect(only(state)).toMatchObject({ sequenceGaps: 1, restarts: 0 });
  });

  it("treats a sequence back to a small number with a lower uptime as a restart, not a gap", () => {
    const state = createSflowState();
    send(state, 5000, 9_000_000);
    send(state, 5001, 9_001_000);
    send(state, 1, 2_000);
    send(state, 2, 3_000);
    send(state, 4, 5_000);
    expect(only(state)).toMatchObject({ restarts: 1, sequenceGaps: 1, lastSequence: 4 });
  });

  it("treats a far-back sequence with a steady uptime as a reset, and a near-back one as reordering", () => {
    const state = createSflowState();
    send(state, 100, 10_000);
    send(state, 102, 12_000);
    send(state, 101, 11_000); // late: fills the gap counted at 102
    expect(only(state)).toMatchObject({ sequenceGaps: 0, reorderedDatagrams: 1 });
    send(state, 101, 12_000); // duplicate of nothing newer: still behind, reordered again
    send(state, 102, 12_000);
    expect(only(state)?.duplicateDatagrams).toBe(1);
    send(state, 3, 13_000); // far back, uptime forward: the agent process restarted
    expect(only(state)).toMatchObject({ restarts: 1, lastSequence: 3, sequenceGaps: 0 });
  });

  it("handles the uptime wrap after 49.7 days as time going forward", () => {
    const state = createSflowState();
    send(state, 10, 0xffffff00);
    send(state, 11, 500);
    expect(only(state)).toMatchObject({ restarts: 0, sequenceGaps: 0 });
  });

  it("tracks agents and sub-agents apart", () => {
    const state = createSflowState();
    send(state, 1, 1000, { subAgentId: 0 });
    send(state, 1, 1000, { subAgentId: 1 });
    send(state, 2, 2000, { subAgentId: 0 });
    send(state, 50, 2000, { agentAddr: "2001:db8::1" });
    const stats = state.exporterStats();
    expect(stats.map((agent) => [agent.agentAddr, agent.subAgentId, agent.datagrams])).toEqual([
      ["192.0.2.1", 1, 1],
      ["192.0.2.1", 0, 2],
      ["2001:db8::1", 0, 1],
    ]);
    expect(stats.every((agent) => agent.sequenceGaps === 0)).toBe(true);
  });

  it("stays within maxAgents, evicting the least recently heard", () => {
    const state = createSflowState({ maxAgents: 3 });
    for (let agent = 1; agent <= 10; agent++)
      send(state, 1, 1000, { agentAddr: `10.0.0.${agent}` });
    send(state, 2, 2000, { agentAddr: "10.0.0.8" });
    send(state, 1, 1000, { agentAddr: "10.0.0.11" });
    expect(state.size).toBe(3);
    expect(state.evictedAgents).toBe(8);
    expect(state.exporterStats().map((agent) => agent.agentAddr)).toEqual([
      "10.0.0.10",
      "10.0.0.8",
      "10.0.0.11",
    ]);
  });

  it("counts per-source sample gaps and the increase of the agent's drops counter", () => {
    const state = createSflowState();
    const sample = (sourceIndex: number, sequence: number, drops: number): SflowSampleSpec => ({
      kind: "flow",
      sequence,
      sourceIndex,
      samplingRate: 100,
      drops,
      input: 1,
      output: 2,
      records: [],
    });
    send(state, 1, 1000, { samples: [sample(1, 10, 5), sample(2, 500, 0)] });
    send(state, 2, 2000, { samples: [sample(1, 11, 5), sample(2, 503, 2)] });
    send(state, 3, 3000, { samples: [sample(1, 14, 9), sample(2, 504, 2)] });
    expect(only(state)).toMatchObject({
      flowSamples: 6,
      sampleSequenceGaps: 2 + 2,
      droppedSamples: 2 + 4,
    });
    // Counter samples of the same ifIndex have their own sequence.
    send(state, 4, 4000, {
      samples: [{ kind: "counters", sequence: 1, sourceIndex: 1, records: [] }],
    });
    expect(only(state)).toMatchObject({ counterSamples: 1, sampleSequenceGaps: 4 });
  });

  it("bounds the data sources tracked per agent", () => {
    const state = createSflowState({ maxSourcesPerAgent: 2 });
    const samples: SflowSampleSpec[] = [1, 2, 3, 4].map((sourceIndex) => ({
      kind: "counters",
      sequence: 1,
      sourceIndex,
      records: [],
    }));
    send(state, 1, 1000, { samples });
    // Sources 1 and 2 were evicted: their next sequence is a new baseline, not a gap.
    send(state, 2, 2000, {
      samples: [{ kind: "counters", sequence: 9, sourceIndex: 1, records: [] }],
    });
    expect(only(state)?.sampleSequenceGaps).toBe(0);
  });
});
