import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseEmail } from '../../server/channels/email/mail';
import { stripReply, stripText } from '../../server/channels/email/strip';

const DELIMITER = '### Please type your reply above this line ###';
const FIXTURES = new URL('../fixtures/mail/replies/', import.meta.url);

/** Whitespace-normalised per line: trimmed, inner runs collapsed, blank lines dropped. */
function norm(text: string): string {
  return text.split('\n').map((l) => l.trim().replace(/\s+/g, ' ')).filter(Boolean).join('\n');
}

const QUOTE = '> Hi Maria,\n>\n> Your order #1042 left our warehouse this morning.\n>\n> Tom';

describe('reply stripper: fixtures of real clients', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.eml')).sort();
  it('has at least 24 fixtures', () => assert.ok(files.length >= 24, `${files.length} fixtures`));
  for (const file of files) {
    it(file, async () => {
      const mail = await parseEmail(readFileSync(new URL(file, FIXTURES)));
      const expected = readFileSync(new URL(file.replace(/\.eml$/, '.expected.txt'), FIXTURES), 'utf8');
      const result = stripReply(mail, { delimiter: DELIMITER });
      assert.equal(norm(result.text), norm(expected));
      assert.equal(result.quoted, true);
    });
  }
});

describe('reply stripper: delimiter', () => {
  it('cuts at our delimiter line and the attribution above it', () => {
    const text = `Works for me.\n\nOn Mon, 4 Mar 2024, Acme Support wrote:\n> ${DELIMITER}\n> Hi Maria,\n> Tom`;
    assert.deepEqual(stripText(text, { delimiter: DELIMITER }), { text: 'Works for me.', quoted: true });
  });
  it('finds it unquoted, reformatted and inside HTML', () => {
    assert.equal(stripText(`Fine.\n\n   ###  Please type your reply above this line  ###\nHi Maria`, { delimiter: DELIMITER }).text, 'Fine.');
    const html = `<p>Fine by me.</p><p>Le lun. 4 mars, Acme a dit :</p><div><span>${DELIMITER}</span><p>Hi Maria</p></div>`;
    assert.equal(stripReply({ text: '', html }, { delimiter: DELIMITER }).text, 'Fine by me.');
  });
  it('is only a cut when asked for', () => {
    const text = `Line one\n${DELIMITER}\nLine two`;
    assert.equal(stripText(text).text, text);
  });
  it('reads on below the delimiter when nothing was typed above it (bottom-posting)', () => {
    const text = `On 04/03/2024 10:15, Acme Support wrote:\n> ${DELIMITER}\n> Hi Maria\n\nMy answer is below.`;
    assert.equal(stripText(text, { delimiter: DELIMITER }).text, 'My answer is below.');
  });
});

describe('reply stripper: signatures', () => {
  it('cuts a "-- " signature and keeps it on request', () => {
    const text = 'Thanks!\n\n-- \nJane Doe\nACME Corp\n\nOn Mon, Mar 4, 2024 at 10:15 AM Acme <support@acme.example> wrote:\n> Hi';
    assert.deepEqual(stripText(text), { text: 'Thanks!', quoted: true });
    assert.equal(norm(stripText(text, { keepSignature: true }).text), 'Thanks!\n--\nJane Doe\nACME Corp');
    assert.equal(stripText('Thanks!\n--\nJane').text, 'Thanks!');
  });
  it('cuts mobile signatures in many languages', () => {
    for (const sig of ['Sent from my iPhone', 'Sent from my Android', 'Inviato da iPhone', 'Von meinem iPhone gesendet',
      'Envoyé de mon iPhone', 'Enviado desde mi iPhone', 'Отправлено с iPhone', 'Get Outlook for iOS<https://aka.ms/o0ukef>',
      'Get Outlook for Android', 'Sent from Yahoo Mail on Android', 'Sent from Mail for Windows', 'Sent from my Samsung Galaxy smartphone.',
      'Gesendet von Outlook für Android', 'Enviado do meu iPhone', 'iPhoneから送信', '发自我的iPhone']) {
      assert.equal(stripText(`See you then.\n\n${sig}`).text, 'See you then.', sig);
    }
  });
  it('keeps sentences that only look like one', () => {
    for (const text of ['Here is another email\n\nSent from my desk, is much easier than my mobile phone.',
      'The notification was sent from my iPhone app to all users.', 'And here is a fix -- this is not a signature.']) {
      assert.deepEqual(stripText(text), { text, quoted: false });
    }
  });
  it('returns a signature rather than nothing when the reply is only a signature', () => {
    assert.equal(stripText(`Sent from my iPhone\n\nOn Mar 4, 2024, at 10:15, Acme <support@acme.example> wrote:\n\n${QUOTE}`).text, 'Sent from my iPhone');
  });
});

