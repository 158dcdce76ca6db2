// The behaviour every Store adapter must have, tested through the port alone (no SQL, no
// driver calls) so the same suite runs against SQLite today and MongoDB later.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Store } from '../../server/core/ports';
import { batchContract } from './contract-batch';
import { channelContract } from './contract-channels';
import { conversationContract } from './contract-conversations';
import { emailConversationContract } from './contract-email-conversations';
import { inboxContract } from './contract-inboxes';
import { messageContract } from './contract-messages';
import { outboxContract } from './contract-outbox';
import {
  ids, newAgent, newConversation, newSession, newSite, newVisitor, rejectsDuplicate, seedConversation,
} from './fixtures';

export type OpenStore = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

export function storeContract(name: string, open: OpenStore): void {
  describe(name, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    // A fresh store per test: no test can lean on another's leftovers.
    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });
    afterEach(async () => {
      await cleanup();
    });
    const get = () => store;

    settingsContract(get);
    siteContract(get);
    departmentContract(get);
    agentContract(get);
    sessionContract(get);
    visitorContract(get);
    conversationContract(get);
    messageContract(get);
    outboxContract(get);
    channelContract(get);
    emailConversationContract(get);
    inboxContract(get);
    batchContract(get);
  });
}

function settingsContract(get: () => Store): void {
  describe('settings', () => {
    it('returns null for a missing key, then the stored value, then the overwritten one', async () => {
      const store = get();
      assert.equal(await store.getSetting('secret'), null);
      await store.setSetting('secret', { version: 1, salt: 'abc' });
      assert.deepEqual(await store.getSetting('secret'), { version: 1, salt: 'abc' });
      await store.setSetting('secret', { version: 2, salt: 'def' });
      assert.deepEqual(await store.getSetting('secret'), { version: 2, salt: 'def' });
      await store.setSetting('count', 3);
      assert.equal(await store.getSetting('count'), 3);
    });
  });
}

function siteContract(get: () => Store): void {
  describe('sites', () => {
    it('creates a site and reads it by id, by widget key and in the list', async () => {
      const store = get();
      const site = await store.createSite(newSite('s1'));
      assert.equal(typeof site.createdAt, 'number');
      assert.deepEqual(site, { ...newSite('s1'), createdAt: site.createdAt });
      assert.deepEqual(await store.getSite('s1'), site);
      assert.deepEqual(await store.getSiteByKey('key-s1'), site);
      await store.createSite(newSite('s2'));
      assert.deepEqual(ids(await store.listSites()), ['s1', 's2']);
      assert.equal(await store.getSite('nope'), null);
      assert.equal(await store.getSiteByKey('nope'), null);
    });

    it('rejects a taken widget key with DuplicateKeyError(site.widgetKey)', async () => {
      const store = get();
      await store.createSite(newSite('s1', { widgetKey: 'same' }));
      await rejectsDuplicate(store.createSite(newSite('s2', { widgetKey: 'same' })), 'site.widgetKey');
      assert.equal(await store.getSite('s2'), null);
    });

    it('updates only the fields in the patch', async () => {
      const store = get();
      const site = await store.createSite(newSite('s1'));
      const appearance = { ...site.appearance, color: '#000000' };
      const updated = await store.updateSite('s1', { name: 'Renamed', appearance });
      assert.deepEqual(updated, { ...site, name: 'Renamed', appearance });
      assert.deepEqual(await store.getSite('s1'), updated);
      const origins = await store.updateSite('s1', { allowedOrigins: [] });
      assert.deepEqual(origins?.allowedOrigins, []);
      assert.equal(origins?.name, 'Renamed');
      assert.equal(await store.updateSite('nope', { name: 'x' }), null);
    });

    it('deletes a site once, even one with visitors and conversations', async () => {
      const store = get();
      await seedConversation(store);
      assert.equal(await store.deleteSite('s1'), true);
      assert.equal(await store.getSite('s1'), null);
      assert.equal(await store.getSiteByKey('key-s1'), null);
      assert.equal(await store.deleteSite('s1'), false);
    });
  });
}

