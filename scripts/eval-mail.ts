// `npm run eval:mail`: measures the reply stripper (strip.ts) and the loop guard (guard.ts)
// on the public corpora in ../shared/corpora (see its README). The corpora stay outside the
// repository; without them this says so and exits 0. Prints a summary, then, as the last
// line, one JSON object with the figures.
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classify, type MailKind } from '../server/channels/email/guard';
import { parseEmail, type ParsedEmail } from '../server/channels/email/mail';
import { stripReply, stripText } from '../server/channels/email/strip';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const corpora = resolve(root, '../shared/corpora');

const squash = (s: string): string => s.replace(/\s+/g, '');
const lines = (s: string): string => s.split('\n').map((l) => l.trim().replace(/\s+/g, ' ')).filter(Boolean).join('\n');
const show = (s: string): string => JSON.stringify(s.length > 160 ? `${s.slice(0, 160)}…` : s);

async function files(dir: string, ext: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).filter((f) => f.endsWith(ext)).sort().map((f) => join(dir, f));
}

async function parse(file: string): Promise<ParsedEmail> {
  return parseEmail(await readFile(file));
}

const figures: Record<string, unknown> = { available: true };
const out = (line = ''): void => console.log(line);

/** (a) talon standard replies: each X.eml's new text is X_reply_text, or exactly "Hello". */
async function talonStandard(): Promise<void> {
  const dir = join(corpora, 'talon/tests/fixtures/standard_replies');
  const emls = await files(dir, '.eml');
  let ok = 0;
  let pipelineOk = 0;
  const failures: string[] = [];
  const pipelineDiffs: string[] = [];
  for (const file of emls) {
    const mail = await parse(file);
    const expectedFile = file.replace(/\.eml$/, '_reply_text');
    const expected = existsSync(expectedFile) ? await readFile(expectedFile, 'utf8') : 'Hello';
    // talon's own protocol and labels: quotations cut from the text/plain part, signatures kept.
    const got = stripReply({ text: mail.text, html: null }, { keepSignature: true }).text;
    if (lines(got) === lines(expected)) ok++;
    else failures.push(`${basename(file)}: got ${show(got)}, expected ${show(expected)}`);
    // What Parley stores: the HTML part when there is one, signatures cut.
    const pipeline = stripReply(mail).text;
    if (lines(pipeline) === lines(expected)) pipelineOk++;
    else pipelineDiffs.push(`${basename(file)}: ${show(pipeline)} (label ${show(expected)})`);
  }
  out(`(a) talon standard replies (text/plain part, signatures kept, as talon labels them): ${ok}/${emls.length}`);
  for (const f of failures) out(`    FAIL ${f}`);
  out(`    as stored by Parley (HTML part preferred, signatures cut): ${pipelineOk}/${emls.length}; differences:`);
  for (const d of pipelineDiffs) out(`    - ${d}`);
  figures.talon_standard_accuracy = emls.length ? ok / emls.length : null;
  figures.talon_standard_failures = failures.length;
  figures.talon_standard_pipeline_accuracy = emls.length ? pipelineOk / emls.length : null;
}

/** (b) talon HTML replies: the visible new text is always "Hi. I am fine. / Thanks, / Alex". */
async function talonHtml(): Promise<void> {
  const htmls = await files(join(corpora, 'talon/tests/fixtures/html_replies'), '.html');
  let ok = 0;
  for (const file of htmls) {
    const got = stripReply({ text: '', html: await readFile(file, 'utf8') }).text;
    if (squash(got) === 'Hi.Iamfine.Thanks,Alex') ok++;
    else out(`    FAIL ${basename(file)}: ${show(got)}`);
  }
  out(`(b) talon HTML replies: ${ok}/${htmls.length}`);
  figures.talon_html_accuracy = htmls.length ? ok / htmls.length : null;
}

const QUOTE_MARK = /^[ \t]*>|\bwrote:?[ \t]*$/im;

/** (c) plain-text corpora without stored labels: non-empty results, and results still carrying a quote marker. */
async function plainCorpora(): Promise<void> {
  const dirs = ['crisp_email_reply_parser/test/fixtures', 'github_email_reply_parser/test/emails', 'willdurand_email_reply_parser/tests/Fixtures'];
  let total = 0;
  let nonEmpty = 0;
  const marked: string[] = [];
  let slowest = { ms: 0, file: '' };
  for (const dir of dirs) {
    for (const file of await files(join(corpora, dir), '.txt')) {
      total++;
      const text = await readFile(file, 'utf8');
      const t = performance.now();
      const got = stripText(text).text;
      const ms = performance.now() - t;
      if (ms > slowest.ms) slowest = { ms, file: `${dir.split('/')[0]}/${basename(file)}` };
      if (got.trim()) nonEmpty++;
      if (QUOTE_MARK.test(got)) marked.push(`${dir.split('/')[0]}/${basename(file)}`);
    }
  }
  out(`(c) plain-text corpora (crisp, github, willdurand): ${total} bodies, ${nonEmpty} non-empty, ${marked.length} still with a '>' line or "wrote:" (inline replies keep theirs)`);
  for (const m of marked) out(`    - ${m}`);
  out(`    slowest: ${slowest.ms.toFixed(1)} ms (${slowest.file})`);
  figures.plain_total = total;
  figures.plain_non_empty = nonEmpty;
  figures.plain_with_quote_marker = marked.length;
}