describe('reply stripper: quote headers', () => {
  const headers: [string, string][] = [
    ['Gmail', 'On Mon, Mar 4, 2024 at 10:15 AM Acme Support <support@acme.example> wrote:'],
    ['Gmail, wrapped', 'On Mon, Mar 4, 2024 at 10:15 AM Acme Support <\nsupport@acme.example> wrote:'],
    ['Gmail, wrapped before "wrote"', 'On Tue, 16 Nov 2021, 12:34 pm Acme Support <support@acme.example>\nwrote:'],
    ['Apple Mail', 'On 4 Mar 2024, at 10:15, Acme Support <support@acme.example> wrote:'],
    ['Yahoo', 'On Monday, March 4, 2024, 10:15:02 AM GMT+1, Acme Support <support@acme.example> wrote:'],
    ['Thunderbird', 'On 04/03/2024 10:15, Acme Support wrote:'],
    ['Zoho', '---- On Mon, 04 Mar 2024 10:15:00 +0100 Acme Support <support@acme.example> wrote ----'],
    ['Italian', 'Il giorno lun 4 mar 2024 alle ore 10:15 Acme Support <support@acme.example> ha scritto:'],
    ['Italian, other', 'In data 4 marzo 2024 10:15:31 "Acme Support" <support@acme.example> ha scritto:'],
    ['German', 'Am Mo., 4. März 2024 um 10:15 Uhr schrieb Acme Support <support@acme.example>:'],
    ['German, Thunderbird', 'Am 04.03.24 um 10:15 schrieb Acme Support:'],
    ['French', 'Le lun. 4 mars 2024 à 10:15, Acme Support <support@acme.example> a écrit :'],
    ['French, wrapped', 'Le lun. 4 mars 2024 à 10:15, Acme Support <support@acme.example>\na écrit :'],
    ['Spanish', 'El lun, 4 mar 2024 a las 10:15, Acme Support (<support@acme.example>) escribió:'],
    ['Portuguese', 'Em seg., 4 de mar. de 2024 às 10:15, Acme Support <support@acme.example> escreveu:'],
    ['Dutch', 'Op ma 4 mrt 2024 om 10:15 schreef Acme Support <support@acme.example>:'],
    ['Russian', '4 марта 2024 г., в 10:15, Acme Support <support@acme.example> написал(а):'],
    ['Russian, Gmail', 'пн, 4 мар. 2024 г. в 10:15, Acme Support <support@acme.example>:'],
    ['Polish', 'W dniu 4.03.2024 o 10:15, Acme Support <support@acme.example> napisał(a):'],
    ['Swedish', 'Den mån 4 mars 2024 kl 10:15 skrev Acme Support <support@acme.example>:'],
    ['Norwegian, wrapped bracket', 'man. 4. mar. 2024 kl. 10:15 skrev Acme Support <support@acme.example\n>:'],
    ['Finnish', 'ma 4. maalisk. 2024 klo 10.15 Acme Support\n<support@acme.example> kirjoitti:'],
    ['Japanese, Apple Mail', '2024/03/04 10:15、Acme Support <support@acme.example>のメッセージ:'],
    ['Japanese, Gmail', '2024年3月4日(月) 10:15 Acme Support <support@acme.example>:'],
    ['Chinese, Gmail', 'Acme Support <support@acme.example> 于2024年3月4日周一 10:15写道：'],
    ['Yandex', '04.03.2024, 10:15, "Acme Support" <support@acme.example>:'],
  ];
  for (const [name, header] of headers) {
    it(name, () => {
      assert.deepEqual(stripText(`Thanks, that helps.\n\n${header}\n\n${QUOTE}\n`), { text: 'Thanks, that helps.', quoted: true });
      // Outlook-style: the original under the header is not quoted with '>'.
      assert.equal(stripText(`Thanks, that helps.\n\n${header}\n\nHi Maria,\nYour order left.`).text, 'Thanks, that helps.');
    });
  }
  it('does not take ordinary sentences for headers', () => {
    for (const text of ['On the surface, this looks like a quote header but it is not.\nOn Thursday:\nwe meet.',
      'Here are the dates:\n2024-01-15 14:30:25\n15.01.2024 14:30', 'In 2019 Shakespeare wrote: nothing.',
      'Check https://example.com/on-date-someone-wrote-about-parsing please']) {
      assert.equal(stripText(text).text, text);
    }
  });
  it('a message whose top is a quote header only is never emptied', () => {
    const header = 'On Mon, Mar 4, 2024 at 10:15 AM Acme Support <support@acme.example> wrote:';
    assert.equal(stripText(header).text, header);
    const text = 'Am 04.03.2024 um 10:15 schrieb Acme Support:\n\nDanke, alles angekommen!';
    assert.equal(stripText(text).text, text);
  });
  it('a bottom-posted reply keeps what follows the quote', () => {
    assert.equal(stripText(`On 04/03/2024 10:15, Acme Support wrote:\n${QUOTE}\n\nThanks, got it.\n\n-- \nPeter`).text, 'Thanks, got it.');
  });
  it('an inline reply keeps the quotes it answers and drops the rest', () => {
    const text = 'Hi Tom,\n\nOn 04/03/2024 10:15, Acme Support wrote:\n> Blue or green?\n\nBlue.\n\n> Which size?\n\nL.\n\n> Tom\n> Acme';
    assert.equal(stripText(text).text, 'Hi Tom,\n\nOn 04/03/2024 10:15, Acme Support wrote:\n> Blue or green?\n\nBlue.\n\n> Which size?\n\nL.');
  });
  it("drops '>' lines at the bottom, keeps them in the middle", () => {
    assert.deepEqual(stripText('See below.\n\n> old\n> text\n'), { text: 'See below.', quoted: true });
    const middle = 'About this:\n> the box was damaged\nWe will send a new one.';
    assert.deepEqual(stripText(middle), { text: middle, quoted: false });
  });
  it('falls back to the text without its quoted lines, then to everything', () => {
    assert.equal(stripText('> all\n> quoted').text, '> all\n> quoted');
    assert.equal(stripText('-----Original Message-----\nFrom: a@b.example\nSent: today\n\nOnly forwarded text').text,
      '-----Original Message-----\nFrom: a@b.example\nSent: today\n\nOnly forwarded text');
  });
});

