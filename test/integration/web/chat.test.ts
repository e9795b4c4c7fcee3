import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, PHONE, SHOTS, browserAvailable, launchBrowser, newContext, signUp, startGateway, type LiveGateway } from './browser.ts';
import { startTestModel, type TestModelServer } from '../../helpers/test-model.ts';
import { PoolSaturatedError, type ModelPool } from '../../../src/pool/model-pool.ts';

const run = browserAvailable();

/** Creates a note through the API with the page's own session (cookie + CSRF header). */
async function note(page: Page, title: string, text: string, share: boolean): Promise<string> {
  return page.evaluate(
    async ({ title, text, share }) => {
      const csrf = decodeURIComponent(document.cookie.match(/(?:^|; )cv_csrf=([^;]*)/)?.[1] ?? '');
      const r = await fetch('/api/vault/items', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ kind: 'note', title, text, ...(share ? { permissions: { shareWithAi: true } } : {}) }),
      });
      return (await r.json()).id as string;
    },
    { title, text, share },
  );
}

async function ask(page: Page, question: string) {
  await page.getByLabel('Ask about your records').fill(question);
  await page.getByRole('button', { name: 'Send' }).click();
}

const lastAnswer = (page: Page) => page.locator('li.msg.assistant').last();
const answerText = async (page: Page) => (await lastAnswer(page).locator('.md').textContent().catch(() => '')) ?? '';
const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();