/** Automatic messages among the reply corpora, labelled by reading them (a DSN). */
const KNOWN_AUTOMATIC = new Set(['delivery-status.eml']);

const isAutomatic = (kind: MailKind): boolean => kind !== 'normal';

function expectedKind(reasons: string[]): MailKind {
  if (reasons.includes('feedback')) return 'complaint';
  if (reasons.length > 0 && reasons.every((r) => r === 'vacation')) return 'auto-reply';
  return 'bounce';
}

/** (d) the loop guard: sisimai's labelled bounces, complaints and auto-replies; no reply flagged automatic. */
async function guard(): Promise<void> {
  const sisimai = join(corpora, 'sisimai');
  const expected = JSON.parse(await readFile(join(sisimai, 'expected.json'), 'utf8')) as {
    cases: Record<string, { expected: { reason: string }[] }>;
  };
  let recognised = 0;
  let total = 0;
  let withRecipients = 0;
  const confused: string[] = [];
  const missed: string[] = [];
  for (const [path, c] of Object.entries(expected.cases)) {
    total++;
    const want = expectedKind(c.expected.map((e) => e.reason));
    const verdict = classify(await parse(join(sisimai, path)));
    if (verdict.kind === want) recognised++;
    else if (verdict.kind === 'normal') missed.push(`${basename(path)} (${want})`);
    else confused.push(`${basename(path)}: ${verdict.kind}, expected ${want}`);
    if (want === 'bounce' && verdict.kind === 'bounce' && verdict.bouncedRecipients.length > 0) withRecipients++;
  }
  out(`(d) loop guard on sisimai: ${recognised}/${total} recognised; ${confused.length} automatic but another kind; ${missed.length} taken for a person`);
  for (const m of missed) out(`    MISSED ${m}`);
  for (const m of confused) out(`    CONFUSED ${m}`);
  out(`    bounces with their failed recipients named: ${withRecipients}`);

  const notBounces = await files(join(sisimai, 'set-of-emails/maildir/not'), '.eml');
  for (const file of notBounces) {
    const v = classify(await parse(file));
    out(`    not a bounce: ${basename(file)} -> ${v.kind} (${v.reason})`);
  }

  const replies = [
    ...(await files(join(corpora, 'talon/tests/fixtures/standard_replies'), '.eml')),
    ...(await files(join(corpora, 'talon/tests/fixtures'), '.eml')),
    ...(await files(join(corpora, 'nodemailer_mailparser/test/fixtures'), '.eml')).filter((f) => !KNOWN_AUTOMATIC.has(basename(f))),
  ];
  const falseAutomatic: string[] = [];
  for (const file of replies) {
    const v = classify(await parse(file));
    if (isAutomatic(v.kind)) falseAutomatic.push(`${basename(file)}: ${v.kind} (${v.reason})`);
  }
  out(`    replies and person-written emails flagged automatic: ${falseAutomatic.length}/${replies.length}`);
  for (const f of falseAutomatic) out(`    FALSE POSITIVE ${f}`);
  Object.assign(figures, {
    sisimai_recognised: recognised, sisimai_total: total, sisimai_confused: confused.length, sisimai_missed: missed.length,
    sisimai_not_bounces: notBounces.length, reply_total: replies.length, reply_false_automatic: falseAutomatic.length,
  });
}

/** Every other email of the corpora must go through parse, guard and stripper without throwing. */
async function robustness(): Promise<void> {
  const dirs = ['flanker/tests/fixtures/messages', 'flanker/tests/fixtures/messages/bounce', 'flanker/tests/fixtures/messages/complaints',
    'flanker/tests/fixtures/messages/spam', 'postal_mime/test', 'nodemailer_mailparser/test/fixtures'];
  let total = 0;
  const errors: string[] = [];
  let slowest = { ms: 0, file: '' };
  for (const dir of dirs) {
    for (const file of await files(join(corpora, dir), '.eml')) {
      total++;
      try {
        const mail = await parse(file);
        classify(mail);
        const t = performance.now();
        stripReply(mail);
        const ms = performance.now() - t;
        if (ms > slowest.ms) slowest = { ms, file: `${dir}/${basename(file)}` };
      } catch (err) {
        errors.push(`${dir}/${basename(file)}: ${(err as Error).message}`);
      }
    }
  }
  out(`robustness (flanker, postal_mime, nodemailer): ${total - errors.length}/${total} emails parsed, guarded and stripped; slowest strip ${slowest.ms.toFixed(1)} ms (${slowest.file})`);
  for (const e of errors) out(`    ERROR ${e}`);
  figures.robustness_total = total;
  figures.robustness_errors = errors.length;
}

async function main(): Promise<void> {
  if (!existsSync(corpora)) {
    out(`corpora folder not found at ${corpora}: nothing to evaluate`);
    out(JSON.stringify({ available: false }));
    return;
  }
  out(`corpora: ${corpora}`);
  await talonStandard();
  await talonHtml();
  await plainCorpora();
  await guard();
  await robustness();
  out(JSON.stringify(figures));
}

await main();
