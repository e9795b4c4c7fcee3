import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, PHONE, SHOTS, browserAvailable, launchBrowser, newContext, startGateway, type LiveGateway } from './browser.ts';
import { chatStandIn } from './chat-standin.ts';
import { createApp } from '../../../src/gateway/app.ts';

const run = browserAvailable();

/** Creates a note through the API with the page's own session (cookie + CSRF header). */
async function note(page: Page, title: string, share: boolean): Promise<string> {
  return page.evaluate(
    async ({ title, share }) => {
      const csrf = decodeURIComponent(document.cookie.match(/(?:^|; )cv_csrf=([^;]*)/)?.[1] ?? '');
      const r = await fetch('/api/vault/items', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ kind: 'note', title, text: `${title} details`, ...(share ? { permissions: { shareWithAi: true } } : {}) }),
      });
      return (await r.json()).id as string;
    },
    { title, share },
  );
}

async function ask(page: Page, question: string) {
  await page.getByLabel('Ask about your records').fill(question);
  await page.getByRole('button', { name: 'Send' }).click();
}

const lastAnswer = (page: Page) => page.locator('li.msg.assistant').last();

describe.skipIf(!run)('web client: chat in Chromium', () => {
  let gw: LiveGateway;
  let browser: Browser;
  const log = { aborted: 0 };
  let realChat = false;

  beforeAll(async () => {
    [gw, browser] = await Promise.all([
      startGateway({}, async (rt) => {
        // Until the real chat route is merged here, a contract stand-in answers (see chat-standin.ts).
        // The probe goes to a twin app: routes cannot be added to rt.app after its first request.
        const twin = createApp({ ...rt.deps, mounts: [...(rt.deps.mounts ?? [])] });
        const json = { 'content-type': 'application/json' };
        const signup = await twin.request('/api/auth/signup', { method: 'POST', headers: json, body: JSON.stringify({ email: 'probe@example.test', password: 'a long enough password' }) });
        const { token } = (await signup.json()) as { token: string };
        const r = await twin.request('/api/chat', { method: 'POST', headers: { ...json, authorization: `Bearer ${token}` }, body: '{}' });
        if (r.status === 404) rt.app.route('/api', chatStandIn(log));
        else realChat = true;
      }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('streams answers with cited sources, stops, reopens, and forgets revoked records', async () => {
    const { ctx, problems } = await newContext(browser, gw.url, DESKTOP);
    const page = await ctx.newPage();
    await page.goto('/signup');
    await page.getByLabel('Email').fill('chat@example.test');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/chat');

    // Nothing shared yet: the answer says so and points to the vault.
    await ask(page, 'What was my blood pressure reading?');
    await expect.poll(() => lastAnswer(page).getAttribute('data-state')).toBe('done');
    await lastAnswer(page).getByRole('link', { name: 'Share some records first' }).waitFor();
    expect(await lastAnswer(page).locator('.sources').count()).toBe(0);
    await page.getByRole('button', { name: 'New conversation' }).click();

    const bp = await note(page, 'Blood pressure reading', true);
    await note(page, 'Cholesterol panel', false);
    await note(page, '<img src=x onerror="window.__xss=1">', true);
    await page.reload();
    await expect.poll(() => page.getByTestId('shared-count').textContent()).toBe('2');

    // A long answer streams in token by token and can be stopped midway.
    await ask(page, 'Tell me everything about my blood pressure reading [[slow]]');
    const streaming = lastAnswer(page);
    await expect.poll(() => streaming.locator('.md').textContent().catch(() => '')).toContain('From your records');
    expect(await streaming.getAttribute('data-state')).toBe('streaming');
    const partial = (await streaming.locator('.md').textContent())!.length;
    await expect.poll(async () => (await streaming.locator('.md').textContent())!.length).toBeGreaterThan(partial);
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => streaming.getAttribute('data-state')).toBe('stopped');
    await streaming.getByText('Stopped.').waitFor();
    const stoppedAt = (await streaming.locator('.md').textContent())!.length;
    await page.waitForTimeout(300);
    expect((await streaming.locator('.md').textContent())!.length).toBe(stoppedAt);
    await expect.poll(() => log.aborted).toBe(1);

    // A normal answer cites the shared record, linked under the answer and inline.
    await ask(page, 'What was my blood pressure reading?');
    const answer = lastAnswer(page);
    await expect.poll(() => answer.getAttribute('data-state')).toBe('done');
    const sources = answer.getByRole('navigation', { name: 'Sources' }).getByRole('link');
    expect(await sources.count()).toBe(1);
    expect(await sources.first().getAttribute('href')).toBe(`/vault/${bp}`);
    expect(await sources.first().textContent()).toContain('Blood pressure reading');
    expect(await answer.locator('.md a.cite').getAttribute('href')).toBe(`/vault/${bp}`);
    expect(await answer.locator('.md strong').first().textContent()).toBe('Blood pressure reading');
    expect(await answer.textContent()).not.toContain('Cholesterol');
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
    const conversationUrl = page.url();
    await page.getByRole('complementary', { name: 'Past conversations' }).getByRole('link').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'chat-answer-desktop.png') });
    // On a phone the past conversations open over the chat and close again.
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(SHOTS, 'chat-answer-phone.png') });
    const history = page.getByRole('complementary', { name: 'Past conversations' });
    expect(await history.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'History' }).click();
    await history.getByRole('link').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'chat-history-phone.png') });
    await history.getByRole('button', { name: 'Close' }).click();
    expect(await history.isVisible()).toBe(false);
    await page.setViewportSize(DESKTOP);

    // Model output that looks like markup stays text.
    await ask(page, 'What does the onerror note say?');
    await expect.poll(() => lastAnswer(page).getAttribute('data-state')).toBe('done');
    expect(await lastAnswer(page).locator('.md strong').first().textContent()).toBe('<img src=x onerror="window.__xss=1">');
    expect(await lastAnswer(page).locator('.md img').count()).toBe(0);
    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();

    // Reopening the conversation restores its messages and their sources.
    await page.goto('/chat');
    await page.goto(conversationUrl);
    await expect.poll(() => page.locator('li.msg.assistant').count()).toBeGreaterThan(1);
    expect(await page.getByRole('navigation', { name: 'Sources' }).getByRole('link', { name: /Blood pressure reading/ }).count()).toBeGreaterThan(0);

    // The source link opens the record; revoke its sharing there.
    await page.getByRole('navigation', { name: 'Sources' }).getByRole('link', { name: /Blood pressure reading/ }).first().click();
    await page.getByRole('heading', { name: 'Blood pressure reading' }).waitFor();
    await page.getByLabel('Never share this record').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

    // Asked again in a new conversation, the revoked record is not cited.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat' }).click();
    await page.getByRole('button', { name: 'New conversation' }).click();
    await ask(page, 'What was my blood pressure reading?');
    await expect.poll(() => lastAnswer(page).getAttribute('data-state')).toBe('done');
    expect(await lastAnswer(page).locator('.sources').count()).toBe(0);
    expect(await lastAnswer(page).textContent()).not.toContain('Blood pressure reading');

    // The disclosure log lists what the stopped and the cited answers sent.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'What the AI has seen' }).click();
    await page.locator('.disclosure-group').first().waitFor();
    await expect.poll(() => page.locator('.disclosure-group').getByRole('link', { name: 'Blood pressure reading' }).count()).toBeGreaterThan(0);
    expect(await page.locator('.disclosure-group').getByRole('link', { name: 'Cholesterol panel' }).count()).toBe(0);

    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('explains a busy or missing model and retries', async () => {
    const { ctx, problems } = await newContext(browser, gw.url, PHONE);
    const page = await ctx.newPage();
    await page.goto('/signup');
    await page.getByLabel('Email').fill('busy@example.test');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/chat');

    await ask(page, 'Anything new? [[busy]]');
    const alert = lastAnswer(page).getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('The AI is busy right now.');
    expect(await alert.textContent()).toContain('Try again in 3 seconds.');
    await page.screenshot({ path: join(SHOTS, 'chat-busy-phone.png') });
    const before = await page.locator('li.msg').count();
    await alert.getByRole('button', { name: 'Retry' }).click();
    await lastAnswer(page).getByRole('alert').waitFor();
    // A retry replaces the failed answer rather than piling up messages.
    expect(await page.locator('li.msg').count()).toBe(before);

    await ask(page, 'Anything new? [[nomodel]]');
    await lastAnswer(page).getByRole('alert').waitFor();
    expect(await lastAnswer(page).getByRole('alert').textContent()).toContain('No AI model is available right now.');

    // 503s are expected answers here, which Chromium logs as failed resources only.
    expect(problems).toEqual([]);
    await ctx.close();
  });
});
