// An inbox's email templates, branding and notification options over REST, as the
// dashboard's inbox form uses them: saved with partial patches, refused with a sentence at
// the field's path, and previewed with the form's unsaved values.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_BRANDING, DEFAULT_OUTBOUND, DEFAULT_TEMPLATES } from '../../server/channels/email/defaults';
import { DELIMITER } from '../../server/channels/email/threading';
import type { InboxView, SiteView } from '../../server/transport/views';
import { createAgent, setupInstallation, startServer, type AgentClient, type TestServer } from '../helpers/server';

const TEMPLATE = '<p>Hello {{ visitor.name }},</p><div style="white-space: pre-wrap">{{ message.text }}</div>';

describe('email templates and branding over REST', () => {
  let server: TestServer;
  let admin: AgentClient;
  let site: SiteView;
  let inbox: InboxView;

  before(async () => {
    server = await startServer();
    ({ admin, site } = await setupInstallation(server.url));
    // Disabled: the settings routes need no reachable mailbox.
    const res = await admin.post(`/api/sites/${site.id}/inboxes`, {
      name: 'Support', address: 'support@acme.example', enabled: false, password: 'secret',
      settings: { preset: 'other', incoming: { host: 'imap.acme.example' } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    inbox = res.body;
  });
  after(async () => {
    await server.close();
  });

  const patch = (settings: Record<string, unknown>) => admin.patch(`/api/inboxes/${inbox.id}`, { settings });
  const detail = (res: { body: any }, path: string): string | undefined =>
    res.body?.error?.details?.find((d: { path: string }) => d.path === path)?.message;

  it('shows the defaults of an inbox nobody configured', () => {
    assert.deepEqual(inbox.settings.outbound, DEFAULT_OUTBOUND);
    assert.deepEqual(inbox.settings.templates, DEFAULT_TEMPLATES);
    assert.deepEqual(inbox.settings.branding, DEFAULT_BRANDING);
  });

  it('saves partial patches merged with what is stored', async () => {
    let res = await patch({
      outbound: { debounceSeconds: 120, notifyVisitors: false },
      templates: { visitorReply: { html: TEMPLATE } },
      branding: { color: '#AA3300', signature: 'Acme Support\nMon-Fri 9-17', logoUrl: 'https://acme.example/logo.png' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    res = await patch({ branding: { color: '#123456' }, outbound: { notifyAgents: false } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const got = (await admin.get(`/api/inboxes/${inbox.id}`)).body as InboxView;
    assert.deepEqual(got.settings.outbound, { notifyAgents: false, notifyVisitors: false, debounceSeconds: 120 });
    assert.deepEqual(got.settings.templates, { agentNotification: DEFAULT_TEMPLATES.agentNotification, visitorReply: { html: TEMPLATE } });
    assert.deepEqual(got.settings.branding, { color: '#123456', signature: 'Acme Support\nMon-Fri 9-17', logoUrl: 'https://acme.example/logo.png' });
    // Stored complete, for the outbound service to read.
    const stored = await server.deps.store.getInbox(inbox.id);
    assert.equal(stored?.settings.templates?.visitorReply.html, TEMPLATE);
    // An unrelated change keeps them; an empty logo removes the logo.
    res = await patch({ pollSeconds: 30, branding: { logoUrl: '' } });
    assert.equal(res.status, 200);
    assert.equal(res.body.settings.branding.logoUrl, null);
    assert.equal(res.body.settings.templates.visitorReply.html, TEMPLATE);
  });

  it('takes an inline logo and both templates at their size limits in one request', async () => {
    const logoUrl = `data:image/png;base64,${'A'.repeat(150_000)}`;
    const html = `<p>{{ message.text }}</p>${' '.repeat(49_000)}`;
    const res = await patch({ branding: { logoUrl }, templates: { visitorReply: { html }, agentNotification: { html } } });
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
    assert.equal(res.body.settings.branding.logoUrl, logoUrl);
    assert.equal((await patch({ branding: { logoUrl: '' } })).status, 200);
  });

  it('refuses invalid values with a sentence at the field', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ branding: { color: 'red' } }, 'settings.branding.color', /#rrggbb/],
      [{ branding: { color: '#12345' } }, 'settings.branding.color', /#rrggbb/],
      [{ branding: { logoUrl: 'http://acme.example/logo.png' } }, 'settings.branding.logoUrl', /https:\/\//],
      [{ branding: { logoUrl: 'javascript:alert(1)' } }, 'settings.branding.logoUrl', /https:\/\//],
      [{ branding: { signature: 'x'.repeat(2001) } }, 'settings.branding.signature', /2,000 characters/],
      [{ templates: { visitorReply: { html: '{{#messages}}{{ text }}' } } }, 'settings.templates.visitorReply.html', /Unclosed section "messages"/],
      [{ templates: { agentNotification: { html: '{{ visitor.nmae }}' } } }, 'settings.templates.agentNotification.html', /Unknown variable/],
      [{ templates: { visitorReply: { html: '   ' } } }, 'settings.templates.visitorReply.html', /Write the template/],
      [{ templates: { visitorReply: { html: 'x'.repeat(50_001) } } }, 'settings.templates.visitorReply.html', /50,000 characters/],
      [{ outbound: { debounceSeconds: 3601 } }, 'settings.outbound.debounceSeconds', /between 0 and 3600/],
      [{ outbound: { debounceSeconds: -1 } }, 'settings.outbound.debounceSeconds', /between 0 and 3600/],
    ];
    for (const [settings, path, message] of cases) {
      const res = await patch(settings);
      assert.equal(res.status, 400, `${JSON.stringify(settings).slice(0, 80)}: ${res.status}`);
      assert.equal(res.body.error.code, 'VALIDATION_FAILED');
      assert.match(detail(res, path) ?? JSON.stringify(res.body), message);
    }
    const got = (await admin.get(`/api/inboxes/${inbox.id}`)).body as InboxView;
    assert.equal(got.settings.branding?.color, '#123456', 'nothing refused was saved');
  });

  it('previews the form\'s unsaved values: escaped, sanitized, with the delimiter and a threaded subject', async () => {
    const res = await admin.post('/api/inboxes/preview', {
      kind: 'visitorReply',
      inboxId: inbox.id,
      name: '<b>Sales</b>',
      templates: { visitorReply: { html: '<p>{{ inbox.name }} for {{ visitor.name }}</p><script>alert(1)</script><img src="x" onerror="alert(1)">{{ message.text }}' } },
      branding: { color: '#00aa00' },
      delimiter: true,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { subject, html, text } = res.body as { subject: string; html: string; text: string };
    assert.match(subject, /^Re: Where is my order\? \[#[a-z2-7]{34}\]$/);
    assert.match(html, /<p>&lt;b&gt;Sales&lt;\/b&gt; for Maria Garcia<\/p>/);
    assert.doesNotMatch(html, /<script|onerror|<img/);
    assert.match(html, /border-top: 4px solid #00aa00/);
    assert.match(html, /Acme Support<br>Mon-Fri 9-17/, 'the stored signature fills in');
    assert.ok(html.indexOf(DELIMITER) > 0 && html.indexOf(DELIMITER) < html.indexOf('Sales'));
    assert.ok(text.startsWith(`${DELIMITER}\n\n<b>Sales</b> for Maria Garcia`), text);
    assert.match(text, /\n-- \nAcme Support\nMon-Fri 9-17\n$/);
  });

  it('previews a new inbox (no id) with the defaults, and refuses a broken template', async () => {
    let res = await admin.post('/api/inboxes/preview', { kind: 'agentNotification', siteId: site.id, delimiter: false });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.body.html, /Maria Garcia<\/strong> wrote in/);
    assert.ok(!res.body.text.includes(DELIMITER));
    res = await admin.post('/api/inboxes/preview', { kind: 'agentNotification', templates: { agentNotification: { html: '{{/messages}}' } } });
    assert.equal(res.status, 400);
    assert.match(detail(res, 'templates.agentNotification.html') ?? '', /Unopened section/);
  });

  it('is for admins only', async () => {
    const agent = await createAgent(admin, { name: 'Tom', email: 'tom@acme.example' });
    const res = await agent.post('/api/inboxes/preview', { kind: 'visitorReply', inboxId: inbox.id });
    assert.equal(res.status, 403);
    assert.equal((await agent.patch(`/api/inboxes/${inbox.id}`, { settings: { branding: { color: '#000000' } } })).status, 403);
  });
});
