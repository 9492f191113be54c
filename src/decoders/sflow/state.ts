/**
 * Per-agent sFlow bookkeeping: datagram and sample counts, sequence gaps (lost datagrams and
 * samples inferred from sequence numbers), agent restarts and the agent's own drop counters.
 * Bounded: at most `maxAgents` agents (least recently heard evicted first) and
 * `maxSourcesPerAgent` data sources each (oldest evicted first).
 */

export interface SflowStateOptions {
  /** Agents (agent address, sub-agent id) tracked at once; default 4096. */
  maxAgents?: number;
  /** Data sources (ifIndex, VLAN…) tracked per agent for sample sequences; default 4096. */
  maxSourcesPerAgent?: number;
}

/** What `exporterStats()` reports per agent. Counts since the agent was first (re)tracked. */
export interface SflowAgentStats {
  /** Agent address from the datagram (canonical text), or "" when the agent sent UNKNOWN. */
  agentAddr: string;
  subAgentId: number;
  /** UDP source of the latest datagram. */
  exporterAddr: string;
  datagrams: number;
  flowSamples: number;
  counterSamples: number;
  /** Samples of types this decoder does not read (e.g. 5, discarded packets), skipped. */
  skippedSamples: number;
  /** Flow and counter records skipped by their length (unknown or unused types). */
  skippedRecords: number;
  /** Datagrams lost in transit, inferred from gaps in the datagram sequence number. */
  sequenceGaps: number;
  /** Datagrams that arrived late (sequence a little behind the newest seen). */
  reorderedDatagrams: number;
  duplicateDatagrams: number;
  /** Agent restarts and sequence resets: counted here, never as gaps. */
  restarts: number;
  /** Samples lost in transit, inferred from gaps in each data source's sample sequence. */
  sampleSequenceGaps: number;
  /**
   * Samples the agent itself dropped for lack of resources: the increase of each flow data
   * source's `drops` counter while tracked (the counter is cumulative, sFlow v5 flow_sample).
   */
  droppedSamples: number;
  lastSequence: number;
  lastUptimeMs: number;
}

/** Per-data-source sample sequence and drop counter. */
interface SourceState {
  sequence: number;
  drops: number;
}

export interface AgentState extends SflowAgentStats {
  sources: Map<number, SourceState>;
}

/** Agent identity: a number for IPv4 agents (no string per datagram), text otherwise. */
export type AgentKey = number | string;

export interface SflowState {
  /**
   * Finds or creates the agent under `key` and books one datagram's sequence number and
   * uptime. A new agent has `datagrams === 1` and `agentAddr === ""`: the caller names it.
   */
  observeDatagram(
    key: AgentKey,
    subAgentId: number,
    exporterAddr: string,
    sequence: number,
    uptimeMs: number,
  ): AgentState;
  /** Books one sample's sequence number (and drops for flow samples) for its data source. */
  observeSample(agent: AgentState, sourceKey: number, sequence: number, drops: number): void;
  /** A snapshot of every tracked agent, least recently heard first. */
  exporterStats(): SflowAgentStats[];
  /** Agents tracked now (at most `maxAgents`). */
  readonly size: number;
  /** Agents evicted to stay within `maxAgents`. */
  readonly evictedAgents: number;
}

const DEFAULT_MAX_AGENTS = 4096;
const DEFAULT_MAX_SOURCES = 4096;
/**
 * How far behind the newest sequence number a datagram may arrive and still count as
 * reordered rather than as a reset, and how far back its uptime may be. UDP reordering is a
 * few datagrams; agents send a datagram at least every second or so (sFlow v5 "sample_datagram":
 * samples are sent promptly), so 64 datagrams and 10 s are generous.
 */
const REORDER_WINDOW = 64;
const REORDER_UPTIME_MS = 10_000;
const HALF_RANGE = 0x80000000;

/**
 * Creates the state an sFlow decoder threads through every datagram. Sequence numbers are
 * unsigned 32-bit and compared modulo 2^32, so a wrap (…, 2^32 − 1, 0, 1, …) is a step of one.
 * A restart is a sequence going back with the uptime going back too (the agent rebooted and
 * counts from 1 again): the baseline resets and nothing is counted as lost.
 */
