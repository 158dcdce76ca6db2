// Store contract, part 7: inboxes (settings, and the status, watermark and counter the
// mailbox worker writes beside them), mail items set aside or quarantined, and the batch
// lookup of remembered keys (which emails a mailbox imported already).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../../server/core/ports';
import type { InboxStatus, MailItem } from '../../server/core/types';
import { inboxSettings, newConversation, newInbox, newMailItem, rejectsDuplicate, seedInbox } from './fixtures';

const failing: InboxStatus = { state: 'interrupted', lastError: 'ECONNRESET', attempts: 2, lastSyncAt: 4_000 };

export function inboxContract(get: () => Store): void {
  describe('inboxes', () => {
    inboxTests(get);
    inboxFieldTests(get);
    inboxDeleteTests(get);
  });
  describe('mail items', () => {
    mailItemTests(get);
  });
  describe('knownKeys', () => {
    knownKeyTests(get);
  });
}

function inboxTests(get: () => Store): void {
  it('creates with imported 0, no watermark and createdAt = updatedAt = now; lists oldest first, per site or all', async () => {
    const store = get();
    await seedInbox(store);
    const i1 = (await store.getInbox('i1'))!;
    assert.deepEqual(i1, { ...newInbox('i1', 's1'), watermark: null, imported: 0, createdAt: 1_000, updatedAt: 1_000 });
    const i3 = await store.createInbox(newInbox('i3', 's1', { departmentId: null, enabled: false, smtpPasswordSealed: 'smtp' }), 500);
    const i2 = await store.createInbox(newInbox('i2', 's2', { settings: inboxSettings({ protocol: 'pop3', outgoing: null }) }), 2_000);
    assert.deepEqual(await store.getInbox('i2'), i2);
    assert.deepEqual(await store.getInbox('i3'), i3);
    assert.equal(i3.enabled, false);
    assert.equal(i2.settings.outgoing, null);
    assert.equal(await store.getInbox('nope'), null);
    assert.deepEqual((await store.listInboxes()).map((i) => i.id), ['i3', 'i1', 'i2']);
    assert.deepEqual(await store.listInboxes('s1'), [i3, i1]);
    assert.deepEqual(await store.listInboxes('s2'), [i2]);
    assert.deepEqual(await store.listInboxes('nope'), []);
  });

  it('stores the address lower-case and keeps it unique across sites, whatever its case', async () => {
    const store = get();
    await seedInbox(store);
    const mixed = await store.createInbox(newInbox('i2', 's1', { address: 'Support@Example.COM' }), 1_000);
    assert.equal(mixed.address, 'support@example.com');
    assert.equal((await store.getInbox('i2'))?.address, 'support@example.com');
    await rejectsDuplicate(store.createInbox(newInbox('i3', 's1', { address: 'support@example.com' }), 2_000), 'inbox.address');
    await rejectsDuplicate(store.createInbox(newInbox('i4', 's2', { address: 'SUPPORT@example.com' }), 2_000), 'inbox.address');
    assert.equal(await store.getInbox('i3'), null);
    assert.equal(await store.getInbox('i4'), null);

    await rejectsDuplicate(store.updateInbox('i1', { address: 'SuPPort@example.com' }, 3_000), 'inbox.address');
    const unchanged = await store.getInbox('i1');
    assert.deepEqual([unchanged?.address, unchanged?.updatedAt], ['i1@example.com', 1_000]);
    // Its own address, in another case, is no conflict; a free one is taken, lower-cased.
    assert.equal((await store.updateInbox('i2', { address: 'SUPPORT@example.com' }, 4_000))?.address, 'support@example.com');
    assert.equal((await store.updateInbox('i1', { address: 'Help@Example.com' }, 5_000))?.address, 'help@example.com');
    // The old address is free again.
    await store.createInbox(newInbox('i5', 's2', { address: 'i1@EXAMPLE.com' }), 6_000);
  });

  it('updates only the patched fields and updatedAt, never the status, watermark or counter', async () => {
    const store = get();
    await seedInbox(store);
    await store.createDepartment({ id: 'd1', name: 'Sales' });
    await store.setInboxStatus('i1', failing, 2_000);
    await store.setInboxWatermark('i1', { folder: 'INBOX', uidValidity: '77', lastUid: 12 }, 2_000);
    await store.countImported('i1', 3, 2_000);
    const before = (await store.getInbox('i1'))!;

    const settings = inboxSettings({ convertAll: false, headerFilters: [], moveTo: 'Archive', afterImport: 'move' });
    const patch = { name: 'Support', departmentId: 'd1', enabled: false, settings, passwordSealed: 'p2', smtpPasswordSealed: 's2' };
    const updated = await store.updateInbox('i1', patch, 5_000);
    assert.deepEqual(updated, { ...before, ...patch, updatedAt: 5_000 });
    assert.deepEqual(await store.getInbox('i1'), updated);
    assert.deepEqual(updated?.settings.headerFilters, []);

    const cleared = await store.updateInbox('i1', { departmentId: null, smtpPasswordSealed: null, name: undefined }, 6_000);
    assert.deepEqual(cleared, { ...updated, departmentId: null, smtpPasswordSealed: null, updatedAt: 6_000 });
    assert.equal((await store.updateInbox('i1', {}, 7_000))?.updatedAt, 7_000, 'an empty patch still touches updatedAt');
    assert.equal(await store.updateInbox('nope', { name: 'x' }, 7_000), null);
  });
}

