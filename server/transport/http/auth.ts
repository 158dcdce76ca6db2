import type { CookieOptions, NextFunction, Request, RequestHandler, Response } from 'express';
import { csrfMatches, type Accounts } from '../../core/accounts';
import { ParleyError } from '../../core/errors';
import type { Agent, Session } from '../../core/types';

export const SESSION_COOKIE = 'parley_session';

declare module 'express-serve-static-core' {
  interface Request {
    agent?: Agent;
    session?: Session;
  }
}

export function cookieOptions(secure: boolean, maxAgeMs: number): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: maxAgeMs };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves the session cookie; 401 without a valid one. State-changing requests must
 * also carry the session's CSRF token in X-CSRF-Token (synchronizer token: a forged
 * cross-site form cannot read it).
 */
export function requireAgent(accounts: Accounts): RequestHandler {
  return async (req, _res, next) => {
    const resolved = await accounts.resolveSession(req.cookies?.[SESSION_COOKIE]);
    if (!resolved) return next(new ParleyError('UNAUTHENTICATED'));
    if (!SAFE_METHODS.has(req.method) && !csrfMatches(resolved.session.csrfToken, req.get('x-csrf-token'))) {
      return next(new ParleyError('CSRF_FAILED'));
    }
    req.agent = resolved.agent;
    req.session = resolved.session;
    next();
  };
}

export const requireAdmin: RequestHandler = (req, _res, next) => {
  next(req.agent?.role === 'admin' ? undefined : new ParleyError('FORBIDDEN'));
};

/** The authenticated agent; only call behind requireAgent. */
export function agentOf(req: Request): Agent {
  if (!req.agent) throw new ParleyError('UNAUTHENTICATED');
  return req.agent;
}

export type Handler = (req: Request, res: Response, next: NextFunction) => Promise<unknown>;