export function createSflowState(options: SflowStateOptions = {}): SflowState {
  const maxAgents = Math.max(1, options.maxAgents ?? DEFAULT_MAX_AGENTS);
  const maxSources = Math.max(1, options.maxSourcesPerAgent ?? DEFAULT_MAX_SOURCES);
  const agents = new Map<AgentKey, AgentState>();
  let evictedAgents = 0;
  // Datagrams come in runs from one agent: the last one found skips the map entirely.
  let recentKey: AgentKey | undefined;
  let recentAgent: AgentState | undefined;

  function newAgent(agentAddr: string, subAgentId: number, exporterAddr: string): AgentState {
    return {
      agentAddr,
      subAgentId,
      exporterAddr,
      datagrams: 0,
      flowSamples: 0,
      counterSamples: 0,
      skippedSamples: 0,
      skippedRecords: 0,
      sequenceGaps: 0,
      reorderedDatagrams: 0,
      duplicateDatagrams: 0,
      restarts: 0,
      sampleSequenceGaps: 0,
      droppedSamples: 0,
      lastSequence: 0,
      lastUptimeMs: 0,
      sources: new Map(),
    };
  }

  return {
    observeDatagram(key, subAgentId, exporterAddr, sequence, uptimeMs) {
      let agent = key === recentKey ? recentAgent : agents.get(key);
      if (agent === undefined) {
        if (agents.size >= maxAgents) {
          const oldest = agents.keys().next();
          if (oldest.done !== true) {
            agents.delete(oldest.value);
            evictedAgents++;
          }
        }
        agent = newAgent("", subAgentId, exporterAddr);
        agents.set(key, agent);
      } else if (agent !== recentAgent) {
        // Map keeps insertion order: re-inserting makes this agent the most recently heard.
        agents.delete(key);
        agents.set(key, agent);
      }
      recentKey = key;
      recentAgent = agent;
      if (agent.exporterAddr !== exporterAddr) agent.exporterAddr = exporterAddr;
      agent.datagrams++;
      if (agent.datagrams === 1) {
        agent.lastSequence = sequence;
        agent.lastUptimeMs = uptimeMs;
        return agent;
      }
      const last = agent.lastSequence;
      const ahead = (sequence - last) >>> 0;
      // Uptimes are compared modulo 2^32 too (it wraps after 49.7 days).
      const uptimeBehindMs = (agent.lastUptimeMs - uptimeMs) >>> 0;
      const uptimeWentBack = uptimeBehindMs < HALF_RANGE && uptimeBehindMs > REORDER_UPTIME_MS;
      if (ahead === 0) {
        agent.duplicateDatagrams++;
        return agent;
      }
      if (uptimeWentBack) {
        // The agent rebooted (its sequence counts from 1 again): re-baseline, count nothing lost.
        agent.restarts++;
        agent.sources.clear();
      } else if (ahead < HALF_RANGE) {
        // Forward, possibly across the 2^32 wrap.
        agent.sequenceGaps += ahead - 1;
      } else if ((last - sequence) >>> 0 <= REORDER_WINDOW) {
        // A late datagram: it fills a gap counted when a successor arrived.
        agent.reorderedDatagrams++;
        if (agent.sequenceGaps > 0) agent.sequenceGaps--;
        return agent;
      } else {
        // Far behind without the uptime going back: the agent process restarted on a host
        // that kept its uptime (hsflowd) or reset its counters. Re-baseline.
        agent.restarts++;
        agent.sources.clear();
      }
      agent.lastSequence = sequence;
      agent.lastUptimeMs = uptimeMs;
      return agent;
    },

    observeSample(agent, sourceKey, sequence, drops) {
      const source = agent.sources.get(sourceKey);
      if (source === undefined) {
        if (agent.sources.size >= maxSources) {
          const oldest = agent.sources.keys().next();
          if (oldest.done !== true) agent.sources.delete(oldest.value);
        }
        agent.sources.set(sourceKey, { sequence, drops });
        return;
      }
      const ahead = (sequence - source.sequence) >>> 0;
      if (ahead === 0) return;
      if (ahead < HALF_RANGE) {
        // Forward: the skipped sequence numbers are samples lost on the way; `drops` is
        // cumulative, so its increase is what the agent dropped meanwhile (a decrease is a
        // counter reset and re-baselines).
        agent.sampleSequenceGaps += ahead - 1;
        const dropped = (drops - source.drops) >>> 0;
        if (dropped < HALF_RANGE) agent.droppedSamples += dropped;
      } else if ((source.sequence - sequence) >>> 0 <= REORDER_WINDOW) {
        // A late sample fills a gap counted earlier.
        if (agent.sampleSequenceGaps > 0) agent.sampleSequenceGaps--;
        return;
      }
      // Otherwise far behind: the source reset (agent restart); re-baseline.
      source.sequence = sequence;
      source.drops = drops;
    },

    exporterStats() {
      return [...agents.values()].map(({ sources: _sources, ...stats }) => ({ ...stats }));
    },

    get size() {
      return agents.size;
    },
    get evictedAgents() {
      return evictedAgents;
    },
  };
}
