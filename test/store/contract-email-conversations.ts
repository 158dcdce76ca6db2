// Store contract, part 6: email conversations. They are threads, not held to one live
// conversation per visitor; they list by inbox and sender; their messages keep the email
// they came from.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NewConversation, Store } from '../../server/core/ports';
import { emailMeta, ids, newConversation, newInbox, newMessage, rejectsDuplicate, seedInbox } from './fixtures';

const emailConversation = (id: string, visitorId: string, inboxId = 'i1', over: Partial<NewConversation> = {}) =>
  newConversation(id, 's1', visitorId, { channel: 'email', inboxId, ...over });

export function emailConversationContract(get: () => Store): void {
  describe('email conversations', () => {
    emailConversationTests(get);
  });
}

function emailConversationTests(get: () => Store): void {
  it('a visitor may have several live email conversations beside their one live widget conversation', async () => {
    const store = get();
    await seedInbox(store);
    const widget = await store.createConversation(newConversation('c1', 's1', 'v1'));
    const e1 = await store.createConversation(emailConversation('e1', 'v1'));
    const e2 = await store.createConversation(emailConversation('e2', 'v1'));
    const e3 = await store.createConversation(emailConversation('e3', 'v1', 'i1', { status: 'pending' }));
    assert.equal(widget.inboxId, null);
    assert.deepEqual([e1.inboxId, e2.inboxId, e3.inboxId], ['i1', 'i1', 'i1']);
    assert.deepEqual([e1.status, e3.status], ['open', 'pending']);
    assert.deepEqual(await store.getConversation('e2'), e2);
    // The per-visitor rule still holds for conversations without an inbox.
    await rejectsDuplicate(store.createConversation(newConversation('c2', 's1', 'v1')), 'conversation.openKey');
    const open = await store.getOrCreateOpenConversation('v1', newConversation('c3', 's1', 'v1'));
    assert.deepEqual([open.created, open.conversation.id], [false, 'c1']);
    assert.deepEqual(ids((await store.listConversations({ visitorId: 'v1' }, 10)).items), ['c1', 'e1', 'e2', 'e3']);
  });

  it('email conversations close and reopen freely, whatever else the visitor has open', async () => {
    const store = get();
    await seedInbox(store);
    await store.createConversation(newConversation('c1', 's1', 'v1'));
    await store.createConversation(emailConversation('e1', 'v1'));
    await store.createConversation(emailConversation('e2', 'v1'));
    assert.equal((await store.updateConversation('e1', { status: 'closed' }, 2_000))?.status, 'closed');
    const reopened = await store.updateConversation('e1', { status: 'open' }, 3_000);
    assert.deepEqual([reopened?.status, reopened?.updatedAt, reopened?.inboxId], ['open', 3_000, 'i1']);
    assert.equal((await store.updateConversation('e2', { status: 'pending' }, 3_500))?.status, 'pending');
    assert.equal((await store.updateConversation('e2', { status: 'closed' }, 4_000))?.status, 'closed');
    assert.equal((await store.updateConversation('e2', { status: 'pending' }, 5_000))?.status, 'pending');
    // A closed email conversation created closed opens too, beside the others.
    await store.createConversation(emailConversation('e3', 'v1', 'i1', { status: 'closed' }));
    assert.equal((await store.updateConversation('e3', { status: 'open' }, 6_000))?.status, 'open');
    // And none of this took the visitor's widget key: the widget conversation is still the open one,
    // and closing it frees the visitor for a new one as before.
    assert.equal((await store.getOrCreateOpenConversation('v1', newConversation('c2', 's1', 'v1'))).conversation.id, 'c1');
    await store.updateConversation('c1', { status: 'closed' }, 7_000);
    assert.equal((await store.getOrCreateOpenConversation('v1', newConversation('c2', 's1', 'v1'))).created, true);
    assert.deepEqual(ids((await store.listConversations({ inboxId: 'i1', status: 'open' }, 10)).items), ['e1', 'e3']);
  });

  it('getOrCreateOpenConversation refuses an init with an inbox and creates nothing', async () => {
    const store = get();
    await seedInbox(store);
    await assert.rejects(store.getOrCreateOpenConversation('v1', emailConversation('e1', 'v1')), /without an inbox/);
    assert.equal(await store.getConversation('e1'), null);
    // inboxId: null is the same as none.
    const made = await store.getOrCreateOpenConversation('v1', newConversation('c1', 's1', 'v1', { inboxId: null }));
    assert.deepEqual([made.created, made.conversation.inboxId], [true, null]);
  });

  it('lists by inbox, and by inbox and sender: the sender\'s latest conversation there first', async () => {
    const store = get();
    await seedInbox(store);
    await store.createInbox(newInbox('i2', 's1'), 1_000);
    const at = async (conv: string, createdAt: number) => store.appendMessage(newMessage(`m-${conv}-${createdAt}`, conv, { createdAt }));
    await store.createConversation(emailConversation('e1', 'v1'));
    await store.createConversation(emailConversation('e2', 'v1'));
    await store.createConversation(emailConversation('e3', 'v1', 'i1', { status: 'closed' }));
    await store.createConversation(emailConversation('e4', 'v2'));
    await store.createConversation(emailConversation('e5', 'v1', 'i2'));
    await store.createConversation(newConversation('c1', 's1', 'v1'));
    await at('e1', 5_000);
    await at('e2', 3_000);
    await at('e3', 9_000);
    await at('e4', 9_500);
    await at('e5', 9_900);
    await at('c1', 9_999);

    const latest = await store.listConversations({ inboxId: 'i1', visitorId: 'v1' }, 1);
    assert.deepEqual(latest.items.map((c) => c.id), ['e3'], 'a closed conversation counts: reopen may bring it back');
    assert.notEqual(latest.nextCursor, null);
    const rest = await store.listConversations({ inboxId: 'i1', visitorId: 'v1' }, 5, latest.nextCursor);
    assert.deepEqual(rest.items.map((c) => c.id), ['e1', 'e2']);
    assert.equal(rest.nextCursor, null);
    // A message moves its conversation to the front.
    await at('e2', 9_990);
    assert.deepEqual((await store.listConversations({ inboxId: 'i1', visitorId: 'v1' }, 1)).items.map((c) => c.id), ['e2']);
    assert.deepEqual(
      (await store.listConversations({ inboxId: 'i1', visitorId: 'v1', status: 'open' }, 5)).items.map((c) => c.id),
      ['e2', 'e1'],
    );
    assert.deepEqual((await store.listConversations({ inboxId: 'i1' }, 10)).items.map((c) => c.id), ['e2', 'e4', 'e3', 'e1']);
    assert.deepEqual((await store.listConversations({ inboxId: 'i2' }, 10)).items.map((c) => c.id), ['e5']);
    assert.deepEqual(await store.listConversations({ inboxId: 'i2', visitorId: 'v2' }, 10), { items: [], nextCursor: null });
  });

  it('a message keeps the email it came from; other messages have email = null', async () => {
    const store = get();
    await seedInbox(store);
    await store.createConversation(emailConversation('e1', 'v1'));
    const meta = emailMeta('i1');
    const mail = await store.appendMessage(newMessage('m1', 'e1', { channel: 'email', clientId: 'mail:i1:abc', email: meta }));
    assert.deepEqual(mail?.message.email, meta);
    assert.deepEqual(await store.getMessage('m1'), mail?.message);
    // No Message-ID, no HTML part, empty texts: nulls and empty strings survive as they are.
    const bare = emailMeta('i1', { messageId: null, html: null, subject: '', original: '' });
    await store.appendMessage(newMessage('m2', 'e1', { channel: 'email', email: bare }));
    const { email: _omitted, ...withoutEmail } = newMessage('m3', 'e1', { authorKind: 'agent', authorId: 'a1' });
    const reply = await store.appendMessage(withoutEmail);
    assert.equal(reply?.message.email, null);
    assert.deepEqual((await store.listMessages('e1', { limit: 10 })).map((m) => m.email), [meta, bare, null]);
    assert.equal((await store.getMessage('m3'))?.email, null);
    // A retried import returns the stored message, email included.
    const again = await store.appendMessage(newMessage('m9', 'e1', { channel: 'email', clientId: 'mail:i1:abc', email: emailMeta('i1', { subject: 'other' }) }));
    assert.deepEqual([again?.created, again?.message], [false, mail?.message]);
  });
}