describe('reply stripper: Outlook header blocks and separators', () => {
  const blocks: [string, string][] = [
    ['English', 'From: Acme Support <support@acme.example>\nSent: Monday, March 4, 2024 10:15 AM\nTo: Paul\nSubject: Your order'],
    ['English, bold in text', '*From:* Acme Support [mailto:support@acme.example]\n*Sent:* Monday, March 4, 2024 10:15 AM\n*To:* Paul\n*Subject:* Your order'],
    ['German', 'Von: Acme Support <support@acme.example>\nGesendet: Montag, 4. März 2024 10:15\nAn: Jens\nBetreff: Ihre Bestellung'],
    ['Italian', 'Da: Acme Support <support@acme.example>\nInviato: lunedì 4 marzo 2024 10:15\nA: Giulia\nOggetto: Il tuo ordine'],
    ['French', 'De : Acme Support <support@acme.example>\nEnvoyé : lundi 4 mars 2024 10:15\nÀ : Claire\nObjet : Votre commande'],
    ['Spanish', 'De: Acme Support <support@acme.example>\nEnviado: lunes, 4 de marzo de 2024 10:15\nPara: Lucía\nAsunto: Tu pedido'],
    ['Russian', 'От: Acme Support <support@acme.example>\nОтправлено: 4 марта 2024 г. 10:15\nКому: Ольга\nТема: Ваш заказ'],
    ['Japanese', '差出人: Acme Support <support@acme.example>\n送信日時: 2024年3月4日 10:15\n宛先: 山田 太郎\n件名: ご注文'],
    ['Chinese', '发件人: Acme Support <support@acme.example>\n发送时间: 2024年3月4日 10:15\n收件人: 张三\n主题: 您的订单'],
    ['Dutch', 'Van: Acme Support [mailto:support@acme.example]\nVerzonden: maandag 4 maart 2024 10:15\nAan: Jan\nOnderwerp: Uw bestelling'],
    ['Polish', 'Od: Acme Support <support@acme.example>\nWysłano: poniedziałek, 4 marca 2024 10:15\nDo: Jan\nTemat: Zamówienie'],
    ['Hotmail order', 'Date: Mon, 4 Mar 2024 10:15:00 +0000\nSubject: Your order\nFrom: support@acme.example\nTo: paul@example.com'],
    ['wrapped address', 'From: Human Resources\n<a-really-long-automated-email+1234556@humanresources.example>\nSent: Monday, August 26, 2019 4:37 PM\nTo: Paul\nSubject: A new message'],
  ];
  for (const [name, block] of blocks) {
    it(name, () => assert.deepEqual(stripText(`Fine, thanks.\n\n${block}\n\nHi Maria,\nyour order left.`), { text: 'Fine, thanks.', quoted: true }));
  }
  const separators = ['-----Original Message-----', '-----Ursprüngliche Nachricht-----', '-----Messaggio originale-----',
    "-----Message d'origine-----", '-----Mensaje original-----', '-----Исходное сообщение-----', '-------- Original Message --------',
    '---------- Forwarded message ---------', 'Begin forwarded message:', '________________________________\nFrom: Acme Support\nSent: Monday\nTo: Paul\nSubject: Your order'];
  for (const separator of separators) {
    it(separator.split('\n')[0]!, () => assert.equal(stripText(`Fine, thanks.\n\n${separator}\n\nHi Maria`).text, 'Fine, thanks.'));
  }
  it('keeps "from:" inside sentences, field-like lists and a plain "Original message" line', () => {
    for (const text of ['I need emails that come from: john@example.com\nThe data comes From: our database.',
      'Il mio viaggio:\nData: 12 marzo\nDa: Roma\nA: Milano', 'Original message\n\nMore text']) {
      assert.equal(stripText(text).text, text);
    }
  });
});

