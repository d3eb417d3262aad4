import { Random, deriveSeed } from './random';

export interface FaultInput {
  /** API path such as `externalcontact/batch/get_by_user`, or `*` for every path. */
  path: string;
  /** Answer with this errcode (default -1 "system busy", unless only latencyMs is set). */
  errcode?: number;
  /** Share of matching calls hit, 0–1 (default 1); drawn from the corp seed, so runs repeat. */
  rate?: number;
  /** Stop after this many hits. */
  count?: number;
  /** Delay the answer by this much. */
  latencyMs?: number;
}

export interface Fault extends FaultInput {
  id: number;
  hits: number;
  seen: number;
}

export interface FaultHit {
  errcode?: number;
  latencyMs: number;
}

/** Injected failures of one corp's API, decided per call by a seeded stream. */
export class FaultInjector {
  private faults: Array<Fault & { rng: Random }> = [];
  private nextId = 1;

  constructor(private readonly seed: number) {}

  add(input: FaultInput): Fault {
    const id = this.nextId++;
    const fault = {
      ...input,
      id,
      hits: 0,
      seen: 0,
      rng: new Random(deriveSeed(this.seed, `fault:${id}:${input.path}`)),
    };
    this.faults.push(fault);
    return publicFault(fault);
  }

  clear(path?: string): number {
    const before = this.faults.length;
    this.faults = path === undefined ? [] : this.faults.filter((f) => f.path !== path);
    return before - this.faults.length;
  }

  list(): Fault[] {
    return this.faults.map(publicFault);
  }

  /** The first fault that fires for this call, if any. */
  check(path: string): FaultHit | undefined {
    for (const fault of this.faults) {
      if (fault.path !== '*' && fault.path !== path) continue;
      if (fault.count !== undefined && fault.hits >= fault.count) continue;
      fault.seen++;
      if (fault.rate !== undefined && fault.rng.next() >= fault.rate) continue;
      fault.hits++;
      const latencyOnly = fault.errcode === undefined && fault.latencyMs !== undefined;
      return { errcode: latencyOnly ? undefined : (fault.errcode ?? -1), latencyMs: fault.latencyMs ?? 0 };
    }
    return undefined;
  }
}

function publicFault(fault: Fault): Fault {
  const { id, path, errcode, rate, count, latencyMs, hits, seen } = fault;
  return { id, path, errcode, rate, count, latencyMs, hits, seen };
}
