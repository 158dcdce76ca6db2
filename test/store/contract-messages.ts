// Store contract, part 3: appending and paging messages, and attachments.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../../server/core/ports';
import { newAttachment, newMessage, refOf, seedConversation } from './fixtures';

export function messageContract(get: () => Store): void {
  describe('messages', () => {
    appendTests(get);
    idempotencyTests(get);
    listTests(get);
  });
  describe('attachments', () => {
    attachmentTests(get);
  });
}

function appendTests(get: () => Store): void {
  it('appends with rising seqs and updates the conversation summary', async () => {
    const store = get();
    await seedConversation(store);
    const first = await store.appendMessage(newMessage('m1', 'c1', { text: 'hello', createdAt: 5_000 }));
    assert.equal(first?.created, true);
    assert.deepEqual(first?.message, { ...newMessage('m1', 'c1', { text: 'hello', createdAt: 5_000 }), seq: first!.message.seq });
    const second = await store.appendMessage(newMessage('m2', 'c1', { authorKind: 'agent', authorId: 'a1', text: 'hi', createdAt: 6_000 }));
    assert.ok(second!.message.seq > first!.message.seq);

    const conv = await store.getConversation('c1');
    assert.equal(conv?.lastSeq, second!.message.seq);
    assert.equal(conv?.lastMessageAt, 6_000);
    assert.equal(conv?.lastMessagePreview, 'hi');
    assert.equal(conv?.updatedAt, 6_000);
    assert.deepEqual(await store.getMessage('m2'), second!.message);
    assert.equal(await store.getMessage('nope'), null);
  });

  it('records the email a message went out in, and leaves the rest of the message as it was', async () => {
    const store = get();
    await seedConversation(store);
    const stored = await store.appendMessage(newMessage('m1', 'c1', { authorKind: 'agent', authorId: 'a1', text: 'hi' }));
    const email = { inboxId: 'i1', messageId: 'parley.x.y@example.test', from: 'Acme <support@example.test>', subject: 'Re: Hi', original: 'hi', html: null };
    const updated = await store.setMessageEmail('m1', email);
    assert.deepEqual(updated, { ...stored!.message, email });
    assert.deepEqual(await store.getMessage('m1'), updated);
    assert.deepEqual((await store.listMessages('c1', { limit: 10 }))[0]?.email, email);
    assert.equal(await store.setMessageEmail('nope', email), null);
  });

  it('previews the first 140 characters, or the first attachment name when there is no text', async () => {
    const store = get();
    await seedConversation(store);
    await store.appendMessage(newMessage('m1', 'c1', { text: 'x'.repeat(139) + 'yz' }));
    assert.equal((await store.getConversation('c1'))?.lastMessagePreview, 'x'.repeat(139) + 'y');
    const photo = newAttachment('photo');
    const withFile = await store.appendMessage(newMessage('m2', 'c1', { text: '', attachments: [refOf(photo), refOf(newAttachment('b'))] }));
    assert.deepEqual(withFile?.message.attachments, [refOf(photo), refOf(newAttachment('b'))]);
    assert.equal((await store.getConversation('c1'))?.lastMessagePreview, 'photo.png');
  });

  it('returns null for an unknown conversation and stores nothing', async () => {
    const store = get();
    assert.equal(await store.appendMessage(newMessage('m1', 'nope')), null);
    assert.equal(await store.getMessage('m1'), null);
  });

  it('hands out strictly increasing seqs to 50 concurrent appends', async () => {
    const store = get();
    await seedConversation(store);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.appendMessage(newMessage(`m${i}`, 'c1', { createdAt: 1_000 + i }))),
    );
    assert.ok(results.every((r) => r?.created));
    const seqs = results.map((r) => r!.message.seq);
    assert.equal(new Set(seqs).size, 50);
    const listed = await store.listMessages('c1', { limit: 100 });
    assert.equal(listed.length, 50);
    for (let i = 1; i < listed.length; i++) assert.ok(listed[i]!.seq > listed[i - 1]!.seq);
    assert.equal((await store.getConversation('c1'))?.lastSeq, Math.max(...seqs));
  });
}

function idempotencyTests(get: () => Store): void {
  it('a repeated clientId returns the stored message with created = false', async () => {
    const store = get();
    await seedConversation(store);
    const first = await store.appendMessage(newMessage('m1', 'c1', { clientId: 'k1', text: 'once' }));
    const conv = await store.getConversation('c1');
    const again = await store.appendMessage(newMessage('m2', 'c1', { clientId: 'k1', text: 'retry', createdAt: 9_000 }));
    assert.equal(again?.created, false);
    assert.deepEqual(again?.message, first?.message);
    assert.equal(await store.getMessage('m2'), null);
    assert.equal((await store.listMessages('c1', { limit: 10 })).length, 1);
    // The retry must not consume a seq nor touch the summary.
    assert.deepEqual(await store.getConversation('c1'), conv);
  });

  it('concurrent sends with one clientId store one message', async () => {
    const store = get();
    await seedConversation(store);
    const results = await Promise.all(
      [1, 2, 3].map((n) => store.appendMessage(newMessage(`m${n}`, 'c1', { clientId: 'same' }))),
    );
    assert.equal(results.filter((r) => r?.created).length, 1);
    assert.equal(new Set(results.map((r) => r?.message.id)).size, 1);
    assert.equal(new Set(results.map((r) => r?.message.seq)).size, 1);
    assert.equal((await store.listMessages('c1', { limit: 10 })).length, 1);
  });

  it('clientId is unique per conversation only, and null never deduplicates', async () => {
    const store = get();
    await seedConversation(store, 1);
    await seedConversation(store, 2);
    assert.equal((await store.appendMessage(newMessage('m1', 'c1', { clientId: 'k' })))?.created, true);
    assert.equal((await store.appendMessage(newMessage('m2', 'c2', { clientId: 'k' })))?.created, true);
    assert.equal((await store.appendMessage(newMessage('m3', 'c1', { clientId: null, authorKind: 'system', authorId: null })))?.created, true);
    assert.equal((await store.appendMessage(newMessage('m4', 'c1', { clientId: null, authorKind: 'system', authorId: null })))?.created, true);
    assert.equal((await store.listMessages('c1', { limit: 10 })).length, 3);
    assert.equal((await store.getMessage('m4'))?.clientId, null);
  });
}

