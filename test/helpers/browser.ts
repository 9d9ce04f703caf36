/**
 * Debian's Chromium driven by playwright-core, for the browser tests: headless, no sandbox (CI
 * containers run as root), and closed by the caller. CHROMIUM_PATH overrides where it lives
 * (`apt-get install chromium` puts it at /usr/bin/chromium; playwright-core downloads nothing).
 * A missing Chromium fails the test with a message saying so: nothing is skipped silently.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: the browser tests need it (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'], timeout: 30_000 });
}

/**
 * docs/screenshots/<name>.png, when GATEHOUSE_SCREENSHOTS=1 (`npm run screenshots`): what the viewport
 * shows (not the full page), so each picture stays small and reads like a screen.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.GATEHOUSE_SCREENSHOTS !== '1') return;
  const dir = new URL('../../docs/screenshots/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, dir).pathname, fullPage: false });
}
