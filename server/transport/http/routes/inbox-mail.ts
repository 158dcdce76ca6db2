// An inbox's outbound email settings over REST (notification options, templates,
// branding): their input schemas, how a partial patch merges with what is stored, and the
// preview of an email with made-up values. Mounted by inboxes.ts.
//
// Stored resolved: once an inbox's settings are saved, outbound, templates and branding are
// stored complete (the stored values, else the defaults, under what was given). What an admin
// saw in the form and saved is then what goes out; a later change of the default templates
// never rewrites an inbox's emails behind its admin's back. Inboxes saved before outbound
// email existed have none of them until saved again: mailSettingsOf() fills the defaults.
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { DEFAULT_BRANDING, DEFAULT_OUTBOUND, DEFAULT_TEMPLATES, mailSettingsOf, type MailSettings } from '../../../channels/email/defaults';
import { COLOR_RE, MAX_LOGO_URL, logoUrlProblem } from '../../../channels/email/email-html';
import { TEMPLATE_VARIABLES, renderEmail, sampleContext, templateProblem } from '../../../channels/email/templates';
import type { InboxSettings } from '../../../core/types';
import type { Deps } from '../../../deps';
import { parse } from '../validate';

export const MAX_TEMPLATE = 50_000;
export const MAX_SIGNATURE = 2_000;

export const outboundInput = z.object({
  notifyAgents: z.boolean().optional(),
  notifyVisitors: z.boolean().optional(),
  debounceSeconds: z.coerce.number().int('Enter whole seconds.')
    .min(0, 'Enter between 0 and 3600 seconds.').max(3600, 'Enter between 0 and 3600 seconds.').optional(),
});

const templateInput = z.object({
  html: z.string()
    .max(MAX_TEMPLATE, `Keep the template under ${MAX_TEMPLATE.toLocaleString('en')} characters.`)
    .refine((html) => html.trim() !== '', 'Write the template, or paste back the default one.')
    .superRefine((html, ctx) => {
      const problem = html.trim() === '' ? null : templateProblem(html);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
});

export const templatesInput = z.object({
  agentNotification: templateInput.optional(),
  visitorReply: templateInput.optional(),
});

export const brandingInput = z.object({
  /** '' or null: no logo. */
  logoUrl: z.string().trim().max(MAX_LOGO_URL, `The logo is too large: keep it under ${MAX_LOGO_URL / 1000} kB, or give an https:// URL.`).nullable().optional()
    .transform((url) => (url === '' ? null : url))
    .superRefine((url, ctx) => {
      const problem = url ? logoUrlProblem(url) : null;
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  color: z.string().trim().regex(COLOR_RE, 'Enter the colour as #rrggbb, like #2563eb.').optional(),
  signature: z.string().max(MAX_SIGNATURE, `Keep the signature under ${MAX_SIGNATURE.toLocaleString('en')} characters.`).optional(),
});

type MailInput = {
  outbound?: z.infer<typeof outboundInput>;
  templates?: z.infer<typeof templatesInput>;
  branding?: z.infer<typeof brandingInput>;
};

/** The given fields over the current ones, over the defaults. */
export function resolveMail(given: MailInput, current: InboxSettings | undefined): MailSettings {
  const base = mailSettingsOf(current ?? ({} as InboxSettings));
  const defined = <T extends object>(o: T | undefined): Partial<T> =>
    Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
  return {
    outbound: { ...base.outbound, ...defined(given.outbound) },
    templates: {
      agentNotification: given.templates?.agentNotification ?? base.templates.agentNotification,
      visitorReply: given.templates?.visitorReply ?? base.templates.visitorReply,
    },
    branding: { ...base.branding, ...defined(given.branding) },
  };
}

/** GET /inbox-mail-defaults: what an inbox nobody configured uses, and the variables templates may use, for the form. */
export const MAIL_DEFAULTS = { outbound: DEFAULT_OUTBOUND, templates: DEFAULT_TEMPLATES, branding: DEFAULT_BRANDING, variables: TEMPLATE_VARIABLES };

const previewBody = z.object({
  kind: z.enum(['agentNotification', 'visitorReply']),
  /** The stored inbox whose templates and branding fill whatever the form leaves out. */
  inboxId: z.string().optional(),
  /** For an inbox not saved yet: its site, name and address in the sample. */
  siteId: z.string().optional(),
  name: z.string().trim().max(100).optional(),
  address: z.string().trim().max(320).optional(),
  templates: templatesInput.optional(),
  branding: brandingInput.optional(),
  delimiter: z.boolean().optional(),
});

/** Any conversation id: the token in the sample subject only has to look like a real one. */
const SAMPLE_CONVERSATION = '00000000-0000-4000-8000-000000000000';

/** POST /inboxes/preview: an email as the form's values would render it, with made-up values. */
export function previewHandler(deps: Deps): RequestHandler {
  return async (req, res) => {
    const body = parse(previewBody, req.body);
    const current = body.inboxId ? await deps.email.get(body.inboxId) : undefined;
    const site = await deps.store.getSite(current?.siteId ?? body.siteId ?? '');
    const mail = resolveMail({ templates: body.templates, branding: body.branding }, current?.settings);
    const ctx = sampleContext(site?.name ?? 'Your site', {
      name: body.name || current?.name || 'Support',
      address: body.address || current?.address || 'support@example.com',
    });
    const delimiter = body.delimiter ?? current?.settings.delimiter ?? true;
    const { threading } = deps;
    const subject = threading.subject(ctx.conversation.name, threading.tokenFor(SAMPLE_CONVERSATION));
    res.json({ subject, ...renderEmail(body.kind, mail, ctx, { delimiter }) });
  };
}
