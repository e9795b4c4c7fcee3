import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, PHONE, SHOTS, browserAvailable, ensureWebBuild, launchBrowser, newContext, signUp, startGateway, type LiveGateway } from './browser.ts';
// Both connectors' test worlds are part of this tree: the SMART world (oidc-provider + a FHIR
// server replaying ../shared/fixtures) and the fake Oura (OAuth + API v2 on loopback).
import { startSmartWorld, type SmartWorld } from '../fhir/support/harness.ts';
import { syntheaBundlePath } from '../fhir/support/fixtures.ts';
import { startFakeOura, type FakeOura } from '../wearables/fake-oura.ts';
import { FIXTURES as APPLE_FIXTURES } from '../wearables/helpers.ts';

// Only a missing browser may skip (and not under CV_REQUIRE_BROWSER=1); a missing fixture is a failure.
const run = browserAvailable();
const APPLE_EXPORT = join(APPLE_FIXTURES, 'v3-full-11k-records.xml');
function fixture(path: string): string {
  if (!existsSync(path)) throw new Error(`test fixture missing: ${path} (../shared/fixtures sits beside the repository)`);
  return path;
}

const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();

describe.skipIf(!run)('web client: connect Epic in Chromium', () => {
  let world: SmartWorld;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuild();
    [world, browser] = await Promise.all([startSmartWorld(), launchBrowser()]);
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
    await page.getByText('is connected. Your records are being imported.').waitFor();
    // The landing's note is shown once: it leaves the address so a reload does not repeat it.
    await expect.poll(() => new URL(page.url()).pathname + new URL(page.url()).search + new URL(page.url()).hash).toBe('/connections');
    const job = epic.locator('.job');
    await expect.poll(() => job.getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');
    // The replayed server answers some searches with OperationOutcome warnings; they are listed, not hidden.
    expect(await job.locator('.warnings summary').textContent()).toMatch(/\d+ warnings?/);
    await expect.poll(() => epic.getAttribute('data-status')).toBe('connected');
    // The card re-reads the connection when the job ends; that read may land after the job's status.
    await expect.poll(() => epic.textContent()).toContain('last synced');
    await expect.poll(async () => Number(await page.getByTestId('total-count').textContent())).toBeGreaterThan(10);
    await page.screenshot({ path: join(SHOTS, 'connections-desktop.png'), fullPage: true });

    // Sync again from the card, with the FHIR server holding a request so the sync stays running:
    // "Sync now" is disabled while it runs, and its progress survives a reload and leaving the screen.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    world.fhir.beforeRequest(world.fhir.log.length + 3, () => held);
    const syncNow = epic.getByRole('button', { name: /^Sync Epic.* now$/ });
    try {
      await syncNow.click();
      await expect.poll(() => syncNow.isDisabled()).toBe(true);
      await expect.poll(() => epic.locator('.job').getAttribute('data-status')).toBe('running');
      const jobs = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/jobs');
      await page.reload();
      await jobs;
      await expect.poll(() => epic.locator('.job').getAttribute('data-status')).toBe('running');
      expect(await syncNow.isDisabled()).toBe(true);
      expect(await page.getByText('is connected. Your records are being imported.').count()).toBe(0);
      await nav(page, 'Vault');
      await page.getByRole('heading', { name: 'Your vault' }).waitFor();
      await nav(page, 'Connections');
      await expect.poll(() => epic.locator('.job').getAttribute('data-status')).toBe('running');
      expect(await syncNow.isDisabled()).toBe(true);
      expect(await epic.locator('.job-label').textContent()).toMatch(/^Sync with Epic.*: /);
    } finally {
      release();
    }
    await expect.poll(() => epic.locator('.job').getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');
    await expect.poll(() => syncNow.isDisabled()).toBe(false);

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
      const refusal = page.getByRole('alert').filter({ hasText: 'was not connected' });
      await refusal.waitFor();
      expect(await refusal.textContent()).toMatch(/^Epic.* was not connected: you declined access at the provider\.$/);
      await expect.poll(() => new URL(page.url()).search).toBe('');
    } finally {
      world.as.behaviour.consent = 'approve';
    }
    // Connected, but the first sync could not be queued: the page says so instead of "not connected".
    await page.goto(`${world.gateway}/#/connections?error=sync_not_started&provider=epic`);
    const half = page.getByRole('alert').filter({ hasText: 'first import could not start' });
    await half.waitFor();
    expect(await half.textContent()).toMatch(/^Epic.* is connected, but its first import could not start\. Press Sync now/);
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

  it('imports a FHIR bundle file: upload, import job, records in the vault', async () => {
    const SYNTHEA_BUNDLE = fixture(syntheaBundlePath());

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

  it('uploads an export with a moving progress bar, then follows the import job', async () => {
    fixture(APPLE_EXPORT);

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

describe.skipIf(!run)('web client: connect a wearable API (Oura) in Chromium', () => {
  let oura: FakeOura;
  let gw: LiveGateway;
  let browser: Browser;

  beforeAll(async () => {
    oura = await startFakeOura();
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
    await page.getByText('Oura is connected.').waitFor();
    await expect.poll(() => new URL(page.url()).pathname + new URL(page.url()).search).toBe('/connections');
    await expect.poll(() => card.locator('.job').getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');
    await expect.poll(() => card.getAttribute('data-status')).toBe('connected');
    await expect.poll(async () => Number(await page.getByTestId('total-count').textContent())).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'connections-oura-phone.png'), fullPage: true });
    await card.getByRole('button', { name: 'Disconnect Oura' }).click();
    await expect.poll(() => card.getAttribute('data-status')).toBe('not_connected');
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('a job that cannot be read stops polling and says why; a flaky network backs off instead', async () => {
    const { ctx, problems } = await newContext(browser, gw.url, DESKTOP);
    const page = await ctx.newPage();
    await signUp(page, 'stale-link@example.test');
    const missing = '0b0e0c0d-1111-4222-8333-444455556666';
    const reads: number[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === `/api/jobs/${missing}`) reads.push(Date.now());
    });
    // A stale landing link names a job that is not this person's (404): one read, then the error.
    await page.goto(`/connections?connected=oura&jobId=${missing}`);
    const job = page.locator('li.integration[data-provider="oura"] .job');
    await expect.poll(() => job.getAttribute('data-status')).toBe('unreadable');
    expect(await job.getByRole('alert').textContent()).toBe('No such job.');
    await page.waitForTimeout(2500);
    expect(reads).toHaveLength(1);

    // Network failures keep trying, further and further apart.
    const other = '0b0e0c0d-1111-4222-8333-777788889999';
    const tries: number[] = [];
    await page.route(`**/api/jobs/${other}`, (route) => {
      tries.push(Date.now());
      return route.abort('connectionrefused');
    });
    await page.goto(`/connections?connected=oura&jobId=${other}`);
    await expect.poll(() => tries.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(4);
    const gaps = tries.slice(1).map((t, i) => t - tries[i]);
    expect(gaps[2]).toBeGreaterThan(gaps[0] * 1.5);
    expect(await job.textContent()).toContain('Trying again');
    expect(await job.getAttribute('data-status')).toBe('loading');
    expect(problems.filter((p) => !/ERR_CONNECTION_REFUSED/.test(p))).toEqual([]);
    await ctx.close();
  });
});
