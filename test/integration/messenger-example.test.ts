// The example messenger in the README, run as written: connects, sends a user's line,
// and prints the agent's reply.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../helpers/process';
import { waitFor } from '../helpers/receiver';
import { setupInstallation, startServer, type TestServer } from '../helpers/server';

function readmeExample(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /<!-- example-messenger:start -->\n```js\n([\s\S]*?)```\n<!-- example-messenger:end -->/.exec(readme);
  if (!block) throw new Error('README.md has no example-messenger block');
  return block[1]!;
}

describe('README example messenger', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-example-'));
  let srv: TestServer | undefined;
  let child: ChildProcess | undefined;
  after(async () => {
    child?.kill('SIGKILL');
    await srv?.deps.outbox.stop();
    await srv?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs as documented: confirmation, a user message in, an agent reply out', async () => {
    srv = await startServer();
    srv.deps.outbox.start();
    const { admin, site } = await setupInstallation(srv.url);
    const port = await freePort();
    const created = await admin.post(`/api/sites/${site.id}/messengers`, { name: 'Example', webhookUrl: `http://127.0.0.1:${port}/`, confirmationCode: 'example-code-1' });
    writeFileSync(join(dir, 'messenger.mjs'), readmeExample());
    child = spawn(process.execPath, [join(dir, 'messenger.mjs')], {
      env: { ...process.env, PARLEY_INBOUND: created.body.inboundUrl.replace(srv.deps.config.PUBLIC_URL, srv.url), CODE: 'example-code-1', PORT: String(port) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    child.stderr!.on('data', (c) => (out += c));
    await waitFor(() => out.includes('webhook listening'), 10_000, 'the example to start');

    const connected = await admin.post(`/api/messengers/${created.body.id}/connect`);
    assert.equal(connected.body.status, 'active', JSON.stringify(connected.body));
    child.stdin!.write('Hello from the example\n');
    await waitFor(() => out.includes('sent') || out.includes('refused'), 10_000, 'the example to send');
    assert.match(out, /sent/);

    const conv = (await admin.get('/api/conversations?channel=messenger')).body.items[0];
    assert.equal(conv.visitor.name, 'Demo User');
    await admin.post(`/api/conversations/${conv.id}/messages`, { clientId: randomUUID(), text: 'Hi Demo, this is support' });
    await waitFor(() => out.includes('Ada Admin: Hi Demo, this is support'), 10_000, 'the reply printed by the example');
  });
});
