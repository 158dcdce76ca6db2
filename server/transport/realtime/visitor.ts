// The /visitor namespace: one visitor's chat, authenticated by the signed visitor token.
// A visitor only ever joins their own room, so they only ever see their own conversations.
import type { Namespace, Socket } from 'socket.io';
import { z } from 'zod';
import { originAllowed } from '../../core/sites';
import type { Site, Visitor } from '../../core/types';
import type { Deps } from '../../deps';
import { visitorKey } from '../../core/ports';
import { optionalEmail, sendPayload } from '../schemas';
import { agentsState } from '../widget-state';
import type { VisitorClientEvents, VisitorServerEvents } from './events';
import { connectError, on, rateLimit, socketLimiter } from './handlers';
import type { PendingWork } from './pending';
import { roomsOfConversation, visitorRoom } from './rooms';

interface VisitorData {
  visitor: Visitor;
  site: Site;
}
type VisitorSocket = Socket<VisitorClientEvents, VisitorServerEvents, Record<string, never>, VisitorData>;
export type VisitorNamespace = Namespace<VisitorClientEvents, VisitorServerEvents, Record<string, never>, VisitorData>;

const HISTORY_LIMIT = 200;
const MAX_PAGES_KEPT = 20;

const historyReq = z.object({ afterSeq: z.number().int().min(0).optional() });
const offlineMsg = sendPayload.extend({ name: z.string().trim().max(100).optional(), email: optionalEmail });
const visitorPatch = z.object({
  name: z.string().trim().max(100).optional(),
  email: optionalEmail.optional(),
  page: z.url({ protocol: /^https?$/ }).max(2000).optional(),
  locale: z.string().max(35).optional(),
});
const typingReq = z.object({ typing: z.boolean() });
const readReq = z.object({ seq: z.number().int().min(0) });

export function attachVisitorNamespace(nsp: VisitorNamespace, deps: Deps, emitToAgents: (rooms: string[]) => ReturnType<Namespace['to']>, pending: PendingWork): void {
  const { store, visitorTokens, conversations, presenter, presence, logger, events } = deps;
  const limiter = socketLimiter(deps.config.SOCKET_EVENTS_PER_10S);

  nsp.use(async (socket, next) => {
    try {
      const token = (socket.handshake.auth as { token?: unknown })?.token;
      const claims = typeof token === 'string' ? await visitorTokens.verify(token) : null;
      const visitor = claims ? await store.getVisitor(claims.visitorId) : null;
      const site = visitor ? await store.getSite(visitor.siteId) : null;
      if (!visitor || !site || site.id !== claims?.siteId) return next(connectError('INVALID_VISITOR_TOKEN'));
      if (!originAllowed(site, socket.handshake.headers.origin)) return next(connectError('ORIGIN_NOT_ALLOWED'));
      socket.data = { visitor, site };
      next();
    } catch (err) {
      logger.error({ err }, 'visitor handshake failed');
      next(connectError('INTERNAL'));
    }
  });

  nsp.on('connection', (socket: VisitorSocket) => {
    const { site } = socket.data;
    const visitorId = socket.data.visitor.id;
    // socket.data.visitor is this socket's copy of the visitor, refreshed by its own
    // updates: re-reading it on every send cost a store read per message. Another tab's
    // rename shows up here on the next connection; the stored record is always current.
    /** The conversation the widget shows: the open one, else the latest. */
    const currentConversation = async () => (await store.listConversations({ visitorId }, 1)).items[0] ?? null;

    rateLimit(socket, limiter);
    void socket.join(visitorRoom(visitorId));
    void presence.connected(visitorKey(visitorId), socket.id).then(async (first) => {
      if (first) events.emit('visitor.updated', { visitor: socket.data.visitor });
    });
    void agentsState(deps).then((state) => socket.emit('agents', state));

    on(socket, logger, 'history', historyReq, async ({ afterSeq }) => {
      const conv = await currentConversation();
      if (!conv) return { conversation: null, messages: [] };
      const msgs = await store.listMessages(conv.id, { afterSeq, limit: HISTORY_LIMIT });
      return { conversation: presenter.visitorConversation(conv), messages: await presenter.messages(msgs, socket.data.visitor) };
    });

    on(socket, logger, 'message:send', sendPayload, async (payload) => {
      const visitor = socket.data.visitor;
      const result = await conversations.receiveFromVisitor(site, visitor, payload);
      return { message: presenter.message(result.message, { name: visitor.name, avatarUrl: null }), duplicate: result.duplicate };
    });

    on(socket, logger, 'offline:message', offlineMsg, async ({ name, email, ...payload }) => {
      const visitor = await updateVisitor({ email, ...(name ? { name } : {}) });
      const result = await conversations.receiveFromVisitor(site, visitor, payload, { leftOffline: true });
      return { message: presenter.message(result.message, { name: visitor.name, avatarUrl: null }), duplicate: result.duplicate };
    });

    on(socket, logger, 'visitor:update', visitorPatch, async ({ page, ...patch }) => {
      const visitor = socket.data.visitor;
      const next: Parameters<typeof store.updateVisitor>[1] = { ...patch, lastSeenAt: deps.clock.now() };
      if (page) {
        next.currentPage = page;
        next.pages = [page, ...visitor.pages.filter((p) => p !== page)].slice(0, MAX_PAGES_KEPT);
      }
      await updateVisitor(next);
      return {};
    });

    on(socket, logger, 'typing', typingReq, async ({ typing }) => {
      const conv = await currentConversation();
      if (conv && conv.status !== 'closed') emitToAgents(roomsOfConversation(conv)).emit('typing', { conversationId: conv.id, typing });
    });

    on(socket, logger, 'read', readReq, async ({ seq }) => {
      const conv = await currentConversation();
      if (conv) await conversations.markRead(conv, 'visitor', seq);
    });

    socket.on('disconnect', () => {
      pending.track(presence.disconnected(visitorKey(visitorId), socket.id).then(async (last) => {
        if (!last) return;
        const visitor = await store.updateVisitor(visitorId, { lastSeenAt: deps.clock.now() });
        if (visitor) events.emit('visitor.updated', { visitor });
      }).catch((err) => logger.error({ err }, 'visitor disconnect bookkeeping failed')));
    });

    async function updateVisitor(patch: Parameters<typeof store.updateVisitor>[1]): Promise<Visitor> {
      const updated = (await store.updateVisitor(visitorId, patch)) ?? socket.data.visitor;
      socket.data.visitor = updated;
      events.emit('visitor.updated', { visitor: updated });
      return updated;
    }
  });
}