function listTests(get: () => Store): void {
  async function seedTen(store: Store): Promise<number[]> {
    await seedConversation(store);
    const seqs: number[] = [];
    for (let i = 0; i < 10; i++) seqs.push((await store.appendMessage(newMessage(`m${i}`, 'c1')))!.message.seq);
    return seqs;
  }
  const seqsOf = (msgs: { seq: number }[]) => msgs.map((m) => m.seq);

  it('without a bound returns the newest `limit`, ascending', async () => {
    const store = get();
    const seqs = await seedTen(store);
    assert.deepEqual(seqsOf(await store.listMessages('c1', { limit: 3 })), seqs.slice(7));
    assert.deepEqual(seqsOf(await store.listMessages('c1', { limit: 50 })), seqs);
    assert.deepEqual(await store.listMessages('nope', { limit: 5 }), []);
  });

  it('afterSeq returns the first `limit` after it, ascending (catch-up)', async () => {
    const store = get();
    const seqs = await seedTen(store);
    assert.deepEqual(seqsOf(await store.listMessages('c1', { afterSeq: seqs[2]!, limit: 3 })), seqs.slice(3, 6));
    assert.deepEqual(seqsOf(await store.listMessages('c1', { afterSeq: 0, limit: 100 })), seqs);
    assert.deepEqual(await store.listMessages('c1', { afterSeq: seqs[9]!, limit: 10 }), []);
  });

  it('beforeSeq returns the `limit` newest before it, ascending (paging back)', async () => {
    const store = get();
    const seqs = await seedTen(store);
    assert.deepEqual(seqsOf(await store.listMessages('c1', { beforeSeq: seqs[6]!, limit: 3 })), seqs.slice(3, 6));
    assert.deepEqual(seqsOf(await store.listMessages('c1', { beforeSeq: seqs[2]!, limit: 10 })), seqs.slice(0, 2));
    assert.deepEqual(await store.listMessages('c1', { beforeSeq: seqs[0]!, limit: 10 }), []);
  });

  it('paging back and paging forward each visit every message exactly once', async () => {
    const store = get();
    const seqs = await seedTen(store);
    const back: number[] = [];
    let page = await store.listMessages('c1', { limit: 4 });
    while (page.length) {
      back.unshift(...seqsOf(page));
      page = await store.listMessages('c1', { beforeSeq: page[0]!.seq, limit: 4 });
    }
    assert.deepEqual(back, seqs);
    const forward: number[] = [];
    let after = 0;
    for (;;) {
      const next = await store.listMessages('c1', { afterSeq: after, limit: 4 });
      if (!next.length) break;
      forward.push(...seqsOf(next));
      after = next[next.length - 1]!.seq;
    }
    assert.deepEqual(forward, seqs);
  });
}

function attachmentTests(get: () => Store): void {
  it('creates and reads an attachment', async () => {
    const store = get();
    const att = newAttachment('f1', { uploaderKind: 'agent', uploaderId: 'a1' });
    assert.deepEqual(await store.createAttachment(att), att);
    assert.deepEqual(await store.getAttachment('f1'), att);
    assert.equal(await store.getAttachment('nope'), null);
  });

  it('links unlinked attachments once and counts only those it linked', async () => {
    const store = get();
    await seedConversation(store);
    for (const id of ['f1', 'f2', 'f3']) await store.createAttachment(newAttachment(id));
    await store.appendMessage(newMessage('m1', 'c1'));
    await store.appendMessage(newMessage('m2', 'c1'));

    assert.equal(await store.linkAttachments(['f1', 'f2'], 'm1', 'c1'), 2);
    assert.deepEqual(await store.getAttachment('f1'), { ...newAttachment('f1'), messageId: 'm1', conversationId: 'c1' });
    // f1 is taken; f3 is free; 'ghost' does not exist.
    assert.equal(await store.linkAttachments(['f1', 'f3', 'ghost'], 'm2', 'c1'), 1);
    assert.equal((await store.getAttachment('f1'))?.messageId, 'm1');
    assert.equal((await store.getAttachment('f3'))?.messageId, 'm2');
    assert.equal(await store.linkAttachments(['f1', 'f2'], 'm1', 'c1'), 0);
    assert.equal(await store.linkAttachments([], 'm1', 'c1'), 0);
  });
}
