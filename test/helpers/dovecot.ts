// A private Dovecot (IMAP, POP3, LMTP) for the mail-piping tests: loopback, free high
// ports, one temporary directory holding the config, a passwd-file, a self-signed
// certificate, the Maildirs (`mail/<user>/Maildir`), the run dir and the log. Runs as
// `dovecot -F -c FILE` (foreground: the exit hook can still kill it if a test process
// ends without destroy()), stopped with `doveadm -c FILE stop`. Null when Dovecot is not
// installed (`npm run setup:test` installs dovecot-imapd, dovecot-pop3d, dovecot-lmtpd).
//
// Users are local parts (`auth_username_format = %Ln`): `support`, `support@example.test`
// and, over LMTP, `support+TOKEN@example.test` are the same mailbox, whatever the domain.
// No auth failure delay beyond Dovecot's 0.5 s tick and no growing anvil penalty, so
// wrong-password tests stay fast.
//
// Learned while writing it (Dovecot 2.3.19, imapflow 2.1.2, Parley's Pop3Client, nodemailer;
// test/integration/mailservers.test.ts asserts each client fact):
// - Dovecot refuses mail access for uid 0 ("Mail access for users with UID 0 not
//   permitted"), so as root the Maildirs belong to nobody:nogroup (login and internal
//   users dovenull and dovecot); as anyone else, to the current user, with
//   default_internal_group set and no chroot for the login services and anvil.
// - Dovecot's auth stats the passwd-file at most once per second, and re-reads it only
//   when its mtime (seconds) or size changed: addUser()/setPassword() move the mtime on
//   and return after the second turns, else the next login gets "unknown user".
// - Dovecot's LMTP offers STARTTLS once ssl = yes and nodemailer takes it (and fails on
//   the self-signed certificate): deliver() sets ignoreTLS. In LMTP mode nodemailer
//   resolves even when every recipient failed after DATA (info.rejected,
//   info.rejectedErrors): deliver() throws the first of those.
// - IDLE: Dovecot batches mailbox change notifications for 0.5 s (NOTIFY_DELAY_MSECS), so
//   the `exists` event reaches imapflow about 510-530 ms after an LMTP delivery.
// - imapflow, wrong password or unknown user: message 'Command failed',
//   authenticationFailed: true, serverResponseCode: 'AUTHENTICATIONFAILED', responseText:
//   'Authentication failed.', responseStatus: 'NO', response: 'N NO [AUTHENTICATIONFAILED]
//   Authentication failed.' (about 0.5 s after the attempt).
// - imapflow, closed port: code 'ECONNREFUSED', message 'connect ECONNREFUSED
//   127.0.0.1:PORT'. Accepts but never greets: code 'GREETING_TIMEOUT' (message 'Failed to
//   receive greeting from server in required time. Maybe should use TLS?') after
//   greetingTimeout, default 16 s, whatever connectionTimeout says; with secure: true the
//   stalled TLS handshake gives code 'CONNECT_TIMEOUT' ('Failed to establish connection in
//   required time') after connectionTimeout. Plain client on the IMAPS port: GREETING_TIMEOUT
//   too; TLS client on the plain port: 'ERR_SSL_WRONG_VERSION_NUMBER'. Unknown host:
//   'ENOTFOUND'.
// - imapflow, self-signed certificate, neither rejectUnauthorized: false nor ca: code
//   'DEPTH_ZERO_SELF_SIGNED_CERT', message 'self-signed certificate' (plus tlsFailed: true
//   when it happened during STARTTLS); the right ca but another name:
//   'ERR_TLS_CERT_ALTNAME_INVALID'.
// - imapflow with secure: false upgrades with STARTTLS whenever the server offers it, and
//   checks the certificate then (client.secureConnection turns true); doSTARTTLS: false
//   stays in plaintext.
// - POP3: Dovecot offers STLS on the plain port. A wrong password, or an unknown user
//   (USER accepted, PASS refused), gets '-ERR [AUTH] Authentication failed.': Pop3Client
//   throws Pop3Error code 'AUTH_FAILED' with that line as response. Socket errors keep
//   node's code (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT); no greeting within
//   connectionTimeoutMs gives 'TIMEOUT', a stalled TLS handshake 'CONNECT_TIMEOUT'. In
//   pop3-client.test.ts: DELE counts only at QUIT; an email lacking a final line break
//   gets a CRLF added by RETR, which LIST's size does not count.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { chmod, chown, mkdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { freePort, stopChild } from './process';