describe('reply stripper: HTML', () => {
  const reply = (quote: string) => stripReply({ text: 'ignored', html: `<div>Sounds good.</div><div>Maria</div>${quote}` });
  const cases: [string, string][] = [
    ['Gmail', '<div class="gmail_quote"><div class="gmail_attr">Il giorno lun 4 mar 2024 Acme ha scritto:</div><blockquote class="gmail_quote">Hi</blockquote></div>'],
    ['Outlook Web', '<div id="appendonsend"></div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg"><b>From:</b> Acme<br><b>Sent:</b> Monday</div><div>Hi</div>'],
    ['Outlook Web, no appendonsend', '<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg"><b>De :</b> Acme</div><div>Hi</div>'],
    ['Outlook desktop', "<div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'><p><b>Von:</b> Acme<br><b>Gesendet:</b> Montag</p></div><p>Hi</p>"],
    ['Outlook 2003', '<div class="OutlookMessageHeader"><hr><b>From:</b> Acme</div><p>Hi</p>'],
    ['hr and a From: block', '<hr><b>From: </b>support@acme.example<br><b>Sent: </b>Monday<br><p>Hi</p>'],
    ['Thunderbird', '<div class="moz-cite-prefix">Am 04.03.24 um 10:15 schrieb Acme:<br></div><blockquote type="cite">Hi</blockquote>'],
    ['Yahoo', '<div id="yahoo_quoted_1" class="yahoo_quoted"><div>On Monday, Acme wrote:</div><div>Hi</div></div>'],
    ['Apple Mail', '<div><br><blockquote type="cite"><div>On 4 Mar 2024, at 10:15, Acme &lt;support@acme.example&gt; wrote:</div><div>Hi</div></blockquote></div>'],
    ['plain blockquote after a header', '<p>04.03.2024, 10:15, "Acme" &lt;support@acme.example&gt;:</p><blockquote>Hi</blockquote>'],
    ['Outlook for Mac', '<span id="OLK_SRC_BODY_SECTION"><div>From: Acme</div><div>Hi</div></span>'],
  ];
  for (const [name, quote] of cases) {
    it(name, () => assert.deepEqual(reply(quote), { text: 'Sounds good.\nMaria', quoted: true }));
  }
  it('keeps Gmail\'s indent blockquote (not a quote) and links', () => {
    const html = '<div>Steps:</div><blockquote style="margin:0 0 0 40px;border:none;padding:0px"><div>open <a href="https://acme.example/x">the page</a></div></blockquote>';
    assert.deepEqual(stripReply({ text: '', html }), { text: 'Steps:\nopen the page [https://acme.example/x]', quoted: false });
  });
  it('reads the whole HTML when the reply was all quote markup', () => {
    const html = '<div class="moz-forward-container">-------- Forwarded Message --------<br>Dear John,<br>This is a test.</div>';
    assert.ok(stripReply({ text: '', html }).text.includes('This is a test.'));
  });
  it('survives deeply nested markup', () => {
    const html = `${'<div>'.repeat(20_000)}deep${'</div>'.repeat(20_000)}`;
    assert.doesNotThrow(() => stripReply({ text: 'deep', html }));
  });
});

