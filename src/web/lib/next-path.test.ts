import { describe, expect, it } from 'vitest';
import { loginWithNext, safeNext } from './next-path.ts';

describe('safeNext', () => {
  it('keeps same-origin relative paths with their query and hash', () => {
    expect(safeNext('/vault/abc')).toBe('/vault/abc');
    expect(safeNext('/vault?q=blood%20pressure&to=2024-05-03')).toBe('/vault?q=blood%20pressure&to=2024-05-03');
    expect(safeNext('/chat/123#end')).toBe('/chat/123#end');
  });

  it('refuses anything that could leave the origin', () => {
    for (const bad of ['//evil.example/x', '/\\evil.example', '/\t/evil.example', 'https://evil.example/', 'http:/evil.example', 'javascript:alert(1)', 'vault', ' /vault', '']) {
      expect(safeNext(bad), bad).toBe('/chat');
    }
    expect(safeNext(null)).toBe('/chat');
    expect(safeNext('/' + 'a'.repeat(3000))).toBe('/chat');
  });

  it('does not return to the sign-in screens or the root', () => {
    expect(safeNext('/login')).toBe('/chat');
    expect(safeNext('/signup?next=/vault')).toBe('/chat');
    expect(safeNext('/')).toBe('/chat');
    expect(safeNext('/loginx')).toBe('/loginx');
  });

  it('normalises dot segments instead of trusting them', () => {
    expect(safeNext('/vault/../account')).toBe('/account');
    expect(safeNext('/a/..//evil.example')).toBe('/chat');
  });
});

describe('loginWithNext', () => {
  it('carries the requested path, or nothing for the root', () => {
    expect(loginWithNext('/vault/abc', '?x=1')).toBe('/login?next=%2Fvault%2Fabc%3Fx%3D1');
    expect(loginWithNext('/', '')).toBe('/login');
    expect(loginWithNext('/chat', '', '/signup')).toBe('/signup?next=%2Fchat');
  });
});
