// Messenger channels: admins connect them to a live chat (site); messengers post their
// users' messages to the inbound URL; agents may start a conversation with a known user.
import express, { Router } from 'express';
import { z } from 'zod';
import { ParleyError } from '../../../core/errors';
import type { Messenger } from '../../../core/types';
import type { Deps } from '../../../deps';
import { agentOf, requireAdmin, requireAgent } from '../auth';
import { parse } from '../validate';
import type { MessengerView } from '../../views';

const webhookUrl = z.url({ protocol: /^https?$/, message: 'Enter the messenger\'s webhook URL, starting with https:// (or http://).' }).max(2000);
const secret = z.string().min(8, 'Use a confirmation code of at least 8 characters.').max(200);
const createBody = z.object({
  name: z.string().trim().min(1, 'Name the channel.').max(100),
  webhookUrl,
  confirmationCode: secret,
  returning: z.enum(['reopen', 'new']).optional(),
  allowOperatorStart: z.boolean().optional(),
});
const patchBody = createBody.partial();
const startBody = z.object({ userId: z.string().min(1).max(200), text: z.string().min(1).max(10_000), clientId: z.string().min(8).max(100) });

export const INBOUND_BODY_LIMIT = '256kb';

export function messengerView(deps: Deps, m: Messenger): MessengerView {
  const { secretSealed: _secret, ...rest } = m;
  return { ...rest, inboundUrl: `${deps.config.PUBLIC_URL}/api/channels/messenger/${m.id}/messages`, publicUrl: deps.config.PUBLIC_URL };
}

export function messengerAdminRoutes(deps: Deps): Router {
  const { messengers, store, accounts } = deps;
  const router = Router();
  const admin = [requireAgent(accounts), requireAdmin];

  router.get('/messengers', ...admin, async (req, res) => {
    const site = typeof req.query.site === 'string' ? req.query.site : undefined;
    res.json((await store.listMessengers(site)).map((m) => messengerView(deps, m)));
  });
  router.post('/sites/:siteId/messengers', ...admin, async (req, res) => {
    const site = await store.getSite(req.params.siteId as string);
    if (!site) throw new ParleyError('NOT_FOUND');
    const { confirmationCode, ...body } = parse(createBody, req.body);
    res.status(201).json(messengerView(deps, await messengers.create(site, { ...body, secret: confirmationCode })));
  });
  router.patch('/messengers/:id', ...admin, async (req, res) => {
    const { confirmationCode, ...body } = parse(patchBody, req.body);
    res.json(messengerView(deps, await messengers.update(req.params.id as string, { ...body, ...(confirmationCode ? { secret: confirmationCode } : {}) })));
  });
  router.delete('/messengers/:id', ...admin, async (req, res) => {
    if (!(await store.deleteMessenger(req.params.id as string))) throw new ParleyError('NOT_FOUND');
    res.status(204).end();
  });
  router.post('/messengers/:id/connect', ...admin, async (req, res) => {
    res.json(messengerView(deps, await messengers.connect(req.params.id as string)));
  });
  router.post('/messengers/:id/disconnect', ...admin, async (req, res) => {
    res.json(messengerView(deps, await messengers.disconnect(req.params.id as string)));
  });
  router.post('/messengers/:id/conversations', requireAgent(accounts), async (req, res) => {
    const body = parse(startBody, req.body);
    const result = await messengers.startConversation(agentOf(req), req.params.id as string, body.userId, body.text, body.clientId);
    const agent = agentOf(req);
    res.status(201).json({ conversationId: result.conversation.id, message: deps.presenter.message(result.message, { name: agent.name, avatarUrl: agent.avatarUrl }) });
  });
  return router;
}

/** Mounted before the JSON parser: the signature covers the raw bytes. */
export function messengerInboundRoutes(deps: Deps): Router {
  const router = Router();
  router.post('/messenger/:id/messages', express.text({ type: () => true, limit: INBOUND_BODY_LIMIT }), async (req, res) => {
    const raw = typeof req.body === 'string' ? req.body : '';
    const result = await deps.messengers.receive(req.params.id as string, raw, (name) => req.get(name));
    res.status(result.duplicate ? 200 : 201).json({
      ok: true, conversation_id: result.conversation.id, message_id: result.message.id, duplicate: result.duplicate,
    });
  });
  return router;
}
