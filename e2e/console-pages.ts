/** Steps the console's end-to-end specs share: signing in through the console's own page or joining by invitation, and calling the Hub as the page's script would. */
import type { Page } from 'playwright-core';

/** Signs in on the console's sign-in page with a password (no two-step code), and waits for the signed-in shell. */
export async function signInToConsole(page: Page, hubUrl: string, who: { email: string; password: string }): Promise<void> {
  await page.goto(`${hubUrl}/`);
  await page.getByRole('heading', { name: 'Sign in to Kata Hub' }).waitFor();
  await page.getByLabel('Email', { exact: true }).fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByLabel('Password', { exact: true }).press('Enter');
  await page.getByTestId('signed-in-as').waitFor();
}

/** Accepts an invitation on the console's join page (name and password) and waits for the signed-in shell. */
export async function joinConsole(page: Page, invitationLink: string, who: { name: string; password: string }): Promise<void> {
  await page.goto(invitationLink);
  await page.getByLabel('Your name').fill(who.name);
  await page.getByLabel('Choose a password (at least 12 characters)').fill(who.password);
  await page.getByRole('button', { name: 'Join' }).click();
  await page.getByTestId('signed-in-as').waitFor();
}

/** What a page's own script gets from the Hub for a call, with the page's session cookie. */
export function statusOf(page: Page, path: string, method = 'GET', body?: unknown): Promise<number> {
  return page.evaluate(
    async ({ path, method, body }) => (await fetch(path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined })).status,
    { path, method, body },
  );
}
