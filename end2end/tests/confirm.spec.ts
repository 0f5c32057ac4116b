import { expect, test, STAFF, menu, merchantAndShopperWithOrder, openHydrated, signIn, type Page } from "./helpers";

/**
 * Issue 17: what cannot be undone asks first. With JavaScript a modal dialog names what will
 * happen, with the safe button focused; "Keep …" and Escape leave everything as it was.
 * Without JavaScript the first press is refused by the server and the page shows the same
 * question as a step in the page.
 */

async function openOrder(merchant: Page, number: string) {
  await openHydrated(merchant, `/merchant/orders/${number}`);
  await expect(merchant.getByRole("heading", { level: 1, name: `Order ${number}` })).toBeVisible();
}

test("cancelling an order asks first: Keep and Escape leave it open, Confirm cancels it", async ({ page, browser }) => {
  const { merchant, number } = await merchantAndShopperWithOrder(browser, page);
  await openOrder(merchant, number);
  const status = merchant.locator(".status-line");
  await expect(status).toContainText("Awaiting payment");

  const cancel = merchant.getByRole("button", { name: "Cancel order", exact: true });
  await cancel.click();
  const ask = merchant.getByRole("dialog", { name: `Cancel order ${number}?` });
  await expect(ask).toBeVisible();
  await expect(ask.getByText("The shopper is told and the stock goes back.")).toBeVisible();
  // The safe choice has the focus.
  await expect(ask.getByRole("button", { name: "Keep the order" })).toBeFocused();

  // Keep: nothing happens.
  await ask.getByRole("button", { name: "Keep the order" }).click();
  await expect(ask).toBeHidden();
  await expect(status).toContainText("Awaiting payment");

  // Escape closes it too.
  await cancel.click();
  await expect(ask).toBeVisible();
  await merchant.keyboard.press("Escape");
  await expect(ask).toBeHidden();
  await merchant.reload();
  await expect(merchant.locator("#app")).toHaveAttribute("data-hydrated", "true");
  await expect(status).toContainText("Awaiting payment");

  // Confirm: the order is cancelled.
  await merchant.getByRole("button", { name: "Cancel order", exact: true }).click();
  await merchant.getByRole("dialog", { name: `Cancel order ${number}?` }).getByRole("button", { name: "Confirm" }).click();
  await expect(status).toContainText("Cancelled");
  await expect(merchant.getByRole("button", { name: "Cancel order", exact: true })).toHaveCount(0);
  await merchant.context().close();
});

test("withdrawing a payment request asks first", async ({ page, browser }) => {
  const { merchant, number } = await merchantAndShopperWithOrder(browser, page);
  await openOrder(merchant, number);
  await merchant.getByRole("button", { name: "Send payment request" }).click();
  await expect(merchant.getByText("Payment request sent: the shopper must pay by")).toBeVisible();

  await merchant.getByRole("button", { name: "Withdraw payment request" }).click();
  const ask = merchant.getByRole("dialog", { name: `Withdraw the payment request for order ${number}?` });
  await ask.getByRole("button", { name: "Keep the request" }).click();
  await expect(ask).toBeHidden();
  await expect(merchant.getByText("Payment request sent: the shopper must pay by")).toBeVisible();

  await merchant.getByRole("button", { name: "Withdraw payment request" }).click();
  await ask.getByRole("button", { name: "Confirm" }).click();
  await expect(merchant.getByRole("button", { name: "Send payment request" })).toBeVisible();
  await merchant.context().close();
});

test("without JavaScript, cancelling shows a confirmation step first", async ({ page, browser }) => {
  const { merchant, number, merchantEmail } = await merchantAndShopperWithOrder(browser, page);
  await merchant.context().close();
  const context = await browser.newContext({ javaScriptEnabled: false, locale: "en-US" });
  const plain = await context.newPage();
  await plain.goto("/signin");
  await plain.getByLabel("Email").fill(merchantEmail);
  await plain.getByLabel("Password").fill("correct horse battery");
  await plain.getByRole("button", { name: "Sign in" }).click();
  await expect(plain.getByRole("banner").getByRole("button", { name: "Sign out", includeHidden: true })).toBeAttached();

  await plain.goto(`/merchant/orders/${number}`);
  await expect(plain.locator("#app")).toHaveAttribute("data-hydrated", "false");
  await plain.getByRole("button", { name: "Cancel order", exact: true }).click();
  // Nothing was done: the page asks.
  const step = plain.locator(".confirm-step");
  await expect(step).toContainText(`Cancel order ${number}?`);
  await expect(plain.locator(".status-line")).toContainText("Awaiting payment");

  // "Keep the order" leads back to the page as it was.
  await step.getByRole("link", { name: "Keep the order" }).click();
  await expect(plain).toHaveURL(new RegExp(`/merchant/orders/${number}$`));
  await expect(plain.locator(".confirm-step")).toHaveCount(0);
  await expect(plain.locator(".status-line")).toContainText("Awaiting payment");

  await plain.getByRole("button", { name: "Cancel order", exact: true }).click();
  await plain.locator(".confirm-step").getByRole("button", { name: "Confirm" }).click();
  await expect(plain.locator(".status-line")).toContainText("Cancelled");
  await context.close();
});

test("staff reach the system status page from their navigation and check the connection", async ({ browser }) => {
  const context = await browser.newContext({ locale: "en-US" });
  const staff = await context.newPage();
  await signIn(staff, STAFF.email, STAFF.password);
  await expect(staff.getByRole("banner").getByRole("button", { name: "Sign out", includeHidden: true })).toBeAttached();
  await openHydrated(staff, "/staff/tickets");
  await menu(staff);
  await staff.getByRole("navigation", { name: "Staff" }).getByRole("link", { name: "System status" }).click();
  await expect(staff).toHaveURL(/\/staff\/status$/);
  await expect(staff.getByRole("heading", { level: 1, name: "System status" })).toBeVisible();
  await expect(staff.getByRole("region", { name: "Waiting for staff" })).toBeVisible();

  const button = staff.getByRole("button", { name: "Check connection" });
  await button.click();
  const status = staff.getByRole("status").filter({ hasText: "Server and database answered" });
  await expect(status).toContainText(/Server and database answered at \d\d:\d\d:\d\d UTC — check #\d+/);
  // The last check shown above the button is read back from the database.
  const checkNumber = (await status.textContent())!.match(/check #(\d+)/)![1];
  await expect(staff.getByText(`Last check: #${checkNumber} at`)).toBeVisible();
  await context.close();
});

test("the status page is not for shoppers", async ({ page }) => {
  const response = await page.goto("/staff/status");
  expect(response?.status()).toBeLessThan(500);
  await expect(page.getByRole("button", { name: "Check connection" })).toHaveCount(0);
  await expect(page.getByText("Please sign in to continue.")).toBeVisible();
});
