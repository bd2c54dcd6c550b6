// Debian's chromium through playwright-core, for the tests that look where a person would (Swagger UI, SSO sign-in).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Browser, chromium } from 'playwright-core';

/** /usr/bin/chromium, or the first chromium on PATH. */
export function chromiumPath(): string {
  for (const dir of ['/usr/bin', ...(process.env.PATH ?? '').split(delimiter)]) {
    const candidate = join(dir, 'chromium');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error('chromium is not on PATH (.ci/run installs it: apt-get install -y chromium)');
}

/** One headless browser; --no-sandbox because the tests run as root. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox'] });
}