function inboxFieldTests(get: () => Store): void {
  it('status, watermark and the imported counter each change alone (and updatedAt with them)', async () => {
    const store = get();
    const created = await seedInbox(store);
    const withStatus = await store.setInboxStatus('i1', failing, 2_000);
    assert.deepEqual(withStatus, { ...created, status: failing, updatedAt: 2_000 });
    const mark = { folder: 'INBOX', uidValidity: '1700000000', lastUid: 4_242 };
    const withMark = await store.setInboxWatermark('i1', mark, 3_000);
    assert.deepEqual(withMark, { ...withStatus, watermark: mark, updatedAt: 3_000 });
    await store.countImported('i1', 2, 4_000);
    await store.countImported('i1', 5, 5_000);
    assert.deepEqual(await store.getInbox('i1'), { ...withMark, imported: 7, updatedAt: 5_000 });
    // null starts the mailbox over.
    assert.deepEqual((await store.setInboxWatermark('i1', null, 6_000))?.watermark, null);
    const healthy: InboxStatus = { state: 'active', lastError: null, attempts: 0, lastSyncAt: 6_500 };
    assert.deepEqual((await store.setInboxStatus('i1', healthy, 6_500))?.status, healthy);
    assert.equal((await store.getInbox('i1'))?.imported, 7);

    assert.equal(await store.setInboxStatus('nope', failing, 1), null);
    assert.equal(await store.setInboxWatermark('nope', mark, 1), null);
    await store.countImported('nope', 1, 1);
    assert.equal(await store.getInbox('nope'), null, 'counting for a missing inbox creates nothing');
  });

  it('concurrent writes of settings, status, watermark and counter all land', async () => {
    const store = get();
    await seedInbox(store);
    const settings = inboxSettings({ pollSeconds: 300 });
    const mark = { folder: 'INBOX', uidValidity: '9', lastUid: 100 };
    await Promise.all([
      store.updateInbox('i1', { settings, name: 'Edited' }, 2_000),
      store.setInboxStatus('i1', failing, 2_000),
      store.setInboxWatermark('i1', mark, 2_000),
      ...Array.from({ length: 10 }, () => store.countImported('i1', 1, 2_000)),
    ]);
    const inbox = (await store.getInbox('i1'))!;
    assert.deepEqual(
      [inbox.settings, inbox.name, inbox.status, inbox.watermark, inbox.imported],
      [settings, 'Edited', failing, mark, 10],
    );
  });
}

