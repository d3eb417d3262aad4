import { collectDefaultMetrics, Registry } from 'prom-client';

/** A registry of one process's metrics, with Node's own (CPU, memory, event loop lag, GC). */
export function createRegistry(processName: 'api' | 'worker'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ process: processName });
  collectDefaultMetrics({ register: registry });
  return registry;
}
