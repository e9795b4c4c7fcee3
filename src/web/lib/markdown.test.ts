import { describe, expect, it } from 'vitest';
import { isSafeHref, linkDestination, parseInline, parseMarkdown } from './markdown.ts';

describe('parseInline', () => {
  it('reads emphasis, code and citations', () => {
    expect(parseInline('**BP** was *high* in `2024` [1][2]')).toEqual([
      { t: 'strong', c: [{ t: 'text', v: 'BP' }] },
      { t: 'text', v: ' was ' },
      { t: 'em', c: [{ t: 'text', v: 'high' }] },
      { t: 'text', v: ' in ' },
      { t: 'code', v: '2024' },
      { t: 'text', v: ' ' },
      { t: 'cite', n: 1 },
      { t: 'cite', n: 2 },
    ]);
  });

  it('splits grouped citations like [1, 3]', () => {
    expect(parseInline('see [1, 3]')).toEqual([{ t: 'text', v: 'see ' }, { t: 'cite', n: 1 }, { t: 'cite', n: 3 }]);
  });

  it('keeps HTML as literal text', () => {
    const nodes = parseInline('<img src=x onerror=alert(1)> <script>alert(1)</script>');
    expect(nodes).toEqual([{ t: 'text', v: '<img src=x onerror=alert(1)> <script>alert(1)</script>' }]);
  });

  it('drops unsafe link targets but keeps their text', () => {
    expect(parseInline('[click](javascript:alert(1))')).toEqual([{ t: 'text', v: 'click' }]);
    expect(parseInline('[x](data:text/html,hi)')).toEqual([{ t: 'text', v: 'x' }]);
    expect(parseInline('[site](https://example.org/a)')).toEqual([{ t: 'link', href: 'https://example.org/a', c: [{ t: 'text', v: 'site' }] }]);
  });

  it('leaves snake_case and lone stars alone', () => {
    expect(parseInline('heart_rate_avg is 5 * 3')).toEqual([{ t: 'text', v: 'heart_rate_avg is 5 * 3' }]);
  });

  it('treats an unclosed marker mid-stream as text', () => {
    expect(parseInline('**bold so far')).toEqual([{ t: 'text', v: '**bold so far' }]);
  });
});

describe('parseMarkdown', () => {
  it('reads headings, lists, code and quotes', () => {
    const blocks = parseMarkdown('# Summary\n\n- one\n- two\n\n1. first\n2. second\n\n```\n<b>x</b>\n```\n> note\n\n---\nend');
    expect(blocks.map((b) => b.t)).toEqual(['h', 'ul', 'ol', 'code', 'quote', 'hr', 'p']);
    expect(blocks[3]).toEqual({ t: 'code', lang: '', v: '<b>x</b>' });
    expect(blocks[1]).toEqual({ t: 'ul', items: [[{ t: 'text', v: 'one' }], [{ t: 'text', v: 'two' }]] });
  });

  it('renders an unterminated code fence as code (streaming)', () => {
    expect(parseMarkdown('```js\nlet a')).toEqual([{ t: 'code', lang: 'js', v: 'let a' }]);
  });

  it('joins wrapped lines of a paragraph', () => {
    expect(parseMarkdown('a\nb')).toEqual([{ t: 'p', c: [{ t: 'text', v: 'a\nb' }] }]);
  });
});

describe('isSafeHref', () => {
  it('allows only absolute http(s) and mailto', () => {
    expect(isSafeHref('https://a.b')).toBe(true);
    expect(isSafeHref('mailto:a@b.c')).toBe(true);
    expect(isSafeHref(' JavaScript:alert(1)')).toBe(false);
    expect(isSafeHref('/api/me')).toBe(false);
    expect(isSafeHref('//evil.example')).toBe(false);
  });
});

describe('linkDestination', () => {
  it('names where a link really goes, whatever its words say', () => {
    expect(linkDestination('https://evil.example:8443/c?bp=128%2F82')).toBe('evil.example:8443');
    expect(linkDestination('https://xn--80ak6aa92e.com/')).toBe('xn--80ak6aa92e.com');
    expect(linkDestination('mailto:dr.who@clinic.example')).toBe('email to dr.who@clinic.example');
  });
});
