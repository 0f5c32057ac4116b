import type { BrowserContext } from "@playwright/test";
import { test, expect, openHydrated, signIn, STAFF, PASSWORD, type Page } from "./helpers";

/**
 * Issue 14, part 1, after hydration: markup typed into every text field a user can edit stays
 * text on every page that shows it once the WASM app has taken the page over (the server-side
 * half, with the same fields, is `markup_planted_in_every_field_stays_text_on_every_page`).
 * The fields are filled through the server functions, as a hostile client would send them.
 */
const planted = (tag: string) => `${tag}"'</script><b/data-planted><img src=x onerror=alert(1)>`;

async function call(context: BrowserContext, endpoint: string, form: Record<string, string>) {
  const answer = await context.request.post(`/api/${endpoint}`, { form, headers: { accept: "application/json" } });
  expect(answer.ok(), `${endpoint}: ${answer.status()} ${await answer.text()}`).toBeTruthy();
  return answer.json();
}

async function expectOnlyText(page: Page, path: string, shown: string) {
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await openHydrated(page, path);
  if (shown === "SEARCH") {
    // The console's search box keeps what was searched for: markup in an attribute.
    await expect(page.getByRole("searchbox")).toHaveValue(planted("SEARCH"));
  } else {
    // In the page's content (the header's own email sits in the folded menu on a phone).
    await expect(page.getByRole("main").getByText(new RegExp(shown)).first(), `${path} shows ${shown}`).toBeVisible();
  }
  expect(await page.locator("[data-planted], img[src='x']").count(), `${path}: planted markup became elements`).toBe(0);
  expect(dialogs, `${path}: a dialog opened`).toEqual([]);
}

test("markup planted in every text field stays text on every page after hydration", async ({ browser, page }) => {
  test.setTimeout(120_000);
  const merchant = await browser.newContext();
  await call(merchant, "sign_up", { email: `m${Date.now().toString(36)}<b/data-planted>@example.com`, password: PASSWORD, role: "merchant" });
  const details = {
    "details[legal_name]": planted(`LEGAL-${Math.random().toString(36).slice(2, 8)}`),
    "details[registration_number]": "SG-2019-0042",
    "details[country]": "SG",
    "details[contact_phone]": "+65 6123 4567",
    "details[category]": "electronics",
    "details[shop_name]": planted("SHOP"),
  };
  const { merchant_id: merchantId } = await call(merchant, "submit_qualification", details);

  const staff = await browser.newContext();
  const staffPage = await staff.newPage();
  await signIn(staffPage, STAFF.email, STAFF.password);
  await expect(staffPage.getByRole("banner").getByRole("button", { name: "Sign out", includeHidden: true })).toBeAttached();
  await expectOnlyText(staffPage, `/staff/reviews/${merchantId}`, "LEGAL-");
  await call(staff, "decide_qualification", { merchant_id: String(merchantId), decision: "reject", reason: planted("REASON for refusal") });
  const merchantPage = await merchant.newPage();
  await expectOnlyText(merchantPage, "/merchant/qualification", "REASON for refusal");
  await call(merchant, "submit_qualification", details);
  await call(staff, "decide_qualification", { merchant_id: String(merchantId), decision: "approve" });
  const product = await call(merchant, "save_product", {
    "product[title]": planted("TITLE"),
    "product[description]": planted("DESCRIPTION"),
    "product[price]": "25.00",
    "product[stock]": "50",
    "product[active]": "on",
  });

  const shopper = page.context();
  await call(shopper, "sign_up", { email: `s${Date.now().toString(36)}<b/data-planted>@example.com`, password: PASSWORD, role: "shopper" });
  const card = await call(shopper, "bind_card", {
    "card[kind]": "credit_card",
    "card[number]": "4242424242424242",
    "card[expiry]": "12/30",
    "card[cvc]": "123",
    "card[holder]": planted("HOLDER"),
  });
  await call(shopper, "add_to_cart", { product_id: String(product.id), quantity: "1" });
  const shopId = String(product.shop_id);
  const number: string = await call(shopper, "place_order", {
    shop_id: shopId,
    idempotency_key: crypto.randomUUID(),
    "address[name]": planted("NAME"),
    "address[phone]": "+86 138 0013 8000",
    "address[line1]": planted("LINE1"),
    "address[line2]": planted("LINE2"),
    "address[city]": planted("CITY"),
    "address[postcode]": "200120",
    "address[country]": "CN",
  });
  await call(shopper, "pay_order", { number, method_id: String(card.id), idempotency_key: crypto.randomUUID() });
  await call(merchant, "merchant_order_action", { number, action: "ship", carrier: planted("CARR"), tracking: "SF123456789CN" });
  const ticket = await call(shopper, "report_problem", { category: "other", description: planted("TICKET"), order_number: number });
  await call(staff, "reply_ticket", { id: String(ticket), body: planted("STAFF-REPLY") });
  await call(shopper, "add_to_cart", { product_id: String(product.id), quantity: "1" });

  for (const [path, shown] of [
    [`/shops/${shopId}`, "TITLE"],
    [`/products/${product.id}`, "DESCRIPTION"],
    ["/cart", "TITLE"],
    [`/checkout/${shopId}`, "TITLE"],
    ["/orders", "SHOP"],
    [`/orders/${number}`, "CARR"],
    ["/account/payment-methods", "HOLDER"],
    [`/support/${ticket}`, "STAFF-REPLY"],
    ["/notifications", "has shipped"],
  ]) {
    await expectOnlyText(page, path, shown);
  }
  for (const [path, shown] of [
    ["/merchant/products", "TITLE"],
    ["/merchant/orders", "planted>@example"],
    [`/merchant/orders?q=${encodeURIComponent(planted("SEARCH"))}`, "SEARCH"],
    [`/merchant/orders/${number}`, "LINE2"],
  ]) {
    await expectOnlyText(merchantPage, path, shown);
  }
  for (const [path, shown] of [
    ["/staff/tickets", "planted>@example"],
    [`/staff/tickets/${ticket}`, "TICKET"],
  ]) {
    await expectOnlyText(staffPage, path, shown);
  }
  await merchant.close();
  await staff.close();
});
