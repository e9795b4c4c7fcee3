import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, PHONE, SHOTS, browserAvailable, ensureWebBuild, launchBrowser, newContext, startGateway, type LiveGateway } from './browser.ts';

const run = browserAvailable();
// The SMART world (oidc-provider + replaying FHIR server) is the FHIR connector's test harness;
// the Epic test runs once that connector is part of this tree.
const HARNESS = fileURLToPath(new URL('../fhir/support/harness.ts', import.meta.url));
const harness = existsSync(HARNESS) ? await import(HARNESS) : null;
// Likewise the wearable connector's fake Oura (OAuth + API v2 on loopback).
const FAKE_OURA = fileURLToPath(new URL('../wearables/fake-oura.ts', import.meta.url));
const fakeOura = existsSync(FAKE_OURA) ? await import(FAKE_OURA) : null;
const SYNTHEA_BUNDLE = fileURLToPath(new URL('../../../../shared/fixtures/fhir/synthea/synthea_Carl856_Powlowski563_49e4037a-b643-4acf-bbfe-e29ca79b97a1.json', import.meta.url));
const APPLE_EXPORT = fileURLToPath(new URL('../../../../shared/fixtures/wearables/apple-health/v3-full-11k-records.xml', import.meta.url));

async function signUp(page: Page, email: string) {
  await page.goto('/signup');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/chat');
}

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();

