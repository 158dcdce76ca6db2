// Store contract, part 2: conversations, the open-key rule, read marks and the inbox list.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuplicateKeyError, type ConversationFilter, type Store } from '../../server/core/ports';
import type { Conversation } from '../../server/core/types';
import { ids, newAgent, newConversation, newMessage, newSite, newVisitor, seedConversation } from './fixtures';

export function conversationContract(get: () => Store): void {
  describe('conversations', () => {
    lifecycleTests(get);
    openKeyTests(get);
    markReadTests(get);
  });
  describe('listConversations', () => {
    orderingTests(get);
    filterTests(get);
  });
}

function lifecycleTests(get: () => Store): void {
  it('creates an open conversation with empty counters by default', async () => {
    const store = get();
    const conv = await seedConversation(store);
    assert.deepEqual(conv, {
      id: 'c1', siteId: 's1', visitorId: 'v1', status: 'open', name: 'Conversation c1', channel: 'widget',
      departmentId: null, assigneeId: null, inboxId: null, lastSeq: 0, visitorReadSeq: 0, agentReadSeq: 0,
      lastMessageAt: null, lastMessagePreview: null, createdAt: conv.createdAt, updatedAt: conv.createdAt,
    });
    assert.deepEqual(await store.getConversation('c1'), conv);
    assert.equal(await store.getConversation('nope'), null);
  });

  it('creates with the given status and department', async () => {
    const store = get();
    await store.createSite(newSite('s1'));
    await store.createVisitor(newVisitor('v1', 's1'));
    await store.createDepartment({ id: 'd1', name: 'Sales' });
    const conv = await store.createConversation(newConversation('c1', 's1', 'v1', { status: 'pending', departmentId: 'd1', channel: 'email' }));
    assert.equal(conv.status, 'pending');
    assert.equal(conv.departmentId, 'd1');
    assert.equal(conv.channel, 'email');
  });

  it('rejects a second live conversation for one visitor, allows closed ones', async () => {
    const store = get();
    await seedConversation(store);
    await assert.rejects(store.createConversation(newConversation('c2', 's1', 'v1')), DuplicateKeyError);
    await assert.rejects(store.createConversation(newConversation('c2', 's1', 'v1', { status: 'pending' })), DuplicateKeyError);
    const closed = await store.createConversation(newConversation('c3', 's1', 'v1', { status: 'closed' }));
    assert.equal(closed.status, 'closed');
  });

  it('updates only the fields in the patch and sets updatedAt to now', async () => {
    const store = get();
    await seedConversation(store);
    await store.createDepartment({ id: 'd1', name: 'Sales' });
    await store.createAgent(newAgent('a1'));
    const before = await store.getConversation('c1');
    const updated = await store.updateConversation('c1', { name: 'Renamed', departmentId: 'd1', assigneeId: 'a1' }, 50_000);
    assert.deepEqual(updated, { ...before, name: 'Renamed', departmentId: 'd1', assigneeId: 'a1', updatedAt: 50_000 });
    assert.deepEqual(await store.getConversation('c1'), updated);
    const cleared = await store.updateConversation('c1', { assigneeId: null, departmentId: null }, 60_000);
    assert.equal(cleared?.assigneeId, null);
    assert.equal(cleared?.departmentId, null);
    assert.equal(cleared?.name, 'Renamed');
    assert.equal(await store.updateConversation('nope', { name: 'x' }, 1), null);
  });
}

