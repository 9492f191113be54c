import { FlowBatch, type FlowBatchColumns } from "../../core/index.ts";

/**
 * How an appended batch's columns reach the store thread: copied into a SharedArrayBuffer (a
 * slab) that both threads hold, with only the columns' offsets in the message.
 *
 * Moving a batch's own ArrayBuffers there and back instead made V8 count every crossing as
 * new external memory on the side that received it: about 37 MB a 245,760-row batch each way.
 * That pressure started 26 of the main thread's 44 scavenges and a third of its full
 * mark-compacts in a `--trace-gc` run of `tollgate serve` under NetFlow v9, with a steady
 * 35 MB heap; V8's marking threads took 17 % of the server's CPU (perf, 2026-11-22). A slab
 * crosses once, on its first use; afterwards a batch names it by id, and the store thread
 * builds views on the slab it kept.
 *
 * The main thread writes a slab only while the store thread does not hold it: a slab goes out
 * with one batch and comes back (`returnedSlab`) once that batch's append is over, failed or
 * not. Nothing on the store thread keeps a batch after its append.
 */

/** Every column starts on a multiple of 8 bytes, the widest element (Float64Array). */
const ALIGNMENT = 8;

const VIEW_TYPES = {
  Float64Array,
  Uint32Array,
  Uint16Array,
  Uint8Array,
} as const;
type ViewType = keyof typeof VIEW_TYPES;

/** A batch as it crosses to the store thread: where its columns lie in a slab. */
export interface SlabBatch {
  slabId: number;
  /** The slab itself, the first time it crosses; the store thread keeps it from then on. */
  slab?: SharedArrayBuffer;
  length: number;
  columns: [key: string, type: ViewType, byteOffset: number, elements: number][];
  extra: FlowBatchColumns["extra"];
  clouds: FlowBatchColumns["clouds"];
  checkpoints: FlowBatchColumns["checkpoints"];
}

interface Slab {
  id: number;
  buffer: SharedArrayBuffer;
}

/**
 * The main thread's slabs: the ones free for the next batch, and which ones the store thread
 * already holds. Bounded: free slabs beyond `maxBytes` are let go of, and `give` names them so
 * that the store thread lets go of them too.
 */
export class SlabPool {
  readonly #free: Slab[] = [];
  #freeBytes = 0;
  /** Slabs out with a batch, until the store thread is done with it. */
  readonly #out = new Map<number, Slab>();
  readonly #sent = new Set<number>();
  #nextId = 1;
  readonly #maxBytes: number;

  constructor(maxBytes = 160 * 1024 * 1024) {
    this.#maxBytes = maxBytes;
  }

  /** Copies `batch`'s filled columns into a free slab (or a new one) and says where. */
  pack(batch: FlowBatch): SlabBatch {
    const slab = this.#take(batch.columnBytes(ALIGNMENT));
    let offset = 0;
    const transport = batch.toColumns((byteLength) => {
      const byteOffset = offset;
      offset += Math.ceil(byteLength / ALIGNMENT) * ALIGNMENT;
      return { buffer: slab.buffer, byteOffset };
    });
    const columns: SlabBatch["columns"] = Object.entries(transport.columns).map(([key, view]) => {
      const type = view.constructor.name as ViewType;
      const elements = view.byteLength / (view as Uint8Array).BYTES_PER_ELEMENT;
      return [key, type, view.byteOffset, elements];
    });
    const first = !this.#sent.has(slab.id);
    this.#sent.add(slab.id);
    this.#out.set(slab.id, slab);
    return {
      slabId: slab.id,
      ...(first ? { slab: slab.buffer } : {}),
      length: transport.length,
      columns,
      extra: transport.extra,
      clouds: transport.clouds,
      checkpoints: transport.checkpoints,
    };
  }

  /**
   * Takes back slab `id` once the store thread is done with its batch: free for the next one
   * as far as the bound allows. Returns the ids of the slabs let go of (this one, or smaller
   * free ones it displaced), which the store thread should let go of too.
   */
  give(id: number): number[] {
    const slab = this.#out.get(id);
    if (slab === undefined) return [];
    this.#out.delete(id);
    this.#free.push(slab);
    this.#freeBytes += slab.buffer.byteLength;
    const dropped: number[] = [];
    // The smallest go first: the large ones fit the next full batch.
    this.#free.sort((a, b) => b.buffer.byteLength - a.buffer.byteLength);
    while (this.#freeBytes > this.#maxBytes) {
      const smallest = this.#free.pop() as Slab;
      this.#freeBytes -= smallest.buffer.byteLength;
      this.#sent.delete(smallest.id);
      dropped.push(smallest.id);
    }
    return dropped;
  }

  /** Free slabs and their bytes, and slabs out with a batch, now. */
  size(): { slabs: number; bytes: number; out: number } {
    return { slabs: this.#free.length, bytes: this.#freeBytes, out: this.#out.size };
  }

  /** The smallest free slab of at least `byteLength` bytes, or a new one. */
  #take(byteLength: number): Slab {
    let best = -1;
    for (let index = 0; index < this.#free.length; index++) {
      const size = (this.#free[index] as Slab).buffer.byteLength;
      if (size < byteLength) continue;
      if (best < 0 || size < (this.#free[best] as Slab).buffer.byteLength) best = index;
    }
    if (best < 0) return { id: this.#nextId++, buffer: new SharedArrayBuffer(byteLength) };
    const [slab] = this.#free.splice(best, 1) as [Slab];
    this.#freeBytes -= slab.buffer.byteLength;
    return slab;
  }
}

/** The store thread's side: the slabs it was sent, by id. */
export class SlabCache {
  readonly #slabs = new Map<number, SharedArrayBuffer>();

  /** The batch `transport` describes, its columns views on the slab (no copy). */
  unpack(transport: SlabBatch): FlowBatch {
    if (transport.slab !== undefined) this.#slabs.set(transport.slabId, transport.slab);
    const slab = this.#slabs.get(transport.slabId);
    if (slab === undefined) {
      throw new Error(`flow batch slab ${transport.slabId} was never sent to the store thread`);
    }
    const columns: Record<string, ArrayBufferView> = {};
    for (const [key, type, byteOffset, elements] of transport.columns) {
      const View = VIEW_TYPES[type] as new (
        buffer: ArrayBufferLike,
        byteOffset: number,
        length: number,
      ) => ArrayBufferView;
      columns[key] = new View(slab, byteOffset, elements);
    }
    return FlowBatch.fromColumns({
      length: transport.length,
      columns,
      extra: transport.extra,
      clouds: transport.clouds,
      checkpoints: transport.checkpoints,
    });
  }

  /** Lets go of slabs the main thread let go of. */
  forget(ids: readonly number[]): void {
    for (const id of ids) this.#slabs.delete(id);
  }

  /** Slabs held now. */
  size(): number {
    return this.#slabs.size;
  }
}
