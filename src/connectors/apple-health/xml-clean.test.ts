import { describe, expect, it } from 'vitest';
import { ExportTextDecoder, stripIllegalXmlChars } from './xml-clean.ts';

describe('stripIllegalXmlChars', () => {
  it('removes C0 controls XML 1.0 forbids and keeps tab, newline, carriage return and text', () => {
    expect(stripIllegalXmlChars('Apple\u000bWatch\u0000 \t\n\r é')).toEqual({ text: 'AppleWatch \t\n\r é', removed: 2 });
    const clean = 'nothing to do';
    expect(stripIllegalXmlChars(clean).text).toBe(clean);
  });
});

describe('ExportTextDecoder', () => {
  it('decodes across chunk edges, drops the BOM, removes and counts illegal characters', () => {
    const bytes = Buffer.from('\uFEFF<a b="é\u000b"/>', 'utf8');
    const d = new ExportTextDecoder();
    // Cut inside the BOM and inside "é": nothing is refused before whole characters arrive.
    const text = [bytes.subarray(0, 1), bytes.subarray(1, 9), bytes.subarray(9)].map((c) => d.write(c)).join('') + d.end();
    expect(text).toBe('<a b="é"/>');
    expect(d.removed).toBe(1);
  });
  it('refuses what cannot be XML, and an empty export', () => {
    expect(() => new ExportTextDecoder().write(Buffer.from('%PDF-1.4'))).toThrow(/neither a zip archive nor an XML document/);
    expect(() => new ExportTextDecoder().end()).toThrow(/empty/);
  });
});
