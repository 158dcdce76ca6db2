import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { MailThreading } from '../../server/channels/email/threading';

const threading = new MailThreading(Buffer.alloc(32, 7));
const other = new MailThreading(Buffer.alloc(32, 8));
const conv = randomUUID();
const token = threading.tokenFor(conv);
const blank = { inReplyTo: [], references: [], to: [], cc: [], subject: '', headers: [] };

describe('email threading contract', () => {
  it('a token is short base32, stable, and maps back to its conversation', () => {
    assert.match(token, /^[a-z2-7]{34}$/);
    assert.equal(threading.tokenFor(conv), token);
    assert.equal(threading.conversationOfToken(token), conv);
    assert.equal(threading.conversationOfToken(token.toUpperCase()), conv, 'mail may upper-case it');
  });

  it('a token signed with another key, or altered, names nothing', () => {
    assert.equal(threading.conversationOfToken(other.tokenFor(conv)), null);
    const flipped = token.slice(0, 5) + (token[5] === 'a' ? 'b' : 'a') + token.slice(6);
    assert.equal(threading.conversationOfToken(flipped), null);
    assert.equal(threading.conversationOfToken('short'), null);
  });

  it('our Message-IDs carry the conversation; others are not ours', () => {
    const id = threading.messageIdFor(conv, 'acme.test');
    assert.match(id, /^parley\.[a-z2-7]{34}\.[a-z2-7]+@acme\.test$/);
    assert.notEqual(threading.messageIdFor(conv, 'acme.test'), id, 'each email gets its own id');
    assert.equal(threading.conversationOfMessageId(`<${id}>`), conv);
    assert.equal(threading.isOurMessageId('CAF=abc@mail.gmail.com'), false);
    assert.equal(other.isOurMessageId(id), false);
  });

  it('finds each clue alone', () => {
    const header = threading.clues({ ...blank, references: ['x@y', threading.messageIdFor(conv, 'acme.test')] }, 'support@acme.test');
    assert.equal(threading.firstConversation(header)?.clue, 'header');
    const plus = threading.clues({ ...blank, to: [{ name: '', address: threading.plusAddress('support@acme.test', token) }] }, 'support@acme.test');
    assert.deepEqual(threading.firstConversation(plus), { conversationId: conv, clue: 'address' });
    const name = threading.clues({ ...blank, to: [{ name: threading.displayName('Acme Support', token), address: 'support@acme.test' }] }, 'support@acme.test');
    assert.deepEqual(threading.firstConversation(name), { conversationId: conv, clue: 'displayName' });
    const subject = threading.clues({ ...blank, subject: `RE: AW: ${threading.subject('Order 12', token)}` }, 'support@acme.test');
    assert.deepEqual(threading.firstConversation(subject), { conversationId: conv, clue: 'subject' });
    assert.equal(threading.firstConversation(threading.clues(blank, 'support@acme.test')), null);
  });

  it('a plus-address on another mailbox is not a clue', () => {
    const clues = threading.clues({ ...blank, to: [{ name: '', address: threading.plusAddress('sales@acme.test', token) }] }, 'support@acme.test');
    assert.equal(clues.address, null);
  });

  it('agent tags prove which agent a notification went to', () => {
    const agent = randomUUID();
    const tag = threading.agentTag(conv, agent);
    const clues = threading.clues({ ...blank, to: [{ name: '', address: threading.plusAddress('support@acme.test', token, tag) }] }, 'support@acme.test');
    assert.equal(clues.address, conv);
    assert.deepEqual(clues.agentTags, [{ conversationId: conv, tag }]);
    assert.equal(threading.verifyAgentTag(conv, agent, tag), true);
    assert.equal(threading.verifyAgentTag(conv, randomUUID(), tag), false);
  });

  it('the subject keeps one token and drops reply prefixes', () => {
    const s = threading.subject(`Re: Order 12 [#${token}]`, token);
    assert.equal(s, `Re: Order 12 [#${token}]`);
  });
});
