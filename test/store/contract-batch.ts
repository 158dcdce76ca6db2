// Store contract: Store.batch, the unit of work of a mail reader's batch. Whatever an
// adapter does to group commits, the writes behave as they do without it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../../server/core/ports';
import { newConversation, newInbox, newMessage, newSite, newVisitor, rejectsDuplicate, seedConversation } from './fixtures';

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

export function batchContract(get: () => Store): void {
  describe('batch', () => {
    it('returns what fn returns; its writes are seen inside and after it', async () => {
      const store = get();
      await store.createSite(newSite('s1'));
      await store.createInbox(newInbox('i1', 's1'), 1_000);
      const out = await store.batch(async () => {
        await store.createVisitor(newVisitor('v1', 's1'));
        await store.createConversation(newConversation('c1', 's1', 'v1', { channel: 'email', inboxId: 'i1' }));
        const first = await store.appendMessage(newMessage('m1', 'c1', { clientId: 'mail:a' }));
        const again = await store.appendMessage(newMessage('m1b', 'c1', { clientId: 'mail:a' }));
        assert.deepEqual([first?.created, again?.created, again?.message.id], [true, false, 'm1']);
        await tick(); // a wait inside the batch (the parse worker, a blob write)
        const second = await store.appendMessage(newMessage('m2', 'c1'));
        assert.equal(second!.message.seq, first!.message.seq + 1);
        await store.rememberKey('mail:i1:a', 'c1', 1_000, 9_000);
        await store.countImported('i1', 2, 2_000);
        assert.equal((await store.getConversation('c1'))?.lastSeq, second!.message.seq);
        return 'done';
      });
      assert.equal(out, 'done');
      assert.deepEqual((await store.listMessages('c1', { limit: 10 })).map((m) => m.id), ['m1', 'm2']);
      assert.equal((await store.rememberKey('mail:i1:a', 'other', 1_000, 9_000)).value, 'c1');
      assert.equal((await store.getInbox('i1'))?.imported, 2);
    });

    it('a failing write fails alone; a failing fn rejects with its error and keeps what it wrote before', async () => {
      const store = get();
      await seedConversation(store);
      await assert.rejects(store.batch(async () => {
        await store.appendMessage(newMessage('m1', 'c1'));
        await rejectsDuplicate(store.createConversation(newConversation('c9', 's1', 'v1')), 'conversation.openKey');
        await store.appendMessage(newMessage('m2', 'c1'));
        await tick();
        throw new Error('the mailbox went away');
      }), /the mailbox went away/);
      // Not rolled back: every write is idempotent, and the caller retries the batch.
      assert.deepEqual((await store.listMessages('c1', { limit: 10 })).map((m) => m.id), ['m1', 'm2']);
      assert.equal((await store.getConversation('c1'))?.lastMessagePreview, 'text m2');
    });

    it('writes made meanwhile outside the batch land and stay, also when the batch fails', async () => {
      const store = get();
      await seedConversation(store, 1);
      await seedConversation(store, 2);
      let release: () => void = () => undefined;
      const waiting = new Promise<void>((resolve) => (release = resolve));
      const batch = store.batch(async () => {
        await store.appendMessage(newMessage('in1', 'c1'));
        await waiting;
        await store.appendMessage(newMessage('in2', 'c1'));
        throw new Error('failed after the others wrote');
      });
      await tick();
      // Another request while the batch is open: a widget message and a setting.
      const outside = await store.appendMessage(newMessage('out1', 'c2'));
      await store.setSetting('k', 'v');
      await store.updateConversation('c2', { name: 'renamed' }, 3_000);
      assert.equal(outside?.created, true);
      release();
      await assert.rejects(batch, /failed after the others wrote/);
      assert.deepEqual((await store.listMessages('c2', { limit: 10 })).map((m) => m.id), ['out1']);
      assert.equal(await store.getSetting('k'), 'v');
      assert.equal((await store.getConversation('c2'))?.name, 'renamed');
      assert.deepEqual((await store.listMessages('c1', { limit: 10 })).map((m) => m.id), ['in1', 'in2']);
    });

    it('nested batches join the outer one; batches at once each keep their writes', async () => {
      const store = get();
      await seedConversation(store, 1);
      await seedConversation(store, 2);
      const nested = await store.batch(async () => {
        await store.appendMessage(newMessage('a1', 'c1'));
        return store.batch(async () => {
          await store.appendMessage(newMessage('a2', 'c1'));
          return 'inner';
        });
      });
      assert.equal(nested, 'inner');
      const writer = (conv: string, prefix: string) => store.batch(async () => {
        for (let i = 0; i < 5; i++) {
          await store.appendMessage(newMessage(`${prefix}${i}`, conv));
          if (i % 2) await tick();
        }
        return prefix;
      });
      assert.deepEqual(await Promise.all([writer('c1', 'x'), writer('c2', 'y')]), ['x', 'y']);
      assert.equal((await store.listMessages('c1', { limit: 20 })).length, 7);
      assert.equal((await store.listMessages('c2', { limit: 20 })).length, 5);
      assert.equal((await store.getConversation('c1'))?.lastSeq, 7);
    });
  });
}
