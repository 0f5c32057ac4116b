import { expect, test, addToCart, bindCard, checkOut, expectNoSidewaysScroll, openHydrated, openShopWithProducts, signUp, uniqueEmail, type Page } from "./helpers";

/** A shopper with an order awaiting payment, on its order page. Returns the order number. */
async function orderAwaitingPayment(page: Page, shopName: string) {
  await addToCart(page, shopName, "Sencha <b>green</b>", "1");
  await checkOut(page);
  return (await page.getByRole("heading", { level: 1 }).textContent())!.replace("Order ", "");
}

test("pay with a card, with a verification code, and after a decline", async ({ page, browser }) => {
  test.slow();
  const shopName = await openShopWithProducts(browser);
  await signUp(page, uniqueEmail("pays"), "Shop");

  // 1. A card that succeeds: the order turns paid without a reload.
  await bindCard(page, "4242 4242 4242 4242");
  await orderAwaitingPayment(page, shopName);
  await page.getByRole("link", { name: "Pay now" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^Pay order PD-/ })).toBeVisible();
  await expect(page.getByText("Amount due: 1,500 JPY")).toBeVisible();
  await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
  await expect(page.getByText("Payment received — your order is paid.")).toBeVisible();
  await expect(page.getByText("Paid", { exact: true }).first()).toBeVisible();
  await expectNoSidewaysScroll(page);

  // 2. A card that asks for a one-time code (the sandbox shows it).
  await bindCard(page, "4000 0000 0000 3220");
  await orderAwaitingPayment(page, shopName);
  await page.getByRole("link", { name: "Pay now" }).click();
  await page.getByLabel("Visa credit card •••• 3220").check();
  await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
  await expect(page.getByRole("heading", { name: "Verify this payment" })).toBeVisible();
  const code = (await page.locator(".sandbox-note strong").textContent())!.trim();
  await page.getByLabel("Verification code").fill(code);
  await page.getByRole("button", { name: "Verify and pay" }).click();
  await expect(page.getByText("Payment received — your order is paid.")).toBeVisible();

  // 3. A declined card, then another method.
  await bindCard(page, "4000 0000 0000 0002");
  await orderAwaitingPayment(page, shopName);
  await page.getByRole("link", { name: "Pay now" }).click();
  await page.getByLabel("Visa credit card •••• 0002").check();
  await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "declined by its bank" })).toBeVisible();
  await page.getByLabel("Visa credit card •••• 4242").check();
  await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
  await expect(page.getByText("Payment received — your order is paid.")).toBeVisible();
  await page.getByRole("link", { name: /← Order/ }).click();
  await expect(page.getByText("Awaiting payment → Paid by you")).toBeVisible();
});

test("a verification step shows its tries and time, and can be stopped for another method", async ({ page, browser }) => {
  test.slow();
  const shopName = await openShopWithProducts(browser);
  await signUp(page, uniqueEmail("verifies"), "Shop");
  await bindCard(page, "4242 4242 4242 4242");
  await bindCard(page, "4000 0000 0000 3220");
  await orderAwaitingPayment(page, shopName);
  await page.getByRole("link", { name: "Pay now" }).click();
  await page.getByLabel("Visa credit card •••• 3220").check();
  await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
  await expect(page.getByRole("heading", { name: "Verify this payment" })).toBeVisible();
  await expect(page.getByText("5 tries left.")).toBeVisible();
  await expect(page.getByText("Enter it within:")).toBeVisible();

  // A wrong code: refused, with the tries left.
  const code = (await page.locator(".sandbox-note strong").textContent())!.trim();
  const wrong = code === "000000" ? "111111" : "000000";
  await page.getByLabel("Verification code").fill(wrong);
  await page.getByRole("button", { name: "Verify and pay" }).click();
  await expect(page.getByText("The verification code is not correct (4 tries left).")).toBeVisible();

  // The shopper stops it and pays with the other card.
  await page.getByRole("button", { name: "Use another method" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "You stopped this payment to use another method." })).toBeVisible();
  await page.getByLabel("Visa credit card •••• 4242").check();
  await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
  await expect(page.getByText("Payment received — your order is paid.")).toBeVisible();
});

test("a slow card declined later: the pay page hears it live, without polling", async ({ page, browser }) => {
  test.slow();
  const shopName = await openShopWithProducts(browser);
  await signUp(page, uniqueEmail("slowno"), "Shop");
  await bindCard(page, "4000 0000 0000 0341");
  await orderAwaitingPayment(page, shopName);
  await page.getByRole("link", { name: "Pay now" }).click();
  await expect(page.getByText("Live", { exact: true })).toBeVisible();
  const reads: string[] = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname === "/api/pay_page_data") reads.push(r.url());
  });
  await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
  await expect(page.getByText("Processing your payment… this page updates by itself.")).toBeVisible();
  // The sandbox declines it about 3 s later, through its signed callback.
  await expect(page.getByRole("alert").filter({ hasText: "declined by its bank" })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole("button", { name: "Pay 1,500 JPY" })).toBeVisible();
  // One read after the answer to "Pay", one when the decline arrived: no polling in between.
  expect(reads.length).toBeLessThanOrEqual(2);
});
