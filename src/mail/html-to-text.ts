const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ndash: '–', mdash: '—', hellip: '…', euro: '€', copy: '©' };

const decodeEntities = (text: string) => text.replace(/&(#x?[0-9a-f]{1,8}|[a-z]{1,10});/gi, (m, e: string) => {
  if (e[0] === '#') {
    const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : m;
  }
  return ENTITIES[e.toLowerCase()] ?? m;
});

const BLOCKS = new Set(['p', 'div', 'ul', 'ol', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'section', 'article', 'header', 'footer']);
/** Elements whose content is never text a reader sees, by the end tag that is searched for, not parsed to. */
const HIDDEN_END = new Map(['script', 'style', 'title', 'textarea', 'noscript', 'template'].map((name) => [name, new RegExp(`</${name}\\s*>`, 'ig')]));
const TAG_NAME = /^\/?([a-z][a-z0-9]*)/i;
const HREF = /\bhref\s*=\s*["']?((?:https?|mailto):[^"' >]+)/i;

/**
 * HTML-only mail as readable text: blocks become lines, table cells are separated, links read
 * `text <url>`, no markup is kept. One pass over the input, so hostile markup (thousands of
 * unclosed tags or comments) costs as much as any other HTML of its size.
 */
export function htmlToPlainText(html: string): string {
  const out: string[] = [];
  let link: { href: string; start: number } | null = null;
  let inHead = false;

  const closeLink = () => {
    if (!link) return;
    const label = out.splice(link.start).join('').trim();
    const address = decodeEntities(link.href);
    if (!label || label === address || `mailto:${label}` === address) out.push(label || address);
    else out.push(`${label} <${address}>`);
    link = null;
  };
  const text = (s: string) => {
    if (!inHead && s) out.push(decodeEntities(s.replace(/\s+/g, ' ')).replace(/\u00a0/g, ' '));
  };

  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt === -1) {
      text(html.slice(i));
      break;
    }
    text(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end === -1 ? html.length : end + 3;
      continue;
    }
    const next = html[lt + 1] ?? '';
    // As a browser reads it, "<" not followed by a tag name, "/" or "!" is text.
    if (!/[a-z/!?]/i.test(next)) {
      text('<');
      i = lt + 1;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt === -1) break;
    i = gt + 1;
    const tag = html.slice(lt + 1, gt);
    const name = TAG_NAME.exec(tag)?.[1]?.toLowerCase();
    if (!name) continue;
    const closing = tag[0] === '/';

    const end = closing ? undefined : HIDDEN_END.get(name);
    if (end) {
      end.lastIndex = i;
      i = end.exec(html) ? end.lastIndex : html.length;
      continue;
    }
    if (name === 'head') inHead = !closing;
    else if (name === 'body') inHead = false;
    else if (name === 'a') {
      // Links do not nest: a new one ends the one still open, as a browser's parser does.
      closeLink();
      const href = closing ? undefined : HREF.exec(tag)?.[1];
      if (href) link = { href, start: out.length };
    } else if (name === 'br') out.push('\n');
    else if (name === 'li' && !closing) out.push('\n- ');
    else if (name === 'tr' && closing) out.push('\n');
    else if (BLOCKS.has(name)) out.push('\n');
    else if ((name === 'td' || name === 'th') && closing) out.push('\t');
    else if (name === 'hr') out.push('\n----\n');
  }
  closeLink();

  return out.join('').split('\n').map(tidyLine).join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

/** Single spaces, none around a cell's tab, no tab at the end (without a backtracking regex: lines can be long). */
function tidyLine(line: string): string {
  const cells = line.replace(/ {2,}/g, ' ').split('\t').map((c) => c.trim());
  let end = cells.length;
  while (end > 1 && cells[end - 1] === '') end--;
  return cells.slice(0, end).join('\t');
}
