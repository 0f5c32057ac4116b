import { expect, test, type Browser, type Page } from "@playwright/test";
import { expectNoSidewaysScroll, openHydrated, signIn, signUp, STAFF, uniqueEmail } from "./helpers";

/** A merchant with an approved, open shop in Japan (JPY, no decimals) and two products. */
async function openShopWithProducts(browser: Browser) {
  const context = await browser.newContext();
  const merchant = await context.newPage();
  const suffix = Math.random().toString(36).slice(2, 7);
  const shopName = `Tokyo Tea ${suffix}`;
  await signUp(merchant, uniqueEmail("teashop"), "Sell as a merchant");
  await merchant.getByLabel("Legal name").fill(`Tokyo Tea KK ${suffix}`);
  await merchant.getByLabel("Registration number").fill("JP-1234-5678");
  await merchant.getByLabel("Country").selectOption({ label: "Japan" });
  await merchant.getByLabel("Contact phone").fill("+81 3 1234 5678");
  await merchant.getByLabel("Business category").selectOption({ label: "Food and drinks" });
  await merchant.getByLabel("Shop name").fill(shopName);
  await merchant.getByRole("button", { name: "Submit for review" }).click();
  await expect(merchant.getByText("Under review", { exact: true }).first()).toBeVisible();

  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  await signIn(staff, STAFF.email, STAFF.password);
  await staff.getByRole("link", { name: `Tokyo Tea KK ${suffix}` }).click();
  await staff.getByRole("button", { name: "Approve" }).click();
  await expect(staff.getByText("Approved", { exact: true }).first()).toBeVisible();
  await staffContext.close();

  await openHydrated(merchant, "/merchant/products");
  await expect(merchant.getByText(`sells in JPY`)).toBeVisible();
  for (const [title, price, stock] of [["Sencha <b>green</b>", "1500", "5"], ["Matcha whisk", "2200", "1"]]) {
    await merchant.getByLabel("Title").fill(title);
    await merchant.getByLabel("Price (JPY)").fill(price);
    await merchant.getByLabel("Stock").fill(stock);
    await merchant.getByRole("button", { name: "Save product" }).click();
    await expect(merchant.getByRole("cell", { name: title, exact: true })).toBeVisible();
  }
  // A price with decimals is refused for a currency without them.
  await merchant.getByLabel("Title").fill("Broken price");
  await merchant.getByLabel("Price (JPY)").fill("12.5");
  await merchant.getByLabel("Stock").fill("1");
  await merchant.getByRole("button", { name: "Save product" }).click();
  await expect(merchant.getByText("JPY amounts have no decimals.")).toBeVisible();
  await context.close();
  return shopName;
}

async function addToCart(page: Page, shopName: string, product: string, quantity: string) {
  await openHydrated(page, "/");
  await page.getByRole("link", { name: shopName }).click();
  await page.getByRole("link", { name: product, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: product })).toBeVisible();
  await page.getByLabel("Quantity").fill(quantity);
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByText("Added to your cart.")).toBeVisible();
}

async function checkOut(page: Page) {
  await openHydrated(page, "/cart");
  await page.getByRole("link", { name: "Check out" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Checkout" })).toBeVisible();
  await page.getByLabel("Recipient name").fill("Sato Hana");
  await page.getByLabel("Phone").fill("+81 90 1234 5678");
  await page.getByLabel("Street address").fill("1-2-3 Shibuya");
  await page.getByLabel("City").fill("Tokyo");
  await page.getByLabel("Postcode").fill("150-0002");
  await page.getByLabel("Country").selectOption({ label: "Japan" });
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^Order PD-/ })).toBeVisible();
}

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
