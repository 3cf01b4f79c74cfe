// An emailed invite opened in headless Chromium: the link signs the
// invited person in (a session cookie) and lands on the account page; the
// same link opened again shows a page that says it did not work.
// Prints one JSON object of what it saw.
// usage: node invite.mjs INVITE_LINK SCREENSHOT_DIR
import { launch, path } from './browser.mjs';

const [link, shots] = process.argv.slice(2);
const seen = {};

const browser = await launch();
try {
  const page = await browser.newPage();
  await page.goto(link);
  seen.landed = path(page);
  seen.me_text = await page.textContent('#who');
  await page.screenshot({ path: shots + '/browser-invite-account.png' });

  const again = await page.goto(link);
  seen.again_status = again.status();
  seen.again_type = again.headers()['content-type'];
  seen.again_heading = await page.textContent('h1');
  seen.again_text = await page.textContent('p');
  await page.screenshot({ path: shots + '/browser-invite-again.png' });
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.waitForLoadState();
  seen.sign_in = path(page);
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
