// The visibility rule, the realtime rooms and the upload policy: pure decisions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canAgentSee } from '../../server/core/visibility';
import { roomsOfAgent, roomsOfConversation } from '../../server/transport/realtime/rooms';
import { cleanFilename, isAllowedUpload } from '../../server/core/uploads';
import { normalizeOrigin, originAllowed } from '../../server/core/sites';
import { SignedUrls, VisitorTokens } from '../../server/security/tokens';

const admin = { id: 'a1', role: 'admin' as const, departments: ['d1'] };
const generalist = { id: 'a2', role: 'agent' as const, departments: [] };
const sales = { id: 'a3', role: 'agent' as const, departments: ['sales'] };
const convs = [
  { departmentId: null, assigneeId: null },
  { departmentId: 'sales', assigneeId: null },
  { departmentId: 'support', assigneeId: null },
  { departmentId: 'support', assigneeId: 'a3' },
];

describe('visibility', () => {
  it('admins and agents without departments see everything', () => {
    for (const c of convs) {
      assert.equal(canAgentSee(admin, c), true);
      assert.equal(canAgentSee(generalist, c), true);
    }
  });

  it('a department agent sees unrouted, own-department and assigned conversations only', () => {
    assert.deepEqual(convs.map((c) => canAgentSee(sales, c)), [true, true, false, true]);
  });

  it('rooms deliver exactly what visibility allows', () => {
    for (const agent of [admin, generalist, sales]) {
      for (const c of convs) {
        const shared = roomsOfConversation(c).some((r) => roomsOfAgent(agent).includes(r));
        assert.equal(shared, canAgentSee(agent, c), `${agent.id} ${JSON.stringify(c)}`);
      }
    }
  });
});

describe('uploads', () => {
  it('accepts common documents and images with a matching extension', () => {
    assert.ok(isAllowedUpload('image/png', 'shot.PNG'));
    assert.ok(isAllowedUpload('application/pdf', 'invoice.pdf'));
  });
  it('refuses script-capable types and mismatched extensions', () => {
    assert.ok(!isAllowedUpload('text/html', 'x.html'));
    assert.ok(!isAllowedUpload('image/svg+xml', 'x.svg'));
    assert.ok(!isAllowedUpload('image/png', 'x.html'));
    assert.ok(!isAllowedUpload('application/x-msdownload', 'x.exe'));
  });
  it('cleans file names', () => {
    assert.equal(cleanFilename('../../etc/passwd'), 'passwd');
    assert.equal(cleanFilename('C:\\Users\\me\\a"b.txt'), 'ab.txt');
    assert.equal(cleanFilename('\u0000'), 'file');
  });
});

describe('origins', () => {
  it('normalizes to what browsers send', () => {
    assert.equal(normalizeOrigin('HTTPS://Shop.Example.com:443/path?q'), 'https://shop.example.com');
    assert.equal(normalizeOrigin('http://localhost:8080/'), 'http://localhost:8080');
    assert.throws(() => normalizeOrigin('javascript:alert(1)'));
  });
  it('an empty list admits any origin; otherwise only the listed ones', () => {
    assert.ok(originAllowed({ allowedOrigins: [] }, undefined));
    assert.ok(originAllowed({ allowedOrigins: ['https://a.example'] }, 'https://a.example'));
    assert.ok(!originAllowed({ allowedOrigins: ['https://a.example'] }, 'https://b.example'));
    assert.ok(!originAllowed({ allowedOrigins: ['https://a.example'] }, undefined));
  });
});

describe('tokens', () => {
  it('visitor tokens round-trip and reject tampering and other keys', async () => {
    const tokens = new VisitorTokens(Buffer.alloc(32, 1));
    const token = await tokens.sign('v1', 's1');
    assert.deepEqual(await tokens.verify(token), { visitorId: 'v1', siteId: 's1' });
    const [h, p, s] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'v2', site: 's1' })).toString('base64url');
    assert.equal(await tokens.verify(`${h}.${forgedPayload}.${s}`), null);
    assert.equal(await new VisitorTokens(Buffer.alloc(32, 2)).verify(token), null);
    assert.ok(p);
  });

  it('signed file URLs expire and cannot be moved to another file', () => {
    const urls = new SignedUrls(Buffer.alloc(32, 3), 1000);
    const url = new URL('http://x' + urls.fileUrl('f1', 0));
    const exp = url.searchParams.get('exp')!;
    const sig = url.searchParams.get('sig')!;
    assert.equal(urls.check('f1', exp, sig, 0), 'ok');
    assert.equal(urls.check('f2', exp, sig, 0), 'invalid');
    assert.equal(urls.check('f1', exp, sig, 5000), 'expired');
    assert.equal(urls.check('f1', String(Number(exp) + 100), sig, 0), 'invalid');
  });
});

describe('preview', () => {
  it('never splits an emoji and falls back to the attachment name', async () => {
    const { previewOf, PREVIEW_LENGTH } = await import('../../server/core/preview');
    const text = 'a'.repeat(PREVIEW_LENGTH - 1) + '😀😀';
    const preview = previewOf({ text, attachments: [] });
    assert.equal(preview, 'a'.repeat(PREVIEW_LENGTH - 1) + '😀');
    assert.equal(previewOf({ text: '', attachments: [{ id: '1', name: 'invoice.pdf', type: 'application/pdf', size: 1 }] }), 'invoice.pdf');
  });
});
