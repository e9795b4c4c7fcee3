import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, PHONE, SHOTS, browserAvailable, launchBrowser, newContext, PASSWORD, signUp, startGateway, type LiveGateway } from './browser.ts';

const run = browserAvailable();

/** A JSON request with the page's own session (cookie + CSRF header). */
async function call<T = any>(page: Page, method: string, path: string, body?: unknown): Promise<T> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const csrf = decodeURIComponent(document.cookie.match(/(?:^|; )cv_csrf=([^;]*)/)?.[1] ?? '');
      const r = await fetch(path, { method, headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: body === undefined ? undefined : JSON.stringify(body) });
      return r.status === 204 ? null : r.json();
    },
    { method, path, body },
  );
}

const focused = (page: Page) => page.evaluate(() => ({ tag: document.activeElement?.tagName ?? '', text: document.activeElement?.textContent?.trim() ?? '', id: document.activeElement?.id ?? '' }));

/** Holds the page's matching GETs until `release()`: makes a loading state observable. */
async function hold(page: Page, match: (path: string) => boolean) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  await page.route(
    (url) => match(url.pathname),
    async (route) => {
      await gate;
      await route.continue();
    },
  );
  return release;
}

describe.skipIf(!run)('web client: deep links, focus and loading states in Chromium', () => {
  let gw: LiveGateway;
  let browser: Browser;

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startGateway(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('a deep link survives signing in (and signing up); ?next= never leaves the site', async () => {
    const { ctx, problems } = await newContext(browser, gw.url, DESKTOP);
    const page = await ctx.newPage();
    await signUp(page, 'deep@example.test');
    const { id } = await call(page, 'POST', '/api/vault/items', { kind: 'note', title: 'Knee MRI report', text: 'Small meniscus tear.' });
    await call(page, 'POST', '/api/auth/logout');

    // Signed out, a record link goes through sign-in and lands on that record, its heading focused.
    await page.goto(`/vault/${id}?from=mail`);
    await page.waitForURL(`**/login?next=${encodeURIComponent(`/vault/${id}?from=mail`)}`);
    await page.getByLabel('Email').fill('deep@example.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`**/vault/${id}?from=mail`);
    await page.getByRole('heading', { name: 'Knee MRI report' }).waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'H1', text: 'Knee MRI report' });

    // Switching to sign-up keeps the link too.
    await call(page, 'POST', '/api/auth/logout');
    await page.goto('/rules');
    await page.waitForURL('**/login?next=%2Frules');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL('**/signup?next=%2Frules');
    await page.getByLabel('Email').fill('deep2@example.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/rules');
    await page.getByRole('heading', { name: 'Sharing rules' }).waitFor();

    // Another origin in ?next= is refused: signing in goes to the chat, on this site.
    for (const next of ['//evil.example/steal', 'https://evil.example/', '/\\evil.example']) {
      await call(page, 'POST', '/api/auth/logout');
      await page.goto(`/login?next=${encodeURIComponent(next)}`);
      await page.getByLabel('Email').fill('deep2@example.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${gw.url}/chat`);
    }
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('the record page has its heading while loading; "Add a note" focuses Title', async () => {
    const { ctx, problems } = await newContext(browser, gw.url, DESKTOP);
    const page = await ctx.newPage();
    await signUp(page, 'focus@example.test');
    const { id } = await call(page, 'POST', '/api/vault/items', { kind: 'note', title: 'Flu shot', text: 'Left arm.' });

    const release = await hold(page, (p) => p === `/api/vault/items/${id}`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Vault' }).click();
    await page.getByRole('link', { name: 'Flu shot' }).click();
    await page.getByText('Loading the record…').waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'H1', text: 'Record' });
    release();
    await page.getByRole('heading', { name: 'Flu shot' }).waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'H1', text: 'Flu shot' });
    await page.unrouteAll();

    await page.getByRole('link', { name: '← Vault' }).click();
    await page.getByRole('button', { name: 'Add a note' }).click();
    await expect.poll(() => focused(page)).toMatchObject({ id: 'note-title-input' });
    await page.keyboard.type('Typed straight away');
    expect(await page.getByLabel('Title').inputValue()).toBe('Typed straight away');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'BUTTON', text: 'Add a note' });
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('the phone history drawer takes focus, closes on Escape and gives focus back to History', async () => {
    const { ctx, problems } = await newContext(browser, gw.url, PHONE);
    const page = await ctx.newPage();
    await signUp(page, 'drawer@example.test');
    const drawer = page.getByRole('complementary', { name: 'Past conversations' });
    const history = page.getByRole('button', { name: 'History' });
    expect(await drawer.isVisible()).toBe(false);

    // Keyboard only: reach History, open it, and focus is inside the drawer.
    await history.focus();
    await page.keyboard.press('Enter');
    await drawer.waitFor({ state: 'visible' });
    expect(await history.getAttribute('aria-expanded')).toBe('true');
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'H2', text: 'Conversations' });
    await page.keyboard.press('Tab');
    expect((await focused(page)).text).toBe('New conversation');
    await page.screenshot({ path: join(SHOTS, 'chat-history-drawer-phone.png') });
    // Focus stays in the drawer while it is open: Shift+Tab from its first control wraps to its
    // last, and Tab from there wraps back to the first.
    const inDrawer = () => page.evaluate(() => !!document.activeElement?.closest('#chat-history'));
    await page.keyboard.press('Shift+Tab');
    expect(await inDrawer()).toBe(true);
    const last = await focused(page);
    expect(last.text).not.toBe('New conversation');
    await page.keyboard.press('Tab');
    expect((await focused(page)).text).toBe('New conversation');
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      expect(await inDrawer()).toBe(true);
    }

    // Escape closes it and focus returns to the button that opened it.
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'BUTTON', text: 'History' });
    expect(await history.getAttribute('aria-expanded')).toBe('false');

    // So does its Close button, used from the keyboard.
    await page.keyboard.press('Enter');
    await drawer.waitFor({ state: 'visible' });
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'H2' });
    await page.getByRole('button', { name: 'Close' }).focus();
    await page.keyboard.press('Enter');
    await drawer.waitFor({ state: 'hidden' });
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'BUTTON', text: 'History' });
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('a reopened conversation says it is loading (not the welcome); links in answers show where they go', async () => {
    const { ctx, problems } = await newContext(browser, gw.url, DESKTOP);
    const page = await ctx.newPage();
    await signUp(page, 'reopen@example.test');
    const me = await call(page, 'GET', '/api/me');
    const userId = me.user.id;
    const conv = gw.rt.deps.conversations;
    const conversationId = await conv.startTurn(userId, { question: 'Where can I read more?', origin: 'web', itemIds: [], model: 'test-model' });
    const injected = 'https://evil.example/collect?d=BP%20128%2F82';
    await conv.addMessage(userId, { conversationId, role: 'assistant', content: `See [the official guidance](${injected}) for details.` });

    const release = await hold(page, (p) => p === `/api/conversations/${conversationId}`);
    await page.goto(`/chat/${conversationId}`);
    await page.getByText('Loading the conversation…').waitFor();
    expect(await page.locator('.welcome').count()).toBe(0);
    release();
    const link = page.locator('li.msg.assistant .md a');
    await link.waitFor();
    expect(await page.getByText('Loading the conversation…').count()).toBe(0);
    expect(await page.locator('.welcome').count()).toBe(0);
    expect(await link.getAttribute('href')).toBe(injected);
    expect(await link.getAttribute('target')).toBe('_blank');
    expect((await link.getAttribute('rel'))?.split(' ').sort()).toEqual(['nofollow', 'noopener', 'noreferrer']);
    // The destination is on screen, not only in the status bar on hover.
    expect((await link.locator('.link-host').innerText()).trim()).toBe('(evil.example)');
    expect(await link.locator('.link-host').isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await ctx.close();
  });
});