export interface MailUser {
  user: string;
  password: string;
}

export interface DovecotPorts {
  imap: number;
  imaps: number;
  pop3: number;
  pop3s: number;
  lmtp: number;
}

export interface MailboxStatus {
  messages: number;
  unseen: number;
  uidValidity: number;
  uidNext: number;
}

export interface Dovecot {
  host: string;
  ports: DovecotPorts;
  /** The self-signed certificate (CN localhost, SAN 127.0.0.1 and localhost), for `ca`. */
  certPem: string;
  /** Its key: the SMTP helper can serve the same certificate. */
  keyPem: string;
  configFile: string;
  logFile: string;
  dir: string;
  addUser(user: string, password: string): Promise<void>;
  setPassword(user: string, password: string): Promise<void>;
  /** LMTP over TCP, envelope as given; rejects with nodemailer's error (e.g. 550 unknown user). */
  deliver(recipient: string | string[], raw: string | Buffer, opts?: { from?: string }): Promise<void>;
  /** `doveadm save`: straight into a folder, no LMTP, no Delivered-To. */
  save(user: string, raw: string | Buffer, folder?: string): Promise<void>;
  createFolder(user: string, name: string): Promise<void>;
  setUidValidity(user: string, folder: string, value: number): Promise<void>;
  status(user: string, folder?: string): Promise<MailboxStatus>;
  count(user: string, folder?: string): Promise<number>;
  listUids(user: string, folder?: string): Promise<number[]>;
  /** Per message, its flags without the session-only `\Recent`. */
  flags(user: string, folder?: string): Promise<Array<{ uid: number; flags: string[] }>>;
  /** Server down, data and ports kept. */
  stop(): Promise<void>;
  /** Up again after stop(), same config, data and ports. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
  /** Any doveadm command against this instance (`-c` added); `strict` fails on logged errors too. */
  doveadm(args: string[], input?: string | Buffer, opts?: { strict?: boolean }): Promise<string>;
}

export const DOVECOT_MISSING =
  'dovecot not found: install it with "apt-get install -y dovecot-imapd dovecot-pop3d dovecot-lmtpd" (or npm run setup:test)';

const HOST = '127.0.0.1';
const DOVECOT = process.env.DOVECOT_BIN || '/usr/sbin/dovecot';
const DOVEADM = process.env.DOVEADM_BIN || '/usr/bin/doveadm';

export function dovecotInstalled(): boolean {
  return existsSync(DOVECOT) && existsSync(DOVEADM);
}

/** Starts a fresh Dovecot and resolves once all its ports accept connections. */
export async function startDovecot(opts: { users?: MailUser[] } = {}): Promise<Dovecot | null> {
  if (!dovecotInstalled()) return null;
  const server = new PrivateDovecot(mkdtempSync(join(tmpdir(), 'parley-dovecot-')), accounts());
  try {
    await server.boot(opts.users ?? []);
  } catch (err) {
    await server.destroy();
    throw err;
  }
  return server;
}

class PrivateDovecot implements Dovecot {
  readonly host = HOST;
  ports: DovecotPorts = { imap: 0, imaps: 0, pop3: 0, pop3s: 0, lmtp: 0 };
  certPem = '';
  keyPem = '';
  readonly configFile: string;
  readonly logFile: string;
  private readonly mailDir: string;
  private readonly users = new Map<string, string>();
  private readonly passwd: PasswdFile;
  private child: ChildProcess | null = null;

  constructor(
    readonly dir: string,
    private readonly ids: Accounts,
  ) {
    this.configFile = join(dir, 'dovecot.conf');
    this.logFile = join(dir, 'dovecot.log');
    this.mailDir = join(dir, 'mail');
    this.passwd = new PasswdFile(join(dir, 'users'));
    process.once('exit', this.killOnExit);
  }