describe('reply stripper: linear time', () => {
  it('a 2 MiB single-paragraph format=flowed body comes back whole', async () => {
    const line = 'lorem ipsum dolor sit amet, consectetur adipiscing elit wrote: On 2024 ';
    const count = Math.ceil((2 * 1024 * 1024) / line.length);
    // Every line but the last ends with a space: a soft break, so the body decodes to one 2 MiB line.
    const raw = `From: a@example.com\r\nTo: b@example.com\r\nSubject: big\r\nContent-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n${
      `${line}\r\n`.repeat(count)}end.\r\n\r\nOn Mon, Mar 4, 2024 at 10:15 AM Acme <support@acme.example> wrote:\r\n> Hi\r\n`;
    const mail = await parseEmail(Buffer.from(raw));
    const result = stripReply(mail);
    assert.equal(result.text.length, line.length * count + 'end.'.length);
    assert.ok(result.text.endsWith(' 2024 end.'));
    assert.equal(result.quoted, true);
  });
  it('twice the input costs about twice the time, whatever the lines look like', () => {
    const unit = 'On Mon, Mar 4, 2024 at 10:15 AM Acme <a@b.example> wrote:\n> q\n\nFrom: x\nSent: y\n2024 12:00 x@y.example:\n-- \nanswer\n\n';
    const input = (bytes: number) => `Hi\n\n${unit.repeat(Math.ceil(bytes / unit.length))}`;
    const best = (text: string) => {
      let min = Infinity;
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        stripText(text);
        min = Math.min(min, performance.now() - t);
      }
      return min;
    };
    const small = input(512 * 1024);
    const large = input(1024 * 1024);
    best(small); // warm up
    const ratio = best(large) / best(small);
    assert.ok(ratio < 4, `1 MiB took ${ratio.toFixed(2)}x the time of 512 KiB`);
  });
});
