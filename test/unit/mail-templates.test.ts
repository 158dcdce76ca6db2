import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InboxSettings } from '../../server/core/types';
import { DEFAULT_BRANDING, DEFAULT_TEMPLATES, mailSettingsOf, type MailSettings } from '../../server/channels/email/defaults';
import { logoUrlProblem } from '../../server/channels/email/email-html';
import { stripReply } from '../../server/channels/email/strip';
import { renderEmail, sampleContext, templateProblem, type EmailContext } from '../../server/channels/email/templates';
import { DELIMITER } from '../../server/channels/email/threading';

const LOGO = 'https://acme.example/logo.png';

function mail(over: Partial<InboxSettings> = {}): MailSettings {
  return mailSettingsOf(over as InboxSettings);
}

function context(patch: (ctx: EmailContext) => void = () => {}): EmailContext {
  const ctx = sampleContext('Acme', { name: 'Support', address: 'support@acme.example' });
  patch(ctx);
  return ctx;
}

const withTemplate = (html: string, branding = DEFAULT_BRANDING) =>
  mail({ templates: { ...DEFAULT_TEMPLATES, visitorReply: { html } }, branding });

describe('email templates: values', () => {
  it('escapes values: markup in a name comes out as text, never as a tag', () => {
    const ctx = context((c) => { c.visitor.name = '<script>alert(1)</script><img src=x onerror=alert(2)>'; });
    const { html, text } = renderEmail('agentNotification', mail(), ctx, { delimiter: false });
    assert.ok(!/<script|<img[^>]*onerror/i.test(html), html);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(text, /<script>alert\(1\)<\/script>/, 'the text part shows what the visitor typed');
  });

  it('keeps the line breaks of a message in both parts', () => {
    const ctx = context((c) => { c.message.text = 'First line\nSecond line\r\nThird line'; });
    const { html, text } = renderEmail('visitorReply', mail(), ctx, { delimiter: false });
    assert.match(html, /First line<br>Second line<br>Third line/);
    assert.match(text, /^First line\nSecond line\nThird line$/m);
  });

  it('renders an unknown variable empty and lists each message', () => {
    const { html } = renderEmail('visitorReply', withTemplate('<p>[{{ visitor.age }}]</p>{{#messages}}<p>{{ author }}: {{ text }}</p>{{/messages}}'), context(), { delimiter: false });
    assert.match(html, /\[\]/);
    assert.match(html, /Maria Garcia: Hello! I ordered/);
  });

  it('gives no access to functions or prototypes, and renders unescaped tags and partials harmlessly', () => {
    const template = '<p>{{ site.constructor }}|{{#messages.map}}x{{/messages.map}}|{{> site}}|{{{ visitor.name }}}</p>';
    const ctx = context((c) => { c.visitor.name = '<b>bold</b>'; });
    const { html } = renderEmail('visitorReply', withTemplate(template), ctx, { delimiter: false });
    assert.match(html, /<p>\|\|\|&lt;b&gt;bold&lt;\/b&gt;<\/p>/);
  });

  it('falls back to the default template when the stored one does not parse', () => {
    const { html } = renderEmail('visitorReply', withTemplate('{{#messages}}'), context(), { delimiter: false });
    assert.match(html, /Your order #1042 left our warehouse/);
  });
});

describe('email templates: sanitizing', () => {
  it('drops scripts, event handlers, forms, iframes and unsafe URLs from an admin template', () => {
    const template = [
      '<p onclick="steal()">Hello</p><script>alert(1)</script>',
      '<img src="x" onerror="alert(1)"><img src="https://acme.example/ok.png" onerror="alert(1)">',
      '<a href="javascript:alert(1)">js</a><a href="https://acme.example/">ok</a>',
      '<form action="https://evil.example"><input name="p"></form><iframe src="https://evil.example"></iframe>',
      '<img src="data:text/html;base64,PHNjcmlwdD4=">',
      '<p style="color: red; background: url(https://evil.example/t.gif); position: fixed">styled</p>',
    ].join('');
    const { html } = renderEmail('visitorReply', withTemplate(template), context(), { delimiter: false });
    for (const bad of [/<script/i, /onclick|onerror/i, /javascript:/i, /<form|<input|<iframe/i, /evil\.example/, /data:text/, /position/, /src="x"/]) {
      assert.doesNotMatch(html, bad);
    }
    assert.match(html, /<p>Hello<\/p>/);
    assert.match(html, /<img src="https:\/\/acme\.example\/ok\.png"/);
    assert.match(html, /<a href="https:\/\/acme\.example\/"/);
    assert.match(html, /<p style="color:\s*red;?">styled<\/p>/);
  });

  it('keeps tables and usual formatting', () => {
    const template = '<table width="100%"><tr><td align="right"><strong>A</strong> <em>b</em> <u>c</u></td></tr></table><ul><li>x</li></ul>';
    const { html } = renderEmail('visitorReply', withTemplate(template), context(), { delimiter: false });
    assert.match(html, /<table width="100%"[^>]*><tr><td align="right"[^>]*><strong>A<\/strong> <em>b<\/em> <u>c<\/u><\/td><\/tr><\/table><ul><li>x<\/li><\/ul>/);
  });
});

describe('email templates: layout and branding', () => {
  it('shows the logo, the accent colour and the signature with its line breaks', () => {
    const branding = { logoUrl: LOGO, color: '#AA3300', signature: 'Acme Support\n<b>Mon-Fri</b> 9-17' };
    const { html, text } = renderEmail('visitorReply', mail({ branding }), context(), { delimiter: false });
    assert.match(html, /<img src="https:\/\/acme\.example\/logo\.png" alt="Acme"/);
    assert.match(html, /border-top: 4px solid #aa3300/);
    assert.match(html, /Acme Support<br>&lt;b&gt;Mon-Fri&lt;\/b&gt; 9-17/);
    assert.match(text, /\n-- \nAcme Support\n<b>Mon-Fri<\/b> 9-17\n$/);
  });

  it('inlines the CSS: no <style> block is left, links take the accent colour', () => {
    const branding = { ...DEFAULT_BRANDING, color: '#123456' };
    const { html } = renderEmail('agentNotification', mail({ branding }), context(), { delimiter: false });
    assert.doesNotMatch(html, /<style/i);
    assert.match(html, /<a href="https:\/\/chat\.example\.com[^"]*" style="color: #123456;?"/);
    assert.match(html, /max-width: 600px/);
  });

  it('uses the default colour instead of an invalid one, and no logo for an invalid URL', () => {
    const branding = { logoUrl: 'javascript:alert(1)', color: 'red; } body { display: none', signature: '' };
    const { html } = renderEmail('visitorReply', mail({ branding }), context(), { delimiter: false });
    assert.match(html, new RegExp(`border-top: 4px solid ${DEFAULT_BRANDING.color}`));
    assert.doesNotMatch(html, /display: none|javascript:|<img/);
  });

  it('accepts https and inline image logos only', () => {
    assert.equal(logoUrlProblem(LOGO), null);
    assert.equal(logoUrlProblem('data:image/png;base64,iVBORw0KGgo='), null);
    assert.ok(logoUrlProblem('http://acme.example/logo.png'));
    assert.ok(logoUrlProblem('data:image/svg+xml;base64,PHN2Zz4='));
    assert.ok(logoUrlProblem(`data:image/png;base64,${'A'.repeat(200_001)}`));
  });
});

describe('email templates: text part and delimiter', () => {
  it('is readable: paragraphs, links as text [url], no image noise', () => {
    const template = '<p>Hi {{ visitor.name }},</p><p><img src="https://acme.example/banner.png" alt="Banner">See <a href="https://acme.example/track">your order</a>.</p>';
    const { text } = renderEmail('visitorReply', withTemplate(template), context(), { delimiter: false });
    assert.equal(text, 'Hi Maria Garcia,\n\nSee your order [https://acme.example/track].\n');
  });

  it('puts the delimiter first in both parts when asked', () => {
    const on = renderEmail('visitorReply', mail(), context(), { delimiter: true });
    assert.ok(on.text.startsWith(`${DELIMITER}\n`), on.text);
    const body = on.html.slice(on.html.indexOf('<body'));
    assert.ok(body.indexOf(DELIMITER) >= 0 && body.indexOf(DELIMITER) < body.indexOf('Hi Maria'), 'delimiter above the message');
    assert.match(on.html, /<p class="delimiter" style="[^"]*color: #9ca3af/);
    const off = renderEmail('visitorReply', mail(), context(), { delimiter: false });
    assert.ok(!off.text.includes(DELIMITER) && !off.html.includes(DELIMITER));
  });

  it('lets the reply stripper cut a reply written above a quoted copy', () => {
    const { text, html } = renderEmail('agentNotification', mail({ branding: { ...DEFAULT_BRANDING, signature: 'Acme' } }), context(), { delimiter: true });
    const quoted = text.trimEnd().split('\n').map((l) => `> ${l}`).join('\n');
    const plain = `Thanks, it is on its way.\n\nOn Mon, 4 Mar 2024 at 10:15, Acme Support <support@acme.example> wrote:\n${quoted}\n`;
    assert.equal(stripReply({ text: plain, html: null }, { delimiter: DELIMITER }).text, 'Thanks, it is on its way.');
    // Mail clients quote the body's content (html-to-text would read only a nested <body>).
    const body = html.slice(html.indexOf('>', html.indexOf('<body')) + 1, html.lastIndexOf('</body>'));
    const replyHtml = `<div>Thanks, it is on its way.</div><div>On Mon, 4 Mar 2024, Acme wrote:</div><blockquote type="cite">${body}</blockquote>`;
    assert.equal(stripReply({ text: '', html: replyHtml }, { delimiter: DELIMITER }).text, 'Thanks, it is on its way.');
  });
});

describe('templateProblem', () => {
  it('accepts the default templates', () => {
    assert.equal(templateProblem(DEFAULT_TEMPLATES.agentNotification.html), null);
    assert.equal(templateProblem(DEFAULT_TEMPLATES.visitorReply.html), null);
    assert.equal(templateProblem('{{#visitor.email}}<p>{{ . }}</p>{{/visitor.email}}{{^messages}}none{{/messages}}{{! a comment }}'), null);
  });

  it('says what is wrong, with the line', () => {
    assert.match(templateProblem('<p>\n{{#messages}}{{ text }}</p>') ?? '', /syntax error: Unclosed section "messages" \(line 2\)/);
    assert.match(templateProblem('{{ visitor.name }') ?? '', /syntax error/);
    assert.match(templateProblem('{{/messages}}') ?? '', /Unopened section/);
  });

  it('refuses unknown names, unescaped values, partials and delimiter changes', () => {
    assert.match(templateProblem('{{ visitor.nmae }}') ?? '', /Unknown variable \{\{ visitor\.nmae \}\}.*visitor\.name/);
    assert.match(templateProblem('{{#orders}}x{{/orders}}') ?? '', /Unknown section \{\{#orders\}\}/);
    assert.match(templateProblem('{{#messages}}{{ txt }}{{/messages}}') ?? '', /Unknown variable \{\{ txt \}\}/);
    assert.match(templateProblem('{{{ message.text }}}') ?? '', /always HTML-escaped/);
    assert.match(templateProblem('{{& message.text }}') ?? '', /always HTML-escaped/);
    assert.match(templateProblem('{{> header }}') ?? '', /Partials/);
    assert.match(templateProblem('{{=<% %>=}}') ?? '', /delimiters/);
    assert.match(templateProblem('{{ messages }}') ?? '', /is a list/);
    assert.match(templateProblem('{{ site.constructor }}') ?? '', /Unknown variable/);
  });
});
