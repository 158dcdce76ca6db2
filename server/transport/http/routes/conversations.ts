// The dashboard's conversation API. Every route checks visibility through the core, so
// an agent cannot reach a conversation outside their departments by guessing its id.
import { Router } from 'express';
import { z } from 'zod';
import { ParleyError } from '../../../core/errors';
import type { ConversationFilter } from '../../../core/ports';
import type { EmailOriginalView } from '../../views';
import type { Deps } from '../../../deps';
import { agentOf, requireAgent } from '../auth';
import { parse } from '../validate';
import { seesAll } from '../../../core/visibility';
import { sendPayload } from '../../schemas';

const listQuery = z.object({
  status: z.enum(['open', 'pending', 'closed']).optional(),
  channel: z.enum(['widget', 'email', 'messenger']).optional(),
  department: z.string().max(64).optional(),
  assignee: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(30),
  cursor: z.string().max(500).optional(),
});
const messagesQuery = z.object({
  after: z.coerce.number().int().min(0).optional(),
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const assignBody = z.object({ agentId: z.string().max(64).nullable() });
const transferBody = z.object({ departmentId: z.string().max(64).nullable().optional(), agentId: z.string().max(64).nullable().optional() })
  .refine((b) => b.departmentId !== undefined || b.agentId !== undefined, 'Name a department, an agent, or both.');

export function conversationRoutes(deps: Deps): Router {
  const { accounts, conversations, store, presenter } = deps;
  const router = Router();
  router.use(requireAgent(accounts));

  router.get('/conversations', async (req, res) => {
    const agent = agentOf(req);
    const q = parse(listQuery, req.query);
    const filter: ConversationFilter = {};
    if (q.status) filter.status = q.status;
    if (q.channel) filter.channel = q.channel;
    if (q.department) filter.departmentId = q.department === 'none' ? null : q.department;
    if (q.assignee) filter.assigneeId = q.assignee === 'none' ? null : q.assignee === 'me' ? agent.id : q.assignee;
    if (!seesAll(agent)) filter.visibleTo = { departments: agent.departments, agentId: agent.id };
    const page = await store.listConversations(filter, q.limit, q.cursor ?? null);
    res.json({ items: await Promise.all(page.items.map((c) => presenter.conversation(c))), nextCursor: page.nextCursor });
  });

  router.get('/conversations/:id', async (req, res) => {
    const conv = await conversations.visibleConversation(agentOf(req), req.params.id as string);
    const visitor = await store.getVisitor(conv.visitorId);
    res.json({ conversation: await presenter.conversation(conv, visitor), visitor: visitor && (await presenter.visitor(visitor)) });
  });

  router.get('/conversations/:id/messages', async (req, res) => {
    const conv = await conversations.visibleConversation(agentOf(req), req.params.id as string);
    const q = parse(messagesQuery, req.query);
    const msgs = await store.listMessages(conv.id, { afterSeq: q.after, beforeSeq: q.before, limit: q.limit });
    res.json({ messages: await presenter.messages(msgs, await store.getVisitor(conv.visitorId)) });
  });

  /** The whole email behind a message: "show quoted text" in the dashboard. */
  router.get('/conversations/:id/messages/:messageId/original', async (req, res) => {
    const conv = await conversations.visibleConversation(agentOf(req), req.params.id as string);
    const msg = await store.getMessage(req.params.messageId as string);
    if (!msg || msg.conversationId !== conv.id || !msg.email) throw new ParleyError('NOT_FOUND');
    const view: EmailOriginalView = { from: msg.email.from, subject: msg.email.subject, messageId: msg.email.messageId, text: msg.email.original, html: msg.email.html };
    res.json(view);
  });

  router.post('/conversations/:id/messages', async (req, res) => {
    const agent = agentOf(req);
    const result = await conversations.replyAsAgent(agent, req.params.id as string, parse(sendPayload, req.body));
    const message = presenter.message(result.message, { name: agent.name, avatarUrl: agent.avatarUrl });
    res.status(result.duplicate ? 200 : 201).json({ message, duplicate: result.duplicate });
  });

  router.post('/conversations/:id/close', async (req, res) => {
    res.json(await presenter.conversation(await conversations.close(agentOf(req), req.params.id as string)));
  });
  router.post('/conversations/:id/reopen', async (req, res) => {
    res.json(await presenter.conversation(await conversations.reopen(agentOf(req), req.params.id as string)));
  });
  router.post('/conversations/:id/assign', async (req, res) => {
    const { agentId } = parse(assignBody, req.body);
    res.json(await presenter.conversation(await conversations.assign(agentOf(req), req.params.id as string, agentId)));
  });
  router.post('/conversations/:id/transfer', async (req, res) => {
    const body = parse(transferBody, req.body);
    res.json(await presenter.conversation(await conversations.transfer(agentOf(req), req.params.id as string, body)));
  });

  return router;
}
