import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, PHONE, browserAvailable, launchBrowser, startGateway, type LiveGateway } from './browser.ts';

const run = browserAvailable();
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Runs axe-core (WCAG 2 A/AA rules) on the current page; returns serious and critical violations. */
async function violations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })`);
  return (result as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

describe.skipIf(!run)('web client: accessibility (axe-core) of every screen', () => {
  let gw: LiveGateway;
  let browser: Browser;

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startGateway(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  for (const [label, viewport, colorScheme] of [['desktop, light', DESKTOP, 'light'], ['phone, dark', PHONE, 'dark']] as const) {
    it(`has no serious or critical WCAG violations (${label})`, async () => {
      // axe is injected as a script; only this test's context lifts the page's CSP to allow that.
      const ctx = await browser.newContext({ baseURL: gw.url, viewport, colorScheme, bypassCSP: true });
      const page = await ctx.newPage();
      const found: Record<string, string[]> = {};
      const check = async (name: string) => {
        const v = await violations(page);
        if (v.length) found[name] = v;
      };
      await page.goto('/login');
      await page.getByLabel('Email').waitFor();
      await check('login');
      await page.goto('/signup');
      await page.getByLabel('Email').fill(`a11y-${colorScheme}@example.test`);
      await page.getByLabel('Password').fill('a long enough password');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL('**/chat');
      await check('chat');
      await page.goto('/vault');
      await page.getByRole('button', { name: 'Add a note' }).click();
      await check('vault with note form');
      await page.getByLabel('Title').fill('Flu shot');
      await page.getByLabel('Note', { exact: true }).fill('October, left arm.');
      await page.getByRole('button', { name: 'Save note' }).click();
      await page.getByRole('link', { name: 'Flu shot' }).click();
      await page.getByRole('heading', { name: 'Who can read this' }).waitFor();
      await check('record');
      for (const path of ['/rules', '/seen', '/connections', '/account']) {
        await page.goto(path);
        await page.locator('main h1').waitFor();
        await page.waitForLoadState('networkidle');
        await check(path);
      }
      await ctx.close();
      expect(found).toEqual({});
    });
  }
});
