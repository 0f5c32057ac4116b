import { expect, type Page } from "@playwright/test";

/** Opens a page and waits until the WASM app has hydrated it (an Effect sets the marker). */
export async function openHydrated(page: Page, path: string) {
  const response = await page.goto(path);
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "true");
  return response;
}

/** The layout must fit the viewport: nothing scrolls sideways, on a phone least of all. */
export async function expectNoSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
}

/** The staff account the test server creates at start-up (PAYDESK_STAFF_* variables). */
export const STAFF = { email: "staff@paydesk.test", password: "staff password for e2e" };

/** A unique email per test run, project and purpose, so parallel tests never collide. */
export function uniqueEmail(purpose: string): string {
  return `${purpose}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

export const PASSWORD = "correct horse battery";

export async function signUp(page: Page, email: string, role: "Shop" | "Sell as a merchant") {
  await openHydrated(page, "/signup");
  await page.getByLabel(role, { exact: true }).check();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  // Signed in once the header offers to sign out.
  await expect(page.getByRole("banner").getByRole("button", { name: "Sign out" })).toBeVisible();
}

export async function signIn(page: Page, email: string, password = PASSWORD) {
  await openHydrated(page, "/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}
