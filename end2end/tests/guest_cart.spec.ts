import { expect, test, PASSWORD, addToCart, openHydrated, placeOrder, openShopWithProducts, signIn, signUp, uniqueEmail } from "./helpers";

/** Issue 17: a visitor fills a cart before having an account; it survives signing up and is checked out. */
test("a guest adds to the cart, signs up from the cart, and checks out the same cart", async ({ page, browser }) => {
  const shopName = await openShopWithProducts(browser);
  await addToCart(page, shopName, "Sencha <b>green</b>", "2");
  await expect(page.getByRole("banner").getByRole("link", { name: "Cart, 2 items" })).toBeVisible();

  await openHydrated(page, "/cart");
  const shop = page.getByRole("region", { name: shopName });
  await expect(shop.getByRole("link", { name: "Sencha <b>green</b>" })).toBeVisible();
  await expect(page.getByText(/You are not signed in: this cart is kept in this browser/)).toBeVisible();
  await shop.getByRole("link", { name: "Create an account" }).click();
  await expect(page).toHaveURL(/\/signup\?next=%2Fcheckout%2F\d+|\/signup\?next=\/checkout\/\d+/);

  const email = uniqueEmail("guest");
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel(/^\s*Shop\s*$/).check();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();

  // Back where the visitor was heading, the same two teas in the order summary.
  await expect(page.getByRole("heading", { level: 1, name: "Checkout" })).toBeVisible();
  await expect(page).toHaveURL(/\/checkout\/\d+$/);
  await expect(page.getByRole("banner").getByRole("link", { name: "Cart, 2 items" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "Sencha <b>green</b>" })).toBeVisible();
  await placeOrder(page);
  await expect(page.getByText("Awaiting payment").first()).toBeVisible();
  // The cart was ordered: it is empty now.
  await expect(page.getByRole("banner").getByRole("link", { name: "Cart", exact: true })).toBeVisible();
});

test("a guest's cart joins the shopper's own cart when they sign in", async ({ page, browser }) => {
  const shopName = await openShopWithProducts(browser);
  const email = uniqueEmail("merge");
  await signUp(page, email, "Shop");
  await addToCart(page, shopName, "Sencha <b>green</b>", "1");
  await page.context().clearCookies();
  // Signed out (a new visit): one more, as a guest.
  await addToCart(page, shopName, "Sencha <b>green</b>", "2");
  await signIn(page, email);
  await expect(page.getByRole("banner").getByRole("link", { name: "Cart, 3 items" })).toBeVisible();
  await openHydrated(page, "/cart");
  await expect(page.getByRole("spinbutton", { name: /Sencha/ })).toHaveValue("3");
});
