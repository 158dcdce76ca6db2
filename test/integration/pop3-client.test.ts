// Parley's own POP3 client (server/channels/email/pop3.ts) against a real Dovecot: what
// it was written for. Mail comes back byte for byte (8-bit bodies, dot-stuffed lines, a
// terminator split across socket chunks), big and many-message maildrops are read whole,
// deletions follow POP3's UPDATE state, STLS upgrades and checks the certificate. A few
// tests use a scripted server for what Dovecot cannot be made to do (stall a TLS
// handshake, split a reply at a chosen byte, answer late).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { Pop3Client, Pop3Error } from '../../server/channels/email/pop3';
import type { InboxSettings } from '../../server/core/types';
import { DOVECOT_MISSING, startDovecot, type Dovecot } from '../helpers/dovecot';

const PASSWORD = 'secret-1';
const USERS = ['exact', 'large', 'many', 'header', 'deletes', 'unended', 'tls'];
const probe = await startDovecot({ users: USERS.map((user) => ({ user, password: PASSWORD })) });

type Incoming = InboxSettings['incoming'];

function settings(port: number, opts: Partial<Incoming> = {}): Incoming {
  return { host: '127.0.0.1', port, security: 'none', allowInvalidCert: false, username: '', folder: 'INBOX', connectionTimeoutMs: 10_000, authTimeoutMs: 10_000, ...opts };
}

