// The /agent namespace: the dashboard's live channel, authenticated by the session cookie.
// Browsers send cookies on cross-site WebSocket handshakes, so the Origin must be ours.
import { parse as parseCookie } from 'cookie';
import type { Namespace, Socket } from 'socket.io';
import { z } from 'zod';
import { ParleyError } from '../../core/errors';
import { setAgentStatus } from '../../core/presence';
import type { Agent } from '../../core/types';
import type { Deps } from '../../deps';
import { SESSION_COOKIE } from '../http/auth';
import { agentKey } from '../../core/ports';
import { sendPayload } from '../schemas';
import type { AgentClientEvents, AgentServerEvents } from './events';
import { connectError, on, rateLimit, socketLimiter } from './handlers';
import type { PendingWork } from './pending';
import { roomsOfAgent } from './rooms';

interface AgentData {
  agentId: string;
}
type AgentSocket = Socket<AgentClientEvents, AgentServerEvents, Record<string, never>, AgentData>;
export type AgentNamespace = Namespace<AgentClientEvents, AgentServerEvents, Record<string, never>, AgentData>;

const agentSend = sendPayload.extend({ conversationId: z.string().max(64) });
const typingReq = z.object({ conversationId: z.string().max(64), typing: z.boolean() });
const readReq = z.object({ conversationId: z.string().max(64), seq: z.number().int().min(0) });
const statusReq = z.object({ status: z.enum(['online', 'away', 'offline']) });

/** Same-origin check: the Origin's host must be the host the browser connected to. */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true; // not a browser: no ambient cookie to abuse
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export function attachAgentNamespace(nsp: AgentNamespace, deps: Deps, emitToVisitor: (visitorId: string) => ReturnType<Namespace['to']>, pending: PendingWork): void {
  const { accounts, conversations, presenter, presence, logger, store, events } = deps;
  const limiter = socketLimiter(deps.config.SOCKET_EVENTS_PER_10S);

  nsp.use(async (socket, next) => {
    try {
      const { headers } = socket.handshake;
      if (!sameOrigin(headers.origin, headers.host)) return next(connectError('CSRF_FAILED'));
      const cookie = headers.cookie ? parseCookie(headers.cookie)[SESSION_COOKIE] : undefined;
      const resolved = await accounts.resolveSession(cookie);
      if (!resolved) return next(connectError('UNAUTHENTICATED'));
      socket.data = { agentId: resolved.agent.id };
      next();
    } catch (err) {
      logger.error({ err }, 'agent handshake failed');
      next(connectError('INTERNAL'));
    }
  });

  nsp.on('connection', async (socket: AgentSocket) => {
    const { agentId } = socket.data;
    /** Re-read on every event: a role or department change applies at once. */
    const me = async (): Promise<Agent> => {
      const agent = await store.getAgent(agentId);
      if (!agent) {
        socket.disconnect(true);
        throw new ParleyError('UNAUTHENTICATED');
      }
      return agent;
    };

    // Registered before any await, so a disconnect that comes early still finds it.
    const registered = presence.connected(agentKey(agentId), socket.id);
    rateLimit(socket, limiter);
    on(socket, logger, 'message:send', agentSend, async ({ conversationId, ...payload }) => {
      const agent = await me();
      const result = await conversations.replyAsAgent(agent, conversationId, payload);
      return { message: presenter.message(result.message, { name: agent.name, avatarUrl: agent.avatarUrl }), duplicate: result.duplicate };
    });

    on(socket, logger, 'typing', typingReq, async ({ conversationId, typing }) => {
      const agent = await me();
      const conv = await conversations.visibleConversation(agent, conversationId);
      emitToVisitor(conv.visitorId).emit('typing', { typing, agentName: agent.name });
    });

    on(socket, logger, 'read', readReq, async ({ conversationId, seq }) => {
      const conv = await conversations.visibleConversation(await me(), conversationId);
      await conversations.markRead(conv, 'agent', seq);
    });

    on(socket, logger, 'status:set', statusReq, async ({ status }) => {
      await setAgentStatus(deps, agentId, status);
      return {};
    });

    socket.on('disconnect', () => {
      pending.track(registered.then(() => presence.disconnected(agentKey(agentId), socket.id)).then(async (last) => {
        if (last) events.emit('agent.presence', { agentId, status: 'offline' });
      }).catch((err) => logger.error({ err }, 'agent disconnect bookkeeping failed')));
    });

    try {
      const agent = await me();
      await socket.join(roomsOfAgent(agent));
      if (await registered) {
        events.emit('agent.presence', { agentId, status: agent.status });
      }
    } catch (err) {
      logger.warn({ err, agentId }, 'agent connection setup failed');
    }
  });
}
