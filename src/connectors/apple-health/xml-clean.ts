/**
 * XML 1.0 forbids most C0 control characters, yet real exports carry some (a vertical tab in a
 * device name). They are removed before parsing; tab, LF and CR stay.
 */
// eslint-disable-next-line no-control-regex
const ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

const ANY = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

export function stripIllegalXmlChars(s: string): { text: string; removed: number } {
  if (!ANY.test(s)) return { text: s, removed: 0 };
  let removed = 0;
  const text = s.replace(ILLEGAL, () => {
    removed++;
    return '';
  });
  return { text, removed };
}
