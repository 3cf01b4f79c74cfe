// Sign-in with an OpenID provider in headless Chromium: the hosted sign-in
// page's "Continue with ..." link, the provider's redirects, the callback
// setting the session cookie, the account page; then the callback URL
// opened again (as the Back button or a reload would) shows a page that
// says what happened. Prints one JSON object of what it saw.
// usage: node oauth.mjs BASE_URL SCREENSHOT_DIR PROVIDER_NAME
import { launch, path } from './browser.mjs';

const [base, shots, providerName] = process.argv.slice(2);
const seen = { callbacks: [] };

const browser = await launch();
try {
  const page = await browser.newPage();
  page.on('request', (r) => {
    if (r.url().includes('/callback?')) seen.callbacks.push(r.url());
  });
  await page.goto(base + '/ui/sign-in?return_to=/ui/me');
  await page.getByRole('link', { name: 'Continue with ' + providerName }).click();
  await page.waitForURL(base + '/ui/me');
  seen.landed = path(page);
  seen.me_text = await page.textContent('#who');
  await page.screenshot({ path: shots + '/browser-oauth-account.png' });

  seen.callbacks_on_the_way = seen.callbacks.length;
  const again = await page.goto(seen.callbacks[0]);
  seen.again_status = again.status();
  seen.again_type = again.headers()['content-type'];
  seen.again_heading = await page.textContent('h1');
  seen.again_text = await page.textContent('p');
  seen.again_link = await page.getAttribute('a', 'href');
  await page.screenshot({ path: shots + '/browser-oauth-again.png' });
  await page.getByRole('link', { name: 'Start again' }).click();
  await page.waitForLoadState();
  seen.start_again = path(page);
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
