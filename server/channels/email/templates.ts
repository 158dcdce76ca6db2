// Email bodies from an inbox's templates: Mustache (template-syntax.ts), sanitized and laid
// out with the inbox's branding (email-html.ts), with a plain-text part. Pure.
import { DEFAULT_TEMPLATES, type MailSettings } from './defaults';
import { layoutHtml, sanitizeTemplateHtml, textPart, type Layout } from './email-html';
import { renderTemplate, templateSyntaxProblem, variableNames, type Shape } from './template-syntax';
import { DELIMITER } from './threading';

export interface EmailContext {
  site: { name: string };
  inbox: { name: string; address: string };
  visitor: { name: string; email: string | null };
  agent: { name: string };
  conversation: { name: string; url: string };
  message: { text: string; author: string };
  messages: Array<{ text: string; author: string; time: string }>;
}

export type TemplateKind = 'agentNotification' | 'visitorReply';

/** EmailContext as templateProblem checks names against it (kept beside the interface: add a variable to both). */
const CONTEXT_SHAPE: Shape = {
  site: { name: 'value' },
  inbox: { name: 'value', address: 'value' },
  visitor: { name: 'value', email: 'value' },
  agent: { name: 'value' },
  conversation: { name: 'value', url: 'value' },
  message: { text: 'value', author: 'value' },
  messages: [{ text: 'value', author: 'value', time: 'value' }],
};

/** The variables, for people (the dashboard shows its own copy of this list). */
export const TEMPLATE_VARIABLES: readonly string[] = variableNames(CONTEXT_SHAPE);

/** Why a template cannot be used (Mustache syntax error, unknown section...), or null. */
export function templateProblem(html: string): string | null {
  return templateSyntaxProblem(html, CONTEXT_SHAPE);
}

/**
 * Renders one email body: HTML (sanitized, branded layout, CSS inlined) and its plain-text part.
 * A stored template that no longer parses falls back to the default one: templates are
 * checked when saved, and an email in the default wording beats no email at all.
 */
export function renderEmail(kind: TemplateKind, mail: MailSettings, ctx: EmailContext, opts: { delimiter: boolean }): { html: string; text: string } {
  const rendered = renderTemplate(mail.templates[kind].html, ctx) ?? renderTemplate(DEFAULT_TEMPLATES[kind].html, ctx) ?? '';
  const layout: Layout = {
    body: sanitizeTemplateHtml(rendered),
    branding: mail.branding,
    delimiter: opts.delimiter ? DELIMITER : null,
    siteName: ctx.site.name,
  };
  return { html: layoutHtml(layout), text: textPart(layout) };
}

/** A made-up context for previews. */
export function sampleContext(site: string, inbox: { name: string; address: string }): EmailContext {
  const messages = [
    { text: 'Hello! I ordered a blue jacket last week (order #1042).', author: 'Maria Garcia', time: '10:02' },
    { text: 'It has not arrived yet.\nCould you tell me where it is?', author: 'Maria Garcia', time: '10:03' },
  ];
  return {
    site: { name: site },
    inbox: { name: inbox.name, address: inbox.address },
    visitor: { name: 'Maria Garcia', email: 'maria.garcia@example.com' },
    agent: { name: 'Tom Baker' },
    conversation: { name: 'Where is my order?', url: 'https://chat.example.com/admin/#/conversations/sample' },
    message: { text: 'Hi Maria,\n\nYour order #1042 left our warehouse this morning.\nIt should reach you by Thursday.', author: 'Tom Baker' },
    messages,
  };
}
