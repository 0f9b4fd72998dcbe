import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { RateCounters } from './counters.js';

/**
 * A store for @fastify/rate-limit over the shared counters: a route's limit
 * (the login's 20 a minute) holds across every API node. Each route limited
 * by its own `config.rateLimit` gets its own counter, named by method and URL.
 */
export function sharedRateLimitStore(counters: RateCounters): FastifyRateLimitStoreCtor {
  class SharedRateLimitStore implements FastifyRateLimitStore {
    private readonly limit: string;

    constructor(_options?: unknown, limit = 'http') {
      this.limit = limit;
    }

    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      counters.hit(this.limit, key, timeWindow).then(
        (hit) => callback(null, { current: hit.count, ttl: hit.resetMs }),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    }

    child(routeOptions: unknown): FastifyRateLimitStore {
      // The plugin hands the merged route settings, with the route itself under routeInfo.
      const route = (routeOptions as { routeInfo?: { method?: string | string[]; url?: string } }).routeInfo;
      const method = [route?.method ?? ''].flat().join(',');
      return new SharedRateLimitStore(undefined, `http:${method}:${route?.url ?? ''}`);
    }
  }
  return SharedRateLimitStore;
}
