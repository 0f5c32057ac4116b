import { expect, test, openHydrated, merchantAndShopperWithOrder, signIn, STAFF, expectNoSidewaysScroll, type Page } from "./helpers";
import type { Browser } from "@playwright/test";

/** A paid order of one Sencha (1,500 JPY): the shopper's page on it, the merchant's page, the number. */
async function paidOrder(browser: Browser, page: Page) {
  const { merchant, number } = await merchantAndShopperWithOrder(browser, page);
  await openHydrated(page, `/orders/${number}/pay`);
  await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
  await expect(page.getByText("Payment received — your order is paid.")).toBeVisible();
  await openHydrated(page, `/orders/${number}`);
  await openHydrated(merchant, `/merchant/orders/${number}`);
  return { merchant, number };
}

function afterSales(page: Page) {
  return page.getByRole("region", { name: "Refunds and returns" });
}

/** The order's (latest) refund request. */
function request(page: Page) {
  return afterSales(page).getByRole("article", { name: /^Refund request #\d+$/ }).first();
}

/** The request reads as refunded: its status, not the "Refunded" amount's label. */
async function expectRequestRefunded(page: Page, timeout?: number) {
  await expect(request(page).getByText("Refunded", { exact: true })).toBeVisible(timeout ? { timeout } : undefined);
}

/** The shopper asks for a refund of the order's one unit. */
async function ask(page: Page, kind: "Refund only" | "Return and refund", reason: string) {
  const form = page.getByRole("region", { name: "Ask for a refund" });
  await form.getByLabel(kind).check();
  await form.getByLabel("Reason").selectOption({ label: reason });
  await expect(form.getByLabel("Quantity of Sencha <b>green</b> to refund (up to 1)")).toHaveValue("1");
  await form.getByLabel("Anything the shop should know (optional)").fill("Please refund <script>alert(1)</script>");
  await form.getByRole("button", { name: "Send the request" }).click();
  const section = afterSales(page);
  await expect(section.getByText("Waiting for the shop's answer")).toBeVisible();
  // The note is shown as text, never as markup; the form is gone while the request is open.
  await expect(section.getByText("Please refund <script>alert(1)</script>")).toBeVisible();
  await expect(form).toHaveCount(0);
}

/** The merchant's own refund form. */
function refundForm(page: Page) {
  return page.getByRole("region", { name: "Refund this order" });
}

async function shipAndDeliver(merchant: Page) {
  await merchant.getByLabel("Carrier").fill("Yamato");
  await merchant.getByLabel("Tracking number").fill("YT-555");
  await merchant.getByRole("button", { name: "Mark shipped" }).click();
  await expect(merchant.getByText("Shipped", { exact: true }).first()).toBeVisible();
  await merchant.getByRole("button", { name: "Mark delivered" }).click();
  await expect(merchant.getByText("Delivered", { exact: true }).first()).toBeVisible();
}

test("refund only before shipment: the merchant approves, money and stock go back, both sides see it live", async ({ page, browser }) => {
  const { merchant, number } = await paidOrder(browser, page);
  // Before shipment only "refund only", and no reason about the goods, is offered.
  const form = page.getByRole("region", { name: "Ask for a refund" });
  await expect(form.getByLabel("Return and refund")).toHaveCount(0);
  await expect(form.getByRole("option", { name: "It arrived damaged" })).toHaveCount(0);
  await ask(page, "Refund only", "I changed my mind");

  // The merchant's open page shows the request live, with its deadline, and approves it.
  const asked = request(merchant);
  await expect(asked.getByText("Waiting for the shop's answer")).toBeVisible();
  await expect(asked.getByText("The shop answers by")).toBeVisible();
  // The e2e server gives the shop two minutes to answer (48 hours in production).
  await expect(asked.getByText(/^0[01]:\d\d left$/)).toBeVisible();
  await asked.getByRole("button", { name: "Approve" }).click();
  await expectRequestRefunded(merchant);
  await expect(afterSales(merchant).getByText("Refunded in full")).toBeVisible();
  await expectNoSidewaysScroll(merchant);

  // The shopper's page follows without a reload, and the notification says it.
  await expectRequestRefunded(page);
  await expect(afterSales(page).getByText("Refunded in full")).toBeVisible();
  await expect(afterSales(page).getByRole("cell", { name: /1,500 JPY/ }).first()).toBeVisible();
  await openHydrated(page, "/notifications");
  await expect(page.getByRole("link", { name: `Order ${number}: 1,500 JPY refunded` })).toBeVisible();
  // Refunded in full before it left: the merchant can no longer ship it.
  await openHydrated(merchant, `/merchant/orders/${number}`);
  await merchant.getByLabel("Carrier").fill("Yamato");
  await merchant.getByLabel("Tracking number").fill("YT-1");
  await merchant.getByRole("button", { name: "Mark shipped" }).click();
  await expect(merchant.getByText("This order was refunded in full; it cannot be shipped.")).toBeVisible();
  await merchant.context().close();
});

test("return and refund after delivery: the shopper sends the items back, the merchant confirms receipt, then the money goes back", async ({ page, browser }) => {
  const { merchant } = await paidOrder(browser, page);
  await shipAndDeliver(merchant);
  await openHydrated(page, page.url());
  await ask(page, "Return and refund", "It arrived damaged");

  await afterSales(merchant).getByRole("button", { name: "Approve" }).click();
  await expect(afterSales(page).getByText("Approved: send the items back")).toBeVisible();
  const returnForm = afterSales(page);
  await returnForm.getByLabel("Carrier").fill("Japan Post");
  await returnForm.getByLabel("Tracking number").fill("JP-778899");
  await returnForm.getByRole("button", { name: "I have sent the items" }).click();
  await expect(afterSales(page).getByText("Return on its way")).toBeVisible();

  await expect(afterSales(merchant).getByText("Japan Post JP-778899")).toBeVisible();
  await expect(afterSales(merchant).getByText("The shop confirms receipt by")).toBeVisible();
  await afterSales(merchant).getByRole("button", { name: "I have received the returned items" }).click();
  await expectRequestRefunded(merchant);
  await expectRequestRefunded(page);
  await merchant.context().close();
});

test("no answer from the shop in time: the request is approved automatically", async ({ page, browser }) => {
  // The e2e server gives merchants two minutes to answer (PAYDESK_REFUND_ANSWER_MINUTES).
  test.setTimeout(360_000);
  const { merchant } = await paidOrder(browser, page);
  await merchant.context().close();
  await ask(page, "Refund only", "I ordered by mistake");
  await expect(afterSales(page).getByText("If the shop does not answer by then, the request is approved automatically.")).toBeVisible();
  await expectRequestRefunded(page, 200_000);
  await expect(page.getByText("Refund request approved automatically: the shop did not answer in time", { exact: false })).toBeVisible();
  await expect(afterSales(page).getByText("Refunded in full")).toBeVisible();
});

test("a refusal taken to Paydesk support: staff approve part of it", async ({ page, browser }) => {
  const { merchant, number } = await paidOrder(browser, page);
  await ask(page, "Refund only", "I changed my mind");

  const refused = request(merchant);
  await refused.getByLabel("Why you refuse (the shopper sees this)").fill("no");
  await refused.getByRole("button", { name: "Refuse the request" }).click();
  await expect(refused.getByText("Use at least 5 characters.")).toBeVisible();
  await refused.getByLabel("Why you refuse (the shopper sees this)").fill("The tea was opened and used.");
  await refused.getByRole("button", { name: "Refuse the request" }).click();
  await expect(afterSales(merchant).getByText("Refused by the shop")).toBeVisible();

  await expect(afterSales(page).getByText("The tea was opened and used.")).toBeVisible();
  await afterSales(page).getByRole("button", { name: "Ask Paydesk support to decide" }).click();
  await expect(afterSales(page).getByText("With Paydesk support")).toBeVisible();
  const ticket = (await request(page).getByRole("definition").filter({ hasText: /^#\d+$/ }).textContent())!.slice(1);
  await merchant.context().close();

  const staffContext = await browser.newContext({ locale: "en-US" });
  const staff = await staffContext.newPage();
  await signIn(staff, STAFF.email, STAFF.password);
  await openHydrated(staff, "/staff/tickets");
  await staff.getByRole("link", { name: new RegExp(`^#${ticket} A refused refund request, escalated`) }).click();
  await expect(staff.getByText(`${number} · 1,500 JPY`, { exact: false })).toBeVisible();
  const decide = afterSales(staff);
  await decide.getByLabel("Amount to refund (JPY; empty for all 1,500 JPY)").fill("2000");
  await decide.getByRole("button", { name: "Approve the refund" }).click();
  await expect(decide.getByText("That is more than can still be refunded: at most 1,500 JPY.")).toBeVisible();
  await decide.getByLabel("Amount to refund (JPY; empty for all 1,500 JPY)").fill("500");
  await decide.getByRole("button", { name: "Approve the refund" }).click();
  await expect(decide.getByText("Partially refunded")).toBeVisible();
  await expect(staff.getByText(/approved the refund/)).toBeVisible();
  await staffContext.close();

  await expect(afterSales(page).getByText("Partially refunded")).toBeVisible();
  await expectRequestRefunded(page);
  await expect(page.getByText("Refund request approved by Paydesk support (500 JPY)")).toBeVisible();
});

test("the merchant refunds part of an order on their own, with a reason", async ({ page, browser }) => {
  const { merchant } = await paidOrder(browser, page);
  const form = refundForm(merchant);
  await form.getByLabel("Or an amount (JPY)").fill("12.5");
  await form.getByLabel("Reason (the shopper sees this)").fill("Late delivery");
  await form.getByRole("button", { name: "Refund", exact: true }).click();
  await expect(form.getByText("JPY amounts have no decimals.")).toBeVisible();
  await form.getByLabel("Or an amount (JPY)").fill("300");
  await form.getByRole("button", { name: "Refund", exact: true }).click();
  await expect(afterSales(merchant).getByText("Partially refunded")).toBeVisible();
  await expect(afterSales(merchant).getByRole("cell", { name: /300 JPY/ })).toBeVisible();
  await expect(afterSales(page).getByText("Partially refunded")).toBeVisible();
  // The console filters orders that were refunded.
  await openHydrated(merchant, "/merchant/orders?after_sales=refunded");
  await expect(merchant.getByText("Partially refunded").first()).toBeVisible();
  await merchant.context().close();
});

test("cash on delivery: the merchant records how the cash went back", async ({ page, browser }) => {
  const { merchant, number } = await merchantAndShopperWithOrder(browser, page);
  await openHydrated(merchant, `/merchant/orders/${number}`);
  await merchant.getByRole("button", { name: "Collect cash on delivery" }).click();
  await expect(merchant.getByText("Cash on delivery, to ship").first()).toBeVisible();
  await merchant.getByLabel("Carrier").fill("Yamato");
  await merchant.getByLabel("Tracking number").fill("YT-12345678");
  await merchant.getByRole("button", { name: "Mark shipped" }).click();
  await merchant.getByLabel("Cash collected (JPY)").fill("1500");
  await merchant.getByRole("button", { name: "Mark delivered, cash collected" }).click();
  await expect(merchant.getByText("Delivered", { exact: true }).first()).toBeVisible();

  const form = refundForm(merchant);
  await form.getByLabel("Or an amount (JPY)").fill("1500");
  await form.getByLabel("Reason (the shopper sees this)").fill("Damaged in transit");
  await form.getByLabel("By bank transfer").check();
  await form.getByRole("button", { name: "Record the cash refund" }).click();
  await expect(form.getByText("Fill in this field.")).toBeVisible();
  await form.getByLabel("Bank transfer reference").fill("MUFG-20261201-7");
  await form.getByRole("button", { name: "Record the cash refund" }).click();
  await expect(afterSales(merchant).getByText("Refunded in full")).toBeVisible();
  await expect(afterSales(merchant).getByRole("cell", { name: /By bank transfer MUFG-20261201-7/ })).toBeVisible();

  await openHydrated(page, `/orders/${number}`);
  await expect(afterSales(page).getByText("Refunded in full")).toBeVisible();
  await merchant.context().close();
});