/** LF line ends to CRLF: what Dovecot serves, whatever was saved. */
function crlf(text: string | Buffer): Buffer {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  return Buffer.from(bytes.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected a failure');
}

/** The first line of Dovecot's log matching `pattern`, once it is written (the log process writes it a little later). */
async function logLine(dovecot: Dovecot, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const line = (await readFile(dovecot.logFile, 'utf8')).split('\n').find((l) => pattern.test(l));
    if (line) return line;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no line matching ${pattern} in ${dovecot.logFile}`);
}

async function imap(dovecot: Dovecot, user: string): Promise<ImapFlow> {
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.ports.imap, secure: false, doSTARTTLS: false, auth: { user, pass: PASSWORD }, logger: false });
  client.on('error', () => {}); // connect() and each command reject with it
  await client.connect();
  return client;
}

/** Every message of a user's INBOX over IMAP, BODY[] as stored: the server's own bytes. */
async function imapSources(dovecot: Dovecot, user: string): Promise<Buffer[]> {
  const client = await imap(dovecot, user);
  const sources: Buffer[] = [];
  try {
    await client.mailboxOpen('INBOX');
    for await (const msg of client.fetch('1:*', { source: true })) sources.push(msg.source!);
  } finally {
    await client.logout();
  }
  return sources;
}

/** A deterministic ~size-byte email: base64-like lines with dot lines and 8-bit bytes between. */
function largeEmail(size: number): Buffer {
  const lines = ['From: Big <big@example.test>', 'To: large@example.test', 'Subject: large', 'Message-ID: <large@example.test>', 'Content-Transfer-Encoding: 8bit', ''];
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let seed = 7;
  let total = 0;
  for (let i = 0; total < size; i++) {
    let line = '';
    const length = 1 + (i % 97);
    for (let j = 0; j < length; j++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      line += alphabet[seed % alphabet.length];
    }
    if (i % 13 === 0) line = `.${line}`;
    if (i % 29 === 0) line = '.';
    if (i % 31 === 0) line = '..';
    if (i % 17 === 0) line += ' caf\xe9 \xff';
    lines.push(line);
    total += line.length + 2;
  }
  return crlf(`${lines.join('\n')}\n`);
}

/** A POP3 server that answers each command line with `reply` (greets with +OK). */
async function scriptedServer(reply: (line: string, socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.write('+OK scripted\r\n');
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n'); end >= 0; end = pending.indexOf('\r\n')) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        reply(line, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

if (!probe) {
  it('POP3 client against Dovecot', { skip: DOVECOT_MISSING }, () => {});
} else {
  describe('Pop3Client against Dovecot', () => {
    const dovecot: Dovecot = probe;
    const sessions: Pop3Client[] = [];
    const connect = async (username: string, opts: Partial<Incoming> = {}): Promise<Pop3Client> => {
      const client = await Pop3Client.connect(settings(dovecot.ports.pop3, { username, ...opts }), PASSWORD);
      sessions.push(client);
      return client;
    };

    after(async () => {
      for (const s of sessions) s.destroy();
      await dovecot.destroy();
    });

    it('RETR gives back the stored bytes: 8-bit ISO-8859-1, dot-stuffed lines, a lone "." and ".."', async () => {
      const raw = Buffer.concat([
        Buffer.from('From: =?ISO-8859-1?Q?Ren=E9?= <rene@example.test>\nTo: exact@example.test\nSubject: exact\nMessage-ID: <exact@example.test>\n', 'latin1'),
        Buffer.from('MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-8859-1\nContent-Transfer-Encoding: 8bit\n\n', 'latin1'),
        Buffer.from('Bonjour Ren\xe9, \xe7a co\xfbte 5 \xa3.\n.starts with a dot\n..\n.\n...\nend \xff\xfe\x80\n', 'latin1'),
      ]);
      await dovecot.save('exact', raw);
      const withDot = Buffer.from('From: a@example.test\nTo: exact@example.test\nSubject: dot\n\n.\n', 'latin1');
      await dovecot.deliver('exact@example.test', withDot);

      const client = await connect('exact');
      const first = await client.retr(1);
      const second = await client.retr(2);
      await client.quit();

      // doveadm save keeps the LF line ends; POP3 and IMAP both serve them as CRLF.
      assert.ok(first.equals(crlf(raw)), `RETR 1 differs from the saved email:\n${first.toString('latin1')}`);
      const [stored1, stored2] = await imapSources(dovecot, 'exact');
      assert.ok(first.equals(stored1!), 'RETR 1 differs from IMAP BODY[]');
      // LMTP adds Return-Path and Delivered-To/Received on top; the rest is the input.
      assert.ok(second.equals(stored2!), `RETR 2 differs from IMAP BODY[]:\n${second.toString('latin1')}`);
      assert.ok(second.subarray(-crlf(withDot).length).equals(crlf(withDot)));
    });

    it('a 3 MB email, read over many socket chunks, comes back whole', async () => {
      const raw = largeEmail(3 * 1024 * 1024);
      await dovecot.save('large', raw);
      const client = await connect('large');
      const sizes = await client.list();
      const body = await client.retr(1);
      await client.quit();
      assert.equal(sizes.get(1), raw.length);
      assert.equal(body.length, raw.length);
      assert.ok(body.equals(raw), 'the large email differs from what was saved');
    });

    it('UIDL and LIST agree on several hundred messages, and RETR n is message n', async () => {
      const count = 400;
      // One IMAP session appends them all: 400 doveadm processes would take seconds.
      const client = await imap(dovecot, 'many');
      for (let i = 1; i <= count; i++) {
        await client.append('INBOX', `From: a@example.test\r\nSubject: number ${i}\r\n\r\n${'x'.repeat(i)}\r\n`);
      }
      await client.logout();

      const pop = await connect('many');
      const uidl = await pop.uidl();
      const sizes = await pop.list();
      assert.equal(uidl.length, count);
      assert.deepEqual(uidl.map((m) => m.n), Array.from({ length: count }, (_, i) => i + 1));
      assert.equal(new Set(uidl.map((m) => m.uid)).size, count);
      assert.deepEqual([...sizes.keys()], uidl.map((m) => m.n));
      for (const n of [1, 137, count]) {
        const body = await pop.retr(n);
        assert.match(body.toString('latin1'), new RegExp(`^Subject: number ${n}\r$`, 'm'));
        assert.equal(body.length, sizes.get(n));
      }
      await pop.quit();
    });

    it('TOP n 0 gives the header and the blank line after it, no body', async () => {
      const header = 'From: a@example.test\nTo: header@example.test\nSubject: only the header\nX-Long: folded\n  continuation\n\n';
      await dovecot.save('header', `${header}The body.\n.dot line\n`);
      const client = await connect('header');
      const top = await client.top(1);
      await client.quit();
      assert.ok(top.equals(crlf(header)), `TOP gave:\n${top.toString('latin1')}`);
    });

    it('DELE takes effect at QUIT; a session destroyed without QUIT deletes nothing', async () => {
      for (const subject of ['one', 'two', 'three']) await dovecot.save('deletes', `Subject: ${subject}\n\n${subject}\n`);

      const dropped = await connect('deletes');
      await dropped.dele(1);
      await dropped.dele(2);
      dropped.destroy();
      // Dovecot's logout line: del=deleted/messages.
      assert.match(await logLine(dovecot, /pop3\(deletes\).*Disconnected: Connection closed/), /del=0\/3,/);
      assert.equal(await dovecot.count('deletes'), 3);

      const quitting = await connect('deletes');
      await quitting.dele(1);
      await quitting.quit();
      assert.match(await logLine(dovecot, /pop3\(deletes\).*Disconnected: Logged out/), /del=1\/3,/);
      assert.equal(await dovecot.count('deletes'), 2);
      const left = await connect('deletes');
      assert.match((await left.retr(1)).toString(), /^Subject: two\r$/m);
      await left.quit();
    });

    it('an email without a final line break: RETR ends it with CRLF, LIST counts the bytes stored', async () => {
      await dovecot.save('unended', 'Subject: unended\n\nno line break');
      const client = await connect('unended');
      const size = (await client.list()).get(1);
      const body = await client.retr(1);
      await client.quit();
      assert.equal(body.toString(), 'Subject: unended\r\n\r\nno line break\r\n');
      assert.equal(size, body.length - 2);
    });

    it('STLS upgrades the plain port (Dovecot logs the login as TLS), and refuses a self-signed certificate unless allowed', async () => {
      await dovecot.save('tls', 'Subject: over tls\n\nsecret\n');
      const secure = await connect('tls', { security: 'starttls', allowInvalidCert: true });
      assert.match((await secure.retr(1)).toString(), /^Subject: over tls\r$/m);
      await secure.quit();

      assert.match(await logLine(dovecot, /pop3-login: Info: Login: user=<tls>,/), /, TLS, session=/);

      const strict = await failure(connect('tls', { security: 'starttls' }));
      assert.equal(strict.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
      assert.equal(strict.message, 'self-signed certificate');
    });
  });
}

describe('Pop3Client against a scripted server', () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });
  const serve = async (reply: (line: string, socket: Socket) => void) => {
    const { server, port } = await scriptedServer(reply);
    servers.push(server);
    return port;
  };
  const login = (line: string, socket: Socket) => {
    if (/^(USER|PASS) /.test(line)) socket.write('+OK\r\n');
    else if (line === 'QUIT') socket.end('+OK bye\r\n');
  };

  it('a reply split at every byte of the terminator and of a stuffed dot is read the same', async () => {
    const wire = Buffer.from('+OK 30 octets\r\nSubject: split\r\n\r\n..dot\r\n..\r\nend\r\n.\r\n', 'latin1');
    const expected = Buffer.from('Subject: split\r\n\r\n.dot\r\n.\r\nend\r\n', 'latin1');
    for (let cut = wire.length - 8; cut < wire.length; cut++) {
      for (const first of [wire.indexOf('..dot'), wire.indexOf('..dot') + 1]) {
        const port = await serve((line, socket) => {
          if (line !== 'RETR 1') return login(line, socket);
          // Three writes with pauses: three socket chunks.
          socket.write(wire.subarray(0, first));
          setTimeout(() => socket.write(wire.subarray(first, cut)), 15);
          setTimeout(() => socket.write(wire.subarray(cut)), 30);
        });
        const client = await Pop3Client.connect(settings(port, { username: 'u' }), 'p');
        const body = await client.retr(1);
        await client.quit();
        assert.ok(body.equals(expected), `cut at ${first} and ${cut}: ${JSON.stringify(body.toString('latin1'))}`);
      }
    }
  });

  it('a TLS handshake the server never answers after STLS fails with CONNECT_TIMEOUT', { timeout: 5_000 }, async () => {
    const port = await serve((line, socket) => {
      if (line === 'STLS') socket.write('+OK Begin TLS negotiation now.\r\n');
    });
    const started = Date.now();
    const err = await failure(Pop3Client.connect(settings(port, { username: 'u', security: 'starttls', connectionTimeoutMs: 300 }), 'p'));
    assert.ok(err instanceof Pop3Error);
    assert.equal(err.code, 'CONNECT_TIMEOUT');
    assert.ok(Date.now() - started < 3000);
  });

  it('after a timed-out command the session is over: a late reply is never taken for the next one', { timeout: 5_000 }, async () => {
    const port = await serve((line, socket) => {
      if (line === 'LIST') setTimeout(() => socket.write('+OK\r\n1 100\r\n.\r\n'), 400);
      else if (line === 'UIDL') socket.write('+OK\r\n1 uid-one\r\n.\r\n');
      else login(line, socket);
    });
    const client = await Pop3Client.connect(settings(port, { username: 'u', connectionTimeoutMs: 200 }), 'p');
    assert.equal((await failure(client.list())).code, 'TIMEOUT');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal((await failure(client.uidl())).code, 'TIMEOUT');
    client.destroy();
  });

  it('refuses a command argument with a line break instead of sending a second command', async () => {
    const seen: string[] = [];
    const port = await serve((line, socket) => {
      seen.push(line);
      login(line, socket);
    });
    const err = await failure(Pop3Client.connect(settings(port, { username: 'u' }), 'p\r\nDELE 1'));
    assert.ok(err instanceof Pop3Error);
    assert.deepEqual(seen, ['USER u']);
  });
});
