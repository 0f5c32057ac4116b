import { test as base, expect, type Browser, type Page } from "@playwright/test";

export { expect, type Page };

/**
 * What went wrong inside the app in any page this test opened with `openHydrated`: a Rust
 * panic or a hydration mismatch (the server rendered something the browser would not have).
 * Either leaves the page looking right but dead, so every test fails on it, whatever it checks.
 */
const appFailures: string[] = [];
const watched = new WeakSet<Page>();

function watch(page: Page) {
  if (watched.has(page)) return;
  watched.add(page);
  page.on("console", (message) => {
    const text = message.text();
    if (/hydration error|panicked at/i.test(text)) appFailures.push(`${page.url()}: ${text.slice(0, 400)}`);
  });
}

/** Playwright's `test`, failing any test during which the app panicked or failed to hydrate. */
export const test = base.extend<{ appHealthy: void }>({
  appHealthy: [
    async ({}, use) => {
      appFailures.length = 0;
      await use();
      expect(appFailures, "the app panicked or failed to hydrate").toEqual([]);
    },
    { auto: true },
  ],
});

/** Opens a page and waits until the WASM app has hydrated it (an Effect sets the marker). */
export async function openHydrated(page: Page, path: string) {
  watch(page);
  const response = await page.goto(path);
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "true");
  return response;
}

/**
 * The header, with its "Menu" unfolded when it is folded (on a phone): the navigation, the
 * account and the language switch are inside it. Folded again after every page load.
 */
export async function menu(page: Page) {
  const banner = page.getByRole("banner");
  const button = banner.getByText(/^(Menu|菜单)$/);
  if ((await button.isVisible()) && (await banner.locator("details[open]").count()) === 0) await button.click();
  return banner;
}

/** Folds the header's menu again if it is open (on a phone it lies over the page). */
export async function foldMenu(page: Page) {
  const banner = page.getByRole("banner");
  if ((await banner.locator("details[open]").count()) > 0 && (await banner.getByText(/^(Menu|菜单)$/).isVisible())) {
    await banner.getByText(/^(Menu|菜单)$/).click();
  }
}

/** The console's filters, unfolded when they are folded (on a phone). */
export async function unfoldFilters(page: Page) {
  const button = page.getByText(/^(Filters|筛选)/);
  if ((await button.isVisible()) && (await page.locator(".filters-fold[open]").count()) === 0) await button.click();
}

/** The layout must fit the viewport: nothing scrolls sideways, on a phone least of all. */
export async function expectNoSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
}

/** The staff account the test server creates at start-up (PAYDESK_STAFF_* variables). */
export const STAFF = { email: "staff@paydesk.test", password: "staff password for e2e" };