function openKeyTests(get: () => Store): void {
  it('getOrCreateOpenConversation creates once, then returns the same conversation', async () => {
    const store = get();
    await store.createSite(newSite('s1'));
    await store.createVisitor(newVisitor('v1', 's1'));
    const first = await store.getOrCreateOpenConversation('v1', newConversation('c1', 's1', 'v1', { name: 'Chat' }));
    assert.equal(first.created, true);
    assert.equal(first.conversation.id, 'c1');
    assert.equal(first.conversation.status, 'open');
    assert.equal(first.conversation.name, 'Chat');
    const second = await store.getOrCreateOpenConversation('v1', newConversation('c2', 's1', 'v1'));
    assert.equal(second.created, false);
    assert.deepEqual(second.conversation, first.conversation);
    assert.equal(await store.getConversation('c2'), null);
  });

  it('two concurrent getOrCreateOpenConversation calls yield one conversation', async () => {
    const store = get();
    await store.createSite(newSite('s1'));
    await store.createVisitor(newVisitor('v1', 's1'));
    const [a, b] = await Promise.all([
      store.getOrCreateOpenConversation('v1', newConversation('ca', 's1', 'v1')),
      store.getOrCreateOpenConversation('v1', newConversation('cb', 's1', 'v1')),
    ]);
    assert.equal(a.conversation.id, b.conversation.id);
    assert.equal([a.created, b.created].filter(Boolean).length, 1);
    assert.equal((await store.listConversations({ visitorId: 'v1' }, 10)).items.length, 1);
  });

  it('a pending conversation counts as the open one', async () => {
    const store = get();
    await seedConversation(store);
    await store.updateConversation('c1', { status: 'pending' }, 2_000);
    const got = await store.getOrCreateOpenConversation('v1', newConversation('c2', 's1', 'v1'));
    assert.equal(got.created, false);
    assert.equal(got.conversation.id, 'c1');
    assert.equal(got.conversation.status, 'pending');
  });

  it('closing frees the visitor for a new conversation', async () => {
    const store = get();
    await seedConversation(store);
    const closed = await store.updateConversation('c1', { status: 'closed' }, 2_000);
    assert.equal(closed?.status, 'closed');
    const next = await store.getOrCreateOpenConversation('v1', newConversation('c2', 's1', 'v1'));
    assert.equal(next.created, true);
    assert.equal(next.conversation.id, 'c2');
    assert.equal((await store.getConversation('c1'))?.status, 'closed');
  });

  it('reopening fails (null) while the visitor has another live conversation, and works after', async () => {
    const store = get();
    await seedConversation(store);
    await store.updateConversation('c1', { status: 'closed' }, 2_000);
    await store.getOrCreateOpenConversation('v1', newConversation('c2', 's1', 'v1'));

    assert.equal(await store.updateConversation('c1', { status: 'open' }, 3_000), null);
    assert.equal(await store.updateConversation('c1', { status: 'pending' }, 3_000), null);
    const untouched = await store.getConversation('c1');
    assert.equal(untouched?.status, 'closed');
    assert.equal(untouched?.updatedAt, 2_000);

    await store.updateConversation('c2', { status: 'closed' }, 4_000);
    const reopened = await store.updateConversation('c1', { status: 'open' }, 5_000);
    assert.equal(reopened?.status, 'open');
    assert.equal(reopened?.updatedAt, 5_000);
    const live = await store.getOrCreateOpenConversation('v1', newConversation('c3', 's1', 'v1'));
    assert.equal(live.created, false);
    assert.equal(live.conversation.id, 'c1');
  });

  it('moving a live conversation between open and pending keeps it the open one', async () => {
    const store = get();
    await seedConversation(store);
    assert.equal((await store.updateConversation('c1', { status: 'pending' }, 2_000))?.status, 'pending');
    assert.equal((await store.updateConversation('c1', { status: 'open' }, 3_000))?.status, 'open');
    assert.equal((await store.getOrCreateOpenConversation('v1', newConversation('c2', 's1', 'v1'))).conversation.id, 'c1');
  });
}

function markReadTests(get: () => Store): void {
  it('markRead raises a read mark, never lowers it, never past lastSeq', async () => {
    const store = get();
    await seedConversation(store);
    for (const n of [1, 2, 3]) await store.appendMessage(newMessage(`m${n}`, 'c1'));
    const lastSeq = (await store.getConversation('c1'))!.lastSeq;
    const seqs = (await store.listMessages('c1', { limit: 10 })).map((m) => m.seq);

    const raised = await store.markRead('c1', 'visitor', seqs[1]!);
    assert.equal(raised?.visitorReadSeq, seqs[1]);
    assert.equal(raised?.agentReadSeq, 0);
    assert.equal((await store.markRead('c1', 'visitor', seqs[0]!))?.visitorReadSeq, seqs[1]);
    assert.equal((await store.markRead('c1', 'visitor', lastSeq + 100))?.visitorReadSeq, lastSeq);
    assert.equal((await store.markRead('c1', 'agent', seqs[0]!))?.agentReadSeq, seqs[0]);
    const after = await store.getConversation('c1');
    assert.equal(after?.visitorReadSeq, lastSeq);
    assert.equal(after?.agentReadSeq, seqs[0]);
    assert.equal(await store.markRead('nope', 'agent', 1), null);
  });
}

