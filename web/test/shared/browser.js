// Launch Debian's Chromium headless through playwright-core (never a downloaded browser).
// `args`: extra command-line switches (the TLS test pins the gateway's key with
// `--ignore-certificate-errors-spki-list`).
import { chromium } from 'playwright-core';

export function launch(args = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...args,
    ],
  });
}