  /** A test process that ends without destroy(): SIGTERM makes the master stop its children. */
  private readonly killOnExit = () => {
    this.child?.kill('SIGTERM');
    // The retries cover files they still write while going down.
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 8, retryDelay: 50 });
  };

  async boot(users: MailUser[]): Promise<void> {
    // Dovecot's own users (auth, login, mail) must reach the config, passwd-file and Maildirs.
    await chmod(this.dir, 0o755);
    await mkdir(this.mailDir);
    await chown(this.mailDir, this.ids.mailUid, this.ids.mailGid);
    ({ certPem: this.certPem, keyPem: this.keyPem } = await selfSignedCert(this.dir));
    for (const u of users) this.users.set(localPart(u.user), checkField(u.password));
    await this.passwd.write(this.users, false);
    // A free port can be taken before Dovecot binds it (other test processes): new ones.
    for (let attempt = 1; !this.child; attempt++) {
      this.ports = await freePorts();
      await writeFile(this.configFile, renderConfig({ dir: this.dir, ports: this.ports, ids: this.ids, users: this.passwd.path, mail: this.mailDir, log: this.logFile }));
      try {
        this.child = await launch(this.dir, this.configFile, this.logFile, this.ports);
      } catch (err) {
        if (attempt === 3) throw err;
      }
    }
  }

  async addUser(user: string, password: string): Promise<void> {
    this.users.set(localPart(user), checkField(password));
    await this.passwd.write(this.users);
  }

  async setPassword(user: string, password: string): Promise<void> {
    if (!this.users.has(localPart(user))) throw new Error(`no such mail user: ${user}`);
    await this.addUser(user, password);
  }

  async deliver(recipient: string | string[], raw: string | Buffer, opts: { from?: string } = {}): Promise<void> {
    // ignoreTLS: Dovecot's LMTP offers STARTTLS with the self-signed certificate.
    const transport = nodemailer.createTransport({ lmtp: true, host: HOST, port: this.ports.lmtp, ignoreTLS: true });
    try {
      const to = Array.isArray(recipient) ? recipient : [recipient];
      const info = await transport.sendMail({ envelope: { from: opts.from ?? 'sender@example.test', to }, raw });
      // LMTP: recipients refused after DATA do not reject the promise.
      const refused = (info as { rejectedErrors?: Error[] }).rejectedErrors;
      if (refused?.length) throw refused[0];
    } finally {
      transport.close();
    }
  }

  async save(user: string, raw: string | Buffer, folder = 'INBOX'): Promise<void> {
    await this.doveadm(['save', '-u', localPart(user), '-m', folder], raw);
  }

  async createFolder(user: string, name: string): Promise<void> {
    await this.doveadm(['mailbox', 'create', '-u', localPart(user), name]);
  }

  async setUidValidity(user: string, folder: string, value: number): Promise<void> {
    await this.doveadm(['mailbox', 'update', '-u', localPart(user), '--uid-validity', String(value), folder]);
  }

  async status(user: string, folder = 'INBOX'): Promise<MailboxStatus> {
    const out = await this.doveadm(['-f', 'tab', 'mailbox', 'status', '-u', localPart(user), 'messages unseen uidvalidity uidnext', folder]);
    const row = tabRows(out)[0]!;
    return { messages: Number(row.messages), unseen: Number(row.unseen), uidValidity: Number(row.uidvalidity), uidNext: Number(row.uidnext) };
  }

  async count(user: string, folder = 'INBOX'): Promise<number> {
    return (await this.status(user, folder)).messages;
  }

  async listUids(user: string, folder = 'INBOX'): Promise<number[]> {
    return (await this.flags(user, folder)).map((m) => m.uid);
  }

  async flags(user: string, folder = 'INBOX'): Promise<Array<{ uid: number; flags: string[] }>> {
    const out = await this.doveadm(['-f', 'tab', 'fetch', '-u', localPart(user), 'uid flags', 'mailbox', folder, 'all']);
    return tabRows(out).map((row) => ({
      uid: Number(row.uid),
      flags: (row.flags ?? '').split(' ').filter((f) => f && f !== '\\Recent'),
    }));
  }

  async stop(): Promise<void> {
    if (this.child) await shutdown(this.child, this.configFile);
    this.child = null;
  }

  async start(): Promise<void> {
    if (!this.child) this.child = await launch(this.dir, this.configFile, this.logFile, this.ports);
  }

  async destroy(): Promise<void> {
    await this.stop();
    process.removeListener('exit', this.killOnExit);
    await rm(this.dir, { recursive: true, force: true });
  }

  doveadm(args: string[], input?: string | Buffer, opts?: { strict?: boolean }): Promise<string> {
    return run(DOVEADM, ['-c', this.configFile, ...args], input, opts);
  }
}

