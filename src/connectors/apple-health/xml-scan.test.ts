import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SaxesParser } from 'saxes';
import { HealthXmlScanner, type Attrs } from './xml-scan.ts';
import { stripIllegalXmlChars } from './xml-clean.ts';

const FIXTURES = new URL('../../../../shared/fixtures/wearables/apple-health/', import.meta.url).pathname;

/** Every element event, with the attributes of all of them. */
function scan(parts: string[]): string[] {
  const out: string[] = [];
  const s = new HealthXmlScanner({ wants: () => true, open: (n, a) => out.push(`<${n} ${JSON.stringify(a)}`), close: (n) => out.push(`</${n}`) });
  for (const p of parts) s.write(p);
  s.end();
  return out;
}

/** The same events from saxes, the general parser this scanner replaced. */
function reference(xml: string): string[] {
  const out: string[] = [];
  const p = new SaxesParser({ xmlns: false });
  p.on('opentag', (n) => out.push(`<${n.name} ${JSON.stringify(n.attributes as Attrs)}`));
  p.on('closetag', (n) => out.push(`</${n.name}`));
  p.write(xml).close();
  return out;
}

const split = (s: string, every: number) => Array.from({ length: Math.ceil(s.length / every) }, (_, i) => s.slice(i * every, (i + 1) * every));

describe('HealthXmlScanner', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.xml') && !f.includes('broken-dtd'));
  it.each(files)('reads %s as saxes does, however the text is cut', (f) => {
    const xml = stripIllegalXmlChars(readFileSync(join(FIXTURES, f), 'utf8')).text;
    const want = reference(xml);
    expect(scan([xml])).toEqual(want);
    for (const every of xml.length > 200_000 ? [61, 4096] : [1, 7, 4096]) expect(scan(split(xml, every))).toEqual(want);
  });

  it('skips the broken iOS 16 DTD', () => {
    const xml = readFileSync(join(FIXTURES, 'broken-dtd-ios16-v12.xml'), 'utf8');
    expect(scan(split(xml, 13)).filter((e) => e.startsWith('<Record')).length).toBeGreaterThan(0);
  });

  it('decodes references and normalizes attribute whitespace', () => {
    const [open] = scan(['<a x="&lt;b&gt; &amp;&#65;&#x42;" y=\'1\n2&#10;\'/>']);
    expect(open).toBe(`<a ${JSON.stringify({ x: '<b> &AB', y: '1 2\n' })}`);
  });

  it.each([
    ['<a><b></a>', /closes <b>/],
    ['<a></a><b/>', /second root/],
    ['x<a/>', /text before the root/],
    ['<a x="1"y="2"/>', /no space between/],
    ['<a x=1/>', /not quoted/],
    ['<a x="<"/>', /"<" in attribute/],
    ['<a x="1" x="2"/>', /repeated/],
    ['<a>&foo;</a>', /DTD entities/],
    ['<a x="&foo;"/>', /DTD entities/],
    ['<a><b>', /truncated/],
    ['<a><b x="1', /truncated/],
    ['<!DOCTYPE a [<!ENTITY e "x">', /truncated/],
  ])('refuses %s', (xml, message) => {
    expect(() => scan(split(xml, 3))).toThrow(message);
  });

  it('refuses to hold a comment (or tag) of more than 16 MB waiting for its end', () => {
    expect(() => scan(split(`<a><!--${' '.repeat(17 * 1024 * 1024)}`, 1 << 20))).toThrow(/longer than 16 MB/);
  });
});
