import AxeBuilder from "@axe-core/playwright";
import { expect, test, STAFF, merchantAndShopperWithOrder, openHydrated, openShop, signIn, signUp, uniqueEmail, type Page } from "./helpers";

/**
 * Issue 17: every page, scanned by axe (WCAG 2.x A and AA rules, contrast included) on the
 * desktop and the phone project, signed out and as each role: no serious or critical
 * violation. Each page is scanned as it is first shown and, where it has one, with its menu
 * or its folded filters open (hidden content is not scanned).
 */
async function scan(page: Page, path: string, found: string[]) {
  await openHydrated(page, path);
  await check(page, path, found);
  const menu = page.getByRole("banner").getByText(/^(Menu|菜单)$/);
  if (await menu.isVisible()) {
    await menu.click();
    await check(page, `${path} (menu open)`, found);
  }
}

async function check(page: Page, where: string, found: string[]) {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
  for (const v of result.violations) {
    if (v.impact !== "serious" && v.impact !== "critical") continue;
    for (const n of v.nodes) found.push(`${where}: ${v.id} (${v.impact}) ${n.target.join(" ")} — ${n.failureSummary?.replace(/\s+/g, " ")}`);
  }
}

test("signed out: the shop's pages, search, cart and the account forms", async ({ page, browser }) => {
  const { shopName } = await openShop(browser);
  const found: string[] = [];
  await scan(page, "/", found);
  await page.getByRole("link", { name: shopName }).click();
  await expect(page.getByRole("heading", { level: 1, name: shopName })).toBeVisible();
  const shop = new URL(page.url()).pathname;
  await scan(page, shop, found);
  await page.getByRole("link", { name: "Matcha whisk", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Matcha whisk" })).toBeVisible();
  const product = new URL(page.url()).pathname;
  await scan(page, product, found);
  for (const path of ["/search?q=matcha", "/cart", "/signin", "/signup", "/no-such-page"]) await scan(page, path, found);
  expect(found).toEqual([]);
});

test("a shopper and a merchant: every page of theirs, with an order on it", async ({ page, browser }) => {
  test.slow();
  const { merchant, number } = await merchantAndShopperWithOrder(browser, page);
  const found: string[] = [];
  for (const path of ["/orders", `/orders/${number}`, `/orders/${number}/pay`, "/account", "/account/payment-methods", "/notifications", "/support", "/support/new", "/cart"]) {
    await scan(page, path, found);
  }
  // After paying: the pay page's last state and a notification for the merchant.
  await openHydrated(page, `/orders/${number}/pay`);
  await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
  await expect(page.getByText("Payment received — your order is paid.")).toBeVisible();
  await check(page, `/orders/${number}/pay (paid)`, found);
  for (const path of ["/merchant", "/merchant/orders", `/merchant/orders/${number}`, "/merchant/qualification", "/merchant/products", "/merchant/notifications", "/merchant/money", "/merchant/api-keys", "/merchant/webhooks"]) {
    await scan(merchant, path, found);
  }
  const filters = merchant.getByText(/^Filters/);
  await openHydrated(merchant, "/merchant/orders");
  if (await filters.isVisible()) {
    await filters.click();
    await check(merchant, "/merchant/orders (filters open)", found);
  }
  expect(found).toEqual([]);
});

test("staff: reviews, a ticket and the system status", async ({ page, browser }) => {
  // A shopper asks for help, so that staff have a ticket to open.
  await signUp(page, uniqueEmail("a11y-ticket"), "Shop");
  await openHydrated(page, "/support/new");
  await page.getByLabel("What is it about?").selectOption({ label: "Something else" });
  await page.getByLabel("What happened?").fill("Where do I see my receipts?");
  await page.getByRole("button", { name: "Send to support" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^Ticket #\d+$/ })).toBeVisible();
  const ticket = new URL(page.url()).pathname.replace("/support/", "");

  const context = await browser.newContext({ locale: "en-US" });
  const staff = await context.newPage();
  await signIn(staff, STAFF.email, STAFF.password);
  const found: string[] = [];
  for (const path of ["/staff/reviews", "/staff/tickets", `/staff/tickets/${ticket}`, "/staff/status"]) await scan(staff, path, found);
  expect(found).toEqual([]);
  await context.close();
});
