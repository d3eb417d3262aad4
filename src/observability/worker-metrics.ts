import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { Counter, type Registry } from 'prom-client';
import { WecomApiError } from '../wecom/errors';
import { createRegistry } from './metrics';

/** What the worker exports at /metrics beside the Temporal SDK's own series. */
export class WorkerMetrics {
  readonly registry: Registry;
  readonly activityFailures: Counter<'activity' | 'errcode'>;
  readonly syncPages: Counter<'kind'>;

  constructor() {
    this.registry = createRegistry('worker');
    const registers = [this.registry];
    this.activityFailures = new Counter({
      name: 'scrm_activity_failures_total',
      help: 'Failed activity attempts, by activity and WeCom errcode ("none" when WeCom did not answer with one)',
      labelNames: ['activity', 'errcode'],
      registers,
    });
    this.syncPages = new Counter({
      name: 'scrm_wecom_sync_pages_total',
      help: 'Pages of WeCom data mirrored by full syncs, by kind',
      labelNames: ['kind'],
      registers,
    });
  }

  /** Counts every failed attempt of every activity by the WeCom errcode behind it. */
  activityInterceptor(): ActivityInterceptorsFactory {
    return (ctx) => ({
      inbound: {
        execute: async (input, next) => {
          try {
            return await next(input);
          } catch (error) {
            this.activityFailures.inc({ activity: ctx.info.activityType, errcode: errcodeOf(error) });
            throw error;
          }
        },
      },
    });
  }
}

function errcodeOf(error: unknown): string {
  if (error instanceof WecomApiError) return String(error.errcode);
  if (error instanceof ApplicationFailure && error.type?.startsWith('WECOM_')) return error.type.slice('WECOM_'.length);
  return 'none';
}
