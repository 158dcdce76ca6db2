// Wraps socket event handlers: validates the payload, turns every failure into an
// `{ ok: false, error }` ack (never an unhandled rejection), and rate-limits per socket.
import type { Logger } from 'pino';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Socket } from 'socket.io';
import type { z } from 'zod';
import { ParleyError, isParleyError, type ErrorBody } from '../../core/errors';
import { parse } from '../http/validate';

type AckFn = (res: { ok: false; error: ErrorBody } | ({ ok: true } & object)) => void;

export function toErrorBody(err: unknown, logger: Logger): ErrorBody {
  if (isParleyError(err)) return err.toBody();
  logger.error({ err }, 'socket handler failed');
  return new ParleyError('INTERNAL').toBody();
}

/**
 * Registers `event` on `socket`: the payload is parsed with `schema`, the result of
 * `run` is sent as `{ ok: true, ...result }` to the ack when there is one.
 */
export function on<S extends z.ZodType, R extends object>(
  socket: Socket,
  logger: Logger,
  event: string,
  schema: S,
  run: (payload: z.infer<S>) => Promise<R | void>,
): void {
  socket.on(event, async (payload: unknown, maybeAck?: unknown) => {
    const ack = typeof maybeAck === 'function' ? (maybeAck as AckFn) : undefined;
    try {
      const result = await run(parse(schema, payload));
      ack?.({ ok: true, ...(result ?? {}) });
    } catch (err) {
      ack?.({ ok: false, error: toErrorBody(err, logger) });
    }
  });
}

/** Drops events over the budget and answers their ack with RATE_LIMITED. */
export function rateLimit(socket: Socket, limiter: RateLimiterMemory): void {
  socket.use((packet, next) => {
    limiter.consume(socket.id).then(
      () => next(),
      () => {
        const ack = packet[packet.length - 1];
        if (typeof ack === 'function') ack({ ok: false, error: new ParleyError('RATE_LIMITED').toBody() });
      },
    );
  });
}

export const socketLimiter = (eventsPer10s: number) => new RateLimiterMemory({ points: eventsPer10s, duration: 10 });

/** The error a failed connection middleware hands the client (`connect_error`). */
export function connectError(code: ConstructorParameters<typeof ParleyError>[0]): Error & { data: ErrorBody } {
  const body = new ParleyError(code).toBody();
  return Object.assign(new Error(body.message), { data: body });
}