/** Sort key of the inbox, computed independently of any adapter. */
function inboxOrder(a: Conversation, b: Conversation): number {
  const at = (c: Conversation) => c.lastMessageAt ?? c.createdAt;
  return at(b) - at(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

async function pageAll(store: Store, filter: ConversationFilter, limit: number): Promise<Conversation[][]> {
  const pages: Conversation[][] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listConversations(filter, limit, cursor);
    pages.push(page.items);
    cursor = page.nextCursor;
    assert.ok(pages.length < 100, 'cursor never ends');
  } while (cursor);
  return pages;
}

function orderingTests(get: () => Store): void {
  it('pages 25 conversations by 10 in inbox order with no duplicates or gaps', async () => {
    const store = get();
    await store.createSite(newSite('s1'));
    for (let i = 0; i < 25; i++) {
      const n = String(i).padStart(2, '0');
      await store.createVisitor(newVisitor(`v${n}`, 's1'));
      await store.createConversation(newConversation(`c${n}`, 's1', `v${n}`));
      // Groups of three share a timestamp, so the id tie-break is exercised too.
      await store.appendMessage(newMessage(`m${n}`, `c${n}`, { createdAt: 10_000 + Math.floor(i / 3) * 1_000 }));
    }
    const pages = await pageAll(store, {}, 10);
    assert.deepEqual(pages.map((p) => p.length), [10, 10, 5]);
    const all = pages.flat();
    const expected = [...all].sort(inboxOrder);
    assert.deepEqual(all.map((c) => c.id), expected.map((c) => c.id));
    assert.equal(new Set(all.map((c) => c.id)).size, 25);
    assert.equal(all[0]?.id, 'c24');
    assert.equal(all[24]?.id, 'c00');
  });

  it('an exact multiple of the limit ends with a null cursor, not an empty page', async () => {
    const store = get();
    await store.createSite(newSite('s1'));
    for (let i = 0; i < 4; i++) {
      await store.createVisitor(newVisitor(`v${i}`, 's1'));
      await store.createConversation(newConversation(`c${i}`, 's1', `v${i}`));
    }
    assert.deepEqual((await pageAll(store, {}, 2)).map((p) => p.length), [2, 2]);
    const empty = await store.listConversations({ siteId: 'nope' }, 10);
    assert.deepEqual(empty, { items: [], nextCursor: null });
  });

  it('orders by last message time, falling back to creation time', async () => {
    const store = get();
    const old = await seedConversation(store, 1);
    await store.appendMessage(newMessage('m1', old.id, { createdAt: 1_000 }));
    await seedConversation(store, 2);
    const future = await seedConversation(store, 3);
    await store.appendMessage(newMessage('m3', future.id, { createdAt: Date.now() + 86_400_000 }));
    const { items } = await store.listConversations({}, 10);
    assert.deepEqual(items.map((c) => c.id), ['c3', 'c2', 'c1']);
  });

  it('rejects a malformed cursor', async () => {
    const store = get();
    await seedConversation(store);
    await assert.rejects(store.listConversations({}, 10, 'not a cursor!'));
  });
}

async function seedFilterData(store: Store): Promise<void> {
  await store.createSite(newSite('s1'));
  await store.createSite(newSite('s2'));
  for (const [v, s] of [['v1', 's1'], ['v2', 's1'], ['v3', 's2']] as const) await store.createVisitor(newVisitor(v, s));
  await store.createDepartment({ id: 'd1', name: 'Sales' });
  await store.createDepartment({ id: 'd2', name: 'Support' });
  await store.createAgent(newAgent('a1'));
  await store.createAgent(newAgent('a2'));
  await store.createConversation(newConversation('c1', 's1', 'v1', { departmentId: 'd1' }));
  await store.updateConversation('c1', { assigneeId: 'a1' }, 1);
  await store.createConversation(newConversation('c2', 's1', 'v2', { status: 'pending', channel: 'email', departmentId: 'd2' }));
  await store.createConversation(newConversation('c3', 's2', 'v3', { status: 'closed', departmentId: 'd1' }));
  await store.updateConversation('c3', { assigneeId: 'a2' }, 1);
  await store.createConversation(newConversation('c4', 's1', 'v1', { status: 'closed', channel: 'messenger' }));
}

function filterTests(get: () => Store): void {
  const cases: [string, ConversationFilter, string[]][] = [
    ['no filter', {}, ['c1', 'c2', 'c3', 'c4']],
    ['status open', { status: 'open' }, ['c1']],
    ['status pending', { status: 'pending' }, ['c2']],
    ['status closed', { status: 'closed' }, ['c3', 'c4']],
    ['channel email', { channel: 'email' }, ['c2']],
    ['channel messenger', { channel: 'messenger' }, ['c4']],
    ['department d1', { departmentId: 'd1' }, ['c1', 'c3']],
    ['no department (null)', { departmentId: null }, ['c4']],
    ['assignee a2', { assigneeId: 'a2' }, ['c3']],
    ['unassigned (null)', { assigneeId: null }, ['c2', 'c4']],
    ['site s2', { siteId: 's2' }, ['c3']],
    ['visitor v1', { visitorId: 'v1' }, ['c1', 'c4']],
    ['status and site together', { status: 'closed', siteId: 's1' }, ['c4']],
    ['visibleTo: own departments, no department, or assigned to me', { visibleTo: { departments: ['d2'], agentId: 'a1' } }, ['c1', 'c2', 'c4']],
    ['visibleTo with no departments', { visibleTo: { departments: [], agentId: 'a2' } }, ['c3', 'c4']],
    ['visibleTo with every department', { visibleTo: { departments: ['d1', 'd2'], agentId: 'nobody' } }, ['c1', 'c2', 'c3', 'c4']],
    ['visibleTo combined with a department', { departmentId: 'd1', visibleTo: { departments: [], agentId: 'a2' } }, ['c3']],
  ];
  for (const [label, filter, expected] of cases) {
    it(`filters: ${label}`, async () => {
      const store = get();
      await seedFilterData(store);
      const { items, nextCursor } = await store.listConversations(filter, 50);
      assert.deepEqual(ids(items), expected);
      assert.equal(nextCursor, null);
    });
  }

  it('filters keep working across pages', async () => {
    const store = get();
    await seedFilterData(store);
    const pages = await pageAll(store, { visibleTo: { departments: ['d2'], agentId: 'a1' } }, 1);
    assert.deepEqual(ids(pages.flat()), ['c1', 'c2', 'c4']);
  });
}