/** A unique email per test run, project and purpose, so parallel tests never collide. */
export function uniqueEmail(purpose: string): string {
  return `${purpose}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

export const PASSWORD = "correct horse battery";

export async function signUp(page: Page, email: string, role: "Shop" | "Sell as a merchant") {
  await openHydrated(page, "/signup");
  // In either language (a zh-CN browser gets the page in Chinese).
  const roleLabel = role === "Shop" ? /^\s*(Shop|购物)\s*$/ : /^\s*(Sell as a merchant|作为商家开店)\s*$/;
  await page.getByLabel(roleLabel).check();
  await page.getByLabel(/Email|邮箱/).fill(email);
  await page.getByLabel(/Password|密码/).fill(PASSWORD);
  await page.getByRole("button", { name: /^(Create account|注册)$/ }).click();
  // Signed in once the header offers to sign out.
  await expect(page.getByRole("banner").getByRole("button", { name: /^(Sign out|退出登录)$/, includeHidden: true })).toBeAttached();
}

/** Fills in and sends the sign-in form, whatever its answer. */
export async function submitSignIn(page: Page, email: string, password = PASSWORD) {
  await openHydrated(page, "/signin");
  await page.getByLabel(/Email|邮箱/).fill(email);
  await page.getByLabel(/Password|密码/).fill(password);
  await page.getByRole("button", { name: /^(Sign in|登录)$/ }).click();
}

/**
 * Signs in and waits until the browser has left the sign-in page: the session cookie is set only
 * by the answer, so a test that opened another page right after the click raced it (it was
 * still signed out there and saw "Please sign in to continue.").
 */
export async function signIn(page: Page, email: string, password = PASSWORD) {
  await submitSignIn(page, email, password);
  await expect(page).not.toHaveURL(/\/signin(\?|$)/, { timeout: 30_000 });
}

/**
 * A test that opens a shop walks three people through a dozen pages before its own steps
 * (merchant sign-up and qualification, staff approval, products), each in a fresh browser
 * context that loads and compiles the debug WASM anew. On a loaded 2-core machine that alone
 * took up to half of the default minute (30 s measured; a CI run went past 60 s while the
 * shopper was still clicking through the shop). So every such test gets three minutes, in one
 * place, rather than each remembering `test.slow()`.
 */
function giveTimeForAShop() {
  const info = test.info();
  info.setTimeout(Math.max(info.timeout, 180_000));
}

/** A merchant with an approved, open shop in Japan (JPY, no decimals) and two products. */
export async function openShopWithProducts(browser: Browser) {
  return (await openShop(browser)).shopName;
}

/** Like openShopWithProducts, and also returns the merchant's email (password: PASSWORD). */
export async function openShop(browser: Browser) {
  giveTimeForAShop();
  // The merchant and staff here read English, whatever the test's own browser reads.
  const context = await browser.newContext({ locale: "en-US" });
  const merchant = await context.newPage();
  const suffix = Math.random().toString(36).slice(2, 7);
  const shopName = `Tokyo Tea ${suffix}`;
  const merchantEmail = uniqueEmail("teashop");
  await signUp(merchant, merchantEmail, "Sell as a merchant");
  await merchant.getByLabel("Legal name").fill(`Tokyo Tea KK ${suffix}`);
  await merchant.getByLabel("Registration number").fill("JP-1234-5678");
  await merchant.getByLabel("Country").selectOption({ label: "Japan" });
  await merchant.getByLabel("Contact phone").fill("+81 3 1234 5678");
  await merchant.getByLabel("Business category").selectOption({ label: "Food and drinks" });
  await merchant.getByLabel("Shop name").fill(shopName);
  await merchant.getByRole("button", { name: "Submit for review" }).click();
  await expect(merchant.getByText("Under review", { exact: true }).first()).toBeVisible();

  const staffContext = await browser.newContext({ locale: "en-US" });
  const staff = await staffContext.newPage();
  await signIn(staff, STAFF.email, STAFF.password);
  await staff.getByRole("link", { name: `Tokyo Tea KK ${suffix}` }).click();
  await staff.getByRole("button", { name: "Approve" }).click();
  await expect(staff.getByText("Approved", { exact: true }).first()).toBeVisible();
  await staffContext.close();

  await openHydrated(merchant, "/merchant/products");
  await expect(merchant.getByText(`sells in JPY`)).toBeVisible();
  for (const [title, price, stock] of [["Sencha <b>green</b>", "1500", "5"], ["Matcha whisk", "2200", "1"]]) {
    await merchant.getByLabel("Title").fill(title);
    await merchant.getByLabel("Price (JPY)").fill(price);
    await merchant.getByLabel("Stock").fill(stock);
    await merchant.getByRole("button", { name: "Save product" }).click();
    await expect(merchant.getByRole("cell", { name: title, exact: true })).toBeVisible();
  }
  // A price with decimals is refused for a currency without them.
  await merchant.getByLabel("Title").fill("Broken price");
  await merchant.getByLabel("Price (JPY)").fill("12.5");
  await merchant.getByLabel("Stock").fill("1");
  await merchant.getByRole("button", { name: "Save product" }).click();
  await expect(merchant.getByText("JPY amounts have no decimals.")).toBeVisible();
  await context.close();
  return { shopName, merchantEmail };
}

/** Binds a card on the payment-methods page. */
/** Saves a card, on the page in English or in Chinese. */
export async function bindCard(page: Page, number: string) {
  await openHydrated(page, "/account/payment-methods");
  const form = page.getByRole("region", { name: /^(Add a card|添加银行卡)$/ });
  await form.getByLabel(/^(Card number|卡号)$/).fill(number);
  await form.getByLabel(/^(Expiry \(MM\/YY\)|有效期（月\/年）)$/).fill("12/30");
  await form.getByLabel(/^(Security code|安全码)$/).fill("123");
  await form.getByLabel(/^(Name on card|持卡人姓名)$/).fill("Sato Hana");
  await form.getByRole("button", { name: /^(Add card|添加银行卡)$/ }).click();
  await expect(page.getByRole("region", { name: /^(Your methods|我的支付方式)$/ }).getByText(`•••• ${number.slice(-4)}`, { exact: false }).first()).toBeVisible();
}

export async function addToCart(page: Page, shopName: string, product: string, quantity: string) {
  await openHydrated(page, "/");
  await page.getByRole("link", { name: shopName }).click();
  await page.getByRole("link", { name: product, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: product })).toBeVisible();
  await page.getByLabel("Quantity").fill(quantity);
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByText("Added to your cart.")).toBeVisible();
}

export async function checkOut(page: Page) {
  await openHydrated(page, "/cart");
  await page.getByRole("link", { name: "Check out" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Checkout" })).toBeVisible();
  await placeOrder(page);
}

/** On the checkout page: fills in the shipping address and places the order. */
export async function placeOrder(page: Page) {
  await page.getByLabel("Recipient name").fill("Sato Hana");
  await page.getByLabel("Phone").fill("+81 90 1234 5678");
  await page.getByLabel("Street address").fill("1-2-3 Shibuya");
  await page.getByLabel("City").fill("Tokyo");
  await page.getByLabel("Postcode").fill("150-0002");
  await page.getByLabel("Country").selectOption({ label: "Japan" });
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^Order PD-/ })).toBeVisible();
}


/** A shop, a merchant signed in to its console and a shopper (with a card) who ordered one
 * Sencha: both pages, and the order number. */
export async function merchantAndShopperWithOrder(browser: Browser, page: Page) {
  const { shopName, merchantEmail } = await openShop(browser);
  await signUp(page, uniqueEmail("collect"), "Shop");
  await bindCard(page, "4242 4242 4242 4242");
  await addToCart(page, shopName, "Sencha <b>green</b>", "1");
  await checkOut(page);
  const number = (await page.getByRole("heading", { level: 1 }).textContent())!.replace("Order ", "");

  // Playwright gives the new context this project's device (desktop or phone) and base URL.
  const merchantContext = await browser.newContext({ locale: "en-US" });
  const merchant = await merchantContext.newPage();
  await signIn(merchant, merchantEmail);
  await expect(merchant.getByRole("banner").getByRole("button", { name: "Sign out", includeHidden: true })).toBeAttached();
  return { merchant, number, merchantEmail };
}


/**
 * A page shown in Chinese must have no English left in what it says, to the eye or to a screen
 * reader: any Latin word is either a name (the brand, a currency or card code, what someone
 * typed: a shop, a product, an address) or a text nobody translated. `typed` lists the texts
 * people typed on this page; what the page marks `translate="no"` (everyone's shop names, a
 * browser's user agent) is left out, as translation tools leave it.
 */
export async function expectNoEnglish(page: Page, typed: string[] = []) {
  let text = await page.locator("body").evaluate((body) => {
    const copy = body.cloneNode(true) as HTMLElement;
    copy.querySelectorAll("script, style, template, noscript, [translate=no]").forEach((e) => e.remove());
    // Element by element, so that words in neighbouring elements do not run together.
    return Array.from(copy.querySelectorAll("*")).flatMap((e) => Array.from(e.childNodes).filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent)).join(" ");
  });
  const names = [
    /Paydesk/g, /English/g, /\b(JPY|SGD|USD|CNY|EUR|HKD|UTC|IP)\b/g, /\b(JP|US|HK|NT)¥?\$?(?=[\d-])/g, /\bPD-[\w-]+/g, /\S+@\S+/g,
    /Tokyo Tea( KK)? \w+/g, /\b(Visa|Mastercard|American Express|UnionPay|JCB|Discover|Alipay|PayPal|GrabPay|GCash)\b/g,
  ];
  for (const name of names) text = text.replace(name, " ");
  for (const name of typed) text = text.split(name).join(" ");
  const english = text.match(/[A-Za-z]{2,}/g) ?? [];
  expect(english, `English left on ${new URL(page.url()).pathname}`).toEqual([]);
}
