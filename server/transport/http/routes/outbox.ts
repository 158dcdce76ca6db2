// Admins see the outbox (what is queued, sent, and dead with the receiver's reason) and
// can send a dead delivery again once the cause is fixed.
import { Router } from 'express';
import { z } from 'zod';
import { ParleyError } from '../../../core/errors';
import type { OutboxJob } from '../../../core/ports';
import type { Deps } from '../../../deps';
import { requireAdmin, requireAgent } from '../auth';
import { parse } from '../validate';
import type { OutboxJobView } from '../../views';

const listQuery = z.object({
  status: z.enum(['pending', 'sent', 'dead']).optional(),
  kind: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Payloads can hold secrets (signed headers, message bodies): admins get the envelope only. */
export function jobView(job: OutboxJob): OutboxJobView {
  const { payload: _payload, lockedBy: _l, lockedUntil: _u, order: _o, ...rest } = job;
  return rest;
}

export function outboxRoutes(deps: Deps): Router {
  const router = Router();
  router.use('/outbox', requireAgent(deps.accounts), requireAdmin);

  router.get('/outbox', async (req, res) => {
    const q = parse(listQuery, req.query);
    const filter = { ...(q.status ? { status: q.status } : {}), ...(q.kind ? { kind: q.kind } : {}) };
    res.json((await deps.store.listJobs(filter, q.limit)).map(jobView));
  });

  router.post('/outbox/:id/retry', async (req, res) => {
    const job = await deps.store.retryJob(req.params.id as string, deps.clock.now());
    if (!job) throw new ParleyError('NOT_FOUND', undefined, 'No dead delivery has this id. Only dead deliveries can be retried.');
    deps.outbox.kick();
    res.json(jobView(job));
  });
  return router;
}
