// A small, safe Markdown renderer for model answers.
//
// Safety: the source is HTML-escaped before any markup is recognised, so the
// only tags in the output are the ones written here (p, h1-h6, strong, em,
// del, code, pre, ul, ol, li, blockquote, hr, br, a). Link targets are kept
// only for http(s), mailto, and same-site paths; anything else stays text.
//
// Supported: # headings, paragraphs (single newlines become <br>), fenced
// code blocks (``` or ~~~, an unclosed fence runs to the end, as while a
// reply streams in), `inline code`, **bold**, *italic* / _italic_,
// ~~strike~~, [text](url), bare http(s) URLs, - * + and 1. lists (nested
// by indentation), > quotes and --- rules.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const ITEM = /^( *)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const BLANK = /^\s*$/;

// Renders Markdown `source` to an HTML string that is safe to assign to
// innerHTML.
export function renderMarkdown(source) {
  // \u0000 marks placeholders inside inline rendering; it never comes from text.
  const lines = String(source).replace(/\r\n?/g, '\n').replace(/\u0000/g, '').split('\n');
  return renderBlocks(lines);
}

function renderBlocks(lines) {
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    let m;
    if (BLANK.test(line)) {
      i++;
    } else if ((m = FENCE.exec(line))) {
      const close = new RegExp(`^ {0,3}${m[1][0]}{${m[1].length},}\\s*$`);
      const body = [];
      for (i++; i < lines.length && !close.test(lines[i]); i++) body.push(lines[i]);
      i++;  // the closing fence (or past the end)
      const lang = m[2] ? ` class="language-${escapeHtml(m[2])}"` : '';
      out.push(`<pre><code${lang}>${escapeHtml(body.join('\n'))}</code></pre>`);
    } else if ((m = HEADING.exec(line))) {
      const n = m[1].length;
      out.push(`<h${n}>${renderInline(m[2])}</h${n}>`);
      i++;
    } else if (RULE.test(line)) {
      out.push('<hr>');
      i++;
    } else if (QUOTE.test(line)) {
      const body = [];
      for (; i < lines.length && (m = QUOTE.exec(lines[i])); i++) body.push(m[1]);
      out.push(`<blockquote>${renderBlocks(body)}</blockquote>`);
    } else if (ITEM.test(line)) {
      i = renderList(lines, i, out);
    } else {
      const para = [];
      for (; i < lines.length && !BLANK.test(lines[i]) && !startsBlock(lines[i]); i++) para.push(lines[i].trim());
      out.push(`<p>${para.map(renderInline).join('<br>')}</p>`);
    }
  }
  return out.join('\n');
}

function startsBlock(line) {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || ITEM.test(line);
}

// One list starting at lines[start]; returns the index after it. Items are
// the lines with a marker at the list's indentation; more-indented lines
// (and blank lines followed by them) belong to the item above, rendered as
// blocks of their own (so nested lists work).
function renderList(lines, start, out) {
  const first = ITEM.exec(lines[start]);
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  // lines[k] as an item of this list, or null.
  const itemAt = (k) => {
    const m = k < lines.length ? ITEM.exec(lines[k]) : null;
    return m && m[1].length === indent && /\d/.test(m[2]) === ordered ? m : null;
  };
  const indentedAt = (k) => k < lines.length && !BLANK.test(lines[k]) && lines[k].search(/\S/) > indent;
  const items = [];
  let i = start;
  while (i < lines.length) {
    const m = itemAt(i);
    if (m) {
      items.push([m[3]]);
      i++;
    } else if (BLANK.test(lines[i]) && itemAt(i + 1)) {
      i++;  // a blank line between items: still one list
    } else if (BLANK.test(lines[i]) && indentedAt(i + 1)) {
      items[items.length - 1].push('');
      i++;
    } else if (indentedAt(i)) {
      items[items.length - 1].push(lines[i].slice(Math.min(lines[i].search(/\S/), indent + 4)));
      i++;
    } else {
      break;
    }
  }
  const startAttr = ordered && parseInt(first[2], 10) !== 1 ? ` start="${parseInt(first[2], 10)}"` : '';
  const tag = ordered ? 'ol' : 'ul';
  const lis = items.map((item) => {
    if (item.some((l) => BLANK.test(l))) return `<li>${renderBlocks(item)}</li>`;
    // Tight item: its text inline, then any nested blocks.
    let n = 1;
    while (n < item.length && !startsBlock(item[n])) n++;
    const text = item.slice(0, n).map((l) => renderInline(l.trim())).join('<br>');
    return `<li>${text}${n < item.length ? renderBlocks(item.slice(n)) : ''}</li>`;
  });
  out.push(`<${tag}${startAttr}>${lis.join('')}</${tag}>`);
  return i;
}

// The link targets kept: absolute http(s) and mailto, same-site paths and
// fragments. Everything else (javascript:, data:, ...) is refused.
const SAFE_URL = /^(?:https?:\/\/|mailto:|\/(?!\/)|#)/i;

// Inline markup of one line of raw text. Code spans, links and bare URLs
// are rendered first (each piece escaped) and parked behind \u0000N\u0000
// placeholders; then the rest is escaped and the emphasis rules run, so
// they never touch code or URLs.
export function renderInline(text) {
  const parked = [];
  const park = (html) => `\u0000${parked.push(html) - 1}\u0000`;
  const anchor = (url) => `<a href="${escapeHtml(url)}" rel="noopener noreferrer" target="_blank">`;

  let s = text.replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, (_, ticks, code) => park(`<code>${escapeHtml(code.trim() || code)}</code>`));
  // [label](url "title"); the label keeps its emphasis.
  s = s.replace(/\[([^\]]+)\]\(\s*([^\s()]+)(?:\s+"[^"]*")?\s*\)/g, (whole, label, url) => {
    const bare = url.replace(/[\u0000-\u0020]/g, '');
    return SAFE_URL.test(bare) ? `${park(anchor(bare))}${label}${park('</a>')}` : whole;
  });
  // Bare URLs, without trailing punctuation.
  s = s.replace(/(^|[\s(])(https?:\/\/[^\s<>"'\u0000]*[^\s<>"'\u0000.,;:!?)])/g,
    (_, before, url) => `${before}${park(`${anchor(url)}${escapeHtml(url)}</a>`)}`);
  s = escapeHtml(s);
  s = s.replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, '<strong>$1</strong>');
  s = s.replace(/(^|[^\w])__(?=\S)([\s\S]*?\S)__(?!\w)/g, '$1<strong>$2</strong>');
  s = s.replace(/\*([^\s*]|[^\s*][^*]*?[^\s*])\*/g, '<em>$1</em>');
  s = s.replace(/(^|[^\w])_([^\s_]|[^\s_][^_]*?[^\s_])_(?!\w)/g, '$1<em>$2</em>');
  s = s.replace(/~~(?=\S)([\s\S]*?\S)~~/g, '<del>$1</del>');
  return s.replace(/\u0000(\d+)\u0000/g, (_, n) => parked[Number(n)]);
}