describe.skipIf(!run)('web client: chat in Chromium against the real gateway and the test model server', () => {
  let model: TestModelServer;
  let gw: LiveGateway;
  let browser: Browser;

  beforeAll(async () => {
    model = await startTestModel({ TEST_MODEL_TOKEN_DELAY_MS: '5' });
    [gw, browser] = await Promise.all([startGateway({ MODEL_BACKEND: 'external', OLLAMA_URL: model.url, NUM_CTX: '4096' }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await model?.stop();
  });

  it('ask → tokens stream → the right source cited → stop a long answer → revoke → not cited', async () => {
    const { ctx, problems } = await newContext(browser, gw.url, DESKTOP);
    const page = await ctx.newPage();
    await signUp(page, 'chat@example.test');

    // Nothing shared yet: the answer says so and points to the vault.
    await ask(page, 'What was my blood pressure reading?');
    await expect.poll(() => lastAnswer(page).getAttribute('data-state')).toBe('done');
    await lastAnswer(page).getByRole('link', { name: 'Share some records first' }).waitFor();
    expect(await lastAnswer(page).locator('.sources').count()).toBe(0);
    await page.getByRole('button', { name: 'New conversation' }).click();

    const bp = await note(page, 'Blood pressure reading', 'Systolic 128 diastolic 82 measured at the pharmacy', true);
    const chol = await note(page, 'Cholesterol panel', 'LDL 3.1 mmol/L, my private lab result', false);
    await page.reload();
    await expect.poll(() => page.getByTestId('shared-count').textContent()).toBe('1');

    // A kind of record of which nothing is shared is named plainly (none_of_kind), not guessed at.
    await ask(page, 'Do I have any allergies?');
    await expect.poll(() => lastAnswer(page).getAttribute('data-state')).toBe('done');
    await lastAnswer(page).getByText('No allergy records are shared with the AI.').waitFor();
    expect(await lastAnswer(page).locator('.sources').count()).toBe(0);
    await page.getByRole('button', { name: 'New conversation' }).click();

    // A long answer streams in token by token and can be stopped midway.
    await ask(page, 'Tell me about my blood pressure reading [[slow]]');
    const slow = lastAnswer(page);
    await expect.poll(() => answerText(page), { timeout: 15_000 }).toContain('From your records');
    expect(await slow.getAttribute('data-state')).toBe('streaming');
    const partial = (await answerText(page)).length;
    await expect.poll(async () => (await answerText(page)).length).toBeGreaterThan(partial);
    // Escape in the question box stops it, as the Stop button does.
    await page.getByLabel('Ask about your records').press('Escape');
    await expect.poll(() => slow.getAttribute('data-state')).toBe('stopped');
    await slow.getByText('Stopped.').waitFor();
    const stoppedAt = (await answerText(page)).length;
    await page.waitForTimeout(400);
    expect((await answerText(page)).length).toBe(stoppedAt);
    // The server ended the generation too: it stored the answer as incomplete.
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
    const slowConversation = page.url().split('/chat/')[1];
    await expect
      .poll(() => page.evaluate((id) => fetch(`/api/conversations/${id}`).then((r) => r.json()), slowConversation))
      .toMatchObject({ messages: [{ role: 'user' }, { role: 'assistant', status: 'incomplete' }] });

    // A normal answer cites the shared record: inline [1] and in the sources under the answer.
    await page.getByRole('button', { name: 'New conversation' }).click();
    await ask(page, 'What was my blood pressure reading?');
    const answer = lastAnswer(page);
    await expect.poll(() => answer.getAttribute('data-state')).toBe('done');
    expect(await answerText(page)).toContain('From your records');
    const sources = answer.getByRole('navigation', { name: 'Sources' }).getByRole('link');
    expect(await sources.count()).toBe(1);
    expect(await sources.first().getAttribute('href')).toBe(`/vault/${bp}`);
    expect(await sources.first().textContent()).toContain('Blood pressure reading');
    expect(await answer.locator('.md a.cite').first().getAttribute('href')).toBe(`/vault/${bp}`);
    expect(await answer.locator(`a[href="/vault/${chol}"]`).count()).toBe(0);
    expect(await answer.textContent()).not.toContain('Cholesterol');
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
    const conversationUrl = page.url();
    await page.getByRole('complementary', { name: 'Past conversations' }).getByRole('link').nth(1).waitFor();
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

    // Reopening restores the messages and their sources; the stopped one says so.
    await page.goto('/chat');
    await page.goto(conversationUrl);
    await expect.poll(() => page.locator('li.msg.assistant').count()).toBe(1);
    expect(await page.getByRole('navigation', { name: 'Sources' }).getByRole('link', { name: /Blood pressure reading/ }).count()).toBe(1);
    await page.goto(`/chat/${slowConversation}`);
    await page.locator('li.msg.assistant').getByText('Stopped.').waitFor();

    // Revoke from the record page the source links to.
    await page.goto(conversationUrl);
    await page.getByRole('navigation', { name: 'Sources' }).getByRole('link', { name: /Blood pressure reading/ }).click();
    await page.getByRole('heading', { name: 'Blood pressure reading' }).waitFor();
    await page.getByLabel('Never share this record').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

    // Asked again, the revoked record is neither sent nor cited.
    await nav(page, 'Chat');
    await page.getByRole('button', { name: 'New conversation' }).click();
    await model.clearRequests();
    await ask(page, 'What was my blood pressure reading?');
    await expect.poll(() => lastAnswer(page).getAttribute('data-state')).toBe('done');
    expect(await lastAnswer(page).locator('.sources').count()).toBe(0);
    expect(await lastAnswer(page).locator('a.cite').count()).toBe(0);
    await lastAnswer(page).getByRole('link', { name: 'Share some records first' }).waitFor();
    const sent = JSON.stringify(await model.requests());
    expect(sent).not.toContain('Systolic 128');

    // The disclosure log lists what the answers sent, by conversation.
    await nav(page, 'What the AI has seen');
    await page.locator('.disclosure-group').first().waitFor();
    await expect.poll(() => page.locator('.disclosure-group').getByRole('link', { name: 'Blood pressure reading' }).count()).toBeGreaterThan(0);
    expect(await page.locator('.disclosure-group').getByRole('link', { name: 'Cholesterol panel' }).count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'seen-after-chat-desktop.png'), fullPage: true });

    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('a model failure mid-answer is explained and can be retried', async () => {
    const { ctx, problems } = await newContext(browser, gw.url, PHONE);
    const page = await ctx.newPage();
    await signUp(page, 'midstream@example.test');
    await note(page, 'Knee MRI', 'Small meniscus tear in the left knee', true);
    await ask(page, 'What did the knee MRI show? [[fail-midstream]]');
    const alert = lastAnswer(page).getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('The answer could not be completed.');
    const before = await page.locator('li.msg').count();
    await alert.getByRole('button', { name: 'Retry' }).click();
    await lastAnswer(page).getByRole('alert').waitFor();
    // A retry replaces the failed answer rather than piling up messages.
    expect(await page.locator('li.msg').count()).toBe(before);

    // The Stop button (on a phone) ends a long answer.
    await ask(page, 'Tell me more about the knee MRI [[slow]]');
    await expect.poll(() => answerText(page)).toContain('From your records');
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => lastAnswer(page).getAttribute('data-state')).toBe('stopped');
    expect(await page.getByRole('button', { name: 'Send' }).count()).toBe(1);
    expect(problems).toEqual([]);
    await ctx.close();
  });
});

/** A pool that is always full: how the real gateway answers before any stream when every worker is busy. */
function fullPool(): ModelPool {
  return {
    backend: 'docker',
    start: async () => undefined,
    close: async () => undefined,
    lease: async () => {
      throw new PoolSaturatedError(3);
    },
    health: async () => ({ ok: true, backend: 'docker', ephemeral: true, warm: 0, busy: 4, starting: 0, queued: 32, chatModel: { name: 'm', present: true }, embedModel: { name: 'e', present: true } }),
  } as ModelPool;
}

describe.skipIf(!run)('web client: chat when no model can answer', () => {
  let busy: LiveGateway;
  let none: LiveGateway;
  let browser: Browser;

  beforeAll(async () => {
    [busy, none, browser] = await Promise.all([startGateway({}, { pool: fullPool() }), startGateway(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await busy?.close();
    await none?.close();
  });

  it('a busy pool: says so, with the Retry-After wait and a retry', async () => {
    const { ctx, problems } = await newContext(browser, busy.url, PHONE);
    const page = await ctx.newPage();
    await signUp(page, 'busy@example.test');
    await ask(page, 'Anything new?');
    const alert = lastAnswer(page).getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('The AI is busy right now.');
    expect(await alert.textContent()).toContain('Try again in 3 seconds.');
    await page.screenshot({ path: join(SHOTS, 'chat-busy-phone.png') });
    // The retry waits out the Retry-After, then sends again.
    const retry = alert.getByRole('button', { name: /^Retry/ });
    expect(await retry.isDisabled()).toBe(true);
    expect(await retry.textContent()).toMatch(/^Retry in [1-3] s$/);
    const before = await page.locator('li.msg').count();
    await retry.click();
    await lastAnswer(page).getByRole('alert').waitFor();
    expect(await page.locator('li.msg').count()).toBe(before);
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('no model backend: says no model is available', async () => {
    const { ctx, problems } = await newContext(browser, none.url, DESKTOP);
    const page = await ctx.newPage();
    await signUp(page, 'nomodel@example.test');
    await ask(page, 'Anything new?');
    const alert = lastAnswer(page).getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('No AI model is available right now.');
    expect(problems).toEqual([]);
    await ctx.close();
  });
});
