// The mail-server test helpers against the clients Parley uses: imapflow (IMAP, IDLE,
// STARTTLS, IMAPS), Parley's own Pop3Client (POP3, STLS, POP3S) and nodemailer (SMTP,
// LMTP). They also pin down the errors those clients give for a wrong password, a closed
// port, an untrusted certificate and a silent server, which the "Test connection" messages
// are built on. The POP3 client's own guarantees are in pop3-client.test.ts.
import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TLSSocket } from 'node:tls';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import nodemailer from 'nodemailer';
import { Pop3Client, Pop3Error } from '../../server/channels/email/pop3';
import type { InboxSettings } from '../../server/core/types';
import { DOVECOT_MISSING, startDovecot, type Dovecot } from '../helpers/dovecot';
import { freePort } from '../helpers/process';
import { startSmtp, type SmtpServer } from '../helpers/smtp';

const PASSWORD = 'secret-1';
const probe = await startDovecot({
  users: [
    { user: 'support', password: PASSWORD },
    { user: 'sales', password: PASSWORD },
    { user: 'pop', password: PASSWORD },
    { user: 'visitor', password: PASSWORD },
  ],
});

function mail(subject: string, to = 'support@example.test'): string {
  return `From: Customer <customer@example.test>\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.test>\r\n\r\nBody of ${subject}\r\n`;
}

/** What imapflow logged: the server's lines show when IDLE was acknowledged. */
function recordingLogger(lines: string[]) {
  const rec = (entry: { src?: string; msg?: string }) => {
    if (entry.src === 's' && entry.msg) lines.push(entry.msg);
  };
  return { trace: () => {}, debug: rec, info: () => {}, warn: () => {}, error: () => {} };
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The error a promise rejects with, as a plain object of its own fields plus message. */
async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    const e = err as Error & Record<string, unknown>;
    return { ...e, message: e.message };
  }
  throw new Error('expected a failure');
}

