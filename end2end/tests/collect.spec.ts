import { expect, test, expectNoSidewaysScroll, unfoldFilters, merchantAndShopperWithOrder, openHydrated, type Page } from "./helpers";

/** The merchant finds the order in the console (awaiting payment comes first) and opens it. */
async function openFromConsole(merchant: Page, number: string) {
  await openHydrated(merchant, "/merchant/orders");
  await expect(merchant.getByRole("link", { name: /^Awaiting payment/ })).toBeVisible();
  await unfoldFilters(merchant);
  await merchant.getByLabel("Search").fill(number);
  await merchant.getByRole("button", { name: "Apply filters" }).click();
  await merchant.getByRole("link", { name: number, exact: true }).click();
  await expect(merchant.getByRole("heading", { level: 1, name: `Order ${number}` })).toBeVisible();
  await expect(merchant.locator("#app")).toHaveAttribute("data-hydrated", "true");
}

test("the merchant requests payment, the shopper pays it, the merchant sees it paid and is notified", async ({ page, browser }) => {
  test.slow();
  const { merchant, number } = await merchantAndShopperWithOrder(browser, page);
  await openFromConsole(merchant, number);
  await expect(merchant.getByText("Amount due")).toBeVisible();
  await merchant.getByLabel("Pay within (minutes)").fill("90");
  await merchant.getByRole("button", { name: "Send payment request" }).click();
  await expect(merchant.getByText("Payment request sent: the shopper must pay by")).toBeVisible();
  await expect(merchant.getByRole("button", { name: "Withdraw payment request" })).toBeVisible();
  await expectNoSidewaysScroll(merchant);

  // The shopper is told, opens the order from the notification and pays with the default card.
  await openHydrated(page, "/orders");
  await page.getByRole("link", { name: "Notifications, 1 unread" }).click();
  await page.getByRole("link", { name: new RegExp(`^Payment requested: order ${number} — 1,500 JPY, pay by`) }).click();
  await expect(page.getByText("The shop asks you to pay 1,500 JPY by")).toBeVisible();
  // Ninety minutes read as hours and minutes, not as "89:59".
  await expect(page.getByText(/^1 h (29|30) min left to pay$/).first()).toBeVisible();
  await page.getByRole("link", { name: "Pay now" }).click();
  await expect(page.getByLabel("Visa credit card •••• 4242")).toBeChecked();
  await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
  await expect(page.getByText("Payment received — your order is paid.")).toBeVisible();

  // The merchant sees the order paid, the attempt, and the notification.
  await openFromConsole(merchant, number);
  await expect(merchant.getByText("Paid", { exact: true }).first()).toBeVisible();
  await expect(merchant.getByRole("region", { name: "Payment attempts" }).getByText("Succeeded")).toBeVisible();
  await expect(merchant.getByRole("button", { name: "Mark shipped" })).toBeVisible();
  await merchant.getByRole("link", { name: "Notifications, 1 unread" }).click();
  await expect(merchant.getByRole("link", { name: `Payment received: order ${number} — 1,500 JPY` })).toBeVisible();
  await merchant.getByRole("button", { name: "Mark all read" }).click();
  await expect(merchant.getByRole("heading", { name: "0 unread" })).toBeVisible();
  await expect(merchant.getByRole("link", { name: "Notifications", exact: true })).toBeVisible();
  await merchant.context().close();
});

test("cash on delivery: shipped unpaid, delivered with the exact cash", async ({ page, browser }) => {
  test.slow();
  const { merchant, number } = await merchantAndShopperWithOrder(browser, page);
  await openFromConsole(merchant, number);
  await merchant.getByRole("button", { name: "Collect cash on delivery" }).click();
  await expect(merchant.getByText("Cash on delivery, to ship").first()).toBeVisible();
  await merchant.getByLabel("Carrier").fill("Yamato");
  await merchant.getByLabel("Tracking number").fill("YT-12345678");
  await merchant.getByRole("button", { name: "Mark shipped" }).click();
  await expect(merchant.getByText("Shipped, cash due").first()).toBeVisible();

  // A different amount is refused with the reason; the exact amount delivers and pays it.
  await merchant.getByLabel("Cash collected (JPY)").fill("1000");
  await merchant.getByRole("button", { name: "Mark delivered, cash collected" }).click();
  await expect(merchant.getByText("The cash collected (1,000 JPY) must equal the amount due (1,500 JPY).")).toBeVisible();
  await merchant.getByLabel("Cash collected (JPY)").fill("1500");
  await merchant.getByRole("button", { name: "Mark delivered, cash collected" }).click();
  await expect(merchant.getByText("Delivered: the order completes by itself after the return period.")).toBeVisible();
  await expect(merchant.getByText("cash collected: 1,500 JPY", { exact: false })).toBeVisible();
  await expectNoSidewaysScroll(merchant);

  // The console lists it under cash on delivery.
  await openHydrated(merchant, "/merchant/orders");
  await unfoldFilters(merchant);
  await merchant.getByLabel("Collection method").selectOption({ label: "Cash on delivery" });
  await merchant.getByRole("button", { name: "Apply filters" }).click();
  await expect(merchant.getByRole("link", { name: number, exact: true })).toBeVisible();

  // The shopper sees the shipment and the delivery.
  await openHydrated(page, `/orders/${number}`);
  await expect(page.getByText("Shipped with Yamato — tracking number YT-12345678")).toBeVisible();
  await expect(page.getByText("Delivered", { exact: true }).first()).toBeVisible();
  await merchant.context().close();
});

test("a payment request that is not paid in time expires: the order is cancelled on both sides", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const { merchant, number } = await merchantAndShopperWithOrder(browser, page);
  await openFromConsole(merchant, number);
  // The test server allows one-minute deadlines (PAYDESK_REQUEST_MIN_MINUTES=1).
  await merchant.getByLabel("Pay within (minutes)").fill("1");
  await merchant.getByRole("button", { name: "Send payment request" }).click();
  await expect(merchant.getByText("Payment request sent: the shopper must pay by")).toBeVisible();

  await openHydrated(page, `/orders/${number}`);
  await expect(page.getByText("The shop asks you to pay 1,500 JPY by")).toBeVisible();
  await expect(page.getByText(/^00:\d\d left to pay$/)).toBeVisible();

  // The server's worker expires it after the deadline; the open page follows live.
  await expect(page.getByText("the payment deadline passed", { exact: false })).toBeVisible({ timeout: 120_000 });
  await expect(page.getByText("Cancelled", { exact: true }).first()).toBeVisible();
  await expect(page.getByRole("link", { name: "Pay now" })).toHaveCount(0);

  await openHydrated(merchant, `/merchant/orders/${number}`);
  await expect(merchant.getByText("Cancelled", { exact: true }).first()).toBeVisible();
  await expect(merchant.getByText("Cancelled: nothing more to do.")).toBeVisible();
  await merchant.context().close();
});
