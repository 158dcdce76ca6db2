// Inboxes (support mailboxes piped into a site's live chat): admins only. Passwords go in,
// never out. Settings may be given in Standard form (a preset, an address and a
// password: hosts, ports and security come from the preset) or Advanced form (every field).
import { Router } from 'express';
import { z } from 'zod';
import { mailSettingsOf } from '../../../channels/email/defaults';
import { validateHeaderFilter } from '../../../channels/email/filters';
import { PRESETS, presetOf } from '../../../channels/email/presets';
import { ParleyError } from '../../../core/errors';
import type { Inbox, InboxSettings, MailItem } from '../../../core/types';
import type { Deps } from '../../../deps';
import { requireAdmin, requireAgent } from '../auth';
import { parse } from '../validate';
import type { InboxView, MailItemView } from '../../views';
import { MAIL_DEFAULTS, brandingInput, outboundInput, previewHandler, resolveMail, templatesInput } from './inbox-mail';

const PRESET_IDS = ['gmail', 'google-workspace', 'yahoo', 'outlook', 'office365', 'icloud', 'zoho', 'yandex', 'other'] as const;
const security = z.enum(['tls', 'starttls', 'none']);
const host = z.string().trim().min(1, 'Enter the server host name.').max(255).regex(/^[^\s/:]+$/, 'Enter a host name only, without a scheme, path or port.');
const port = z.coerce.number().int().min(1).max(65535);

const serverInput = z.object({
  host: host.optional(),
  port: port.optional(),
  security: security.optional(),
  allowInvalidCert: z.boolean().optional(),
  username: z.string().max(320).optional(),
});

export const settingsInput = z.object({
  preset: z.enum(PRESET_IDS).optional(),
  protocol: z.enum(['imap', 'pop3']).optional(),
  incoming: serverInput.extend({
    folder: z.string().trim().min(1).max(200).optional(),
    connectionTimeoutMs: z.coerce.number().int().min(1000).max(120_000).optional(),
    authTimeoutMs: z.coerce.number().int().min(1000).max(120_000).optional(),
  }).optional(),
  outgoing: serverInput.nullable().optional(),
  convertAll: z.boolean().optional(),
  reopen: z.boolean().optional(),
  delimiter: z.boolean().optional(),
  plusAddressing: z.boolean().optional(),
  afterImport: z.enum(['leave', 'read', 'move', 'delete']).optional(),
  moveTo: z.string().trim().min(1).max(200).nullable().optional(),
  headerFilters: z.array(z.object({ header: z.string().trim().min(1).max(100), pattern: z.string().max(500) })).max(50).optional(),
  idle: z.boolean().optional(),
  pollSeconds: z.coerce.number().int().min(5).max(3600).optional(),
  maxAttempts: z.coerce.number().int().min(1).max(1000).optional(),
  trustedAuthServId: z.string().trim().max(255).nullable().optional(),
  /** Outbound email: partial objects merge with the stored ones (inbox-mail.ts). */
  outbound: outboundInput.optional(),
  templates: templatesInput.optional(),
  branding: brandingInput.optional(),
});

