/** A cashier sets up a brand-new till in Chromium and gets to a replica of the store. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, screenshot, type Browser } from './support/browser.ts';
import { startTillServer, type TillServer } from './support/till-server.ts';

describe.runIf(chromiumAvailable())('terminal setup in Chromium', () => {
  let server: TillServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startTillServer();
    browser = await launchBrowser();
  }, 120_000);
  let serverClosed = false;
  afterAll(async () => {
    await browser.close();
    if (!serverClosed) await server.close();
  });

  it('rejects wrong credentials with a clear message, then sets up and syncs the store', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await expect.poll(() => page.getByRole('heading', { name: 'Set up this till' }).isVisible()).toBe(true);
    expect(await page.getByLabel('Server address').inputValue()).toBe(server.url);

    await page.getByLabel('Account id').fill('T12345678');
    await page.getByLabel('Client id').fill(server.creds.till.client_id);
    await page.getByLabel('Client secret').fill('not-the-secret');
    await page.getByLabel('Manager code').fill('2468');
    await page.getByRole('button', { name: 'Connect till' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/refused the till.s credentials \(HTTP 401\)/);

    await page.getByLabel('Client secret').fill(server.creds.till.client_secret);
    await page.getByLabel('Manager code').fill('2468');
    await page.getByRole('button', { name: 'Connect till' }).click();
    await expect.poll(() => page.getByTestId('replica-summary').textContent(), { timeout: 20_000 }).toBe('16 products on this till');
    expect(await page.getByTestId('connection').textContent()).toBe('Online');
    expect(await page.getByTestId('last-sync').textContent()).not.toContain('never');
    await screenshot(page, 'till-ready');

    // The setup survives a reload: no second setup, the replica is still there.
    await page.reload();
    await expect.poll(() => page.getByTestId('replica-summary').textContent(), { timeout: 20_000 }).toBe('16 products on this till');
    await expect.poll(() => page.getByTestId('connection').textContent()).toBe('Online');

    // The server goes away: the status bar says so, and the replica stays.
    serverClosed = true;
    await server.close();
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 10_000 }).toBe('Offline');
    expect(await page.getByTestId('replica-summary').textContent()).toBe('16 products on this till');
  });
});
