// Admins see the outbox (what is queued, sent, and dead with the receiver's reason) and
// can send a dead delivery again once the cause is fixed. Email jobs say what they are
// about (a notification to which agent, or a reply to the visitor; which conversation and
// inbox) so an admin can tell one dead email from another.
import { Router } from 'express';
import { z } from 'zod';
import { ParleyError } from '../../../core/errors';
import type { OutboxJob } from '../../../core/ports';
import { EMAIL_JOB } from '../../../channels/email/outbound';
import type { Deps } from '../../../deps';
import { requireAdmin, requireAgent } from '../auth';
import { parse } from '../validate';
import type { OutboxEmailAbout, OutboxJobView } from '../../views';

const listQuery = z.object({
  status: z.enum(['pending', 'sent', 'dead']).optional(),
  kind: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

interface EmailPayload {
  type: OutboxEmailAbout['type'];
  inboxId: string;
  conversationId: string;
  agentId?: string;
}

/** Payloads can hold secrets (signed headers, message bodies): admins get the envelope only. */
export function jobView(job: OutboxJob): OutboxJobView {
  const { payload: _payload, lockedBy: _l, lockedUntil: _u, order: _o, ...rest } = job;
  return rest;
}

/** The envelope, and for email jobs what they are about, with names looked up once per list. */
async function describe(deps: Deps, jobs: OutboxJob[]): Promise<OutboxJobView[]> {
  if (!jobs.some((j) => j.kind === EMAIL_JOB)) return jobs.map(jobView);
  const [agents, inboxes] = await Promise.all([deps.store.listAgents(), deps.store.listInboxes()]);
  const agentName = new Map(agents.map((a) => [a.id, a.name]));
  const inboxOf = new Map(inboxes.map((i) => [i.id, { name: i.name, address: i.address }]));
  return jobs.map((job) => {
    if (job.kind !== EMAIL_JOB) return jobView(job);
    const p = job.payload as EmailPayload;
    return {
      ...jobView(job),
      email: {
        type: p.type, conversationId: p.conversationId, inboxId: p.inboxId, inbox: inboxOf.get(p.inboxId) ?? null,
        agent: p.agentId ? { id: p.agentId, name: agentName.get(p.agentId) ?? null } : null,
      },
    };
  });
}

export function outboxRoutes(deps: Deps): Router {
  const router = Router();
  router.use('/outbox', requireAgent(deps.accounts), requireAdmin);

  router.get('/outbox', async (req, res) => {
    const q = parse(listQuery, req.query);
    const filter = { ...(q.status ? { status: q.status } : {}), ...(q.kind ? { kind: q.kind } : {}) };
    res.json(await describe(deps, await deps.store.listJobs(filter, q.limit)));
  });

  router.post('/outbox/:id/retry', async (req, res) => {
    const job = await deps.store.retryJob(req.params.id as string, deps.clock.now());
    if (!job) throw new ParleyError('NOT_FOUND', undefined, 'No dead delivery has this id. Only dead deliveries can be retried.');
    deps.outbox.kick();
    res.json((await describe(deps, [job]))[0]);
  });
  return router;
}