function inboxDeleteTests(get: () => Store): void {
  it('deletes once, with its mail items, returning their raw blob ids; its conversations stay', async () => {
    const store = get();
    await seedInbox(store);
    await store.createInbox(newInbox('i2', 's1'), 1_000);
    await store.addMailItem(newMailItem('x1', 'i1'));
    await store.addMailItem(newMailItem('x2', 'i1', { kind: 'quarantined', createdAt: 2_000 }));
    await store.addMailItem(newMailItem('y1', 'i2'));
    await store.createConversation(newConversation('e1', 's1', 'v1', { channel: 'email', inboxId: 'i1' }));

    const result = await store.deleteInbox('i1');
    assert.equal(result.deleted, true);
    assert.deepEqual([...result.rawBlobIds].sort(), ['raw-x1', 'raw-x2']);
    assert.equal(await store.getInbox('i1'), null);
    assert.equal(await store.getMailItem('x1'), null);
    assert.equal(await store.getMailItem('x2'), null);
    assert.deepEqual(await store.countMailItems('i1'), { 'set-aside': 0, quarantined: 0 });
    assert.deepEqual(await store.getMailItem('y1'), newMailItem('y1', 'i2'));
    assert.equal((await store.getConversation('e1'))?.inboxId, 'i1');
    assert.deepEqual(await store.deleteInbox('i1'), { deleted: false, rawBlobIds: [] });
    assert.deepEqual((await store.listInboxes()).map((i) => i.id), ['i2']);
    // The address is free again, and adding to the deleted inbox fails.
    await store.createInbox(newInbox('i9', 's1', { address: 'i1@example.com' }), 3_000);
    await assert.rejects(store.addMailItem(newMailItem('x3', 'i1')), /no inbox/);
  });

  it('deleting a department takes it off its inboxes', async () => {
    const store = get();
    await seedInbox(store);
    await store.createDepartment({ id: 'd1', name: 'Sales' });
    await store.createDepartment({ id: 'd2', name: 'Support' });
    await store.updateInbox('i1', { departmentId: 'd1' }, 2_000);
    await store.createInbox(newInbox('i2', 's1', { departmentId: 'd2' }), 1_000);
    assert.equal(await store.deleteDepartment('d1'), true);
    assert.equal((await store.getInbox('i1'))?.departmentId, null);
    assert.equal((await store.getInbox('i2'))?.departmentId, 'd2');
  });

  it('deleting a site deletes its inboxes and their mail items', async () => {
    const store = get();
    await seedInbox(store);
    await store.createInbox(newInbox('i2', 's2'), 1_000);
    await store.addMailItem(newMailItem('x1', 'i1'));
    await store.addMailItem(newMailItem('y1', 'i2'));
    assert.equal(await store.deleteSite('s1'), true);
    assert.equal(await store.getInbox('i1'), null);
    assert.equal(await store.getMailItem('x1'), null);
    assert.deepEqual((await store.listInboxes()).map((i) => i.id), ['i2']);
    assert.deepEqual(await store.getMailItem('y1'), newMailItem('y1', 'i2'));
    // Its address is free again.
    await store.createInbox(newInbox('i3', 's2', { address: 'i1@example.com' }), 2_000);
  });
}

async function pageItems(store: Store, inboxId: string, kind: MailItem['kind'], limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listMailItems(inboxId, kind, limit, cursor);
    pages.push(page.items.map((i) => i.id));
    cursor = page.nextCursor;
    assert.ok(pages.length < 50, 'cursor never ends');
  } while (cursor);
  return pages;
}

