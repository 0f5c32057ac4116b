import { expect, test, menu, openHydrated, signUp, uniqueEmail } from "./helpers";

// The account and support pages, the merchant console and the staff pages are lazy routes: their
// code is cut out of the first load and fetched when one of them is opened (issue 19). The
// browser hydrates the frame, waits for the page's chunks, then hydrates the rest.

const CHUNK = /\/pkg\/(chunk|split)_[^/]*\.wasm$/;

test("a page whose code arrives late hydrates cleanly, and the live channel waits for it", async ({ page }) => {
  await signUp(page, uniqueEmail("lazy"), "Shop");
  // Hold every page chunk back for a while, and look at the page meanwhile: it must not claim
  // to be ready, and nothing may change the part not hydrated yet (the header's "Live" did).
  const seenWhileWaiting: (string | null)[] = [];
  await page.route(CHUNK, async (route) => {
    await new Promise((done) => setTimeout(done, 1500));
    seenWhileWaiting.push(await page.locator("#app").getAttribute("data-hydrated").catch(() => "gone"));
    await route.continue();
  });
  await openHydrated(page, "/account/payment-methods");
  // The marker turned true only after the held-back chunks went through (it used to be set
  // by the frame, before the page's code had even arrived).
  expect(seenWhileWaiting.length, "the page claimed to be ready before its code arrived").toBeGreaterThan(0);
  expect(seenWhileWaiting.every((v) => v === "false"), `ready before its code arrived: ${seenWhileWaiting}`).toBe(true);
  await expect(page.getByRole("heading", { level: 1, name: "Payment methods" })).toBeVisible();
  // The live channel started once the page was hydrated.
  await expect(page.getByRole("banner").getByText("Live", { exact: true })).toBeVisible();
});

test("the shop's first page carries no other group's code: the console's comes when it is opened", async ({ page }) => {
  const chunks: string[] = [];
  page.on("request", (r) => {
    if (CHUNK.test(new URL(r.url()).pathname)) chunks.push(r.url());
  });
  await openHydrated(page, "/");
  // A shopper's page is all in the main module.
  expect(chunks, "chunks fetched for the shop page").toEqual([]);
  const forTheShop = new Set(chunks);

  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
  await menu(page);
  await page.getByRole("banner").getByRole("link", { name: "For merchants" }).click();
  await expect(page).toHaveURL(/\/merchant$/);
  await expect(page.getByRole("heading", { level: 1, name: "Merchant console" })).toBeVisible();
  // Loaded on demand, in the same document (no full reload).
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  const forTheConsole = chunks.filter((c) => !forTheShop.has(c));
  expect(forTheConsole.length, "chunks fetched for the console page").toBeGreaterThan(0);
});
