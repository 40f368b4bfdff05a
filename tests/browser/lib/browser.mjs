// Debian's headless Chromium driven by playwright-core (no browser download: the
// registries are all this machine reaches). Playwright gives it a new, empty
// --user-data-dir of its own and removes it on close.

import fs from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (make browser-test does it)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30000,
    args: [
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      // Without these, Chromium keeps dialing Google hosts this closed network refuses.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Other sites than 127.0.0.1/localhost, all served by our loopback servers:
      // app.shop.test (a subdomain pattern), shop.test (its apex), evil.test (cross-site).
      '--host-resolver-rules=MAP *.test 127.0.0.1',
    ],
  });
}