/** A self-signed certificate for 127.0.0.1 and localhost, written to dir as cert.pem/key.pem. */
export async function selfSignedCert(dir: string): Promise<{ certPem: string; keyPem: string; certFile: string; keyFile: string }> {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', keyFile, '-out', certFile,
  ]);
  return { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8'), certFile, keyFile };
}

interface Accounts {
  root: boolean;
  loginUser: string;
  internalUser: string;
  /** Set only when not root: the group of Dovecot's own sockets. */
  internalGroup: string | null;
  mailUid: number;
  mailGid: number;
}

/** Who runs what: see the header on uid 0. */
function accounts(): Accounts {
  const me = userInfo();
  if (me.uid !== 0) {
    const group = readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.split(':')[2] === String(me.gid));
    const internalGroup = group ? group.split(':')[0]! : String(me.gid);
    return { root: false, loginUser: me.username, internalUser: me.username, internalGroup, mailUid: me.uid, mailGid: me.gid };
  }
  const passwd = readFileSync('/etc/passwd', 'utf8');
  const uidOf = (name: string) => {
    const line = passwd.split('\n').find((l) => l.startsWith(`${name}:`));
    return line ? { uid: Number(line.split(':')[2]), gid: Number(line.split(':')[3]) } : null;
  };
  const nobody = uidOf('nobody') ?? { uid: 65534, gid: 65534 };
  return {
    root: true,
    loginUser: uidOf('dovenull') ? 'dovenull' : 'nobody',
    internalUser: uidOf('dovecot') ? 'dovecot' : 'nobody',
    internalGroup: null,
    mailUid: nobody.uid,
    mailGid: nobody.gid,
  };
}

function renderConfig(c: { dir: string; ports: DovecotPorts; ids: Accounts; users: string; mail: string; log: string }): string {
  const { dir, ports, ids } = c;
  // Not root: every service runs as us and chroot() is not allowed.
  const noChroot = ids.root ? '' : '  chroot =\n';
  return `# Written by test/helpers/dovecot.ts
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${c.log}
protocols = imap pop3 lmtp
listen = ${HOST}
ssl = yes
ssl_cert = <${dir}/cert.pem
ssl_key = <${dir}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_username_format = %Ln
auth_failure_delay = 0
auth_verbose = yes
default_login_user = ${ids.loginUser}
default_internal_user = ${ids.internalUser}
${ids.internalGroup ? `default_internal_group = ${ids.internalGroup}\n` : ''}mail_uid = ${ids.mailUid}
mail_gid = ${ids.mailGid}
first_valid_uid = 1
first_valid_gid = 0
mail_home = ${c.mail}/%u
mail_location = maildir:${c.mail}/%u/Maildir
mail_max_userip_connections = 100
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
imap_idle_notify_interval = 2 secs
mailbox_idle_check_interval = 1 secs

namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
  }
  mailbox Trash {
    special_use = \\Trash
  }
  mailbox Archive {
    special_use = \\Archive
  }
}

passdb {
  driver = passwd-file
  args = scheme=PLAIN ${c.users}
}
userdb {
  driver = passwd-file
  args = ${c.users}
}

service imap-login {
  inet_listener imap {
    port = ${ports.imap}
  }
  inet_listener imaps {
    port = ${ports.imaps}
    ssl = yes
  }
${noChroot}}
service pop3-login {
  inet_listener pop3 {
    port = ${ports.pop3}
  }
  inet_listener pop3s {
    port = ${ports.pop3s}
    ssl = yes
  }
${noChroot}}
service lmtp {
  inet_listener lmtp {
    address = ${HOST}
    port = ${ports.lmtp}
  }
}
# No growing delay after failed logins from 127.0.0.1.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
${noChroot}}
`;
}

/** Five distinct free ports. */
async function freePorts(): Promise<DovecotPorts> {
  const seen = new Set<number>();
  while (seen.size < 5) seen.add(await freePort());
  const [imap, imaps, pop3, pop3s, lmtp] = [...seen] as [number, number, number, number, number];
  return { imap, imaps, pop3, pop3s, lmtp };
}