function mailItemTests(get: () => Store): void {
  it('adds once per (inbox, key): a repeat returns the stored item with created = false', async () => {
    const store = get();
    await seedInbox(store);
    await store.createInbox(newInbox('i2', 's1'), 1_000);
    const item = newMailItem('x1', 'i1', { kind: 'quarantined', reason: 'message too large', messageId: null, from: null, subject: null });
    assert.deepEqual(await store.addMailItem(item), { item, created: true });
    assert.deepEqual(await store.getMailItem('x1'), item);
    const again = await store.addMailItem({ ...newMailItem('x2', 'i1'), key: item.key });
    assert.deepEqual(again, { item, created: false });
    assert.equal(await store.getMailItem('x2'), null);
    // The same key in another inbox is another email.
    assert.equal((await store.addMailItem({ ...newMailItem('y1', 'i2'), key: item.key })).created, true);
    assert.equal(await store.getMailItem('nope'), null);
    await assert.rejects(store.addMailItem(newMailItem('z1', 'nope')), /no inbox/);
    assert.equal(await store.getMailItem('z1'), null);
  });

  it('concurrent adds of one key store one item', async () => {
    const store = get();
    await seedInbox(store);
    const results = await Promise.all(['a', 'b', 'c'].map((n) => store.addMailItem({ ...newMailItem(n, 'i1'), key: 'same' })));
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.equal(new Set(results.map((r) => r.item.id)).size, 1);
    assert.deepEqual(await store.countMailItems('i1'), { 'set-aside': 1, quarantined: 0 });
  });

  it('lists one kind of one inbox newest first, paged by an opaque cursor; counts both kinds', async () => {
    const store = get();
    await seedInbox(store);
    await store.createInbox(newInbox('i2', 's1'), 1_000);
    // Pairs share a timestamp, so the id tie-break is exercised too.
    for (let i = 0; i < 7; i++) await store.addMailItem(newMailItem(`a${i}`, 'i1', { createdAt: 1_000 + Math.floor(i / 2) * 100 }));
    for (let i = 0; i < 3; i++) await store.addMailItem(newMailItem(`q${i}`, 'i1', { kind: 'quarantined', createdAt: 5_000 + i }));
    await store.addMailItem(newMailItem('other', 'i2', { createdAt: 9_000 }));

    const pages = await pageItems(store, 'i1', 'set-aside', 3);
    assert.deepEqual(pages, [['a6', 'a5', 'a4'], ['a3', 'a2', 'a1'], ['a0']]);
    assert.deepEqual(await pageItems(store, 'i1', 'quarantined', 3), [['q2', 'q1', 'q0']], 'an exact page ends with a null cursor');
    assert.deepEqual(await pageItems(store, 'i2', 'quarantined', 3), [[]]);
    assert.deepEqual(await store.countMailItems('i1'), { 'set-aside': 7, quarantined: 3 });
    assert.deepEqual(await store.countMailItems('i2'), { 'set-aside': 1, quarantined: 0 });
    assert.deepEqual(await store.countMailItems('nope'), { 'set-aside': 0, quarantined: 0 });
    await assert.rejects(store.listMailItems('i1', 'set-aside', 3, 'not a cursor!'));

    assert.equal(await store.deleteMailItem('a3'), true);
    assert.equal(await store.deleteMailItem('a3'), false);
    assert.equal(await store.deleteMailItem('nope'), false);
    assert.deepEqual((await pageItems(store, 'i1', 'set-aside', 10)).flat(), ['a6', 'a5', 'a4', 'a2', 'a1', 'a0']);
    assert.deepEqual(await store.countMailItems('i1'), { 'set-aside': 6, quarantined: 3 });
    // Deleted, its key may be added again (an admin discarded it; the mailbox still has it).
    assert.equal((await store.addMailItem(newMailItem('a3', 'i1'))).created, true);
  });
}

function knownKeyTests(get: () => Store): void {
  it('returns the keys that have a live remembered record, in one call', async () => {
    const store = get();
    await store.rememberKey('uidl:i1:1', 'm1', 1_000, 10_000);
    await store.rememberKey('uidl:i1:2', 'm2', 1_000, 5_000);
    await store.rememberKey('uidl:i1:3', 'm3', 1_000, 10_000);
    const asked = ['uidl:i1:1', 'uidl:i1:2', 'uidl:i1:3', 'uidl:i1:4', 'uidl:i2:1'];
    assert.deepEqual([...(await store.knownKeys(asked, 4_999))].sort(), ['uidl:i1:1', 'uidl:i1:2', 'uidl:i1:3']);
    // Expired from expiresAt on, the same rule as rememberKey.
    assert.deepEqual([...(await store.knownKeys(asked, 5_000))].sort(), ['uidl:i1:1', 'uidl:i1:3']);
    assert.deepEqual([...(await store.knownKeys(asked, 10_000))], []);
    assert.deepEqual([...(await store.knownKeys([], 1_000))], []);
    assert.deepEqual([...(await store.knownKeys(['uidl:i1:1', 'uidl:i1:1'], 1_000))], ['uidl:i1:1']);
  });

  it('answers for thousands of keys at once (a POP3 mailbox\'s UIDL list)', async () => {
    const store = get();
    const asked = Array.from({ length: 2_500 }, (_, i) => `uidl:i1:${i}`);
    const live = [0, 998, 999, 1_000, 1_001, 2_499].map((i) => `uidl:i1:${i}`);
    for (const key of live) await store.rememberKey(key, 'x', 1_000, 60_000);
    await store.rememberKey('uidl:i1:1500', 'x', 1_000, 2_000);
    assert.deepEqual([...(await store.knownKeys(asked, 3_000))].sort(), [...live].sort());
  });
}
