// Headless Chromium for the page tests (webui, tools): Debian's /usr/bin/chromium
// driven by playwright-core, and the folder their screenshots go to.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { binary } from './server.mjs';

// $HEARTH_ARTIFACTS, or `name` beside the hearth binary (the build dir); created.
export function artifactsDir(name) {
  const dir = process.env.HEARTH_ARTIFACTS ?? path.join(path.dirname(path.resolve(binary)), name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function launchChromium() {
  // --no-sandbox: CI may run as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
}