/** An empty run dir, `dovecot -F`, then wait until every port accepts connections. */
async function launch(dir: string, config: string, log: string, ports: DovecotPorts, timeoutMs = 15_000): Promise<ChildProcess> {
  const runDir = join(dir, 'run');
  await rm(runDir, { recursive: true, force: true });
  await mkdir(runDir, { recursive: true });
  await mkdir(join(dir, 'state'), { recursive: true });
  const child = spawn(DOVECOT, ['-F', '-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + timeoutMs;
  for (const port of Object.values(ports)) {
    while (!(await accepts(port))) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        await stopChild(child, 3000);
        const logText = existsSync(log) ? readFileSync(log, 'utf8').slice(-4000) : '';
        throw new Error(`dovecot did not listen on port ${port}:\n${out}\n${logText}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  // A forgotten destroy() must not keep the test process alive: the exit hook kills it.
  child.unref();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  return child;
}

/** `doveadm stop`, then the master's exit (SIGTERM, SIGKILL if it lingers). */
async function shutdown(child: ChildProcess, config: string): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  try {
    // Mail processes serving live connections (an IDLE session) outlive the master;
    // a real server going down drops them: kick every session first.
    await run(DOVEADM, ['-c', config, 'kick', '*']).catch(() => undefined);
    await run(DOVEADM, ['-c', config, 'stop']);
  } catch {
    // already gone, or no pid file: stopChild below does it the hard way
  }
  const timer = setTimeout(() => void stopChild(child, 2000), 5000);
  await exited;
  clearTimeout(timer);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, HOST);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => done(true));
  });
}

/**
 * The passwd-file. Dovecot's auth process stats it at most once per second (ioloop time) and
 * re-reads it only when mtime (seconds) or size changed. So every write moves the mtime
 * forward, and returns only once the second has turned: the next login is then sure to
 * see it. Without this, a login right after addUser() got "unknown user".
 */
class PasswdFile {
  private mtime = 0;
  constructor(readonly path: string) {}

  /** `settle`: wait for the next second (not needed before Dovecot first reads it). */
  async write(users: Map<string, string>, settle = true): Promise<void> {
    const text = [...users].map(([user, password]) => `${user}:{PLAIN}${password}::::::\n`).join('');
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, text, { mode: 0o644 });
    this.mtime = Math.max(Math.floor(Date.now() / 1000), this.mtime + 1);
    await utimes(tmp, this.mtime, this.mtime);
    await rename(tmp, this.path);
    if (settle) await new Promise((r) => setTimeout(r, 1005 - (Date.now() % 1000)));
  }
}

/** What Dovecot calls the user: the local part, lowercased (auth_username_format = %Ln). */
function localPart(user: string): string {
  const name = user.split('@')[0]!.toLowerCase();
  return checkField(name);
}

function checkField(value: string): string {
  if (!value || /[:\n\r]/.test(value)) throw new Error(`not usable in a passwd-file: ${JSON.stringify(value)}`);
  return value;
}

/** `doveadm -f tab` output: a header line, then one line per record. */
function tabRows(out: string): Array<Record<string, string>> {
  const [header = '', ...lines] = out.split('\n');
  const keys = header.split('\t');
  return lines.filter((l) => l !== '').map((l) => {
    const values = l.split('\t');
    return Object.fromEntries(keys.map((k, i) => [k, values[i] ?? '']));
  });
}

/**
 * Runs a command to completion. Stdin is closed unless there is input (writing to a child
 * that exits first raised an unhandled EPIPE). `strict`: a 0 exit with `Error:` logged on
 * stderr fails too (doveadm import exits 0 after failing single messages).
 */
function run(bin: string, args: string[], input?: string | Buffer, opts: { strict?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0 && !(opts.strict && /\bError:/.test(err))) resolve(out);
      else reject(new Error(`${bin} ${args.join(' ')} exited with ${code}: ${err.trim().slice(0, 2000)}`));
    });
    if (input !== undefined) {
      child.stdin!.on('error', () => undefined); // the exit code or stderr says what went wrong
      child.stdin!.end(input);
    }
  });
}
