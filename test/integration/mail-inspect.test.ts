// `parley mail inspect`: the CLI as an admin runs it, over real emails (test/fixtures/mail):
// one JSON line per file, in order; a file that cannot be read still gets its line, and
// the exit code says so at the end.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = join(root, 'test/fixtures/mail');
const TOKEN = 'h4vyyhs2jvhg7g32dqwt4t22nmo2n3hb2m';

function inspect(args: string[]): { status: number | null; lines: any[]; stderr: string } {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'mail', 'inspect', ...args], {
    cwd: root, env: { ...process.env, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000,
  });
  const lines = res.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return { status: res.status, lines, stderr: res.stderr };
}

const fixture = (path: string) => join(fixtures, path);
const expected = (file: string) => readFileSync(fixture(file).replace(/\.(eml|txt)$/, '.expected.txt'), 'utf8').trim();

describe('parley mail inspect', () => {
  it('prints one report per email, in order, and exits 1 after a file it cannot read', () => {
    const files = [
      'inspect/gmail-reply-with-clues.eml', 'inspect/outlook-html-with-attachments.eml',
      'auto/postfix-dsn.eml', 'auto/gmail-vacation.eml', 'auto/arf-complaint.eml', 'auto/mailing-list.eml',
    ].map(fixture);
    const missing = fixture('inspect/no-such-email.eml');
    const { status, lines, stderr } = inspect([files[0]!, missing, ...files.slice(1)]);
    assert.equal(status, 1, stderr);
    assert.deepEqual(lines.map((l) => l.file), [files[0], missing, ...files.slice(1)]);
    const [reply, error, html, bounce, vacation, complaint, list] = lines;

    assert.deepEqual(error, { file: missing, error: 'cannot be read: no such file' });

    assert.equal(reply.kind, 'normal');
    assert.equal(reply.from, 'Jonas Weber <jonas.weber@gmail.com>');
    assert.equal(reply.subject, `Re: Parcel has not arrived [#${TOKEN}]`);
    assert.equal(reply.text, expected('inspect/gmail-reply-with-clues.eml'));
    assert.deepEqual(reply.attachments, []);
    const ours = `parley.${TOKEN}.3qdfkl6dhv4vsezt@acme.example`;
    assert.deepEqual(reply.clues, {
      inReplyTo: [ours],
      references: ['CAJx7Yk0first.4700@mail.gmail.com', ours],
      ours: [ours],
      plusAddresses: [
        { where: `support+${TOKEN}-2zz44uxn@acme.example`, token: `${TOKEN}-2zz44uxn`, tokenShaped: true },
        { where: 'lena+orders@weber.example', token: 'orders', tokenShaped: false },
      ],
      displayNames: [{ where: `Acme Support | ${TOKEN}-2zz44uxn`, token: `${TOKEN}-2zz44uxn`, tokenShaped: true }],
      subject: { where: reply.subject, token: TOKEN, tokenShaped: true },
    });
    assert.deepEqual(reply.bounced, []);
    assert.equal(reply.list, false);

    assert.equal(html.kind, 'normal');
    assert.equal(html.from, 'Renée Müller <renee.mueller@outlook.com>');
    assert.deepEqual(html.replyTo, ['Renee Mueller <billing@mueller-design.example>']);
    assert.equal(html.text, expected('inspect/outlook-html-with-attachments.eml'));
    assert.deepEqual(html.attachments, [
      { name: 'logo001.png', type: 'image/png', size: 68 },
      { name: 'statement-june.pdf', type: 'application/pdf', size: 77 },
    ]);
    assert.deepEqual(html.clues, { inReplyTo: [], references: [], ours: [], plusAddresses: [], displayNames: [], subject: null });

    assert.equal(bounce.kind, 'bounce');
    assert.match(bounce.reason, /report-type=delivery-status/);
    assert.deepEqual(bounce.bounced, ['visitor.one@customer.example']);
    assert.deepEqual(bounce.attachments.map((a: { type: string }) => a.type), ['message/delivery-status', 'message/rfc822']);

    assert.equal(vacation.kind, 'auto-reply');
    assert.match(vacation.reason, /Auto-Submitted: auto-replied/);
    // parley.7f3a9c@ is not shaped like ours (no 34-character token).
    assert.deepEqual(vacation.clues.inReplyTo, ['parley.7f3a9c@acme.example']);
    assert.deepEqual(vacation.clues.ours, []);

    assert.equal(complaint.kind, 'complaint');
    assert.deepEqual(complaint.bounced, ['complainer@isp.example']);

    assert.equal(list.kind, 'normal');
    assert.equal(list.list, true);
  });

  it('--delimiter cuts at our delimiter line, even quoted', () => {
    const file = fixture('inspect/apple-mail-delimiter-reply.eml');
    const { status, lines } = inspect(['--delimiter', file]);
    assert.equal(status, 0);
    assert.equal(lines.length, 1);
    assert.equal(lines[0].text, expected('inspect/apple-mail-delimiter-reply.eml'));
    // A display name with a `|` but no token is reported as it is.
    assert.deepEqual(lines[0].clues.displayNames, [{ where: 'Acme Support | not-a-token', token: 'not-a-token', tokenShaped: false }]);
    assert.deepEqual(lines[0].clues.ours, []);
  });

  it('--body reads plain-text bodies and prints only the file and the new text', () => {
    const file = fixture('inspect/delimiter-unquoted.txt');
    const cut = inspect(['--body', '--delimiter', file]);
    assert.equal(cut.status, 0);
    assert.deepEqual(cut.lines, [{ file, text: expected('inspect/delimiter-unquoted.txt') }]);
    // Without --delimiter the line is just text: the reply is read by the other rules only.
    const whole = inspect(['--body', file]);
    assert.equal(whole.status, 0);
    assert.deepEqual(Object.keys(whole.lines[0]), ['file', 'text']);
    assert.match(whole.lines[0].text, /Would Thursday at 10 suit you/);
  });

  it('--body: a directory or a missing file gets an error line, the rest are still read', () => {
    const file = fixture('inspect/delimiter-unquoted.txt');
    const dir = fixture('inspect');
    const { status, lines } = inspect(['--body', dir, file, fixture('inspect/missing.txt')]);
    assert.equal(status, 1);
    assert.deepEqual(lines.map((l) => Object.keys(l)), [['file', 'error'], ['file', 'text'], ['file', 'error']]);
    assert.match(lines[0].error, /cannot be read: it is a directory/);
    assert.match(lines[2].error, /cannot be read: no such file/);
  });

  it('needs files: usage and exit code 2 without any', () => {
    const { status, lines, stderr } = inspect([]);
    assert.equal(status, 2);
    assert.deepEqual(lines, []);
    assert.match(stderr, /mail inspect \[--body\] \[--delimiter\] FILE/);
  });

  // Replies collected by the stripper's authors (X.eml with X.expected.txt): a few of them
  // go through the CLI too, with the delimiter on as an inbox has it by default, so inspect
  // shows exactly what ingestion keeps.
  const replies = fixture('replies');
  const pairs = existsSync(replies)
    ? readdirSync(replies).filter((f) => f.endsWith('.eml') && existsSync(join(replies, f.replace(/\.eml$/, '.expected.txt')))).sort().slice(0, 6)
    : [];
  it('shows the stripped text of client replies (test/fixtures/mail/replies)', { skip: pairs.length ? false : 'no test/fixtures/mail/replies/*.eml with .expected.txt yet' }, () => {
    const files = pairs.map((f) => join(replies, f));
    const { status, lines } = inspect(['--delimiter', ...files]);
    assert.equal(status, 0);
    for (const [i, file] of files.entries()) {
      assert.equal(lines[i].file, file);
      assert.equal(lines[i].kind, 'normal', file);
      assert.equal(lines[i].text, readFileSync(file.replace(/\.eml$/, '.expected.txt'), 'utf8').trim(), file);
    }
  });
});
