import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeFlowed } from '../../server/channels/email/flowed';
import { parseEmail } from '../../server/channels/email/mail';

describe('format=flowed decoding (RFC 3676)', () => {
  it('joins soft-broken lines of one quote depth', () => {
    assert.equal(decodeFlowed('Hello \r\nworld\r\n\r\nNext'), 'Hello world\n\nNext');
    assert.equal(decodeFlowed('> a quoted \r\n> line\r\nplain'), '> a quoted line\nplain');
  });
  it('a change of quote depth ends the paragraph (the new text stays out of the quote)', () => {
    assert.equal(decodeFlowed('> Hi \r\nHello, I am fine.'), '> Hi \nHello, I am fine.');
    assert.equal(decodeFlowed('>> deep \r\n> shallow'), '>> deep \n> shallow');
  });
  it('keeps the signature separator, undoes space-stuffing and DelSp', () => {
    assert.equal(decodeFlowed('text\r\n-- \r\nsig'), 'text\n-- \nsig');
    assert.equal(decodeFlowed(' From the start'), 'From the start');
    assert.equal(decodeFlowed('abc \r\ndef', true), 'abcdef');
  });
  it('is what mailparser uses for flowed parts', async () => {
    const raw = 'From: a@b.example\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n> Hi \r\nHello\r\n';
    assert.equal((await parseEmail(Buffer.from(raw))).text.trim(), '> Hi \nHello');
  });
});
