import AxeBuilder from "@axe-core/playwright";
import { expect, test, merchantAndShopperWithOrder, openHydrated, type Page } from "./helpers";

/**
 * The merchant console's header is dark, its cards light. A colour meant for the header once
 * leaked into the cards (`.merchant .link-button` made "Edit" and "Mark read" white on white).
 * axe's contrast check over each console page, with buttons of that kind on them.
 */
async function expectReadable(page: Page, path: string) {
  await openHydrated(page, path);
  const scan = await new AxeBuilder({ page }).withRules(["color-contrast"]).analyze();
  const unreadable = scan.violations.flatMap((v) => v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary}`));
  expect(unreadable, `contrast on ${path}`).toEqual([]);
}

test("every text on the merchant console's pages is readable against its background", async ({ page, browser }) => {
  const { merchant, number } = await merchantAndShopperWithOrder(browser, page);
  // The shopper pays, so the merchant has an unread notification (and its "Mark read" button).
  await page.getByRole("link", { name: "Pay now" }).click();
  await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
  await expect(page.getByText("Payment received — your order is paid.")).toBeVisible();
  await openHydrated(merchant, "/merchant");
  await expect(merchant.getByRole("link", { name: "Notifications, 1 unread" })).toBeVisible();
  // The dashboard lists the payment (and its chart and table are part of the scan below).
  await expect(merchant.getByRole("region", { name: "Payments received" }).getByRole("link", { name: number })).toBeVisible();
  await expectReadable(merchant, "/merchant/notifications");
  await expect(merchant.getByRole("button", { name: /^Mark read/ }).first()).toBeVisible();
  await expectReadable(merchant, "/merchant/products");
  await expect(merchant.getByRole("button", { name: /^Edit/ }).first()).toBeVisible();
  await expectReadable(merchant, "/merchant/orders");
  await expectReadable(merchant, `/merchant/orders/${number}`);
  await expectReadable(merchant, "/merchant");
});
