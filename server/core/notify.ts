// The notification policy (DESIGN.md, "Notification policy"): a pure function from a new
// message, who is connected, and the inbox's settings to the emails it should cause. No
// I/O: the outbound email service gathers the facts, asks, and enqueues what comes back;
// debouncing and the loop brake (which need the store) happen there.
import type { Conversation, Message, OutboundSettings } from './types';

export interface PolicyAgent {
  id: string;
  email: string;
  departments: string[];
  /** Effective presence is not 'offline' (a live connection and not set offline). */
  online: boolean;
}

export interface PolicyInput {
  message: Pick<Message, 'authorKind' | 'authorId'>;
  conversation: Pick<Conversation, 'channel' | 'departmentId' | 'assigneeId'>;
  visitor: { email: string | null; connected: boolean };
  agents: PolicyAgent[];
  /** The settings of the inbox that would send; null when no inbox of the site can send email. */
  settings: OutboundSettings | null;
  /** Lower-case addresses never to email, with the reason (bounced, complained). */
  suppressed: ReadonlyMap<string, string>;
}

export type Notification =
  | { to: 'agent'; agentId: string; address: string }
  | { to: 'visitor'; address: string };

export interface Decision {
  send: Notification[];
  /** Who is not emailed and why: for logs and tests. */
  skipped: Array<{ who: string; reason: string }>;
}

/** Addresses that only ever answer automatically (or not at all): never emailed. */
const AUTOMATED_LOCAL = /^(no-?reply|do-?not-?reply|mailer-daemon|postmaster|bounces?|auto-?reply|autoresponder)([+.\-_].*)?$/i;

export function isAutomatedAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  return AUTOMATED_LOCAL.test(at < 0 ? address : address.slice(0, at));
}

export function decideNotifications(input: PolicyInput): Decision {
  const decision: Decision = { send: [], skipped: [] };
  const { message, settings } = input;
  if (message.authorKind === 'system') return skip(decision, 'everyone', 'system messages are never emailed');
  if (!settings) return skip(decision, 'everyone', 'no inbox of this site can send email (none with SMTP settings)');
  if (message.authorKind === 'visitor') agentsToEmail(input, settings, decision);
  else visitorToEmail(input, settings, decision);
  return decision;
}

function agentsToEmail(input: PolicyInput, settings: OutboundSettings, decision: Decision): void {
  if (!settings.notifyAgents) return void skip(decision, 'agents', 'agent notifications are off for this inbox');
  const { conversation, agents } = input;
  let scope: PolicyAgent[];
  if (conversation.assigneeId) {
    scope = agents.filter((a) => a.id === conversation.assigneeId);
    for (const a of agents) if (a.id !== conversation.assigneeId) skip(decision, a.email, 'the conversation is assigned to another agent');
  } else if (conversation.departmentId) {
    scope = agents.filter((a) => a.departments.includes(conversation.departmentId!));
    for (const a of agents) if (!scope.includes(a)) skip(decision, a.email, 'not in the conversation\'s department');
  } else {
    scope = agents;
  }
  for (const agent of scope) {
    if (agent.online) skip(decision, agent.email, 'online: sees it live');
    else if (blocked(input, agent.email, decision)) continue;
    else decision.send.push({ to: 'agent', agentId: agent.id, address: agent.email.toLowerCase() });
  }
}

function visitorToEmail(input: PolicyInput, settings: OutboundSettings, decision: Decision): void {
  const { conversation, visitor } = input;
  if (conversation.channel === 'messenger') return void skip(decision, 'visitor', 'messenger conversations are answered through the messenger');
  if (!visitor.email) return void skip(decision, 'visitor', 'the visitor left no email address');
  if (conversation.channel !== 'email') {
    // Email conversations always get replies by email; chat visitors only when they are away.
    if (visitor.connected) return void skip(decision, visitor.email, 'connected: sees it live in the widget');
    if (!settings.notifyVisitors) return void skip(decision, visitor.email, 'visitor emails are off for this inbox');
  }
  if (blocked(input, visitor.email, decision)) return;
  decision.send.push({ to: 'visitor', address: visitor.email.toLowerCase() });
}

function blocked(input: PolicyInput, address: string, decision: Decision): boolean {
  const reason = input.suppressed.get(address.toLowerCase()) ?? (isAutomatedAddress(address) ? 'an automated address (no-reply, mailer-daemon...)' : null);
  if (reason) skip(decision, address, reason);
  return reason !== null;
}

function skip(decision: Decision, who: string, reason: string): Decision {
  decision.skipped.push({ who, reason });
  return decision;
}