describe.skipIf(!run || !harness)('web client: connect Epic in Chromium', () => {
  let world: any;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuild();
    [world, browser] = await Promise.all([harness!.startSmartWorld(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('connect → provider sign-in → back with the first sync’s progress → sync now → disconnect; a refusal is explained', async () => {
    const { ctx, problems } = await newContext(browser, world.gateway, DESKTOP);
    const page = await ctx.newPage();
    page.on('dialog', (d) => void d.accept());
    await signUp(page, 'epic-user@example.test');
    await nav(page, 'Connections');
    const epic = page.locator('li.integration[data-provider="epic"]');
    await epic.waitFor();
    expect(await epic.getAttribute('data-status')).toBe('not_connected');

    // A real top-level navigation through the authorization server and back to the client.
    await epic.getByRole('link', { name: 'Connect Epic' }).click();
    await page.waitForURL(/\/connections\?connected=epic&jobId=/);
    await page.getByText('is connected. Your records are being imported.').waitFor();
    const job = epic.locator('.job');
    await expect.poll(() => job.getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');
    // The replayed server answers some searches with OperationOutcome warnings; they are listed, not hidden.
    expect(await job.locator('.warnings summary').textContent()).toMatch(/\d+ warnings?/);
    await expect.poll(() => epic.getAttribute('data-status')).toBe('connected');
    expect(await epic.textContent()).toContain('last synced');
    await expect.poll(async () => Number(await page.getByTestId('total-count').textContent())).toBeGreaterThan(10);
    await page.screenshot({ path: join(SHOTS, 'connections-desktop.png'), fullPage: true });

    // Sync again from the card.
    await epic.getByRole('button', { name: /^Sync Epic.* now$/ }).click();
    await expect.poll(() => epic.locator('.job').getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');

    // The imported records are in the vault, private by default.
    await nav(page, 'Vault');
    await page.getByLabel('Source').fill('epic');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => page.locator('.item-row').count()).toBeGreaterThan(0);
    expect(await page.locator('.switch[aria-checked="true"]').count()).toBe(0);
    await page.locator('.item-title').first().click();
    await page.getByRole('heading', { name: 'Who can read this' }).waitFor();
    expect(await page.getByTestId('verdict').textContent()).toContain('nothing is shared unless you say so');
    await page.getByText('Details', { exact: true }).click();
    await page.locator('.content-view').waitFor();
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(SHOTS, 'record-epic-phone.png'), fullPage: true });
    await page.setViewportSize(DESKTOP);

    // "Share all vital signs from Epic with the AI for 30 days", as a rule.
    await nav(page, 'Sharing rules');
    await page.getByLabel('Category').fill('vital-signs');
    await page.getByLabel('Source').fill('epic');
    await page.getByLabel('For how long').selectOption('30');
    expect(await page.locator('.preview').textContent()).toMatch(/^Share all vital signs from Epic with the AI until .+\.$/);
    await page.getByRole('button', { name: 'Add rule' }).click();
    await expect.poll(async () => Number(await page.getByTestId('shared-count').textContent())).toBeGreaterThan(0);
    const shared = Number(await page.getByTestId('shared-count').textContent());
    expect(shared).toBeLessThan(Number(await page.getByTestId('total-count').textContent()));
    await nav(page, 'Vault');
    await page.getByLabel('AI access').selectOption('ai');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => page.locator('.item-row').count()).toBe(Math.min(shared, 50));
    expect(await page.locator('.badge.rule').count()).toBe(Math.min(shared, 50));
    await page.screenshot({ path: join(SHOTS, 'vault-shared-by-rule-desktop.png'), fullPage: true });

    // Disconnect, then a refused consent comes back as a readable message.
    await nav(page, 'Connections');
    await epic.getByRole('button', { name: /^Disconnect Epic/ }).click();
    await expect.poll(() => epic.getAttribute('data-status')).toBe('not_connected');
    world.as.behaviour.consent = 'deny';
    try {
      await epic.getByRole('link', { name: 'Connect Epic' }).click();
      await page.waitForURL(/\/connections\?error=/);
      expect(await page.getByRole('alert').first().textContent()).toMatch(/^Epic.* was not connected: you declined access at the provider\.$/);
    } finally {
      world.as.behaviour.consent = 'approve';
    }
    expect(problems).toEqual([]);
    await ctx.close();
  });
});

describe.skipIf(!run)('web client: file imports in Chromium', () => {
  let gw: LiveGateway;
  let browser: Browser;

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startGateway(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('imports a FHIR bundle file: upload, import job, records in the vault', async (t) => {
    const probe = await gw.rt.signup();
    const res = await fetch(`${gw.url}/api/imports/fhir-bundle`, { method: 'POST', headers: { authorization: `Bearer ${probe.token}`, 'content-type': 'application/json' }, body: '{}' });
    if (res.status === 404 || !existsSync(SYNTHEA_BUNDLE)) t.skip(); // the bundle import is not in this tree yet

    const { ctx, problems } = await newContext(browser, gw.url, PHONE);
    const page = await ctx.newPage();
    await signUp(page, 'bundle-user@example.test');
    await nav(page, 'Connections');
    const form = page.locator('form.import', { has: page.getByRole('heading', { name: 'FHIR bundle' }) });
    await form.getByLabel('File').setInputFiles(SYNTHEA_BUNDLE);
    await form.getByRole('button', { name: 'Upload' }).click();
    const job = form.locator('.job');
    await expect.poll(() => job.getAttribute('data-status'), { timeout: 120_000 }).toBe('succeeded');
    expect(await job.textContent()).toContain('Import: done');
    await expect.poll(async () => Number(await page.getByTestId('total-count').textContent())).toBeGreaterThan(10);
    await page.screenshot({ path: join(SHOTS, 'bundle-import-phone.png'), fullPage: true });
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('uploads an export with a moving progress bar, then follows the import job', async (t) => {
    const probe = await gw.rt.signup();
    const res = await fetch(`${gw.url}/api/imports/apple-health`, { method: 'POST', headers: { authorization: `Bearer ${probe.token}`, 'content-type': 'application/xml' }, body: '' });
    if (res.status === 404 || !existsSync(APPLE_EXPORT)) t.skip(); // the Apple Health connector is not in this tree yet

    const { ctx, problems } = await newContext(browser, gw.url, DESKTOP);
    const page = await ctx.newPage();
    await signUp(page, 'apple-user@example.test');
    await nav(page, 'Connections');
    // Throttle the upload (through Chromium's own network emulation) so its progress is observable.
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 1.5 * 1024 * 1024 });
    const form = page.locator('form.import', { has: page.getByRole('heading', { name: 'Apple Health' }) });
    await form.getByLabel('File').setInputFiles(APPLE_EXPORT);
    await form.getByRole('button', { name: 'Upload' }).click();
    const seen = new Set<number>();
    const bar = form.getByRole('progressbar', { name: 'Uploading Apple Health' });
    for (let i = 0; i < 200 && !(await form.locator('.job').count()); i++) {
      const v = await bar.getAttribute('value', { timeout: 50 }).catch(() => null);
      if (v !== null && Number(v) > 0 && Number(v) < 100 && ![...seen].some((x) => x > 0)) await page.screenshot({ path: join(SHOTS, 'apple-uploading-desktop.png') });
      if (v !== null) seen.add(Number(v));
      await page.waitForTimeout(25);
    }
    // The bar moved through intermediate values on its way.
    expect([...seen].filter((v) => v > 0 && v < 100).length).toBeGreaterThanOrEqual(2);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const job = form.locator('.job');
    await expect.poll(() => job.getAttribute('data-status'), { timeout: 120_000 }).toBe('succeeded');
    await expect.poll(async () => Number(await page.getByTestId('total-count').textContent())).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await ctx.close();
  });
});

describe.skipIf(!run || !fakeOura)('web client: connect a wearable API (Oura) in Chromium', () => {
  let oura: any;
  let gw: LiveGateway;
  let browser: Browser;

  beforeAll(async () => {
    oura = await fakeOura!.startFakeOura();
    [gw, browser] = await Promise.all([
      startGateway({ OURA_CLIENT_ID: oura.clientId, OURA_CLIENT_SECRET: oura.clientSecret, OURA_API_URL: oura.url, OURA_AUTHORIZE_URL: `${oura.url}/oauth/authorize` }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await oura?.close();
  });

  it('connect → Oura approves → back with the first sync → daily records in the vault → disconnect', async () => {
    const { ctx, problems } = await newContext(browser, gw.url, PHONE);
    const page = await ctx.newPage();
    page.on('dialog', (d) => void d.accept());
    await signUp(page, 'oura-user@example.test');
    await nav(page, 'Connections');
    const card = page.locator('li.integration[data-provider="oura"]');
    await card.waitFor();
    expect(await card.textContent()).toContain('Wearable');
    await card.getByRole('link', { name: 'Connect Oura' }).click();
    await page.waitForURL(/\/connections\?connected=oura&jobId=/);
    await page.getByText('Oura is connected.').waitFor();
    await expect.poll(() => card.locator('.job').getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');
    await expect.poll(() => card.getAttribute('data-status')).toBe('connected');
    await expect.poll(async () => Number(await page.getByTestId('total-count').textContent())).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'connections-oura-phone.png'), fullPage: true });
    await card.getByRole('button', { name: 'Disconnect Oura' }).click();
    await expect.poll(() => card.getAttribute('data-status')).toBe('not_connected');
    expect(problems).toEqual([]);
    await ctx.close();
  });
});
