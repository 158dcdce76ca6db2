// First-run setup, sign-in and the signed-in agent's own profile and status.
import { Router, type Response } from 'express';
import { z } from 'zod';
import { createSite } from '../../../core/sites';
import { setAgentStatus } from '../../../core/presence';
import { MIN_PASSWORD_LENGTH } from '../../../security/passwords';
import type { Deps } from '../../../deps';
import type { Agent } from '../../../core/types';
import type { AuthView } from '../../views';
import { SESSION_COOKIE, agentOf, cookieOptions, requireAgent } from '../auth';
import { parse } from '../validate';

const password = z.string().min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`).max(200);
const email = z.email('Enter a valid email address.').max(254);
const name = z.string().trim().min(1, 'Enter a name.').max(100);

const setupBody = z.object({ name, email, password, siteName: z.string().trim().min(1).max(100).optional() });
const loginBody = z.object({ email: z.string().max(254), password: z.string().max(200) });
const profileBody = z.object({
  name: name.optional(),
  avatarUrl: z.url({ protocol: /^https?$/ }).max(2000).nullable().optional(),
  password: password.optional(),
  currentPassword: z.string().max(200).optional(),
});
const statusBody = z.object({ status: z.enum(['online', 'away', 'offline']) });

export function accountRoutes(deps: Deps, limiters: { login: import('express').RequestHandler }): Router {
  const { accounts, presenter, store, config } = deps;
  const router = Router();
  const secure = config.SECURE_COOKIES ?? config.PUBLIC_URL.startsWith('https:');

  async function signIn(res: Response, agent: Agent, status = 200): Promise<void> {
    const { cookie, session } = await accounts.openSession(agent);
    res.cookie(SESSION_COOKIE, cookie, cookieOptions(secure, config.SESSION_TTL_HOURS * 3600_000));
    const body: AuthView = { agent: await presenter.agent(agent), csrfToken: session.csrfToken };
    res.status(status).json(body);
  }

  router.get('/setup', async (_req, res) => {
    res.json({ needsSetup: await accounts.needsSetup() });
  });

  router.post('/setup', limiters.login, async (req, res) => {
    const body = parse(setupBody, req.body);
    const agent = await accounts.setup(body);
    if ((await store.listSites()).length === 0) await createSite(store, { name: body.siteName ?? 'My website' });
    deps.logger.info({ agentId: agent.id }, 'first administrator created');
    await signIn(res, agent, 201);
  });

  router.post('/auth/login', limiters.login, async (req, res) => {
    const body = parse(loginBody, req.body);
    await signIn(res, await accounts.login(body.email, body.password));
  });

  const auth = requireAgent(accounts);

  router.post('/auth/logout', auth, async (req, res) => {
    await accounts.closeSession(req.cookies[SESSION_COOKIE]);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });

  router.get('/auth/me', auth, async (req, res) => {
    const body: AuthView = { agent: await presenter.agent(agentOf(req)), csrfToken: req.session!.csrfToken };
    res.json(body);
  });

  router.patch('/me', auth, async (req, res) => {
    const me = agentOf(req);
    const { password: newPassword, currentPassword, ...rest } = parse(profileBody, req.body);
    let agent = Object.keys(rest).length ? await accounts.updateAgent(me.id, rest) : me;
    if (newPassword) {
      agent = await accounts.changeOwnPassword(agent, currentPassword, newPassword);
      // The change signed out every session of this agent; this one stays, with its cookie and CSRF token.
      await store.createSession(req.session!);
    }
    deps.events.emit('agent.changed', { agent, agentId: agent.id });
    res.json(await presenter.agent(agent));
  });

  router.put('/me/status', auth, async (req, res) => {
    const { status } = parse(statusBody, req.body);
    const agent = await setAgentStatus(deps, agentOf(req).id, status);
    res.json(await presenter.agent(agent ?? agentOf(req)));
  });

  return router;
}
