import { expect, test, STAFF, merchantAndShopperWithOrder, openHydrated, signIn } from "./helpers";

test("a shopper reports an unrecognised payment; staff see it live, reply, and the shopper sees the reply live", async ({ page, browser }) => {
  test.slow();
  const { merchant, number } = await merchantAndShopperWithOrder(browser, page);
  await merchant.context().close();
  await openHydrated(page, `/orders/${number}/pay`);
  await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
  await expect(page.getByText("Payment received — your order is paid.")).toBeVisible();

  // Staff watch the queue.
  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  await signIn(staff, STAFF.email, STAFF.password);
  await expect(staff.getByRole("banner").getByRole("button", { name: "Sign out", includeHidden: true })).toBeAttached();
  await openHydrated(staff, "/staff/tickets?status=open");
  await expect(staff.getByText("Live", { exact: true })).toBeVisible();

  // The shopper reports it from the order page.
  await openHydrated(page, `/orders/${number}`);
  await page.getByRole("link", { name: "Report a problem" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Report a problem" })).toBeVisible();
  await page.getByLabel("What is it about?").selectOption({ label: "A payment I do not recognise" });
  await page.getByLabel("What happened?").fill("I did not make this payment <b>at all</b>");
  await page.getByRole("button", { name: "Send to support" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^Ticket #\d+$/ })).toBeVisible();
  await expect(page.getByText("I did not make this payment <b>at all</b>")).toBeVisible();
  const ticket = (await page.getByRole("heading", { level: 1 }).textContent())!.replace("Ticket ", "");

  // It appears in the staff queue without a reload; staff open it beside the order's attempts.
  await staff.getByRole("link", { name: `${ticket} A payment I do not recognise` }).click();
  await expect(staff.getByRole("region", { name: "Order" }).getByText(number, { exact: false })).toBeVisible();
  await expect(staff.getByRole("region", { name: "Order" }).getByText("Succeeded", { exact: false })).toBeVisible();
  await expect(staff.getByRole("region", { name: "Account activity" }).getByText("Account created")).toBeVisible();
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "true");
  await staff.getByLabel("Your reply").fill("We are checking this payment with the provider.");
  await staff.getByRole("button", { name: "Send reply" }).click();
  await expect(staff.getByText("staff@paydesk.test replied")).toBeVisible();

  // The shopper's open ticket shows the reply live.
  await expect(page.getByText("We are checking this payment with the provider.")).toBeVisible();
  await expect(page.getByText("Answered", { exact: true })).toBeVisible();
  await staffContext.close();
});
