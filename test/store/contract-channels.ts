// Store contract, part 5: what the messenger channel needs: messengers, external ids
// (a visitor's identity in a messenger) and remembered keys (replay protection).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../../server/core/ports';
import type { ExternalId, Messenger } from '../../server/core/types';
import { newSite, newVisitor, rejectsDuplicate } from './fixtures';

type NewMessenger = Omit<Messenger, 'createdAt' | 'updatedAt'>;

function newMessenger(id: string, siteId: string, over: Partial<NewMessenger> = {}): NewMessenger {
  return {
    id, siteId, name: `Messenger ${id}`, webhookUrl: `https://chat.example.com/hooks/${id}`,
    secretSealed: `sealed-${id}`, status: 'pending', returning: 'reopen', allowOperatorStart: false, lastError: null, ...over,
  };
}

const link = (source: string, externalId: string, visitorId: string): ExternalId => ({ source, externalId, visitorId });

/** Two sites, visitors v1, v2 on s1 and v3 on s2. */
async function seedVisitors(store: Store): Promise<void> {
  await store.createSite(newSite('s1'));
  await store.createSite(newSite('s2'));
  await store.createVisitor(newVisitor('v1', 's1'));
  await store.createVisitor(newVisitor('v2', 's1'));
  await store.createVisitor(newVisitor('v3', 's2'));
}

