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

test("after a reload during verification: the card is named, a new code is sent, and another method pays", async ({ page, browser }) => {
  test.slow();
  const shopName = await openShopWithProducts(browser);
  await signUp(page, uniqueEmail("resends"), "Shop");
  await bindCard(page, "4242 4242 4242 4242");
  await bindCard(page, "4000 0000 0000 3220");
  await orderAwaitingPayment(page, shopName);
  await page.getByRole("link", { name: "Pay now" }).click();

  // What is being paid for: the shop (a link to it), the line and the total.
  const payingFor = page.getByRole("region", { name: "What you are paying for" });
  await expect(payingFor.getByRole("link", { name: shopName })).toHaveAttribute("href", /^\/shops\/\d+$/);
  await expect(payingFor.getByRole("cell", { name: "Sencha <b>green</b>", exact: true })).toBeVisible();
  await expect(payingFor.getByText("Amount due: 1,500 JPY")).toBeVisible();

  await page.getByLabel("Visa credit card •••• 3220").check();
  await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
  await expect(page.getByRole("heading", { name: "Verify this payment" })).toBeVisible();

  // A reload: the step is read back from the stored attempt, the card it verifies named. The
  // code sent before is not stored by Paydesk, so the sandbox shows none.
  await openHydrated(page, new URL(page.url()).pathname);
  const step = page.getByRole("region", { name: "Verify this payment" });
  await expect(step.getByText("Visa credit card •••• 3220")).toBeVisible();
  await expect(page.locator(".sandbox-note")).toHaveCount(0);
  await expect(step.getByRole("button", { name: "Use another method" })).toBeVisible();

  // "Send a new code": at most one every 30 s — when refused, the page says how long to wait.
  const sandboxCode = step.locator(".sandbox-note strong");
  const tooSoon = step.getByRole("alert").filter({ hasText: /You can ask for a new one in \d+ s\./ });
  await step.getByRole("button", { name: "Send a new code" }).click();
  await expect(tooSoon.or(sandboxCode)).toBeVisible();
  if (await tooSoon.isVisible()) {
    await expect(step.getByRole("button", { name: "Send a new code" })).toBeFocused();
    const wait = Number((await tooSoon.textContent())!.match(/in (\d+) s\./)![1]);
    await page.waitForTimeout((wait + 1) * 1000);
    await step.getByRole("button", { name: "Send a new code" }).click();
  }
  await expect(sandboxCode).toHaveText(/^\d{6}$/);
  await expect(step.getByText("A new code was sent. The code sent before no longer works.")).toBeVisible();
  await expect(step.getByText("5 tries left.")).toBeVisible();
  await expect(step.getByLabel("Verification code")).toBeFocused();

  // A wrong code: the field is marked invalid and the refusal is said once.
  const code = (await sandboxCode.textContent())!.trim();
  const wrong = code === "000000" ? "111111" : "000000";
  await step.getByLabel("Verification code").fill(wrong);
  await step.getByRole("button", { name: "Verify and pay" }).click();
  await expect(page.getByText("The verification code is not correct (4 tries left).")).toHaveCount(1);
  await expect(step.getByLabel("Verification code")).toHaveAttribute("aria-invalid", "true");
  await expect(step.getByLabel("Verification code")).toBeFocused();

  // "Use another method", then the other card pays; the focus lands on the news.
  await step.getByRole("button", { name: "Use another method" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "You stopped this payment to use another method." })).toBeVisible();
  await page.getByLabel("Visa credit card •••• 4242").check();
  await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
  await expect(page.getByText("Payment received — your order is paid.")).toBeFocused();
  await expectNoSidewaysScroll(page);
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
