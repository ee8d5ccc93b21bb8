/**
 * What the portal's browser tests share: Debian's chromium driven by playwright-core (never a
 * downloaded browser), the demo started in process, sign-in, and screenshots for people to look at.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (portal/dist/test/ → ../../..). */
export const ROOT = resolve(here, '..', '..', '..');
export const SCREENSHOTS = join(ROOT, '.test-output', 'screenshots');
export const PORTAL_BUILD = join(ROOT, 'portal', 'build');

export function chromiumPath(): string {
  const path = process.env.POPART_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(path)) throw new Error(`no chromium at ${path}: run scripts/tools.sh (apt-get install chromium) or set POPART_CHROMIUM`);
  return path;
}

export function assertPortalBuilt(): void {
  if (!existsSync(join(PORTAL_BUILD, 'index.html'))) throw new Error(`the portal is not built (${PORTAL_BUILD}): run npm run build`);
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-gpu', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required'],
  });
}

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 360, height: 740 };

export async function newContext(browser: Browser, opts: { phone?: boolean; locale?: string; position?: { latitude: number; longitude: number } } = {}): Promise<BrowserContext> {
  const ctx = await browser.newContext({
    viewport: opts.phone ? PHONE : DESKTOP,
    locale: opts.locale ?? 'en-GB',
    timezoneId: 'Europe/Madrid',
    ...(opts.phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
    ...(opts.position ? { geolocation: opts.position, permissions: ['geolocation'] } : {}),
  });
  ctx.setDefaultTimeout(15_000);
  return ctx;
}

/** Opens the node's portal and signs in; resolves when the header shows the user. */
export async function signIn(page: Page, portalUrl: string, username: string, password = 'demo'): Promise<void> {
  await page.goto(portalUrl);
  // By field name, not label: the page may open in the browser's language.
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('.sign-in button[type="submit"]').click();
  await page.getByTestId('who').waitFor();
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  // A full-page picture of a map waits for every tile to be painted: on a loaded machine that took over the default 15 s.
  await page.screenshot({ path, fullPage: true, timeout: 60_000 });
  return path;
}

/** Widest element overflow of the page, in CSS pixels (0: nothing wider than the viewport). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}
