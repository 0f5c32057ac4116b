import { expect, test, expectNoSidewaysScroll, menu, openHydrated } from "./helpers";

test.describe("shopper shell", () => {
  test("loads and hydrates, and no longer carries the connection check (staff have it)", async ({ page }) => {
    // The page's Content-Security-Policy lets every script of the app run, and nothing else.
    const refused: string[] = [];
    page.on("console", (m) => {
      if (m.text().includes("Content Security Policy")) refused.push(m.text());
    });
    await openHydrated(page, "/");
    expect(refused).toEqual([]);
    await expect(page.getByRole("heading", { level: 1, name: "Shop and pay with confidence" })).toBeVisible();
    await menu(page);
    const nav = page.getByRole("navigation", { name: "Shopper" });
    await expect(nav.getByRole("link", { name: "Shop" })).toBeVisible();
    await expectNoSidewaysScroll(page);
    await expect(page.getByRole("button", { name: "Check connection" })).toHaveCount(0);
  });
});

test.describe("merchant console shell", () => {
  test("loads and hydrates; its home is the dashboard, which asks a visitor to sign in", async ({ page }) => {
    await openHydrated(page, "/merchant");
    await expect(page.getByRole("heading", { level: 1, name: "Merchant console" })).toBeVisible();
    await menu(page);
    await expect(page.getByRole("navigation", { name: "Merchant console" })).toBeVisible();
    await expect(page.getByRole("heading", { level: 2, name: "Sign in to see your shop" })).toBeVisible();
    await expect(page.getByRole("main").getByRole("link", { name: "Sign in" })).toBeVisible();
    await expectNoSidewaysScroll(page);
    // The connection check moved to the staff's status page (issue 17).
    await expect(page.getByRole("button", { name: "Check connection" })).toHaveCount(0);
  });

  test("navigates to the shopper side without a full reload", async ({ page }) => {
    await openHydrated(page, "/merchant");
    await page.evaluate(() => ((window as any).__sameDocument = true));
    await menu(page);
    await page.getByRole("navigation", { name: "Merchant console" }).getByRole("link", { name: "Shopper site" }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("heading", { level: 1, name: "Shop and pay with confidence" })).toBeVisible();
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  });
});

test("an unknown address shows the 404 page with status 404", async ({ page }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Go to the shop" })).toBeVisible();
});

test("pages are served fully rendered before any script runs", async ({ request }) => {
  for (const [path, heading] of [
    ["/", "Shop and pay with confidence"],
    ["/merchant", "Merchant console"],
  ]) {
    const response = await request.get(path);
    expect(response.status()).toBe(200);
    const html = await response.text();
    expect(html).toContain(heading);
  }
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the merchant console's home is rendered in full", async ({ page }) => {
    await page.goto("/merchant");
    await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "false");
    await expect(page.getByRole("heading", { level: 1, name: "Merchant console" })).toBeVisible();
    // The dashboard's answer for a visitor comes with the page, not after a script ran.
    await expect(page.getByRole("heading", { level: 2, name: "Sign in to see your shop" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Check connection" })).toHaveCount(0);
  });
});
