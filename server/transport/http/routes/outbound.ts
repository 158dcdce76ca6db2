// Outbound email over REST: "Send test email" for an inbox's SMTP settings (admins), the
// inboxes an agent may write from, and an operator starting a conversation by email.
import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { describeMailError } from '../../../channels/email/errors';
import { ParleyError } from '../../../core/errors';
import { canAgentSee } from '../../../core/visibility';
import type { Deps } from '../../../deps';
import { sendPayload } from '../../schemas';
import { agentOf, requireAdmin, requireAgent } from '../auth';
import { parse } from '../validate';
import { resolveSettings, settingsInput } from './inboxes';

const address = z.string().trim().toLowerCase().email('Enter a valid email address.').max(320);
const testBody = z.object({
  /** The stored inbox whose settings and passwords fill whatever the form leaves out. */
  inboxId: z.string().optional(),
  address: address.optional(),
  settings: settingsInput.optional(),
  password: z.string().max(1000).optional(),
  smtpPassword: z.string().max(1000).optional(),
  /** The recipient; omitted with verifyPlusAddressing (the inbox writes to itself). */
  to: address.optional(),
  /** Send to the inbox's own plus-address and check over IMAP that it arrives. */
  verifyPlusAddressing: z.boolean().optional(),
}).refine((b) => b.to || b.verifyPlusAddressing, { path: ['to'], message: 'Enter the address to send the test email to.' });
const startBody = sendPayload.extend({
  inboxId: z.string().min(1, 'Choose the inbox to write from.').max(64),
  to: address,
  name: z.string().trim().max(200).nullable().optional(),
  subject: z.string().trim().min(1, 'Enter a subject.').max(200),
});

export function outboundRoutes(deps: Deps): Router {
  const { accounts, email, store, mailer, sealer, outboundEmail, presenter, threading } = deps;
  const router = Router();
  const agentOnly = requireAgent(accounts);

  /** Always 200: `ok` says how it went, `message` says it in a sentence. */
  router.post('/inboxes/test-smtp', agentOnly, requireAdmin, async (req, res) => {
    const body = parse(testBody, req.body);
    const current = body.inboxId ? await email.get(body.inboxId) : undefined;
    const from = body.address ?? current?.address;
    if (!from) throw new ParleyError('VALIDATION_FAILED', [{ path: 'address', message: 'Enter the inbox\'s email address.' }]);
    const settings = resolveSettings(body.settings, from, current?.settings);
    // The SMTP password, else the mailbox password (most providers use the same login).
    const sealed = current?.smtpPasswordSealed ?? current?.passwordSealed;
    const password = body.smtpPassword || body.password || (sealed ? sealer.open(sealed) : null);
    if (!body.verifyPlusAddressing) return void res.json(await mailer.test(settings, from, password, body.to!));
    // The inbox sends itself an email at support+<random>@domain, then looks for it in the mailbox.
    if (settings.protocol !== 'imap') return void res.json({ ok: false, message: 'Plus-addressing can be checked only on an IMAP mailbox.' });
    const mailboxPassword = body.password || (current ? sealer.open(current.passwordSealed) : null);
    if (!mailboxPassword) throw new ParleyError('VALIDATION_FAILED', [{ path: 'password', message: 'Enter the mailbox password.' }]);
    const to = threading.plusAddress(from, `parleytest${randomBytes(5).toString('hex')}`);
    const messageId = `parley-test.${randomBytes(8).toString('hex')}@${from.slice(from.lastIndexOf('@') + 1)}`;
    const sent = await mailer.test(settings, from, password, to, { messageId });
    if (!sent.ok) return void res.json(sent);
    try {
      const arrived = await email.arrives(settings, mailboxPassword, messageId);
      res.json(arrived
        ? { ok: true, message: `Plus-addressing works: a test email to ${to} arrived in ${settings.incoming.folder}.` }
        : { ok: false, message: `A test email to ${to} did not arrive in ${settings.incoming.folder} within 20 s: this mailbox may not accept plus-addresses. Turn plus-addressing off (the token still travels in the display name and the subject).` });
    } catch (err) {
      res.json({ ok: false, message: `The test email was sent, but the mailbox could not be checked: ${describeMailError(err, settings).message}` });
    }
  });

  /** The inboxes that can send email, for the "new email conversation" form (any agent). */
  router.get('/sending-inboxes', agentOnly, async (req, res) => {
    const agent = agentOf(req);
    const inboxes = (await store.listInboxes()).filter((i) => i.enabled && i.settings.outgoing && canAgentSee(agent, { departmentId: i.departmentId, assigneeId: null }));
    res.json(inboxes.map((i) => ({ id: i.id, name: i.name, address: i.address, siteId: i.siteId, departmentId: i.departmentId })));
  });

  router.post('/conversations/email', agentOnly, async (req, res) => {
    const agent = agentOf(req);
    const body = parse(startBody, req.body);
    const inbox = await store.getInbox(body.inboxId);
    if (!inbox || !canAgentSee(agent, { departmentId: inbox.departmentId, assigneeId: null })) {
      throw new ParleyError('VALIDATION_FAILED', [{ path: 'inboxId', message: 'No inbox you may write from has this id.' }]);
    }
    const result = await outboundEmail.startConversation(agent, { ...body, inboxId: inbox.id });
    res.status(result.duplicate ? 200 : 201).json({
      conversation: await presenter.conversation(result.conversation),
      message: presenter.message(result.message, { name: agent.name, avatarUrl: agent.avatarUrl }),
      duplicate: result.duplicate,
    });
  });

  return router;
}
