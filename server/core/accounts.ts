// Agents, sessions and first-run setup. Password hashing comes in through a port so the
// core stays free of native modules.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ParleyError } from './errors';
import { newId, randomToken } from './ids';
import { DuplicateKeyError, type AgentPatch, type Clock, type Store } from './ports';
import type { Agent, Role, Session } from './types';

export interface Passwords {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Costs as much as a verify; called when the email is unknown. */
  burn(password: string): Promise<void>;
}

export interface NewAgentInput {
  name: string;
  email: string;
  password: string;
  role: Role;
  departments?: string[];
}

export const sessionIdOf = (cookieValue: string): string => createHash('sha256').update(cookieValue).digest('hex');

export class Accounts {
  constructor(private readonly deps: { store: Store; clock: Clock; passwords: Passwords; sessionTtlMs: number }) {}

  async needsSetup(): Promise<boolean> {
    return (await this.deps.store.countAgents()) === 0;
  }

  /** Creates the first admin. Refused once any agent exists, so it cannot be replayed. */
  async setup(input: Omit<NewAgentInput, 'role'>): Promise<Agent> {
    if (!(await this.needsSetup())) throw new ParleyError('SETUP_DONE');
    return this.createAgent({ ...input, role: 'admin' });
  }

  async createAgent(input: NewAgentInput): Promise<Agent> {
    await this.checkDepartments(input.departments ?? []);
    try {
      return await this.deps.store.createAgent({
        id: newId(),
        name: input.name.trim(),
        email: input.email.trim().toLowerCase(),
        role: input.role,
        passwordHash: await this.deps.passwords.hash(input.password),
        departments: input.departments ?? [],
        avatarUrl: null,
        status: 'online',
      });
    } catch (err) {
      if (err instanceof DuplicateKeyError) throw new ParleyError('EMAIL_TAKEN');
      throw err;
    }
  }

  async updateAgent(id: string, patch: Omit<AgentPatch, 'passwordHash'> & { password?: string }): Promise<Agent> {
    const { store, passwords } = this.deps;
    const current = await store.getAgent(id);
    if (!current) throw new ParleyError('NOT_FOUND');
    if (patch.role === 'agent' && current.role === 'admin') await this.keepOneAdmin(id);
    if (patch.departments) await this.checkDepartments(patch.departments);
    const { password, ...rest } = patch;
    const next: AgentPatch = { ...rest };
    if (rest.email) next.email = rest.email.trim().toLowerCase();
    if (password) next.passwordHash = await passwords.hash(password);
    try {
      const updated = await store.updateAgent(id, next);
      if (!updated) throw new ParleyError('NOT_FOUND');
      // A new password signs out every other session of that agent.
      if (password) await store.deleteSessionsOfAgent(id);
      return updated;
    } catch (err) {
      if (err instanceof DuplicateKeyError) throw new ParleyError('EMAIL_TAKEN');
      throw err;
    }
  }

  async deleteAgent(id: string): Promise<void> {
    const agent = await this.deps.store.getAgent(id);
    if (!agent) throw new ParleyError('NOT_FOUND');
    if (agent.role === 'admin') await this.keepOneAdmin(id);
    await this.deps.store.deleteAgent(id);
  }

  async changeOwnPassword(agent: Agent, currentPassword: string | undefined, password: string): Promise<Agent> {
    if (!currentPassword || !(await this.deps.passwords.verify(agent.passwordHash, currentPassword))) {
      throw new ParleyError('VALIDATION_FAILED', [{ path: 'currentPassword', message: 'The current password is wrong.' }]);
    }
    return this.updateAgent(agent.id, { password });
  }

  async login(email: string, password: string): Promise<Agent> {
    const agent = await this.deps.store.getAgentByEmail(email.trim().toLowerCase());
    if (!agent) {
      await this.deps.passwords.burn(password);
      throw new ParleyError('INVALID_CREDENTIALS');
    }
    if (!(await this.deps.passwords.verify(agent.passwordHash, password))) throw new ParleyError('INVALID_CREDENTIALS');
    return agent;
  }

  /** Returns the cookie value; only its hash is stored. */
  async openSession(agent: Agent): Promise<{ cookie: string; session: Session }> {
    const cookie = randomToken(32);
    const now = this.deps.clock.now();
    const session: Session = { id: sessionIdOf(cookie), agentId: agent.id, csrfToken: randomToken(24), createdAt: now, expiresAt: now + this.deps.sessionTtlMs };
    await this.deps.store.createSession(session);
    return { cookie, session };
  }

  async resolveSession(cookie: string | undefined): Promise<{ agent: Agent; session: Session } | null> {
    if (!cookie) return null;
    const { store, clock } = this.deps;
    const session = await store.getSession(sessionIdOf(cookie));
    if (!session) return null;
    if (session.expiresAt <= clock.now()) {
      await store.deleteSession(session.id);
      return null;
    }
    const agent = await store.getAgent(session.agentId);
    return agent ? { agent, session } : null;
  }

  closeSession(cookie: string): Promise<void> {
    return this.deps.store.deleteSession(sessionIdOf(cookie));
  }

  private async keepOneAdmin(exceptId: string): Promise<void> {
    const admins = (await this.deps.store.listAgents()).filter((a) => a.role === 'admin' && a.id !== exceptId);
    if (admins.length === 0) throw new ParleyError('LAST_ADMIN');
  }

  private async checkDepartments(ids: string[]): Promise<void> {
    for (const id of ids) {
      if (!(await this.deps.store.getDepartment(id))) {
        throw new ParleyError('VALIDATION_FAILED', [{ path: 'departments', message: `No department has id ${id}.` }]);
      }
    }
  }
}

export function csrfMatches(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
