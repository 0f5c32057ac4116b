import { readFile } from "node:fs/promises";
import { expect, test, openHydrated, merchantAndShopperWithOrder, signIn, STAFF, menu, expectNoEnglish, expectNoSidewaysScroll, type Page } from "./helpers";

// These tests move the platform's clock forward (the sandbox's test clock), which would make
// every other test's deadlines pass: Playwright runs them in their own project, after all the
// others (see playwright.config.ts).

function timeline(page: Page) {
  return page.getByRole("region", { name: /^(Where the money is|资金去向)$/ });
}

function region(page: Page, name: string) {
  return page.getByRole("region", { name, exact: true });
}

async function shipAndDeliver(merchant: Page) {
  await merchant.getByLabel("Carrier").fill("Yamato");
  await merchant.getByLabel("Tracking number").fill("YT-777");
  await merchant.getByRole("button", { name: "Mark shipped" }).click();
  await expect(merchant.getByText("Shipped", { exact: true }).first()).toBeVisible();
  await merchant.getByRole("button", { name: "Mark delivered" }).click();
  await expect(merchant.getByText("Delivered", { exact: true }).first()).toBeVisible();
}

/** Staff move the platform's clock forward by `days` from their money page. */
async function moveClock(staff: Page, days: string) {
  await openHydrated(staff, "/staff/money");
  const clock = region(staff, "Test clock");
  await clock.getByLabel("Days").fill(days);
  await clock.getByLabel("Hours").fill("0");
  await clock.getByRole("button", { name: "Move forward and run due jobs" }).click();
  await expect(clock.getByText(/^The platform's time is now .+; due deadlines, settlements and payouts ran\.$/)).toBeVisible({ timeout: 30_000 });
}

test("paid, delivered, the clock moved seven days: settled, paid out, on the statement and in the CSV", async ({ page, browser }) => {
  const { merchant, number } = await merchantAndShopperWithOrder(browser, page);
  await openHydrated(page, `/orders/${number}/pay`);
  await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
  await expect(page.getByText("Payment received — your order is paid.")).toBeVisible();

  // Paid, not delivered: the timeline says when the money will settle.
  await openHydrated(merchant, `/merchant/orders/${number}`);
  await expect(timeline(merchant).getByText(/^Paid \d{4}-/)).toBeVisible();
  await expect(timeline(merchant).getByText("Not delivered yet", { exact: true })).toBeVisible();
  await expect(timeline(merchant).getByText("Settles 7 days after delivery, when no refund request is open")).toBeVisible();
  await shipAndDeliver(merchant);
  await expect(timeline(merchant).getByText(/^Delivered /)).toBeVisible();
  await expect(timeline(merchant).getByText(/^Settles .+ \(in 6 d 23 h\)$/)).toBeVisible();
  await expect(timeline(merchant).getByText("Paid out with your next payout")).toBeVisible();

  // The merchant's money: pending, and a bank account (a wrong bank code is explained).
  await openHydrated(merchant, "/merchant/money");
  await expect(region(merchant, "Pending").getByText("1,500 JPY")).toBeVisible();
  await expect(region(merchant, "Available").getByText("0 JPY")).toBeVisible();
  await expect(region(merchant, "Pay out").getByText("Add the bank account to pay out to first (below).")).toBeVisible();
  const account = region(merchant, "Bank account for payouts");
  await account.getByLabel("Country").selectOption({ label: "Japan" });
  await account.getByLabel("Account holder").fill("Tokyo Tea KK");
  await account.getByLabel(/^Bank code/).fill("12");
  await account.getByLabel(/^Branch code/).fill("001");
  await account.getByLabel("Account number").fill("123 4567");
  await account.getByRole("button", { name: "Save bank account" }).click();
  await expect(account.getByText("Enter exactly 4 digits.")).toBeVisible();
  await account.getByLabel(/^Bank code/).fill("0005");
  await account.getByRole("button", { name: "Save bank account" }).click();
  await expect(account.getByText("Saved: payouts go to •••• 4567.")).toBeVisible();
  await expect(account.getByText("Payouts go to Tokyo Tea KK, bank 0005, account •••• 4567.")).toBeVisible();
  await expect(region(merchant, "Pay out").getByText("Nothing is available to pay out yet.")).toBeVisible();
  await expectNoSidewaysScroll(merchant);

  // Staff move the clock seven days: the merchant's open page shows the settlement live.
  const staffContext = await browser.newContext({ locale: "en-US" });
  const staff = await staffContext.newPage();
  await signIn(staff, STAFF.email, STAFF.password);
  await moveClock(staff, "7");
  await expect(region(merchant, "Available").getByText("1,470 JPY")).toBeVisible({ timeout: 20_000 });
  await expect(region(merchant, "Pending").getByText("0 JPY")).toBeVisible();

  // Withdraw: the payout arrives (the sandbox pays this account at once).
  const payOut = region(merchant, "Pay out");
  await expect(payOut.getByText("Goes to •••• 4567.")).toBeVisible();
  await payOut.getByRole("button", { name: "Withdraw 1,470 JPY" }).click();
  await expect(payOut.getByText(/^Payout #\d+ of 1,470 JPY: Arrived .+\.$/)).toBeVisible();
  await expect(region(merchant, "Paid out").getByText("1,470 JPY")).toBeVisible();
  const payouts = region(merchant, "Payouts");
  await expect(payouts.getByRole("row").nth(1)).toContainText("1,470 JPY");
  await expect(payouts.getByRole("row").nth(1)).toContainText("•••• 4567");
  const payoutId = (await payouts.getByRole("row").nth(1).getByRole("cell").first().textContent())!.match(/#(\d+)/)![1];

  // The order's timeline: settled with its split, paid out in that payout.
  await openHydrated(merchant, `/merchant/orders/${number}`);
  await expect(timeline(merchant).getByText(/^Settled .+: 1,470 JPY to available \(1,500 JPY paid, 0 JPY refunded, 30 JPY commission, 0 JPY reserve\)$/)).toBeVisible();
  await expect(timeline(merchant).getByText(new RegExp(`^Paid out in payout #${payoutId}, arrived .+$`))).toBeVisible();

  // The statement of the platform's day: the settled order (linked) and the payout; it adds up.
  await openHydrated(merchant, "/merchant/money");
  const statements = region(merchant, "Statements");
  await statements.getByRole("link", { name: /^\d{4}-\d\d-\d\d$/ }).first().click();
  await expect(merchant.getByRole("heading", { level: 1, name: /^Statement of \d{4}-\d\d-\d\d$/ })).toBeVisible();
  const settled = merchant.getByRole("row").filter({ hasText: "Order settled" });
  await expect(settled.getByRole("link", { name: number })).toBeVisible();
  await expect(settled).toContainText("30 JPY");
  await expect(merchant.getByRole("row").filter({ hasText: `Payout #${payoutId}` })).toContainText("-1,470 JPY");
  await expect(merchant.getByText("0 JPY opening + 0 JPY of lines = 0 JPY closing: it matches the ledger.")).toBeVisible();

  // The day's CSV: streamed, one line per movement.
  const downloading = merchant.waitForEvent("download");
  await merchant.getByRole("link", { name: "Download this day as CSV" }).click();
  const csv = await readFile((await (await downloading).path())!, "utf8");
  const rows = csv.trim().split("\n");
  expect(rows[0]).toBe("booked_at,kind,order,gross,refunded,commission,reserve,amount,payout,balance,currency");
  const kind = (k: string) => rows.find((r) => r.split(",")[1] === k);
  expect(kind("settlement")).toContain(`,settlement,${number},1500,0,30,0,1470,,1470,JPY`);
  expect(kind("payout")).toContain(`,payout,,,,,,-1470,${payoutId},0,JPY`);

  // The Money page's export, hydrated: the page reads the file itself, shows how far it has
  // got, then hands it over as a download (the same file).
  await openHydrated(merchant, "/merchant/money");
  const exportButton = statements.getByRole("button", { name: "Download CSV" });
  const exporting = merchant.waitForEvent("download");
  await exportButton.click();
  await expect(statements.getByRole("progressbar").or(statements.getByRole("status").filter({ hasText: /^Done: / }))).toBeVisible();
  const exported = await exporting;
  expect(exported.suggestedFilename()).toMatch(/^paydesk-statement-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.csv$/);
  await expect(statements.getByRole("status").filter({ hasText: /^Done: \d+ lines?$/ })).toBeVisible();
  await expect(exportButton).toBeEnabled();
  const exportedRows = (await readFile((await exported.path())!, "utf8")).trim().split("\n");
  expect(exportedRows[0]).toBe(rows[0]);
  expect(exportedRows.find((r) => r.split(",")[1] === "settlement")).toContain(`,settlement,${number},1500,0,30,0,1470,,1470,JPY`);

  // Staff: the platform's revenue holds the commission, and the reconciliation finds nothing.
  await openHydrated(staff, "/staff/money");
  await expect(region(staff, "Balances").getByRole("row").filter({ hasText: "Revenue (commission)" }).first()).toBeVisible();
  await region(staff, "Reconciliation").getByRole("button", { name: "Run the reconciliation now" }).click();
  await expect(region(staff, "Reconciliation").getByText("Everything adds up.")).toBeVisible();
  await staffContext.close();

  // The same page in Chinese, with nothing left in English.
  await openHydrated(merchant, "/merchant/money");
  await menu(merchant);
  await merchant.getByRole("navigation", { name: "Language" }).getByRole("link", { name: "简体中文" }).click();
  await expect(merchant.getByRole("heading", { level: 1, name: "资金" })).toBeVisible();
  await expect(region(merchant, "已打款").getByText(/1,470/)).toBeVisible();
  await expectNoEnglish(merchant, ["Tokyo Tea KK", "•••• 4567", "CSV"]);
  await openHydrated(merchant, `/merchant/orders/${number}`);
  await expect(timeline(merchant).getByText(new RegExp(`^已随打款 #${payoutId} 于 .+ 到账$`))).toBeVisible();
});

test("a refund request holds the money until it ends, and the timeline says why", async ({ page, browser }) => {
  const { merchant, number } = await merchantAndShopperWithOrder(browser, page);
  await openHydrated(page, `/orders/${number}/pay`);
  await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
  await expect(page.getByText("Payment received — your order is paid.")).toBeVisible();
  await openHydrated(merchant, `/merchant/orders/${number}`);
  await shipAndDeliver(merchant);

  // The shopper asks for a refund; the merchant's timeline says the money is held by it.
  await openHydrated(page, `/orders/${number}`);
  const form = page.getByRole("region", { name: "Ask for a refund" });
  await form.getByLabel("Refund only").check();
  await form.getByLabel("Reason").selectOption({ index: 1 });
  await form.getByRole("button", { name: "Send the request" }).click();
  await expect(page.getByText("Waiting for the shop's answer")).toBeVisible();
  await expect(timeline(merchant).getByText(/^Held: refund request #\d+ is open since .+\. It settles when the request ends, not before .+\.$/)).toBeVisible();

  // Nobody answers: a week later the worker has approved the request (the e2e server gives the
  // shop two minutes) and refunded it; only then does the order settle — to nothing, since it
  // was all refunded — and the timeline says so, live.
  const staffContext = await browser.newContext({ locale: "en-US" });
  const staff = await staffContext.newPage();
  await signIn(staff, STAFF.email, STAFF.password);
  await moveClock(staff, "8");
  await expect(timeline(merchant).getByText(/^Settled .+: 0 JPY to available \(1,500 JPY paid, 1,500 JPY refunded, 0 JPY commission, 0 JPY reserve\)$/)).toBeVisible({ timeout: 30_000 });
  await expect(timeline(merchant).getByText(/^Held: refund request/)).toHaveCount(0);
  await staffContext.close();
});
