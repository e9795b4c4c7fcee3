import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, PHONE, SHOTS, browserAvailable, launchBrowser, newContext, startGateway, type LiveGateway } from './browser.ts';

const run = browserAvailable();

/** Signs up through the form and waits for the chat screen. */
async function signUp(page: Page, email: string, password: string) {
  await page.goto('/');
  await page.waitForURL('**/login');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/chat');
}

async function addNote(page: Page, title: string, text: string) {
  await page.getByRole('button', { name: 'Add a note' }).click();
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Note', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Save note' }).click();
  await page.getByRole('status').filter({ hasText: `Added “${title}”` }).waitFor();
}

const count = (page: Page, id: string) => page.getByTestId(id).textContent();

describe.skipIf(!run)('web client: account and vault in Chromium', () => {
  let gw: LiveGateway;
  let browser: Browser;

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startGateway(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('sign up → notes → share → counts → search → item permissions → rules → disclosures → export → sign out/in → delete', async () => {
    const { ctx, problems } = await newContext(browser, gw.url, DESKTOP);
    const page = await ctx.newPage();
    const email = 'pat@example.test';
    const password = 'correct horse battery staple';

    await signUp(page, email, password);
    await page.getByRole('heading', { name: 'Chat with your records' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'chat-empty-desktop.png') });

    // Notes, then share one of them with its switch.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Vault' }).click();
    await page.getByRole('heading', { name: 'Your vault' }).waitFor();
    await addNote(page, 'Blood pressure reading', 'BP 128/82 measured at the pharmacy.');
    await addNote(page, 'Allergy: penicillin', 'Rash after amoxicillin in 2019.');
    await addNote(page, '<img src=x onerror="window.__xss=1">', 'Hostile <script>window.__xss=2</script> text');
    await expect.poll(() => count(page, 'count-total')).toBe('3');
    expect(await count(page, 'count-shared')).toBe('0');

    const bpSwitch = page.getByRole('switch', { name: 'Share “Blood pressure reading” with the AI' });
    expect(await bpSwitch.getAttribute('aria-checked')).toBe('false');
    await bpSwitch.click();
    await expect.poll(() => bpSwitch.getAttribute('aria-checked')).toBe('true');
    await expect.poll(() => count(page, 'count-shared')).toBe('1');
    expect(await count(page, 'shared-count')).toBe('1');
    await page.screenshot({ path: join(SHOTS, 'vault-desktop.png'), fullPage: true });

    // Markup in a title is shown as text and never runs.
    await page.getByRole('link', { name: '<img src=x onerror="window.__xss=1">' }).waitFor();
    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();

    // The sharing survives a reload (it is the server's state, not the page's).
    await page.reload();
    await expect.poll(() => count(page, 'count-shared')).toBe('1');

    // Search by a word of the text; the filter lives in the URL.
    await page.getByLabel('Search', { exact: true }).fill('amoxicillin');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(/q=amoxicillin/);
    await expect.poll(() => page.locator('.item-row').count()).toBe(1);
    expect(await page.locator('.item-title').first().textContent()).toBe('Allergy: penicillin');
    await page.getByLabel('Kind').fill('nothing-like-this');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('No records match this search.').waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => page.locator('.item-row').count()).toBe(3);

    // Open the shared note: it explains why the AI can read it; then stop sharing it explicitly.
    await page.getByRole('link', { name: 'Blood pressure reading' }).click();
    await page.getByRole('heading', { name: 'Blood pressure reading' }).waitFor();
    expect(await page.getByTestId('verdict').textContent()).toContain('because you shared it');
    expect(await page.locator('.record-text').textContent()).toBe('BP 128/82 measured at the pharmacy.');
    await page.getByLabel('Never share this record').check();
    await page.getByLabel('Read-only (protect from edits and deletion)').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await page.getByTestId('verdict').textContent()).toContain('you chose not to share it');
    expect(await page.getByRole('button', { name: 'Delete this record' }).isDisabled()).toBe(true);
    await expect.poll(() => count(page, 'shared-count')).toBe('0');
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(SHOTS, 'item-phone.png'), fullPage: true });
    await page.setViewportSize(DESKTOP);

    // A rule shares every note for 30 days; the note set to "never" stays private (own choice wins).
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sharing rules' }).click();
    await page.getByLabel('Kind').fill('note');
    await page.getByLabel('Source').fill('user');
    await page.getByLabel('For how long').selectOption('30');
    const in30 = await page.evaluate(() => new Date(Date.now() + 30 * 86400000).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' }));
    expect(await page.locator('.preview').textContent()).toBe(`Share all note records that you added yourself with the AI until ${in30}.`);
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByRole('status').filter({ hasText: 'Added: Share all note records that you added yourself' }).waitFor();
    await expect.poll(() => page.locator('.rule-list li').count()).toBe(1);
    await expect.poll(() => count(page, 'shared-count')).toBe('2');
    await page.screenshot({ path: join(SHOTS, 'rules-desktop.png'), fullPage: true });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Vault' }).click();
    await expect.poll(() => page.getByRole('switch', { name: 'Share “Allergy: penicillin” with the AI' }).getAttribute('aria-checked')).toBe('true');
    expect(await page.getByRole('switch', { name: 'Share “Blood pressure reading” with the AI' }).getAttribute('aria-checked')).toBe('false');
    expect(await page.locator('.badge.rule').count()).toBe(2);

    // What the AI has seen: nothing yet; then one recorded disclosure appears, grouped by conversation.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'What the AI has seen' }).click();
    await page.getByText('The AI has not seen any of your records yet.').waitFor();
    const me = await page.evaluate(() => fetch('/api/me').then((r) => r.json()));
    const list = await page.evaluate(() => fetch('/api/vault/items?q=penicillin').then((r) => r.json()));
    const conversationId = '11111111-2222-4333-8444-555555555555';
    await gw.rt.deps.audit.recordDisclosure({ userId: me.user.id, conversationId, model: 'test-model', purpose: 'chat', itemIds: [list.items[0].id] });
    await page.reload();
    const group = page.locator('.disclosure-group');
    await group.first().waitFor();
    expect(await group.count()).toBe(1);
    // Titles are fetched after the group renders: wait for them rather than racing the page.
    await expect.poll(() => group.getByRole('link', { name: 'Allergy: penicillin' }).count()).toBe(1);
    expect(await group.locator('h2 a').getAttribute('href')).toBe(`/chat/${conversationId}`);
    expect(await group.locator('.meta').textContent()).toContain('test-model');
    await page.screenshot({ path: join(SHOTS, 'seen-desktop.png'), fullPage: true });

    // A personal API token is shown once, listed by its prefix, and can be revoked.
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.getByLabel('Token name').fill('my laptop');
    await page.getByRole('button', { name: 'Create token' }).click();
    const tokenValue = await page.getByLabel('New API token').inputValue();
    expect(tokenValue).toMatch(/^cvt_/);
    await page.getByRole('button', { name: 'Revoke token my laptop' }).waitFor();
    expect(await page.locator('.rule-list').textContent()).toContain(tokenValue.slice(0, 10));
    expect(await page.locator('.rule-list').textContent()).not.toContain(tokenValue);
    await page.getByRole('button', { name: 'Revoke token my laptop' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Revoke token my laptop' }).count()).toBe(0);

    // Export: the download is the decrypted vault.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download export' }).click()]);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(exported.items.map((i: any) => i.title).sort()).toEqual(['<img src=x onerror="window.__xss=1">', 'Allergy: penicillin', 'Blood pressure reading']);
    expect(exported.items.find((i: any) => i.title === 'Blood pressure reading').text).toBe('BP 128/82 measured at the pharmacy.');
    expect(exported.rules).toHaveLength(1);

    // Sign out, a wrong password is refused with a message, the right one signs in.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    // A signed-out visit to a deep link signs in back to that link.
    await page.goto('/vault');
    await page.waitForURL('**/login?next=%2Fvault');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(page.url()).toMatch(/\/login\?next=%2Fvault$/);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/vault');
    await page.getByRole('heading', { name: 'Your vault' }).waitFor();

    // Change the password: a wrong current one is refused and changes nothing; then the new one
    // works and the other session (the API client's) is signed out while this page stays in.
    const otherSession = await gw.rt.api('POST', '/api/auth/login', { body: { email, password } });
    expect(otherSession.status).toBe(200);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.getByLabel('Current password').fill('not the password');
    await page.getByLabel('New password').fill('amber falcon quietly sings');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').filter({ hasText: 'not your current password' }).waitFor();
    await page.getByLabel('Current password').fill(password);
    await page.getByLabel('New password').fill('aaaaaaaaaa');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').filter({ hasText: 'too easy to guess' }).waitFor();
    expect((await gw.rt.api('GET', '/api/me', { token: otherSession.body.token })).status).toBe(200);
    await page.getByLabel('New password').fill('amber falcon quietly sings');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: 'Password changed. 1 other session was signed out.' }).waitFor();
    expect((await gw.rt.api('GET', '/api/me', { token: otherSession.body.token })).status).toBe(401);
    const newPassword = 'amber falcon quietly sings';

    // Delete the account: the button stays disabled until the email and the password are typed,
    // and a wrong password deletes nothing.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Vault' }).click();
    await page.getByRole('heading', { name: 'Your vault' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    const del = page.getByRole('button', { name: 'Delete my account' });
    expect(await del.isDisabled()).toBe(true);
    await page.getByLabel(/Type your email address/).fill(email);
    expect(await del.isDisabled()).toBe(true);
    await page.getByLabel('Your password').fill(password); // the old one
    await page.screenshot({ path: join(SHOTS, 'account-desktop.png'), fullPage: true });
    await del.click();
    await page.getByRole('alert').filter({ hasText: 'not your current password' }).waitFor();
    expect((await gw.rt.api('POST', '/api/auth/login', { body: { email, password: newPassword } })).status).toBe(200);
    await page.getByLabel('Your password').fill(newPassword);
    await del.click();
    await page.waitForURL('**/login?deleted=1');
    await page.getByText('Your account and all its records were deleted.').waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(newPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(page.url()).toContain('/login');
    const gone = await gw.rt.api('POST', '/api/auth/login', { body: { email, password: newPassword } });
    expect(gone.status).toBe(401);

    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('works on a phone-sized screen with the keyboard alone', async () => {
    const { ctx, problems } = await newContext(browser, gw.url, PHONE);
    const page = await ctx.newPage();
    await page.goto('/login');
    await page.getByLabel('Email').waitFor();
    await page.screenshot({ path: join(SHOTS, 'login-phone.png') });
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Email').focus();
    await page.keyboard.type('kim@example.test');
    await page.keyboard.press('Tab');
    await page.keyboard.type('a long enough password');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/chat');
    // The composer has focus on the chat screen.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('composer-input');
    await page.screenshot({ path: join(SHOTS, 'chat-empty-phone.png') });
    await page.goto('/vault');
    await page.getByRole('button', { name: 'Add a note' }).focus();
    await page.keyboard.press('Enter');
    await page.getByLabel('Title').fill('Knee MRI');
    await page.getByLabel('Note', { exact: true }).fill('Small meniscus tear.');
    await page.getByLabel('Share this note with the AI').check();
    await page.getByRole('button', { name: 'Save note' }).click();
    await expect.poll(() => count(page, 'count-shared')).toBe('1');
    const sw = page.getByRole('switch', { name: 'Share “Knee MRI” with the AI' });
    await sw.focus();
    await page.keyboard.press('Space');
    await expect.poll(() => sw.getAttribute('aria-checked')).toBe('false');
    await expect.poll(() => count(page, 'count-shared')).toBe('0');
    await page.screenshot({ path: join(SHOTS, 'vault-phone.png'), fullPage: true });
    expect(problems).toEqual([]);
    await ctx.close();
  });
});
