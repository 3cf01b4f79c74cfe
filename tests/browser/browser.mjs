// What the browser flows share: Debian's Chromium, headless, launched the
// same way, and a page's path as the tests compare it.
import { chromium } from 'playwright-core';

export const launch = () => chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update',
         '--disable-sync'],
});

export const path = (page) => {
  const u = new URL(page.url());
  return u.pathname + u.search;
};
