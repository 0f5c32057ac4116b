import { expect, test, addToCart, menu, openHydrated, openShopWithProducts, signUp, uniqueEmail } from "./helpers";

/** Issue 17: a phone-first header — compact, its menu a disclosure that works before (and without) the script. */
test.describe("the header on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test("takes at most 15% of the screen, keeps the cart in sight, and its menu opens and closes", async ({ page }) => {
    await openHydrated(page, "/");
    const banner = page.getByRole("banner");
    const box = (await banner.boundingBox())!;
    expect(box.height).toBeLessThanOrEqual(844 * 0.15);
    await expect(banner.getByRole("link", { name: "Cart" })).toBeVisible();
    // Folded: the navigation is not shown until the menu is opened.
    await expect(page.getByRole("navigation", { name: "Shopper" }).getByRole("link", { name: "My orders" })).toBeHidden();
    await menu(page);
    const orders = page.getByRole("navigation", { name: "Shopper" }).getByRole("link", { name: "My orders" });
    await expect(orders).toBeVisible();
    // Opening the menu does not push the page down: it lies over it.
    expect((await banner.boundingBox())!.height).toBeLessThanOrEqual(844 * 0.15);
    // Following a link folds it again.
    await orders.click();
    await expect(page).toHaveURL(/\/orders$/);
    await expect(page.getByRole("navigation", { name: "Shopper" }).getByRole("link", { name: "Support" })).toBeHidden();
  });

  test("the menu opens before the script has run (and without it)", async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, locale: "en-US" });
    const page = await context.newPage();
    await page.goto("/");
    await expect(page.getByRole("link", { name: "Sign in" })).toBeHidden();
    await page.getByRole("banner").getByText("Menu", { exact: true }).click();
    await expect(page.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();
    await context.close();
  });
});

test("the header's cart shows how many items the cart holds, and the merchant's header has none", async ({ page, browser }) => {
  const shopName = await openShopWithProducts(browser);
  await signUp(page, uniqueEmail("count"), "Shop");
  await expect(page.getByRole("banner").getByRole("link", { name: "Cart", exact: true })).toBeVisible();
  await addToCart(page, shopName, "Sencha <b>green</b>", "2");
  // Counted as soon as it is added, without a reload.
  await expect(page.getByRole("banner").getByRole("link", { name: "Cart, 2 items" })).toBeVisible();
  await openHydrated(page, "/merchant");
  await expect(page.getByRole("banner").getByRole("link", { name: /^Cart/ })).toHaveCount(0);
});
