import { describe, expect, it } from 'vitest';
import { htmlToPlainText } from '../../src/mail/html-to-text.ts';

describe('htmlToPlainText', () => {
  it('reads as text: blocks are lines, cells are tab-separated, links show their address, hidden parts are gone', () => {
    const html = `<!DOCTYPE html><html><head><title>Renewal notice</title><style>p { color: red; }</style></head><body>
      <h1>Renewal</h1><p>Your plan &amp; seats   renew on <b>1 Dec</b>.</p><!-- tracking -->
      <table><tr><td> Seats </td><td>25</td></tr><tr><th>Price</th><td>&euro;&#160;100&#x21;</td></tr></table>
      <ul><li>one</li><li>two</li></ul>line<br>break<hr>
      <p>Manage it on <a class="x" href="https://saas.example/billing?id=7&amp;x=1">your <i>billing</i> page</a>.
      Mail <a href="mailto:help@saas.example">help@saas.example</a> or see <a href="https://saas.example">https://saas.example</a>
      or <a href="javascript:alert(1)">this</a>.</p><script>var x = 1;</script>&lt;not a tag&gt; 3 < 4</body></html>`;
    expect(htmlToPlainText(html)).toBe([
      'Renewal',
      '',
      'Your plan & seats renew on 1 Dec.',
      '',
      'Seats\t25',
      'Price\t€ 100!',
      '',
      '- one',
      '- two',
      'line',
      'break',
      '----',
      '',
      'Manage it on your billing page <https://saas.example/billing?id=7&x=1>. Mail help@saas.example or see https://saas.example or this.',
      '<not a tag> 3 < 4',
    ].join('\n'));
  });

  it('keeps the text of unclosed and stray markup, as a browser would show it', () => {
    expect(htmlToPlainText('before <a href="https://a.example">first<a href="https://b.example">second')).toBe(
      'before first <https://a.example>second <https://b.example>',
    );
    expect(htmlToPlainText('kept <!-- never closed <p>gone')).toBe('kept');
    expect(htmlToPlainText('kept <script>never closed')).toBe('kept');
    expect(htmlToPlainText('a <b>bold</b> and <unfinished tag')).toBe('a bold and');
    expect(htmlToPlainText('<head><meta charset="utf-8"><body>after an unclosed head')).toBe('after an unclosed head');
  });

  it("converts hostile markup of a mail's size whole, in one pass", () => {
    // Each of these took seconds to minutes with the regex-based converter (its time grew with the square of the size).
    const anchors = '<a href="http://x.example">y'.repeat(40_000);
    const anchorText = htmlToPlainText(anchors);
    expect(anchorText.startsWith('y <http://x.example>y <http://x.example>')).toBe(true);
    expect(anchorText.match(/y <http:\/\/x\.example>/g)).toHaveLength(40_000);

    expect(htmlToPlainText(`start${'<!-- x '.repeat(40_000)}`)).toBe('start');
    expect(htmlToPlainText('< x'.repeat(100_000))).toBe(`<${' x<'.repeat(99_999)} x`);
    expect(htmlToPlainText(`${'<div>'.repeat(100_000)}deep`)).toBe('deep');
    expect(htmlToPlainText(`a${'</td>'.repeat(100_000)}b${' <i></i>'.repeat(100_000)}c`)).toBe(`a${'\t'.repeat(100_000)}b c`);
  });
});
