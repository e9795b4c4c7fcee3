import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, SHOTS, browserAvailable, launchBrowser, newContext, signUp, startGateway, type LiveGateway } from './browser.ts';

const run = browserAvailable();

/** JSON requests with the page's own session (cookie + CSRF header), run in order. */
async function calls<T = any>(page: Page, list: { method: string; path: string; body?: unknown }[]): Promise<T[]> {
  return page.evaluate(async (list) => {
    const csrf = decodeURIComponent(document.cookie.match(/(?:^|; )cv_csrf=([^;]*)/)?.[1] ?? '');
    const out = [];
    for (const c of list) {
      const r = await fetch(c.path, { method: c.method, headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: c.body === undefined ? undefined : JSON.stringify(c.body) });
      out.push(r.status === 204 ? null : await r.json());
    }
    return out;
  }, list);
}
const call = async <T = any>(page: Page, method: string, path: string, body?: unknown) => (await calls<T>(page, [{ method, path, body }]))[0];

const fact = (page: Page, name: string) => page.locator('.facts div', { has: page.locator('dt', { hasText: name }) }).locator('dd').textContent();

describe.skipIf(!run)('web client: record permissions, filters, paging and disclosures in Chromium', () => {
  let gw: LiveGateway;
  let browser: Browser;

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startGateway(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('read-only locks the sensitivity (with the reason); a half-saved change shows the error and the record as saved', async () => {
    const { ctx, problems } = await newContext(browser, gw.url, DESKTOP);
    const page = await ctx.newPage();
    await signUp(page, 'perm@example.test');
    const { id } = await call(page, 'POST', '/api/vault/items', { kind: 'note', title: 'Therapy notes', text: 'Session 4.' });
    await page.goto(`/vault/${id}`);
    await page.getByRole('heading', { name: 'Therapy notes' }).waitFor();
    const select = page.getByLabel('Sensitivity');
    const readOnly = page.getByLabel('Read-only (protect from edits and deletion)');

    // Ticking read-only locks the select and says why; the select keeps the saved value.
    await select.selectOption('private');
    await readOnly.check();
    expect(await select.isDisabled()).toBe(true);
    expect(await select.inputValue()).toBe('normal');
    expect(await page.locator('#perm-sensitivity-hint').textContent()).toContain('A read-only record keeps its sensitivity');
    expect(await select.getAttribute('aria-describedby')).toBe('perm-sensitivity-hint');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Therapy notes' }).waitFor();
    expect(await select.isDisabled()).toBe(true);

    // Unticking it unlocks the select; both changes save (permissions first, then the edit).
    await readOnly.uncheck();
    expect(await select.isDisabled()).toBe(false);
    await select.selectOption('private');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await fact(page, 'Sensitivity')).toBe('Private');
    expect(await page.getByRole('alert').count()).toBe(0);

    // The edit goes in, the permissions are refused: the error shows and so does the record as the server has it.
    await page.route(`**/api/vault/items/${id}/permissions`, (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unavailable', message: 'The vault is busy; try again.' } }) }),
    );
    await select.selectOption('normal');
    await page.getByLabel('Share this record', { exact: true }).check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'The vault is busy; try again.' }).waitFor();
    await expect.poll(() => fact(page, 'Sensitivity')).toBe('Normal');
    await page.getByRole('status').filter({ hasText: 'Only part of your change was saved' }).waitFor();
    expect(await page.getByTestId('verdict').textContent()).toContain('nothing is shared unless you say so');
    await page.screenshot({ path: join(SHOTS, 'record-partial-save-desktop.png'), fullPage: true });
    await page.unrouteAll();
    const saved = await call(page, 'GET', `/api/vault/items/${id}`);
    expect(saved).toMatchObject({ sensitivity: 'normal', permissions: { shareWithAi: null, readOnly: false } });
    expect(problems.filter((p) => !/503/.test(p))).toEqual([]);
    await ctx.close();
  });

  it('a chosen "To" day is included: dates go to the server as dates', async () => {
    const { ctx, problems } = await newContext(browser, gw.url, DESKTOP);
    const page = await ctx.newPage();
    await signUp(page, 'dates@example.test');
    await calls(page, [
      { method: 'POST', path: '/api/vault/items', body: { kind: 'note', title: 'Late on the 2nd', effectiveAt: '2024-05-02T23:00:00Z' } },
      { method: 'POST', path: '/api/vault/items', body: { kind: 'note', title: 'Afternoon of the 3rd', effectiveAt: '2024-05-03T15:00:00Z' } },
      { method: 'POST', path: '/api/vault/items', body: { kind: 'note', title: 'Morning of the 4th', effectiveAt: '2024-05-04T09:00:00Z' } },
    ]);
    await page.goto('/vault');
    await page.getByLabel('From').fill('2024-05-03');
    await page.getByLabel('To').fill('2024-05-03');
    const listed = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/vault/items' && new URL(r.url()).searchParams.has('to'));
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const sent = new URL((await listed).url()).searchParams;
    expect([sent.get('from'), sent.get('to')]).toEqual(['2024-05-03', '2024-05-03']);
    await expect.poll(() => page.locator('.item-title').allTextContents()).toEqual(['Afternoon of the 3rd']);

    // An old link with an instant is read as its day, not as a midnight cut-off.
    const again = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/vault/items' && new URL(r.url()).searchParams.has('to'));
    await page.goto(`/vault?to=${encodeURIComponent('2024-05-03T00:00:00.000Z')}`);
    expect(new URL((await again).url()).searchParams.get('to')).toMatch(/^2024-05-0[23]$/);
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('"Show more" clicked twice fetches the next page once', async () => {
    const { ctx, problems } = await newContext(browser, gw.url, DESKTOP);
    const page = await ctx.newPage();
    await signUp(page, 'more@example.test');
    await calls(page, Array.from({ length: 60 }, (_, i) => ({ method: 'POST', path: '/api/vault/items', body: { kind: 'note', title: `Note ${i + 1}` } })));
    const pages: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/api/vault/items' && u.searchParams.has('cursor')) pages.push(u.searchParams.get('cursor')!);
    });
    await page.goto('/vault');
    await expect.poll(() => page.locator('.item-row').count()).toBe(50);
    await page.getByRole('button', { name: 'Show more' }).dblclick();
    await expect.poll(() => page.locator('.item-row').count()).toBe(60);
    await page.waitForTimeout(300);
    expect(pages).toHaveLength(1);
    const titles = await page.locator('.item-title').allTextContents();
    expect(new Set(titles).size).toBe(60);
    expect(await page.getByRole('button', { name: 'Show more' }).count()).toBe(0);
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('"What the AI has seen" pages its list and gets titles in bulk, not one request per record', async () => {
    const { ctx, problems } = await newContext(browser, gw.url, DESKTOP);
    const page = await ctx.newPage();
    await signUp(page, 'seen@example.test');
    const me = await call(page, 'GET', '/api/me');
    const made = await calls(page, ['Blood pressure', 'Cholesterol', 'Deleted later'].map((title) => ({ method: 'POST', path: '/api/vault/items', body: { kind: 'note', title } })));
    const [bp, chol, gone] = made.map((m: any) => m.id as string);
    await call(page, 'DELETE', `/api/vault/items/${gone}`);
    const convA = '11111111-2222-4333-8444-000000000001';
    const convB = '11111111-2222-4333-8444-000000000002';
    // 130 disclosures: more than one page (100).
    for (let i = 0; i < 130; i++) {
      // Disclosure times have millisecond precision: keep A's strictly older than B's.
      if (i === 30) await new Promise((r) => setTimeout(r, 5));
      const conversationId = i < 30 ? convA : convB;
      await gw.rt.deps.audit.recordDisclosure({ userId: me.user.id, conversationId, model: 'test-model', purpose: 'chat', itemIds: i < 30 ? [bp, gone] : [chol] });
    }
    const single: string[] = [];
    page.on('request', (r) => {
      if (/^\/api\/vault\/items\/[^/]+$/.test(new URL(r.url()).pathname)) single.push(r.url());
    });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'What the AI has seen' }).click();
    const groups = page.locator('.disclosure-group');
    await groups.first().waitFor();
    // The newest 100 are all conversation B's; the older ones (A) come with "Show earlier".
    expect(await groups.count()).toBe(1);
    await expect.poll(() => groups.first().getByRole('link', { name: 'Cholesterol' }).count()).toBe(1);
    expect(await groups.first().locator('.meta').textContent()).toContain('100 requests');
    const earlier = page.getByRole('button', { name: 'Show earlier disclosures' });
    await earlier.click();
    await expect.poll(() => groups.count()).toBe(2);
    expect(await groups.first().locator('.meta').textContent()).toContain('100 requests');
    const a = groups.nth(1);
    expect(await a.locator('.meta').textContent()).toContain('30 requests');
    await expect.poll(() => a.getByRole('link', { name: 'Blood pressure' }).count()).toBe(1);
    await a.getByText('A record you have since deleted').waitFor();
    await page.getByText('That is everything: 130 disclosures.').waitFor();
    expect(await earlier.count()).toBe(0);
    expect(single).toEqual([]);
    expect(problems).toEqual([]);
    await ctx.close();
  });
});