function departmentContract(get: () => Store): void {
  describe('departments', () => {
    it('creates, reads, lists, renames and deletes', async () => {
      const store = get();
      const dep = await store.createDepartment({ id: 'd1', name: 'Sales' });
      assert.deepEqual(dep, { id: 'd1', name: 'Sales', createdAt: dep.createdAt });
      await store.createDepartment({ id: 'd2', name: 'Support' });
      assert.deepEqual(await store.getDepartment('d1'), dep);
      assert.deepEqual(ids(await store.listDepartments()), ['d1', 'd2']);
      assert.deepEqual(await store.updateDepartment('d1', { name: 'Revenue' }), { ...dep, name: 'Revenue' });
      assert.equal(await store.updateDepartment('nope', { name: 'x' }), null);
      assert.equal(await store.deleteDepartment('d1'), true);
      assert.equal(await store.getDepartment('d1'), null);
      assert.equal(await store.deleteDepartment('d1'), false);
      assert.deepEqual(ids(await store.listDepartments()), ['d2']);
    });

    it('deleting a department removes it from agents and conversations', async () => {
      const store = get();
      await store.createDepartment({ id: 'd1', name: 'Sales' });
      await store.createDepartment({ id: 'd2', name: 'Support' });
      await store.createAgent(newAgent('a1', { departments: ['d1', 'd2'] }));
      await store.createAgent(newAgent('a2', { departments: ['d2'] }));
      await store.createSite(newSite('s1'));
      await store.createVisitor(newVisitor('v1', 's1'));
      await store.createVisitor(newVisitor('v2', 's1'));
      await store.createConversation(newConversation('c1', 's1', 'v1', { departmentId: 'd1' }));
      await store.createConversation(newConversation('c2', 's1', 'v2', { departmentId: 'd2' }));

      assert.equal(await store.deleteDepartment('d1'), true);
      assert.deepEqual((await store.getAgent('a1'))?.departments, ['d2']);
      assert.deepEqual((await store.getAgent('a2'))?.departments, ['d2']);
      assert.equal((await store.getConversation('c1'))?.departmentId, null);
      assert.equal((await store.getConversation('c2'))?.departmentId, 'd2');
    });
  });
}

function agentContract(get: () => Store): void {
  describe('agents', () => {
    it('creates, reads by id, lists and counts', async () => {
      const store = get();
      assert.equal(await store.countAgents(), 0);
      const agent = await store.createAgent(newAgent('a1', { role: 'admin', avatarUrl: '/a.png' }));
      assert.deepEqual(agent, { ...newAgent('a1', { role: 'admin', avatarUrl: '/a.png' }), createdAt: agent.createdAt });
      await store.createAgent(newAgent('a2'));
      assert.deepEqual(await store.getAgent('a1'), agent);
      assert.equal(await store.getAgent('nope'), null);
      assert.deepEqual(ids(await store.listAgents()), ['a1', 'a2']);
      assert.equal(await store.countAgents(), 2);
    });

    it('rejects a taken email whatever its case, and finds agents by email case-insensitively', async () => {
      const store = get();
      await store.createAgent(newAgent('a1', { email: 'Ann@Example.com' }));
      await rejectsDuplicate(store.createAgent(newAgent('a2', { email: 'ann@example.COM' })), 'agent.email');
      assert.equal(await store.countAgents(), 1);
      assert.equal((await store.getAgentByEmail('ANN@EXAMPLE.COM'))?.id, 'a1');
      assert.equal((await store.getAgentByEmail('ann@example.com'))?.email, 'Ann@Example.com');
      assert.equal(await store.getAgentByEmail('bob@example.com'), null);
    });

    it('updates only the fields in the patch and keeps emails unique', async () => {
      const store = get();
      const agent = await store.createAgent(newAgent('a1'));
      await store.createAgent(newAgent('a2', { email: 'taken@example.com' }));
      const updated = await store.updateAgent('a1', { name: 'Ann', status: 'away', departments: ['d9'], avatarUrl: null });
      assert.deepEqual(updated, { ...agent, name: 'Ann', status: 'away', departments: ['d9'] });
      assert.deepEqual(await store.getAgent('a1'), updated);
      await rejectsDuplicate(store.updateAgent('a1', { email: 'TAKEN@example.com' }), 'agent.email');
      assert.equal((await store.getAgent('a1'))?.email, agent.email);
      // Changing the case of one's own email is not a conflict.
      assert.equal((await store.updateAgent('a1', { email: agent.email.toUpperCase() }))?.email, agent.email.toUpperCase());
      assert.equal(await store.updateAgent('nope', { name: 'x' }), null);
    });

    it('deleting an agent ends their sessions and unassigns their conversations', async () => {
      const store = get();
      await store.createAgent(newAgent('a1'));
      await store.createAgent(newAgent('a2'));
      await store.createSession(newSession('sess1', 'a1', 9_999_999));
      await store.createSession(newSession('sess2', 'a2', 9_999_999));
      const conv = await seedConversation(store);
      await store.updateConversation(conv.id, { assigneeId: 'a1' }, 2_000);
      const other = await seedConversation(store, 2);
      await store.updateConversation(other.id, { assigneeId: 'a2' }, 2_000);

      assert.equal(await store.deleteAgent('a1'), true);
      assert.equal(await store.getAgent('a1'), null);
      assert.equal(await store.getSession('sess1'), null);
      assert.equal((await store.getConversation(conv.id))?.assigneeId, null);
      assert.notEqual(await store.getSession('sess2'), null);
      assert.equal((await store.getConversation(other.id))?.assigneeId, 'a2');
      assert.equal(await store.deleteAgent('a1'), false);
      assert.equal(await store.countAgents(), 1);
    });
  });
}

