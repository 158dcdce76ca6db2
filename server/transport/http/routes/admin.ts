// Agents, departments and sites. Reading agents and departments is open to every agent
// (the dashboard needs names for assignment); changing them is for admins only.
import { Router } from 'express';
import { z } from 'zod';
import { ParleyError } from '../../../core/errors';
import { newId } from '../../../core/ids';
import { createSite, normalizeOrigin } from '../../../core/sites';
import type { Deps } from '../../../deps';
import { MIN_PASSWORD_LENGTH } from '../../../security/passwords';
import { requireAdmin, requireAgent } from '../auth';
import { parse } from '../validate';

const name = z.string().trim().min(1, 'Enter a name.').max(100);
const role = z.enum(['admin', 'agent']);
const departments = z.array(z.string().max(64)).max(100);
const password = z.string().min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`).max(200);
const email = z.email('Enter a valid email address.').max(254);

const agentCreate = z.object({ name, email, password, role, departments: departments.optional() });
const agentPatch = z.object({ name, email, password, role, departments }).partial();
const departmentBody = z.object({ name });

const origin = z.string().max(300).transform((v, ctx) => {
  try {
    return normalizeOrigin(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not an origin like https://www.example.com` });
    return z.NEVER;
  }
});
const appearance = z.object({
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'Use a colour like #2563eb.'),
  position: z.enum(['left', 'right']),
  title: z.string().trim().max(60),
  greeting: z.string().trim().max(500),
  showAgentAvatars: z.boolean(),
}).partial();
const fieldRule = z.enum(['required', 'optional', 'hidden']);
const prechat = z.object({ enabled: z.boolean(), name: fieldRule, email: fieldRule }).partial();
const siteCreate = z.object({ name, allowedOrigins: z.array(origin).max(50).optional(), appearance: appearance.optional(), prechat: prechat.optional() });
const sitePatch = siteCreate.partial();

export function adminRoutes(deps: Deps): Router {
  const { accounts, store, presenter, events } = deps;
  const router = Router();
  router.use(requireAgent(accounts));

  router.get('/agents', async (_req, res) => {
    res.json(await Promise.all((await store.listAgents()).map((a) => presenter.agent(a))));
  });
  router.post('/agents', requireAdmin, async (req, res) => {
    const agent = await accounts.createAgent(parse(agentCreate, req.body));
    res.status(201).json(await presenter.agent(agent));
  });
  router.patch('/agents/:id', requireAdmin, async (req, res) => {
    const agent = await accounts.updateAgent(req.params.id as string, parse(agentPatch, req.body));
    events.emit('agent.changed', { agent, agentId: agent.id });
    res.json(await presenter.agent(agent));
  });
  router.delete('/agents/:id', requireAdmin, async (req, res) => {
    const id = req.params.id as string;
    await accounts.deleteAgent(id);
    events.emit('agent.changed', { agent: null, agentId: id });
    res.status(204).end();
  });

  router.get('/departments', async (_req, res) => {
    res.json((await store.listDepartments()).map(({ id, name }) => ({ id, name })));
  });
  router.post('/departments', requireAdmin, async (req, res) => {
    const dep = await store.createDepartment({ id: newId(), name: parse(departmentBody, req.body).name });
    res.status(201).json({ id: dep.id, name: dep.name });
  });
  router.patch('/departments/:id', requireAdmin, async (req, res) => {
    const dep = await store.updateDepartment(req.params.id as string, parse(departmentBody, req.body));
    if (!dep) throw new ParleyError('NOT_FOUND');
    res.json({ id: dep.id, name: dep.name });
  });
  router.delete('/departments/:id', requireAdmin, async (req, res) => {
    if (!(await store.deleteDepartment(req.params.id as string))) throw new ParleyError('NOT_FOUND');
    res.status(204).end();
  });

  router.get('/sites', requireAdmin, async (_req, res) => {
    res.json((await store.listSites()).map((s) => presenter.site(s)));
  });
  router.post('/sites', requireAdmin, async (req, res) => {
    res.status(201).json(presenter.site(await createSite(store, parse(siteCreate, req.body))));
  });
  router.patch('/sites/:id', requireAdmin, async (req, res) => {
    const id = req.params.id as string;
    const current = await store.getSite(id);
    if (!current) throw new ParleyError('NOT_FOUND');
    const body = parse(sitePatch, req.body);
    const site = await store.updateSite(id, {
      ...(body.name !== undefined && { name: body.name }),
      ...(body.allowedOrigins !== undefined && { allowedOrigins: body.allowedOrigins }),
      ...(body.appearance && { appearance: { ...current.appearance, ...body.appearance } }),
      ...(body.prechat && { prechat: { ...current.prechat, ...body.prechat } }),
    });
    if (!site) throw new ParleyError('NOT_FOUND');
    res.json(presenter.site(site));
  });
  router.delete('/sites/:id', requireAdmin, async (req, res) => {
    if (!(await store.deleteSite(req.params.id as string))) throw new ParleyError('NOT_FOUND');
    res.status(204).end();
  });

  return router;
}
