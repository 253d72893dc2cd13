/** What a cashier does on the till, as page actions; and the set-up every till suite shares. */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchBrowser, type Browser } from './browser.ts';
import { startTillServer, type TillServer } from './till-server.ts';

export const MANAGER_CODE = '2468';

/** Opens the till, setting it up first if this browser profile has not been set up yet. */
export async function setUpTill(page: Page, server: TillServer): Promise<void> {
  await page.goto(server.url);
  const setup = page.getByRole('heading', { name: 'Set up this till' });
  const ready = page.getByTestId('replica-summary');
  await expect.poll(async () => (await setup.isVisible()) || (await ready.isVisible()), { timeout: 20_000 }).toBe(true);
  if (!(await setup.isVisible())) return;
  await page.getByLabel('Account id').fill('T12345678');
  await page.getByLabel('Client id').fill(server.creds.till.client_id);
  await page.getByLabel('Client secret').fill(server.creds.till.client_secret);
  await page.getByLabel('Manager code').fill(MANAGER_CODE);
  await page.getByRole('button', { name: 'Connect till' }).click();
  await expect.poll(() => page.getByTestId('replica-summary').textContent(), { timeout: 20_000 }).toBe('16 products on this till');
}

/**
 * A keyboard-wedge scanner: characters ~8 ms apart, then Enter. Like a cashier's scanner it types
 * wherever focus is; when no text field has focus, the scan field gets it first. On a loaded machine the
 * driver sometimes delivers a key > 50 ms late, and the till then rightly takes the code for typing:
 * in the scan field that typing still ends as the code + Enter, as a cashier keying it would.
 */
export async function scan(page: Page, code: string): Promise<void> {
  const field = page.getByLabel('Scan or type a barcode');
  if ((await field.isVisible()) && (await page.evaluate(() => !(document.activeElement instanceof HTMLInputElement || document.activeElement instanceof HTMLTextAreaElement)))) await field.focus();
  await page.keyboard.type(code, { delay: 8 });
  await page.keyboard.press('Enter');
}

export const cartLines = (page: Page) => page.getByTestId('cart-line').allTextContents();

/** The text under a test id, with white space (money's no-break spaces too) as single plain spaces. */
export const textOf = async (page: Page, testId: string): Promise<string> => ((await page.getByTestId(testId).first().textContent()) ?? '').replace(/\s+/g, ' ');

/** Server-side helpers with the back-office client. */
export async function adminApi(server: TillServer) {
  const res = await fetch(`${server.url}/v1/accounts/T12345678/auth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${server.creds.admin.client_id}:${server.creds.admin.client_secret}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', audience: `${server.url}/v1/accounts/T12345678` }),
  });
  const { access_token } = (await res.json()) as { access_token: string };
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetch(`${server.url}/v1/accounts/T12345678${path}`, {
      method,
      headers: { authorization: `Bearer ${access_token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };
  return { call };
}

export type AdminApi = Awaited<ReturnType<typeof adminApi>>;

export interface TillSuite {
  readonly server: TillServer;
  readonly browser: Browser;
  readonly api: AdminApi;
}

/**
 * A till server, Chromium and the back-office API for the calling describe block: started in its
 * beforeAll, closed in its afterAll. Read the fields inside tests, once they exist.
 */
export function tillSuite(): TillSuite {
  let server: TillServer | null = null;
  let browser: Browser | null = null;
  let api: AdminApi | null = null;
  beforeAll(async () => {
    server = await startTillServer();
    browser = await launchBrowser();
    api = await adminApi(server);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  const ready = <T>(value: T | null, what: string): T => {
    if (value === null) throw new Error(`the till suite's ${what} is not started (used outside a test?)`);
    return value;
  };
  return {
    get server() {
      return ready(server, 'server');
    },
    get browser() {
      return ready(browser, 'browser');
    },
    get api() {
      return ready(api, 'admin API');
    },
  };
}

/** Pays the whole amount due in exact cash and waits until the till says the sale is complete. */
export async function payExactCash(page: Page): Promise<void> {
  await page.getByRole('button', { name: /^Pay / }).click();
  // A sale that costs nothing completes as soon as payment starts.
  const complete = page.getByRole('heading', { name: 'Sale complete' });
  const exact = page.getByRole('button', { name: 'Exact cash' });
  await expect.poll(async () => (await complete.isVisible()) || (await exact.isVisible())).toBe(true);
  if (!(await complete.isVisible())) await exact.click();
  await expect.poll(() => complete.isVisible()).toBe(true);
}

/** Waits until the server has confirmed every sale this till completed. */
export async function uploaded(page: Page): Promise<void> {
  await expect.poll(() => page.getByTestId('pending').textContent(), { timeout: 15_000 }).toBe('Pending uploads: 0');
}