export function channelContract(get: () => Store): void {
  describe('messengers', () => {
    it('creates with createdAt = updatedAt = now, reads by id, lists oldest first (createdAt, then id) per site or all', async () => {
      const store = get();
      await seedVisitors(store);
      const m2 = await store.createMessenger(newMessenger('m2', 's1'), 1_000);
      assert.deepEqual(m2, { ...newMessenger('m2', 's1'), createdAt: 1_000, updatedAt: 1_000 });
      const m1 = await store.createMessenger(newMessenger('m1', 's1', { allowOperatorStart: true, returning: 'new', lastError: 'x' }), 2_000);
      const m3 = await store.createMessenger(newMessenger('m3', 's2', { status: 'active' }), 1_000);
      assert.deepEqual(await store.getMessenger('m1'), m1);
      assert.deepEqual(await store.getMessenger('m3'), m3);
      assert.equal(await store.getMessenger('nope'), null);
      assert.deepEqual(await store.listMessengers(), [m2, m3, m1]);
      assert.deepEqual(await store.listMessengers('s1'), [m2, m1]);
      assert.deepEqual(await store.listMessengers('s2'), [m3]);
      assert.deepEqual(await store.listMessengers('nope'), []);
    });

    it('rejects a webhook URL taken by any messenger of any site with DuplicateKeyError(messenger.webhookUrl)', async () => {
      const store = get();
      await seedVisitors(store);
      await store.createMessenger(newMessenger('m1', 's1', { webhookUrl: 'https://same.example/hook' }), 1_000);
      await rejectsDuplicate(store.createMessenger(newMessenger('m2', 's1', { webhookUrl: 'https://same.example/hook' }), 2_000), 'messenger.webhookUrl');
      await rejectsDuplicate(store.createMessenger(newMessenger('m3', 's2', { webhookUrl: 'https://same.example/hook' }), 2_000), 'messenger.webhookUrl');
      assert.equal(await store.getMessenger('m2'), null);
      assert.equal(await store.getMessenger('m3'), null);
      assert.deepEqual((await store.listMessengers()).map((m) => m.id), ['m1']);
    });

    it('updates only the fields in the patch, sets updatedAt, and keeps webhook URLs unique', async () => {
      const store = get();
      await seedVisitors(store);
      const m1 = await store.createMessenger(newMessenger('m1', 's1'), 1_000);
      const m2 = await store.createMessenger(newMessenger('m2', 's2'), 1_000);
      const updated = await store.updateMessenger('m1', { status: 'active', allowOperatorStart: true, lastError: 'HTTP 500' }, 5_000);
      assert.deepEqual(updated, { ...m1, status: 'active', allowOperatorStart: true, lastError: 'HTTP 500', updatedAt: 5_000 });
      assert.deepEqual(await store.getMessenger('m1'), updated);

      const cleared = await store.updateMessenger('m1', { lastError: null, returning: 'new', name: 'Renamed' }, 6_000);
      assert.deepEqual(cleared, { ...updated, lastError: null, returning: 'new', name: 'Renamed', updatedAt: 6_000 });
      assert.equal((await store.updateMessenger('m1', {}, 7_000))?.updatedAt, 7_000, 'an empty patch still touches updatedAt');

      await rejectsDuplicate(store.updateMessenger('m1', { webhookUrl: m2.webhookUrl }, 8_000), 'messenger.webhookUrl');
      const unchanged = await store.getMessenger('m1');
      assert.equal(unchanged?.webhookUrl, m1.webhookUrl);
      assert.equal(unchanged?.updatedAt, 7_000);
      // Its own URL is no conflict; a free one is taken.
      assert.equal((await store.updateMessenger('m1', { webhookUrl: m1.webhookUrl }, 9_000))?.webhookUrl, m1.webhookUrl);
      const moved = await store.updateMessenger('m1', { webhookUrl: 'https://new.example/hook', secretSealed: 'sealed-2' }, 9_500);
      assert.deepEqual([moved?.webhookUrl, moved?.secretSealed, moved?.createdAt], ['https://new.example/hook', 'sealed-2', 1_000]);
      // The old URL is free again.
      await store.createMessenger(newMessenger('m3', 's1', { webhookUrl: m1.webhookUrl }), 10_000);
      assert.equal(await store.updateMessenger('nope', { name: 'x' }, 10_000), null);
      assert.equal(await store.getMessenger('nope'), null);
    });

    it('deletes once, with its external ids; the visitors and other links stay', async () => {
      const store = get();
      await seedVisitors(store);
      await store.createMessenger(newMessenger('m1', 's1'), 1_000);
      await store.createMessenger(newMessenger('m2', 's1'), 1_000);
      await store.linkExternalId(link('messenger:m1', 'u1', 'v1'));
      await store.linkExternalId(link('messenger:m1', 'u2', 'v2'));
      await store.linkExternalId(link('messenger:m2', 'u1', 'v1'));
      await store.linkExternalId(link('email', 'v1@example.com', 'v1'));

      assert.equal(await store.deleteMessenger('m1'), true);
      assert.equal(await store.getMessenger('m1'), null);
      assert.equal(await store.findExternalId('messenger:m1', 'u1'), null);
      assert.equal(await store.findExternalId('messenger:m1', 'u2'), null);
      assert.deepEqual(await store.externalIdsOfVisitor('v1'), [link('messenger:m2', 'u1', 'v1'), link('email', 'v1@example.com', 'v1')]);
      assert.deepEqual(await store.externalIdsOfVisitor('v2'), []);
      assert.notEqual(await store.getVisitor('v1'), null);
      assert.equal(await store.deleteMessenger('m1'), false);
      assert.deepEqual((await store.listMessengers()).map((m) => m.id), ['m2']);
      // The identity is free again: a new messenger with the old id starts from scratch.
      assert.equal((await store.linkExternalId(link('messenger:m1', 'u1', 'v2'))).created, true);
    });

    it('deleting a site deletes its messengers and the external ids of its visitors and messengers', async () => {
      const store = get();
      await seedVisitors(store);
      await store.createMessenger(newMessenger('m1', 's1'), 1_000);
      await store.createMessenger(newMessenger('m2', 's2'), 1_000);
      await store.linkExternalId(link('messenger:m1', 'u1', 'v1'));
      await store.linkExternalId(link('email', 'a@example.com', 'v2'));
      await store.linkExternalId(link('messenger:m2', 'u1', 'v3'));
      // A link of s1's messenger to another site's visitor goes with the messenger.
      await store.linkExternalId(link('messenger:m1', 'u9', 'v3'));

      assert.equal(await store.deleteSite('s1'), true);
      assert.equal(await store.getMessenger('m1'), null);
      assert.deepEqual((await store.listMessengers()).map((m) => m.id), ['m2']);
      assert.deepEqual(await store.listMessengers('s1'), []);
      assert.equal(await store.findExternalId('messenger:m1', 'u1'), null);
      assert.equal(await store.findExternalId('email', 'a@example.com'), null);
      assert.equal(await store.findExternalId('messenger:m1', 'u9'), null);
      assert.deepEqual(await store.externalIdsOfVisitor('v1'), []);
      assert.deepEqual(await store.externalIdsOfVisitor('v3'), [link('messenger:m2', 'u1', 'v3')]);
      assert.equal(await store.deleteSite('s1'), false);
      // The webhook URL of a deleted messenger is free again.
      await store.createMessenger(newMessenger('m9', 's2', { webhookUrl: newMessenger('m1', 's1').webhookUrl }), 2_000);
    });
  });

  describe('external ids', () => {
    it('links once: a second link of the identity returns the first visitor, created = false', async () => {
      const store = get();
      await seedVisitors(store);
      assert.deepEqual(await store.linkExternalId(link('messenger:m1', 'u1', 'v1')), { visitorId: 'v1', created: true });
      assert.deepEqual(await store.linkExternalId(link('messenger:m1', 'u1', 'v1')), { visitorId: 'v1', created: false });
      assert.deepEqual(await store.linkExternalId(link('messenger:m1', 'u1', 'v2')), { visitorId: 'v1', created: false });
      assert.deepEqual(await store.findExternalId('messenger:m1', 'u1'), link('messenger:m1', 'u1', 'v1'));
      assert.deepEqual(await store.externalIdsOfVisitor('v2'), [], 'the losing visitor got no link');
      // The same external id in another source, and another id in the same source, are other identities.
      assert.deepEqual(await store.linkExternalId(link('messenger:m2', 'u1', 'v2')), { visitorId: 'v2', created: true });
      assert.deepEqual(await store.linkExternalId(link('messenger:m1', 'u2', 'v2')), { visitorId: 'v2', created: true });
      assert.equal(await store.findExternalId('messenger:m1', 'nope'), null);
      assert.equal(await store.findExternalId('nope', 'u1'), null);
    });

    it('lists a visitor\'s identities oldest first', async () => {
      const store = get();
      await seedVisitors(store);
      await store.linkExternalId(link('messenger:mb', 'u1', 'v1'));
      await store.linkExternalId(link('messenger:ma', 'u7', 'v2'));
      await store.linkExternalId(link('messenger:ma', 'u2', 'v1'));
      await store.linkExternalId(link('email', 'a@example.com', 'v1'));
      assert.deepEqual(await store.externalIdsOfVisitor('v1'), [
        link('messenger:mb', 'u1', 'v1'), link('messenger:ma', 'u2', 'v1'), link('email', 'a@example.com', 'v1'),
      ]);
      assert.deepEqual(await store.externalIdsOfVisitor('v2'), [link('messenger:ma', 'u7', 'v2')]);
      assert.deepEqual(await store.externalIdsOfVisitor('nope'), []);
    });

    it('refuses to link a new identity to a visitor that does not exist', async () => {
      const store = get();
      await seedVisitors(store);
      await assert.rejects(store.linkExternalId(link('messenger:m1', 'u1', 'nope')));
      assert.equal(await store.findExternalId('messenger:m1', 'u1'), null);
    });

    it('concurrent links of one identity to different visitors: one wins, both answer with its visitor', async () => {
      const store = get();
      await seedVisitors(store);
      for (let round = 0; round < 10; round++) {
        const [a, b] = await Promise.all([
          store.linkExternalId(link('messenger:m1', `u${round}`, 'v1')),
          store.linkExternalId(link('messenger:m1', `u${round}`, 'v2')),
        ]);
        assert.equal(a.visitorId, b.visitorId);
        assert.deepEqual([a.created, b.created].sort(), [false, true]);
        assert.equal((await store.findExternalId('messenger:m1', `u${round}`))?.visitorId, a.visitorId);
      }
      const all = [...(await store.externalIdsOfVisitor('v1')), ...(await store.externalIdsOfVisitor('v2'))];
      assert.equal(all.length, 10);
    });
  });

  describe('remembered keys', () => {
    it('the first live record wins; an expired one is replaced; keys are independent', async () => {
      const store = get();
      assert.deepEqual(await store.rememberKey('sig:a', 'first', 1_000, 2_000), { created: true, value: 'first' });
      assert.deepEqual(await store.rememberKey('sig:a', 'second', 1_500, 9_000), { created: false, value: 'first' });
      assert.deepEqual(await store.rememberKey('sig:a', 'third', 1_999, 9_000), { created: false, value: 'first' });
      assert.deepEqual(await store.rememberKey('sig:b', 'other', 1_999, 3_000), { created: true, value: 'other' });
      // Expired from expiresAt on: replaced, with the new value and the new expiry.
      assert.deepEqual(await store.rememberKey('sig:a', 'fourth', 2_000, 5_000), { created: true, value: 'fourth' });
      assert.deepEqual(await store.rememberKey('sig:a', 'fifth', 4_999, 9_000), { created: false, value: 'fourth' });
      assert.deepEqual(await store.rememberKey('sig:a', 'sixth', 10_000, 20_000), { created: true, value: 'sixth' });
      assert.deepEqual(await store.rememberKey('sig:b', 'again', 2_500, 3_000), { created: false, value: 'other' });
    });

    it('concurrent first calls of one key: exactly one creates, all see its value', async () => {
      const store = get();
      for (let round = 0; round < 5; round++) {
        const results = await Promise.all(['a', 'b', 'c'].map((v) => store.rememberKey(`race:${round}`, v, 1_000, 60_000)));
        assert.equal(results.filter((r) => r.created).length, 1);
        const winner = results.find((r) => r.created)!.value;
        assert.ok(results.every((r) => r.value === winner));
      }
      // And once expired, concurrent replacements: again exactly one.
      const results = await Promise.all(['x', 'y'].map((v) => store.rememberKey('race:0', v, 60_000, 120_000)));
      assert.equal(results.filter((r) => r.created).length, 1);
      assert.equal(results[0]!.value, results[1]!.value);
    });
  });
}