if (!probe) {
  it('mail server helpers', { skip: DOVECOT_MISSING }, () => {});
} else {
  describe('test mail servers: Dovecot and smtp-server', () => {
    const dovecot: Dovecot = probe;
    const clients: ImapFlow[] = [];
    const imap = (opts: Partial<ImapFlowOptions> = {}): ImapFlow => {
      const client = new ImapFlow({
        host: dovecot.host,
        port: dovecot.ports.imap,
        secure: false,
        auth: { user: 'support', pass: PASSWORD },
        tls: { rejectUnauthorized: false },
        logger: false,
        ...opts,
      });
      client.on('error', () => {}); // connect() rejects with the same error
      clients.push(client);
      return client;
    };
    const pop3 = (opts: Partial<InboxSettings['incoming']> = {}, password = PASSWORD): Promise<Pop3Client> =>
      Pop3Client.connect(
        { host: dovecot.host, port: dovecot.ports.pop3, security: 'none', allowInvalidCert: false, username: 'pop', folder: 'INBOX', connectionTimeoutMs: 10_000, authTimeoutMs: 10_000, ...opts },
        password,
      );

    after(async () => {
      await Promise.all(clients.map((c) => c.close()));
      await dovecot.destroy();
    });

    it('IMAP IDLE hears an LMTP delivery as an exists event', async (t) => {
      const lines: string[] = [];
      const client = imap({ logger: recordingLogger(lines) as unknown as ImapFlowOptions['logger'] });
      await client.connect();
      await client.mailboxOpen('INBOX');
      const before = client.mailbox ? client.mailbox.exists : 0;
      const exists = new Promise<{ count: number; prevCount: number }>((resolve) => client.once('exists', resolve));
      const idling = client.idle();
      await until(() => lines.some((l) => l.startsWith('+ idling')), 'the server to acknowledge IDLE');
      const sent = Date.now();
      await dovecot.deliver('support@example.test', mail('idle push'));
      const event = await exists;
      t.diagnostic(`exists event ${Date.now() - sent} ms after the LMTP delivery`);
      assert.equal(event.prevCount, before);
      assert.equal(event.count, before + 1);
      await client.logout();
      await idling.catch(() => {});
    });

    it('IMAPS: trusts the certificate with rejectUnauthorized false or with certPem as ca, refuses it otherwise', async () => {
      const lax = imap({ port: dovecot.ports.imaps, secure: true });
      await lax.connect();
      assert.equal(lax.secureConnection, true);
      await lax.logout();

      const pinned = imap({ port: dovecot.ports.imaps, secure: true, tls: { ca: dovecot.certPem } });
      await pinned.connect();
      await pinned.logout();

      const strict = imap({ port: dovecot.ports.imaps, secure: true, tls: {} });
      const err = await failure(strict.connect());
      assert.equal(err.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
      assert.equal(err.message, 'self-signed certificate');

      const wrongName = imap({ port: dovecot.ports.imaps, secure: true, tls: { ca: dovecot.certPem, servername: 'mail.example.test' } });
      assert.equal((await failure(wrongName.connect())).code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    });

    it('STARTTLS: secure false upgrades the plain IMAP port when offered; doSTARTTLS false stays plaintext', async () => {
      const upgraded = imap();
      await upgraded.connect();
      assert.equal(upgraded.secureConnection, true);
      // `socket` is imapflow's own (undeclared) field: after STARTTLS it is the TLS socket.
      assert.ok((upgraded as unknown as { socket: unknown }).socket instanceof TLSSocket);
      await upgraded.logout();

      const plain = imap({ doSTARTTLS: false });
      await plain.connect();
      assert.equal(plain.secureConnection, false);
      await plain.logout();

      // The upgrade checks the certificate like IMAPS does; the error says so.
      const strict = imap({ tls: {} });
      const err = await failure(strict.connect());
      assert.equal(err.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
      assert.equal(err.tlsFailed, true);
    });

    it('IMAP: a wrong password or unknown user is refused with AUTHENTICATIONFAILED', async () => {
      for (const auth of [{ user: 'support', pass: 'wrong' }, { user: 'nobody-here', pass: 'wrong' }]) {
        const err = await failure(imap({ auth }).connect());
        assert.equal(err.message, 'Command failed');
        assert.equal(err.authenticationFailed, true);
        assert.equal(err.serverResponseCode, 'AUTHENTICATIONFAILED');
        assert.equal(err.responseStatus, 'NO');
        assert.equal(err.responseText, 'Authentication failed.');
      }
    });

    it('IMAP: a closed port gives ECONNREFUSED, a server that never greets GREETING_TIMEOUT, a stalled TLS handshake CONNECT_TIMEOUT', async () => {
      const closed = await freePort();
      const refused = await failure(imap({ port: closed }).connect());
      assert.equal(refused.code, 'ECONNREFUSED');
      assert.equal(refused.message, `connect ECONNREFUSED 127.0.0.1:${closed}`);

      const { server: silent, port } = await silentServer();
      try {
        const greeting = await failure(imap({ port, greetingTimeout: 300 }).connect());
        assert.equal(greeting.code, 'GREETING_TIMEOUT');
        assert.match(String(greeting.message), /Failed to receive greeting from server in required time/);

        const handshake = await failure(imap({ port, secure: true, connectionTimeout: 300 }).connect());
        assert.equal(handshake.code, 'CONNECT_TIMEOUT');
        assert.equal(handshake.message, 'Failed to establish connection in required time');
      } finally {
        silent.close();
      }
    });

    it('doveadm save, then imapflow fetches it; flags and moves show up in doveadm', async () => {
      await dovecot.createFolder('sales', 'Processed');
      await dovecot.save('sales', mail('saved directly', 'sales@example.test'));
      const client = imap({ auth: { user: 'sales@example.test', pass: PASSWORD } });
      await client.connect();
      const lock = await client.getMailboxLock('INBOX');
      try {
        const msg = await client.fetchOne('*', { envelope: true, uid: true });
        assert.ok(msg);
        assert.equal(msg.envelope?.subject, 'saved directly');
        await client.messageFlagsAdd({ uid: msg.uid }, ['\\Seen'], { uid: true });
        assert.deepEqual(await dovecot.flags('sales'), [{ uid: msg.uid, flags: ['\\Seen'] }]);
        await client.messageMove({ uid: msg.uid }, 'Processed', { uid: true });
      } finally {
        lock.release();
      }
      await client.logout();
      assert.equal(await dovecot.count('sales'), 0);
      assert.deepEqual(await dovecot.listUids('sales', 'Processed'), [1]);
    });

    it('a plus-address delivery lands in the INBOX, with the detail kept in Delivered-To', async () => {
      await dovecot.deliver('support+T0KEN42@example.test', mail('plus address', 'support+T0KEN42@example.test'), { from: 'customer@example.test' });
      const client = imap();
      await client.connect();
      const lock = await client.getMailboxLock('INBOX');
      try {
        const msg = await client.fetchOne('*', { envelope: true, headers: ['delivered-to', 'return-path'] });
        assert.ok(msg);
        assert.equal(msg.envelope?.subject, 'plus address');
        const headers = msg.headers!.toString();
        assert.match(headers, /Delivered-To: support\+T0KEN42@example\.test/i);
        assert.match(headers, /Return-Path: <customer@example\.test>/i);
      } finally {
        lock.release();
      }
      await client.logout();
    });

    it('LMTP refuses an unknown recipient with 550', async () => {
      const err = await failure(dovecot.deliver('ghost@example.test', mail('to nobody')));
      assert.equal(err.responseCode, 550);
    });

    it('setUidValidity changes the UIDVALIDITY imapflow sees on mailboxOpen', async () => {
      const client = imap();
      await client.connect();
      const first = await client.mailboxOpen('INBOX');
      await client.logout();
      const next = Number(first.uidValidity) + 1000;
      await dovecot.setUidValidity('support', 'INBOX', next);
      assert.equal((await dovecot.status('support')).uidValidity, next);
      const again = imap();
      await again.connect();
      assert.equal(Number((await again.mailboxOpen('INBOX')).uidValidity), next);
      await again.logout();
    });

    it('addUser and setPassword take effect on the very next login', async () => {
      const login = async (pass: string) => {
        const client = imap({ auth: { user: 'rotating', pass } });
        await client.connect();
        await client.logout();
      };
      await dovecot.addUser('rotating', 'password-a');
      await login('password-a');
      await dovecot.setPassword('rotating', 'password-b'); // same length: only the mtime tells
      assert.equal((await failure(login('password-a'))).authenticationFailed, true);
      await login('password-b');
    });

    it('POP3 and POP3S: UIDL, RETR, DELE, QUIT', async () => {
      await dovecot.deliver('pop@example.test', mail('pop one', 'pop@example.test'));
      await dovecot.deliver('pop@example.test', mail('pop two', 'pop@example.test'));

      const plain = await pop3();
      const uidl = await plain.uidl();
      assert.equal(uidl.length, 2);
      assert.match((await plain.retr(1)).toString(), /Subject: pop one/);
      await plain.dele(1);
      await plain.quit(); // the deletion is committed on QUIT
      assert.equal(await dovecot.count('pop'), 1);

      const secure = await pop3({ port: dovecot.ports.pop3s, security: 'tls', allowInvalidCert: true });
      const left = await secure.uidl();
      assert.deepEqual(left, [{ n: 1, uid: uidl[1]!.uid }]);
      assert.match((await secure.retr(1)).toString(), /Subject: pop two/);
      await secure.quit();

      const err = await failure(pop3({ port: dovecot.ports.pop3s, security: 'tls' }));
      assert.equal(err.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
      assert.equal(err.message, 'self-signed certificate');
    });

    it('POP3: Dovecot offers STLS on the plain port; security starttls upgrades there and checks the certificate', async () => {
      const capa = await rawExchange(dovecot.ports.pop3, 'CAPA\r\n', /\r\n\.\r\n/);
      assert.match(capa, /^STLS\r$/m);
      assert.match(capa, /^UIDL\r$/m);

      const upgraded = await pop3({ security: 'starttls', allowInvalidCert: true });
      assert.match((await upgraded.retr(1)).toString(), /Subject: pop two/);
      await upgraded.quit();

      const err = await failure(pop3({ security: 'starttls' }));
      assert.equal(err.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
      assert.equal(err.message, 'self-signed certificate');
    });

    it('POP3: a wrong password, a closed port, a server that never answers', async () => {
      await assert.rejects(pop3({}, 'wrong'), (err) => {
        assert.ok(err instanceof Pop3Error);
        assert.equal(err.code, 'AUTH_FAILED');
        assert.equal(err.response, '-ERR [AUTH] Authentication failed.');
        assert.equal(err.message, 'login refused: [AUTH] Authentication failed.');
        return true;
      });
      // Unknown users: Dovecot accepts USER and refuses at PASS, with the same words.
      assert.equal((await failure(pop3({ username: 'nobody-here' }, 'wrong'))).response, '-ERR [AUTH] Authentication failed.');

      const closed = await freePort();
      const refused = await failure(pop3({ port: closed }));
      assert.equal(refused.code, 'ECONNREFUSED');
      assert.equal(refused.message, `connect ECONNREFUSED 127.0.0.1:${closed}`);

      const { server: silent, port } = await silentServer();
      try {
        const started = Date.now();
        const greeting = await failure(pop3({ port, connectionTimeoutMs: 300 }));
        assert.ok(greeting.code === 'TIMEOUT' || greeting.code === 'CONNECT_TIMEOUT', String(greeting.code));
        assert.ok(Date.now() - started < 3000);

        // POP3S to a server that never answers the TLS handshake.
        const handshake = await failure(pop3({ port, security: 'tls', connectionTimeoutMs: 300 }));
        assert.equal(handshake.code, 'CONNECT_TIMEOUT');
        assert.equal(handshake.message, `no connection to 127.0.0.1:${port} within 300 ms`);
      } finally {
        silent.close();
      }
    });

    it('stop() refuses connections; start() comes back on the same ports with the mail kept', async () => {
      await dovecot.save('support', mail('kept across restart'));
      const before = await dovecot.count('support');
      await dovecot.stop();
      assert.equal((await failure(imap().connect())).code, 'ECONNREFUSED');
      assert.equal((await failure(pop3({ username: 'support' }))).code, 'ECONNREFUSED');
      await dovecot.start();
      const client = imap();
      await client.connect();
      const box = await client.mailboxOpen('INBOX');
      assert.equal(box.exists, before);
      const last = await client.fetchOne('*', { envelope: true });
      assert.ok(last);
      assert.equal(last.envelope?.subject, 'kept across restart');
      await client.logout();
    });

    describe('SMTP helper', () => {
      let smtp: SmtpServer;
      before(async () => {
        smtp = await startSmtp({ dovecot, users: { agent: 'smtp-pass' } });
      });
      after(async () => {
        await smtp.stop();
      });
      const transport = (opts: Record<string, unknown> = {}) =>
        nodemailer.createTransport({
          host: smtp.host,
          port: smtp.port,
          secure: false,
          auth: { user: 'agent', pass: 'smtp-pass' },
          tls: { ca: smtp.certPem! },
          ...opts,
        });

      it('relays to Dovecot with the envelope kept and records what it accepted', async () => {
        const info = await transport().sendMail({
          envelope: { from: 'support@example.test', to: ['visitor@customer.test'] },
          raw: mail('reply to visitor', 'visitor@customer.test'),
        });
        assert.deepEqual(info.accepted, ['visitor@customer.test']);
        const last = smtp.received.at(-1)!;
        assert.equal(last.from, 'support@example.test');
        assert.deepEqual(last.to, ['visitor@customer.test']);
        assert.match(last.raw.toString(), /Subject: reply to visitor/);

        const client = imap({ auth: { user: 'visitor', pass: PASSWORD } });
        await client.connect();
        const lock = await client.getMailboxLock('INBOX');
        try {
          const msg = await client.fetchOne('*', { envelope: true, headers: ['return-path'] });
          assert.ok(msg);
          assert.equal(msg.envelope?.subject, 'reply to visitor');
          assert.match(msg.headers!.toString(), /Return-Path: <support@example\.test>/i);
        } finally {
          lock.release();
        }
        await client.logout();

        // A recipient Dovecot does not know: its LMTP refusal reaches the sender.
        const unknown = await failure(transport().sendMail({ envelope: { from: 'support@example.test', to: ['ghost@customer.test'] }, raw: mail('lost') }));
        assert.equal(unknown.responseCode, 550);
        assert.match(String(unknown.response), /^550 5\.1\.1 <ghost@customer\.test> User doesn't exist/);
      });

      it('failNext gives the sender that reply: 550 permanent, 451 transient, then accepts again', async () => {
        const send = () => transport().sendMail({ envelope: { from: 'support@example.test', to: ['visitor@customer.test'] }, raw: mail('refused') });
        smtp.failNext(550, 'Mailbox unavailable');
        const permanent = await failure(send());
        assert.equal(permanent.responseCode, 550);
        assert.equal(permanent.code, 'EMESSAGE');
        assert.match(String(permanent.response), /^550 Mailbox unavailable/);

        smtp.failNext(451, 'Try again later', 2);
        assert.equal((await failure(send())).responseCode, 451);
        assert.equal((await failure(send())).responseCode, 451);
        const count = smtp.received.length;
        await send();
        assert.equal(smtp.received.length, count + 1);
      });

      it('refuses a wrong SMTP password with 535, and an untrusted certificate on STARTTLS', async () => {
        const auth = await failure(transport({ auth: { user: 'agent', pass: 'wrong' } }).verify());
        assert.equal(auth.code, 'EAUTH');
        assert.equal(auth.responseCode, 535);

        // nodemailer takes STARTTLS when offered, and checks the certificate then.
        const cert = await failure(transport({ tls: {} }).verify());
        assert.equal(cert.code, 'ESOCKET');
        assert.equal(cert.originalCode, 'DEPTH_ZERO_SELF_SIGNED_CERT');
        assert.equal(cert.message, 'self-signed certificate');
      });

      it('down() refuses connections on its port, up() listens there again', async () => {
        await smtp.down();
        const err = await failure(transport().verify());
        assert.equal(err.code, 'ESOCKET');
        assert.match(String(err.message), /ECONNREFUSED/);
        await smtp.up();
        assert.equal(await transport().verify(), true);
      });

      it('implicit TLS without AUTH, and plain without TLS', async () => {
        const tls = await startSmtp({ dovecot, secure: 'tls' });
        const plain = await startSmtp({ secure: 'plain' });
        try {
          const viaTls = nodemailer.createTransport({ host: tls.host, port: tls.port, secure: true, tls: { ca: tls.certPem! } });
          await viaTls.sendMail({ envelope: { from: 'a@example.test', to: ['visitor@x.test'] }, raw: mail('over tls') });
          assert.equal(tls.received.length, 1);

          const viaPlain = nodemailer.createTransport({ host: plain.host, port: plain.port, secure: false });
          await viaPlain.sendMail({ envelope: { from: 'a@example.test', to: ['anyone@x.test'] }, raw: mail('in clear') });
          assert.equal(plain.received.length, 1);
          assert.deepEqual(plain.received[0]!.to, ['anyone@x.test']);
          const requireTls = nodemailer.createTransport({ host: plain.host, port: plain.port, secure: false, requireTLS: true });
          assert.equal((await failure(requireTls.verify())).code, 'ETLS');
        } finally {
          await tls.stop();
          await plain.stop();
        }
      });
    });
  });
}

/** A server that accepts connections and never says a word. */
async function silentServer(): Promise<{ server: Server; port: number }> {
  const server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** Sends one line on a fresh plain connection, returns the reply up to `end`. */
function rawExchange(port: number, line: string, end: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let sent = false;
    socket.setTimeout(5000, () => {
      socket.destroy();
      reject(new Error(`no complete reply: ${text}`));
    });
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      text += chunk.toString();
      if (!sent && text.includes('\r\n')) {
        sent = true;
        text = '';
        socket.write(line);
      } else if (sent && end.test(text)) {
        socket.end();
        resolve(text);
      }
    });
  });
}
