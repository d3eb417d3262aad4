import { Type, type Static } from '@sinclair/typebox';
import Ajv from 'ajv';
import { createLogger } from '../logger';
import { createSimulator } from '../wecom/simulator/server';
import type { CreateCorpInput } from '../wecom/simulator/runtime';

/** Settings of the simulator process, validated once at boot (all optional: it runs with none). */
const SimulatorConfigSchema = Type.Object({
  SIMULATOR_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8290 }),
  SIMULATOR_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** A demo corp generated at boot when SIMULATOR_DEMO_CORP_ID is set. */
  SIMULATOR_DEMO_CORP_ID: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })),
  SIMULATOR_DEMO_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  SIMULATOR_DEMO_AGENT_ID: Type.Optional(Type.Integer({ minimum: 1 })),
  SIMULATOR_DEMO_CALLBACK_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  SIMULATOR_DEMO_CALLBACK_TOKEN: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  SIMULATOR_DEMO_ENCODING_AES_KEY: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9]{43}$' })),
  SIMULATOR_DEMO_SEED: Type.Integer({ minimum: 0, maximum: 4294967295, default: 1 }),
  SIMULATOR_DEMO_CUSTOMERS: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 500 }),
});

type SimulatorConfig = Static<typeof SimulatorConfigSchema>;

export class SimulatorConfigError extends Error {
  override readonly name = 'SimulatorConfigError';
}

export function loadSimulatorConfig(env: NodeJS.ProcessEnv = process.env): SimulatorConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(SimulatorConfigSchema.properties)) {
    const value = env[key];
    if (value === undefined || value === '') continue;
    raw[key] = (schema as { type?: string }).type === 'integer' && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  const validate = new Ajv({ allErrors: true, useDefaults: true, strict: false }).compile<SimulatorConfig>(
    SimulatorConfigSchema,
  );
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).map(
      (e) =>
        `  ${e.instancePath.replace(/^\//, '') || String(e.params['missingProperty'] ?? '')}: ${e.message ?? 'invalid'}`,
    );
    throw new SimulatorConfigError(`Invalid simulator configuration:\n${[...new Set(problems)].join('\n')}`);
  }
  return raw as SimulatorConfig;
}

function demoCorp(config: SimulatorConfig): CreateCorpInput | undefined {
  if (config.SIMULATOR_DEMO_CORP_ID === undefined) return undefined;
  return {
    corpId: config.SIMULATOR_DEMO_CORP_ID,
    secret: config.SIMULATOR_DEMO_SECRET,
    agentId: config.SIMULATOR_DEMO_AGENT_ID,
    callbackUrl: config.SIMULATOR_DEMO_CALLBACK_URL,
    callbackToken: config.SIMULATOR_DEMO_CALLBACK_TOKEN,
    encodingAesKey: config.SIMULATOR_DEMO_ENCODING_AES_KEY,
    seed: config.SIMULATOR_DEMO_SEED,
    customers: config.SIMULATOR_DEMO_CUSTOMERS,
  };
}

async function main(): Promise<void> {
  const config = loadSimulatorConfig();
  const logger = createLogger('wecom-simulator', config.LOG_LEVEL);
  const demo = demoCorp(config);
  const simulator = createSimulator({ logger, corps: demo ? [demo] : [] });
  if (demo) logger.info({ corpId: demo.corpId, customers: demo.customers, seed: demo.seed }, 'demo corp generated');
  const { url } = await simulator.listen(config.SIMULATOR_PORT, config.SIMULATOR_HOST);
  // The test harness and start script wait for exactly this line on stdout.
  process.stdout.write(`wecom simulator listening on ${url}\n`);
  const shutdown = () => void simulator.close().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
