// Defaults of an inbox's outbound settings, templates and branding, and the one place that
// fills them in: inboxes stored before the outbound channel existed have none, and an
// admin may set some and leave the rest.
import type { InboxSettings, MailBranding, MailTemplates, OutboundSettings } from '../../core/types';

export const DEFAULT_OUTBOUND: OutboundSettings = {
  notifyAgents: true,
  notifyVisitors: true,
  debounceSeconds: 60,
};

/**
 * Variables (Mustache syntax, HTML-escaped): site.name, inbox.name, inbox.address,
 * visitor.name, visitor.email, agent.name, conversation.name, conversation.url,
 * message.text, message.author, and the list messages (each with text, author, time).
 * `white-space: pre-wrap` keeps the line breaks of escaped text.
 */
export const DEFAULT_TEMPLATES: MailTemplates = {
  agentNotification: {
    html: [
      '<p><strong>{{ visitor.name }}</strong> wrote in <em>{{ conversation.name }}</em>:</p>',
      '{{#messages}}<blockquote style="white-space: pre-wrap">{{ text }}</blockquote>{{/messages}}',
      '<p>Reply to this email to answer, or <a href="{{ conversation.url }}">open the conversation</a>.</p>',
    ].join('\n'),
  },
  visitorReply: {
    html: [
      '<div style="white-space: pre-wrap">{{ message.text }}</div>',
      '<p>{{ agent.name }}</p>',
    ].join('\n'),
  },
};

export const DEFAULT_BRANDING: MailBranding = {
  logoUrl: null,
  color: '#2563eb',
  signature: '',
};

export interface MailSettings {
  outbound: OutboundSettings;
  templates: MailTemplates;
  branding: MailBranding;
}

/** The inbox's outbound settings, templates and branding, with defaults for whatever is unset. */
export function mailSettingsOf(settings: InboxSettings): MailSettings {
  return {
    outbound: { ...DEFAULT_OUTBOUND, ...settings.outbound },
    templates: {
      agentNotification: settings.templates?.agentNotification ?? DEFAULT_TEMPLATES.agentNotification,
      visitorReply: settings.templates?.visitorReply ?? DEFAULT_TEMPLATES.visitorReply,
    },
    branding: { ...DEFAULT_BRANDING, ...settings.branding },
  };
}
