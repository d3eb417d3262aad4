import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { Logger } from 'pino';
import { createLogger } from '../../logger';
import { createApiRouter } from './api-router';
import { createControlRouter } from './control/router';
import { createWechatApiRouter } from './mini-programs/api-router';
import { createMiniProgramControlRouter } from './mini-programs/control';
import { MiniProgramRegistry } from './mini-programs/state';
import { CorpRegistry, type CorpRuntime, type CreateCorpInput } from './runtime';

export interface SimulatorOptions {
  logger?: Logger;
  /** Used when no logger is given (default 'info'). */
  logLevel?: string;
  /** Corps generated before the server starts listening. */
  corps?: CreateCorpInput[];
}

export interface Simulator {
  app: Koa;
  registry: CorpRegistry;
  /** WeChat's side: mini-programs, their tokens and the URL schemes generated for them. */
  miniPrograms: MiniProgramRegistry;
  /** Set once listening. */
  server: Server | undefined;
  /** Starts listening (port 0 picks a free port); resolves with the base URL. */
  listen(port: number, host?: string): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
  createCorp(input: CreateCorpInput): CorpRuntime;
}

/**
 * The local WeCom: /cgi-bin speaks WeCom's wire protocol, /control scripts the world behind it. It
 * also plays the few WeChat (api.weixin.qq.com) calls of mini-programs: cgi-bin/token and wxa/….
 */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const logger = options.logger ?? createLogger('wecom-simulator', options.logLevel ?? 'info');
  const registry = new CorpRegistry(logger);
  for (const corp of options.corps ?? []) registry.create(corp);

  const app = new Koa();
  app.proxy = false;
  app.on('error', (err: unknown) => logger.warn({ err }, 'simulator request failed'));
  const api = createApiRouter({ registry, logger });
  const control = createControlRouter(registry, logger);
  const miniPrograms = new MiniProgramRegistry();
  app.use(api.routes());
  app.use(createWechatApiRouter(miniPrograms, logger).routes());
  app.use(createMiniProgramControlRouter(miniPrograms).routes());
  app.use(control.routes());
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = /^\/(cgi-bin|wxa)\//.test(ctx.path)
      ? { errcode: 404, errmsg: `unknown api ${ctx.path}` }
      : { error: { code: 'NOT_FOUND', message: `no route ${ctx.method} ${ctx.path}` } };
  });

  const simulator: Simulator = {
    app,
    registry,
    miniPrograms,
    server: undefined,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        const server = app.listen(port, host);
        server.keepAliveTimeout = 65_000;
        simulator.server = server;
        server.once('error', reject);
        server.once('listening', () => {
          const address = server.address() as AddressInfo;
          resolve({ port: address.port, url: `http://${host}:${address.port}` });
        });
      });
    },
    async close() {
      registry.stopAll();
      const server = simulator.server;
      if (!server) return;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    createCorp: (input) => registry.create(input),
  };
  return simulator;
}
