import { expect, test, addToCart, checkOut, expectNoSidewaysScroll, openHydrated, openShopWithProducts, signUp, uniqueEmail } from "./helpers";

test("a shopper browses a shop, fills the cart, checks out and cancels another order", async ({ page, browser }) => {
  const shopName = await openShopWithProducts(browser);
  await signUp(page, uniqueEmail("buyer"), "Shop");

  // Titles are shown as text: the markup a merchant typed does not run or render.
  await addToCart(page, shopName, "Sencha <b>green</b>", "2");
  await openHydrated(page, "/cart");
  await expect(page.getByText("Subtotal: 3,000 JPY")).toBeVisible();
  // More than in stock is refused with the number left.
  await page.getByLabel("Quantity of Sencha <b>green</b>").fill("9");
  await page.getByRole("button", { name: "Update" }).click();
  await expect(page.getByText("Only 5 left in stock.")).toBeVisible();
  await expectNoSidewaysScroll(page);

  // The cart is kept on the server: it survives a reload.
  await page.reload();
  await expect(page.getByText("Subtotal: 3,000 JPY")).toBeVisible();

  await checkOut(page);
  await expect(page.getByText("Awaiting payment").first()).toBeVisible();
  await expect(page.getByText(/\d\d:\d\d left to pay/).first()).toBeVisible();
  await expect(page.getByText("Total: 3,000 JPY")).toBeVisible();
  await expect(page.getByText("Order placed by you")).toBeVisible();
  const firstOrder = (await page.getByRole("heading", { level: 1 }).textContent())!.replace("Order ", "");
  await expectNoSidewaysScroll(page);

  // A second order, cancelled: its stock comes back.
  await addToCart(page, shopName, "Matcha whisk", "1");
  await checkOut(page);
  await page.getByRole("button", { name: "Cancel order" }).click();
  await page.getByRole("dialog", { name: /^Cancel order .+\?$/ }).getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByText("Cancelled", { exact: true }).first()).toBeVisible();
  await expect(page.getByText("Awaiting payment → Cancelled by you")).toBeVisible();

  // My orders: the one awaiting payment comes first, with its countdown.
  await openHydrated(page, "/orders");
  const rows = page.locator(".order-row");
  await expect(rows.first().getByRole("link")).toHaveText(`Order ${firstOrder}`);
  await expect(rows.first().getByText(/left to pay/)).toBeVisible();
  await expect(rows.nth(1).getByText("Cancelled")).toBeVisible();

  // The whisk is back in stock.
  await openHydrated(page, "/");
  await page.getByRole("link", { name: shopName }).click();
  await page.getByRole("link", { name: "Matcha whisk" }).click();
  await expect(page.getByText("1 in stock")).toBeVisible();
});