const email = z.string().trim().toLowerCase().email('Enter the mailbox\'s email address.').max(320);
const createBody = z.object({
  name: z.string().trim().min(1, 'Name the inbox.').max(100),
  address: email,
  departmentId: z.string().nullable().optional(),
  enabled: z.boolean().optional(),
  settings: settingsInput.optional(),
  password: z.string().min(1, 'Enter the mailbox password.').max(1000),
  smtpPassword: z.string().max(1000).nullable().optional(),
});
const patchBody = createBody.partial();
const testBody = z.object({
  address: email.optional(),
  settings: settingsInput.optional(),
  password: z.string().max(1000).optional(),
  /** Test with the stored password of this inbox when no password is given. */
  inboxId: z.string().optional(),
});
const mailQuery = z.object({
  kind: z.enum(['set-aside', 'quarantined']).default('set-aside'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
});

type SettingsInput = z.infer<typeof settingsInput>;

/**
 * Complete settings: the given fields, else the current ones, else the preset's, else the
 * defaults. Refuses combinations that cannot work, with a sentence per field.
 */
export function resolveSettings(input: SettingsInput | undefined, address: string, current?: InboxSettings): InboxSettings {
  const given = input ?? {};
  const presetId = given.preset ?? current?.preset ?? 'other';
  const preset = presetOf(presetId);
  const presetChanged = given.preset !== undefined && given.preset !== current?.preset;
  const base = presetChanged ? undefined : current;
  const protocol = given.protocol ?? base?.protocol ?? (preset.imap ? 'imap' : preset.pop3 ? 'pop3' : 'imap');
  const presetIn = protocol === 'pop3' ? preset.pop3 : preset.imap;
  const protocolChanged = base && base.protocol !== protocol;
  const inBase = protocolChanged ? undefined : base?.incoming;
  const incoming = {
    host: given.incoming?.host ?? inBase?.host ?? presetIn?.host ?? '',
    port: given.incoming?.port ?? inBase?.port ?? presetIn?.port ?? (protocol === 'pop3' ? 995 : 993),
    security: given.incoming?.security ?? inBase?.security ?? presetIn?.security ?? 'tls',
    allowInvalidCert: given.incoming?.allowInvalidCert ?? inBase?.allowInvalidCert ?? false,
    username: given.incoming?.username ?? base?.incoming.username ?? address,
    folder: given.incoming?.folder ?? base?.incoming.folder ?? 'INBOX',
    connectionTimeoutMs: given.incoming?.connectionTimeoutMs ?? base?.incoming.connectionTimeoutMs ?? 10_000,
    authTimeoutMs: given.incoming?.authTimeoutMs ?? base?.incoming.authTimeoutMs ?? 5_000,
  };
  let outgoing: InboxSettings['outgoing'] = base?.outgoing ?? (preset.smtp ? { ...preset.smtp, allowInvalidCert: false, username: incoming.username } : null);
  if (given.outgoing === null) outgoing = null;
  else if (given.outgoing) {
    outgoing = {
      host: given.outgoing.host ?? outgoing?.host ?? '',
      port: given.outgoing.port ?? outgoing?.port ?? 587,
      security: given.outgoing.security ?? outgoing?.security ?? 'starttls',
      allowInvalidCert: given.outgoing.allowInvalidCert ?? outgoing?.allowInvalidCert ?? false,
      username: given.outgoing.username ?? outgoing?.username ?? incoming.username,
    };
  }
  const settings: InboxSettings = {
    preset: presetId,
    protocol,
    incoming,
    outgoing,
    convertAll: given.convertAll ?? base?.convertAll ?? false,
    reopen: given.reopen ?? base?.reopen ?? true,
    delimiter: given.delimiter ?? base?.delimiter ?? true,
    plusAddressing: given.plusAddressing ?? base?.plusAddressing ?? preset.plusAddressing,
    afterImport: given.afterImport ?? base?.afterImport ?? 'leave',
    moveTo: given.moveTo !== undefined ? given.moveTo : base?.moveTo ?? null,
    headerFilters: given.headerFilters ?? base?.headerFilters ?? [{ header: 'X-Spam-Flag', pattern: 'YES' }],
    idle: given.idle ?? base?.idle ?? true,
    pollSeconds: given.pollSeconds ?? base?.pollSeconds ?? 60,
    maxAttempts: given.maxAttempts ?? base?.maxAttempts ?? 10,
    trustedAuthServId: given.trustedAuthServId !== undefined ? given.trustedAuthServId || null : base?.trustedAuthServId ?? preset.authServId,
    // Not from `base`: a new preset changes the servers, not the emails' wording.
    ...resolveMail(given, current),
  };
  const problems: Array<{ path: string; message: string }> = [];
  if (!settings.incoming.host) problems.push({ path: 'settings.incoming.host', message: `Enter the ${protocol.toUpperCase()} server host name (or choose a service preset).` });
  if (protocol === 'pop3' && (settings.afterImport === 'read' || settings.afterImport === 'move')) {
    problems.push({ path: 'settings.afterImport', message: 'POP3 has no flags or folders: leave the mail on the server, or delete it after import.' });
  }
  if (protocol === 'imap' && settings.afterImport === 'delete') problems.push({ path: 'settings.afterImport', message: 'With IMAP, mark the mail read or move it to a folder instead of deleting it.' });
  if (settings.afterImport === 'move' && !settings.moveTo) problems.push({ path: 'settings.moveTo', message: 'Choose the folder imported mail is moved to.' });
  if (settings.outgoing && !settings.outgoing.host) problems.push({ path: 'settings.outgoing.host', message: 'Enter the SMTP server host name, or remove the SMTP settings.' });
  settings.headerFilters.forEach((f, i) => {
    const problem = validateHeaderFilter(f);
    if (problem) problems.push({ path: `settings.headerFilters.${i}`, message: problem });
  });
  if (problems.length) throw new ParleyError('VALIDATION_FAILED', problems);
  return settings;
}

export function inboxRoutes(deps: Deps): Router {
  const { email, store, accounts } = deps;
  const router = Router();
  const admin = [requireAgent(accounts), requireAdmin];

  const view = async (inbox: Inbox): Promise<InboxView> => {
    const { passwordSealed, smtpPasswordSealed, watermark: _w, imported, ...rest } = inbox;
    const counts = await store.countMailItems(inbox.id);
    return {
      // Complete outbound settings, so the form shows the defaults of an inbox saved before they existed.
      ...rest, settings: { ...rest.settings, ...mailSettingsOf(rest.settings) }, hasPassword: !!passwordSealed, hasSmtpPassword: !!smtpPasswordSealed,
      counts: { imported, setAside: counts['set-aside'], quarantined: counts.quarantined },
    };
  };
  const checkDepartment = async (departmentId: string | null | undefined) => {
    if (departmentId && !(await store.getDepartment(departmentId))) {
      throw new ParleyError('VALIDATION_FAILED', [{ path: 'departmentId', message: 'No department has this id.' }]);
    }
  };

  router.get('/inbox-presets', ...admin, (_req, res) => {
    res.json(PRESETS);
  });
  router.get('/inbox-mail-defaults', ...admin, (_req, res) => {
    res.json(MAIL_DEFAULTS);
  });
  router.get('/inboxes', ...admin, async (req, res) => {
    const site = typeof req.query.site === 'string' ? req.query.site : undefined;
    res.json(await Promise.all((await store.listInboxes(site)).map(view)));
  });
  router.get('/inboxes/:id', ...admin, async (req, res) => {
    res.json(await view(await email.get(req.params.id as string)));
  });
  router.post('/sites/:siteId/inboxes', ...admin, async (req, res) => {
    const site = await store.getSite(req.params.siteId as string);
    if (!site) throw new ParleyError('NOT_FOUND');
    const body = parse(createBody, req.body);
    await checkDepartment(body.departmentId);
    const settings = resolveSettings(body.settings, body.address);
    const inbox = await email.create(site, {
      name: body.name, address: body.address, departmentId: body.departmentId ?? null, enabled: body.enabled ?? true,
      settings, password: body.password, smtpPassword: body.smtpPassword ?? null,
    });
    res.status(201).json(await view(inbox));
  });
  router.patch('/inboxes/:id', ...admin, async (req, res) => {
    const current = await email.get(req.params.id as string);
    const body = parse(patchBody, req.body);
    await checkDepartment(body.departmentId);
    const address = body.address ?? current.address;
    const settings = body.settings ? resolveSettings(body.settings, address, current.settings) : undefined;
    const inbox = await email.update(current.id, {
      ...(body.name !== undefined && { name: body.name }),
      ...(body.address !== undefined && { address: body.address }),
      ...(body.departmentId !== undefined && { departmentId: body.departmentId }),
      ...(body.enabled !== undefined && { enabled: body.enabled }),
      ...(settings && { settings }),
      ...(body.password && { password: body.password }),
      ...(body.smtpPassword !== undefined && { smtpPassword: body.smtpPassword }),
    });
    res.json(await view(inbox));
  });
  router.delete('/inboxes/:id', ...admin, async (req, res) => {
    await email.delete(req.params.id as string);
    res.status(204).end();
  });
  /** "Test connection": the form's current settings, before saving. Always 200: `ok` says how it went. */
  router.post('/inboxes/test', ...admin, async (req, res) => {
    const body = parse(testBody, req.body);
    const current = body.inboxId ? await email.get(body.inboxId) : undefined;
    const address = body.address ?? current?.address ?? '';
    const settings = resolveSettings(body.settings, address, current?.settings);
    res.json(await email.test(settings, body.password || undefined, current?.id));
  });
  /** An email as the form's unsaved templates and branding would render it, with made-up values. */
  router.post('/inboxes/preview', ...admin, previewHandler(deps));
  router.post('/inboxes/:id/reconnect', ...admin, async (req, res) => {
    res.json(await view(await email.reconnect(req.params.id as string)));
  });

  const itemView = (item: MailItem): MailItemView => {
    const { key: _key, rawBlobId: _blob, ...rest } = item;
    return rest;
  };
  router.get('/inboxes/:id/mail', ...admin, async (req, res) => {
    const q = parse(mailQuery, req.query);
    const page = await email.listMail(req.params.id as string, q.kind, q.limit, q.cursor);
    res.json({ items: page.items.map(itemView), nextCursor: page.nextCursor });
  });
  router.get('/inboxes/:id/mail/:itemId/raw', ...admin, async (req, res) => {
    const { item, stream } = await email.rawOf(req.params.id as string, req.params.itemId as string);
    res.set({ 'Content-Type': 'message/rfc822', 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': "default-src 'none'; sandbox" });
    res.attachment(`${item.id}.eml`);
    (stream as NodeJS.ReadableStream).pipe(res);
  });
  router.post('/inboxes/:id/mail/:itemId/import', ...admin, async (req, res) => {
    const outcome = await email.importItem(req.params.id as string, req.params.itemId as string);
    res.json(outcome);
  });
  router.delete('/inboxes/:id/mail/:itemId', ...admin, async (req, res) => {
    await email.discard(req.params.id as string, req.params.itemId as string);
    res.status(204).end();
  });
  return router;
}
