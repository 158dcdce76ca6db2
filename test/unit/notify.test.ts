// The notification policy, case by case (DESIGN.md, "Notification policy").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideNotifications, isAutomatedAddress, type PolicyAgent, type PolicyInput } from '../../server/core/notify';

const ON = { notifyAgents: true, notifyVisitors: true, debounceSeconds: 60 };
const ann: PolicyAgent = { id: 'ann', email: 'Ann@Acme.test', departments: ['sales'], online: false };
const bob: PolicyAgent = { id: 'bob', email: 'bob@acme.test', departments: ['support'], online: false };
const cy: PolicyAgent = { id: 'cy', email: 'cy@acme.test', departments: [], online: true };

function input(over: Partial<PolicyInput> & { from?: 'visitor' | 'agent' | 'system' } = {}): PolicyInput {
  const { from = 'visitor', ...rest } = over;
  return {
    message: { authorKind: from, authorId: from === 'agent' ? 'ann' : from === 'visitor' ? 'v1' : null },
    conversation: { channel: 'widget', departmentId: null, assigneeId: null },
    visitor: { email: 'carla@customer.test', connected: false },
    agents: [ann, bob, cy],
    settings: ON,
    suppressed: new Map(),
    ...rest,
  };
}

const sentTo = (i: PolicyInput) => decideNotifications(i).send.map((n) => (n.to === 'agent' ? `agent:${n.agentId}` : `visitor:${n.address}`));

describe('notification policy: a visitor\'s message', () => {
  it('emails every offline agent, never an online one', () => {
    assert.deepEqual(sentTo(input()), ['agent:ann', 'agent:bob']);
    const d = decideNotifications(input());
    assert.ok(d.skipped.some((s) => s.who === cy.email && /online/.test(s.reason)));
  });

  it('addresses agents in lower case', () => {
    assert.equal(decideNotifications(input()).send[0]!.to === 'agent' && decideNotifications(input()).send[0]!.address, 'ann@acme.test');
  });

  it('keeps to the conversation\'s department', () => {
    assert.deepEqual(sentTo(input({ conversation: { channel: 'widget', departmentId: 'support', assigneeId: null } })), ['agent:bob']);
  });

  it('emails only the assignee when assigned, and nobody when the assignee is online', () => {
    assert.deepEqual(sentTo(input({ conversation: { channel: 'widget', departmentId: 'support', assigneeId: 'ann' } })), ['agent:ann']);
    assert.deepEqual(sentTo(input({ conversation: { channel: 'email', departmentId: null, assigneeId: 'cy' } })), []);
  });

  it('comes from any channel: email and messenger visitors notify agents too', () => {
    for (const channel of ['email', 'messenger'] as const) {
      assert.deepEqual(sentTo(input({ conversation: { channel, departmentId: null, assigneeId: null } })), ['agent:ann', 'agent:bob']);
    }
  });

  it('never emails the visitor about their own message', () => {
    assert.ok(!sentTo(input()).some((t) => t.startsWith('visitor:')));
  });

  it('respects the inbox switch, and needs an inbox that can send', () => {
    assert.deepEqual(sentTo(input({ settings: { ...ON, notifyAgents: false } })), []);
    const d = decideNotifications(input({ settings: null }));
    assert.deepEqual(d.send, []);
    assert.match(d.skipped[0]!.reason, /no inbox/);
  });

  it('skips an agent whose address bounced', () => {
    const d = decideNotifications(input({ suppressed: new Map([['ann@acme.test', 'the address bounced']]) }));
    assert.deepEqual(d.send.map((n) => n.to === 'agent' && n.agentId), ['bob']);
    assert.ok(d.skipped.some((s) => /bounced/.test(s.reason)));
  });
});

describe('notification policy: an agent\'s reply', () => {
  it('reaches a connected chat visitor live, not by email', () => {
    const d = decideNotifications(input({ from: 'agent', visitor: { email: 'carla@customer.test', connected: true } }));
    assert.deepEqual(d.send, []);
    assert.match(d.skipped[0]!.reason, /live/);
  });

  it('emails a chat visitor who has left and gave an address', () => {
    assert.deepEqual(sentTo(input({ from: 'agent' })), ['visitor:carla@customer.test']);
  });

  it('does not email a visitor without an address, or when visitor emails are off', () => {
    assert.deepEqual(sentTo(input({ from: 'agent', visitor: { email: null, connected: false } })), []);
    assert.deepEqual(sentTo(input({ from: 'agent', settings: { ...ON, notifyVisitors: false } })), []);
  });

  it('always emails an email conversation\'s visitor, connected or not, switch or not', () => {
    const conversation = { channel: 'email' as const, departmentId: null, assigneeId: null };
    assert.deepEqual(sentTo(input({ from: 'agent', conversation, visitor: { email: 'carla@customer.test', connected: true } })), ['visitor:carla@customer.test']);
    assert.deepEqual(sentTo(input({ from: 'agent', conversation, settings: { ...ON, notifyVisitors: false } })), ['visitor:carla@customer.test']);
  });

  it('never emails agents about an agent\'s reply', () => {
    assert.ok(!sentTo(input({ from: 'agent' })).some((t) => t.startsWith('agent:')));
  });

  it('leaves messenger conversations to the messenger', () => {
    assert.deepEqual(sentTo(input({ from: 'agent', conversation: { channel: 'messenger', departmentId: null, assigneeId: null } })), []);
  });

  it('never emails a bounced address or an auto-responder', () => {
    assert.deepEqual(sentTo(input({ from: 'agent', suppressed: new Map([['carla@customer.test', 'the address bounced']]) })), []);
    assert.deepEqual(sentTo(input({ from: 'agent', visitor: { email: 'no-reply@shop.test', connected: false } })), []);
    assert.deepEqual(sentTo(input({ from: 'agent', visitor: { email: 'MAILER-DAEMON@mx.test', connected: false } })), []);
  });
});

describe('notification policy: system messages', () => {
  it('emails nobody', () => {
    assert.deepEqual(sentTo(input({ from: 'system' })), []);
  });
});

describe('automated addresses', () => {
  it('knows the usual no-reply and daemon local parts, and nothing else', () => {
    for (const a of ['noreply@x.test', 'no-reply@x.test', 'donotreply@x.test', 'do-not-reply@x.test', 'mailer-daemon@x.test', 'postmaster@x.test', 'bounce+123@x.test', 'no-reply.orders@x.test']) {
      assert.equal(isAutomatedAddress(a), true, a);
    }
    for (const a of ['carla@x.test', 'norbert@x.test', 'replyguy@x.test', 'postmasters-club@x.test']) assert.equal(isAutomatedAddress(a), false, a);
  });
});