function sessionContract(get: () => Store): void {
  describe('sessions', () => {
    it('creates, reads and deletes a session', async () => {
      const store = get();
      await store.createAgent(newAgent('a1'));
      const session = newSession('sess1', 'a1', 5_000);
      await store.createSession(session);
      assert.deepEqual(await store.getSession('sess1'), session);
      assert.equal(await store.getSession('nope'), null);
      await store.deleteSession('sess1');
      assert.equal(await store.getSession('sess1'), null);
      await store.deleteSession('sess1');
    });

    it('deletes every session of one agent only', async () => {
      const store = get();
      await store.createAgent(newAgent('a1'));
      await store.createAgent(newAgent('a2'));
      await store.createSession(newSession('x1', 'a1', 5_000));
      await store.createSession(newSession('x2', 'a1', 5_000));
      await store.createSession(newSession('y1', 'a2', 5_000));
      await store.deleteSessionsOfAgent('a1');
      assert.equal(await store.getSession('x1'), null);
      assert.equal(await store.getSession('x2'), null);
      assert.notEqual(await store.getSession('y1'), null);
    });

    it('deletes sessions expired at `now` (expiresAt <= now) and returns how many', async () => {
      const store = get();
      await store.createAgent(newAgent('a1'));
      await store.createSession(newSession('old', 'a1', 1_000));
      await store.createSession(newSession('edge', 'a1', 2_000));
      await store.createSession(newSession('live', 'a1', 3_000));
      assert.equal(await store.deleteExpiredSessions(2_000), 2);
      assert.equal(await store.getSession('old'), null);
      assert.equal(await store.getSession('edge'), null);
      assert.notEqual(await store.getSession('live'), null);
      assert.equal(await store.deleteExpiredSessions(2_000), 0);
    });
  });
}

function visitorContract(get: () => Store): void {
  describe('visitors', () => {
    it('creates a visitor with createdAt = lastSeenAt and reads it back', async () => {
      const store = get();
      await store.createSite(newSite('s1'));
      const visitor = await store.createVisitor(newVisitor('v1', 's1', { name: 'Vera', pages: ['/a'] }));
      assert.equal(visitor.createdAt, visitor.lastSeenAt);
      assert.deepEqual(visitor, { ...newVisitor('v1', 's1', { name: 'Vera', pages: ['/a'] }), createdAt: visitor.createdAt, lastSeenAt: visitor.lastSeenAt });
      assert.deepEqual(await store.getVisitor('v1'), visitor);
      assert.equal(await store.getVisitor('nope'), null);
    });

    it('updates only the fields in the patch', async () => {
      const store = get();
      await store.createSite(newSite('s1'));
      const visitor = await store.createVisitor(newVisitor('v1', 's1'));
      const patch = { email: 'v@example.com', currentPage: '/pricing', pages: ['/', '/pricing'], lastSeenAt: 42 };
      const updated = await store.updateVisitor('v1', patch);
      assert.deepEqual(updated, { ...visitor, ...patch });
      assert.deepEqual(await store.getVisitor('v1'), updated);
      assert.equal((await store.updateVisitor('v1', { name: 'Vera' }))?.email, 'v@example.com');
      assert.equal(await store.updateVisitor('nope', { name: 'x' }), null);
    });
  });
}
