// A person's path through the hosted pages, in headless Chromium:
// a protected page sends them to sign-in, they create an account, land
// back on the protected page and see their name; after signing out the
// page is locked again. Prints one JSON object of what it saw.
// usage: node flow.mjs BASE_URL SCREENSHOT_DIR EMAIL PASSWORD
import { launch, path } from './browser.mjs';

const [base, shots, email, password] = process.argv.slice(2);
const seen = {};

const browser = await launch();
try {
  const page = await browser.newPage();

  await page.goto(base + '/private/whoami.cgi');
  seen.first_stop = path(page);
  seen.sign_in_title = await page.title();
  seen.focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
  seen.labels = await page.$$eval('label', (ls) => ls.map((l) => [l.htmlFor, l.textContent]));

  await page.getByRole('link', { name: /create an account/i }).click();
  seen.sign_up_page = path(page);
  await page.getByLabel('Your name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  // The browser's own check stops a too-short password: nothing is sent.
  seen.short_password_blocked = path(page) === seen.sign_up_page;
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForLoadState();
  seen.landed = path(page);
  seen.protected_text = await page.textContent('body');
  await page.screenshot({ path: shots + '/browser-protected.png' });

  await page.goto(base + '/ui/me');
  seen.me_text = await page.textContent('#who');
  await page.screenshot({ path: shots + '/browser-account.png' });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForLoadState();
  seen.after_sign_out = path(page);

  await page.goto(base + '/private/whoami.cgi');
  seen.locked_again = path(page);

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password + 'x');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
  seen.wrong_password_alert = await page.textContent('[role=alert]');
  await page.screenshot({ path: shots + '/browser-wrong-password.png' });

  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
  seen.signed_in_again = path(page);
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
