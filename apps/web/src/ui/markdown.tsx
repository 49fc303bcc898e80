// Markdown (a GFM subset: paragraphs, emphasis, strike, code, code blocks, quotes, lists, links) rendered as
// Preact elements, never as HTML: whatever a message holds is text on the page. A link opens only for http(s) and
// mailto, and its real target is always shown beside its text.
import type { ComponentChildren } from 'preact';

const INLINE =
  /(`+)([^`]|[^`][\s\S]*?[^`])\1|\[([^\]\n]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<]+[^\s<.,:;"')\]!?])|(\*\*|__)(?=\S)([\s\S]*?\S)\6|(\*|_)(?=\S)([\s\S]*?\S)\8|~~(?=\S)([\s\S]*?\S)~~/g;

function safeUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return ['http:', 'https:', 'mailto:'].includes(parsed.protocol) ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

function Link({ url, children, raw }: { url: string; children: ComponentChildren; raw: string }) {
  const safe = safeUrl(url);
  if (!safe) return <span>{raw}</span>;
  const same = raw === url;
  return (
    <>
      <a href={safe} target="_blank" rel="noopener noreferrer nofollow" title={safe}>
        {children}
      </a>
      {same ? null : <span class="link-target"> ({safe})</span>}
    </>
  );
}

export function inline(text: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    const at = m.index ?? 0;
    // `_` inside a word (snake_case) is not emphasis.
    if (m[8] === '_' && at > 0 && /\w/.test(text[at - 1] ?? '')) continue;
    if (at > last) out.push(text.slice(last, at));
    const key = out.length;
    if (m[2] !== undefined) out.push(<code key={key}>{m[2]}</code>);
    else if (m[3] !== undefined && m[4] !== undefined)
      out.push(
        <Link key={key} url={m[4]} raw={m[3]}>
          {inline(m[3])}
        </Link>,
      );
    else if (m[5] !== undefined)
      out.push(
        <Link key={key} url={m[5]} raw={m[5]}>
          {m[5]}
        </Link>,
      );
    else if (m[7] !== undefined) out.push(<strong key={key}>{inline(m[7])}</strong>);
    else if (m[9] !== undefined) out.push(<em key={key}>{inline(m[9])}</em>);
    else if (m[10] !== undefined) out.push(<s key={key}>{inline(m[10])}</s>);
    last = at + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function withBreaks(lines: string[]): ComponentChildren[] {
  return lines.flatMap((line, i) => (i === 0 ? inline(line) : [<br key={`br${i}`} />, ...inline(line)]));
}

const LIST = /^\s{0,3}([-*+]|\d{1,9}[.)])\s+(.*)$/;

/** Block structure: fenced code, quotes, lists, paragraphs. */
function blocks(lines: string[]): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const key = out.length;
    if (/^\s*```/.test(line)) {
      const code: string[] = [];
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]!); i++) code.push(lines[i]!);
      i++;
      out.push(
        <pre key={key}>
          <code>{code.join('\n')}</code>
        </pre>,
      );
    } else if (/^\s*>/.test(line)) {
      const quoted: string[] = [];
      for (; i < lines.length && /^\s*>/.test(lines[i]!); i++) quoted.push(lines[i]!.replace(/^\s*> ?/, ''));
      out.push(<blockquote key={key}>{blocks(quoted)}</blockquote>);
    } else if (LIST.test(line)) {
      const ordered = /\d/.test(LIST.exec(line)![1]!);
      const items: string[] = [];
      for (; i < lines.length && LIST.test(lines[i]!); i++) items.push(LIST.exec(lines[i]!)![2]!);
      const children = items.map((item, n) => <li key={n}>{inline(item)}</li>);
      out.push(ordered ? <ol key={key}>{children}</ol> : <ul key={key}>{children}</ul>);
    } else if (line.trim() === '') {
      i++;
    } else {
      const para: string[] = [];
      for (
        ;
        i < lines.length &&
        lines[i]!.trim() !== '' &&
        !/^\s*(```|>)/.test(lines[i]!) &&
        !LIST.test(lines[i]!);
        i++
      )
        para.push(lines[i]!.replace(/^\s{0,3}#{1,6}\s+/, ''));
      out.push(<p key={key}>{withBreaks(para)}</p>);
    }
  }
  return out;
}

/** A message's Markdown as elements. */
export function Markdown({ text }: { text: string }) {
  return <div class="md">{blocks(text.split(/\r?\n/))}</div>;
}
