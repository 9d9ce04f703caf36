/**
 * Debian's Chromium driven by playwright-core, for the browser tests: headless, no sandbox (CI
 * containers run as root), and closed by the caller. CHROMIUM_PATH overrides where it lives.
 */
import { chromium, type Browser } from 'playwright-core';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'], timeout: 30_000 });
}
