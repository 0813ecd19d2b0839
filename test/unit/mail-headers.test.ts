import { describe, expect, it } from 'vitest';
import { parseMail } from '../../src/mail/mail-parser.ts';

const mail = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('header text the parser cannot read by itself', () => {
  it('raw 8-bit Latin-1 in Subject and From is decoded as the message charset, else Windows-1252', async () => {
    const m = await parseMail(mail('From: "Ren', [0xe9], ' M" <r@x.test>\r\nSubject: caf', [0xe9], ' ', [0x80], '5\r\nContent-Type: text/plain\r\n\r\nx\r\n'));
    expect(m.subject).toBe('café €5');
    expect(m.from).toEqual({ address: 'r@x.test', name: 'René M' });
    const latin9 = await parseMail(mail('Subject: ', [0xa4], ' 5\r\nContent-Type: text/plain; charset=iso-8859-15\r\n\r\nx\r\n'));
    expect(latin9.subject).toBe('€ 5');
  });

  it('leaves UTF-8 and encoded words to the parser', async () => {
    expect((await parseMail(mail('Subject: café ☕\r\n\r\nx\r\n'))).subject).toBe('café ☕');
    expect((await parseMail(mail('Subject: =?iso-8859-1?q?caf=E9?=\r\n\r\nx\r\n'))).subject).toBe('café');
  });

  it('reads an encoded word in a charset nobody knows, or not the charset it names, as Windows-1252', async () => {
    const m = await parseMail(mail('From: =?x-unknown?Q?Ren=E9?= M <r@x.test>\r\nSubject: =?x-unknown?Q?caf=E9?= =?utf-8?Q?=E9t=E9?= =?utf-8?Q?ok_=E2=98=95?=\r\n\r\nx\r\n'));
    expect(m.subject).toBe('caféétéok ☕');
    expect(m.from).toEqual({ address: 'r@x.test', name: 'René M' });
    expect((await parseMail(mail('Subject: =?utf-8?Q?genuine_=EF=BF=BD?=\r\n\r\nx\r\n'))).subject).toBe('genuine \uFFFD');
  });

  it('drops NUL from what it keeps', async () => {
    const m = await parseMail(mail('From: "A\u0000B" <a@x.test>\r\nSubject: a\u0000b\r\nMessage-ID: <i\u0000d@x>\r\n\r\nt\u0000ext\r\n'));
    expect([m.subject, m.from?.name, m.messageId, m.text]).toEqual(['ab', 'AB', '<id@x>', 'text']);
  });
});
