import { describe, expect, it } from 'vitest';
import { stripIllegalXmlChars } from './xml-clean.ts';

describe('stripIllegalXmlChars', () => {
  it('removes C0 controls XML 1.0 forbids and keeps tab, newline, carriage return and text', () => {
    expect(stripIllegalXmlChars('Apple\u000bWatch\u0000 \t\n\r é')).toEqual({ text: 'AppleWatch \t\n\r é', removed: 2 });
    const clean = 'nothing to do';
    expect(stripIllegalXmlChars(clean).text).toBe(clean);
  });
});
