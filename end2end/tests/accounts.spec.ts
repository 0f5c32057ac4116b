import { expect, test, expectNoSidewaysScroll, menu, openHydrated, PASSWORD, signIn, signUp, submitSignIn, STAFF, uniqueEmail } from "./helpers";

test("a shopper signs up, signs out and signs in again", async ({ page }) => {
  const email = uniqueEmail("shopper");
  await signUp(page, email, "Shop");
  await expect(page).toHaveURL(/\/$/);
  const banner = await menu(page);
  await expect(banner.getByRole("link", { name: email })).toBeVisible();

  await banner.getByRole("button", { name: "Sign out" }).click();
  await menu(page);
  await expect(banner.getByRole("link", { name: "Sign in" })).toBeVisible();

  await signIn(page, email);
  await menu(page);
  await expect(banner.getByRole("link", { name: email })).toBeVisible();
  await banner.getByRole("link", { name: email }).click();
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "Signed in" }).first()).toBeVisible();
  await expect(page.getByRole("cell", { name: "Account created" })).toBeVisible();
  await expectNoSidewaysScroll(page);
});

test("sign-up errors appear next to their fields and keep what was typed", async ({ page }) => {
  await openHydrated(page, "/signup");
  await page.getByLabel("Email").fill("someone@example");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Enter an email address like name@example.com.")).toBeVisible();
  await expect(page.getByText("Use at least 10 characters.")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue("someone@example");
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  // Keyboard and screen-reader users land on the first field to correct.
  await expect(page.getByLabel("Email")).toBeFocused();
  // Correcting it moves the focus on to the next invalid one after the next submit.
  await page.getByLabel("Email").fill("someone@example.com");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByLabel("Email")).not.toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Password")).toBeFocused();
});

test("a wrong password does not say whether the account exists", async ({ page }) => {
  await submitSignIn(page, uniqueEmail("nobody"), "wrong password here");
  await expect(page.getByText("Email or password is incorrect.")).toBeVisible();
});

test("pages for another role are not shown", async ({ page }) => {
  await openHydrated(page, "/staff/reviews");
  await expect(page.getByText("Please sign in to continue.")).toBeVisible();
  await signUp(page, uniqueEmail("curious"), "Shop");
  await expect(page).toHaveURL(/\/$/);
  await openHydrated(page, "/staff/reviews");
  await expect(page.getByText("You are not allowed to do that.")).toBeVisible();
});

test("merchant qualification: rejected, corrected, approved, and the shop opens", async ({ browser }) => {
  const merchantEmail = uniqueEmail("merchant");
  const legalName = `Bright Trading ${Math.random().toString(36).slice(2, 7)}`;
  const shopName = `Gadgets ${Math.random().toString(36).slice(2, 7)}`;
  const merchantContext = await browser.newContext();
  const staffContext = await browser.newContext();
  const merchant = await merchantContext.newPage();
  const staff = await staffContext.newPage();

  // The merchant signs up and lands on the qualification form.
  await signUp(merchant, merchantEmail, "Sell as a merchant");
  await expect(merchant.getByRole("heading", { name: "Business qualification" })).toBeVisible();
  await expect(merchant.getByText("Not submitted", { exact: true })).toBeVisible();
  await merchant.getByLabel("Legal name").fill(legalName);
  await merchant.getByLabel("Registration number").fill("SG-2019-0042");
  await merchant.getByLabel("Country").selectOption({ label: "Singapore" });
  await merchant.getByLabel("Contact phone").fill("12");
  await merchant.getByLabel("Business category").selectOption({ label: "Electronics" });
  await merchant.getByLabel("Shop name").fill(shopName);
  await merchant.getByRole("button", { name: "Submit for review" }).click();
  // A bad phone number is explained next to the field; the rest stays as typed.
  await expect(merchant.getByText(/Enter a phone number with 7 to 15 digits/)).toBeVisible();
  await expect(merchant.getByLabel("Legal name")).toHaveValue(legalName);
  await merchant.getByLabel("Contact phone").fill("+65 6123 4567");
  await merchant.getByRole("button", { name: "Submit for review" }).click();
  await expect(merchant.getByText("Under review", { exact: true }).first()).toBeVisible();

  // Staff reject it with a reason.
  await signIn(staff, STAFF.email, STAFF.password);
  await expect(staff.getByRole("heading", { name: "Merchant reviews" })).toBeVisible();
  await staff.getByRole("link", { name: legalName }).click();
  await staff.getByRole("button", { name: "Reject" }).click();
  await expect(staff.getByText(/at least 5 characters/)).toBeVisible();
  await staff.getByLabel("Reason for rejection").fill("The registration number does not match the certificate.");
  await staff.getByRole("button", { name: "Reject" }).click();
  await expect(staff.getByText("Rejected", { exact: true }).first()).toBeVisible();

  // The merchant sees the reason, corrects and resubmits.
  await openHydrated(merchant, "/merchant/qualification");
  await expect(merchant.getByText("The registration number does not match the certificate.").first()).toBeVisible();
  await expect(merchant.getByLabel("Legal name")).toHaveValue(legalName);
  await merchant.getByLabel("Registration number").fill("SG-2019-0043");
  await merchant.getByRole("button", { name: "Submit for review" }).click();
  await expect(merchant.getByText("Under review", { exact: true }).first()).toBeVisible();

  // Staff approve.
  await openHydrated(staff, "/staff/reviews");
  await staff.getByRole("link", { name: legalName }).click();
  await expect(staff.getByText("SG-2019-0043")).toBeVisible();
  await staff.getByRole("button", { name: "Approve" }).click();
  await expect(staff.getByText("Approved", { exact: true }).first()).toBeVisible();
  await expectNoSidewaysScroll(staff);

  // The shop is open: the merchant is told, and shoppers see it.
  await openHydrated(merchant, "/merchant/qualification");
  await expect(merchant.getByText(`your shop “${shopName}” is open`)).toBeVisible();
  const history = merchant.getByRole("region", { name: "History" }).or(merchant.locator(".history"));
  await expect(history.getByText(/Under review → Approved by staff@paydesk.test/)).toBeVisible();
  await expectNoSidewaysScroll(merchant);
  const shopper = await merchantContext.newPage();
  await openHydrated(shopper, "/");
  await expect(shopper.getByRole("region", { name: "Shops" }).getByText(shopName)).toBeVisible();

  await merchantContext.close();
  await staffContext.close();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("signing up and in works as plain forms, errors included", async ({ page }) => {
    const email = uniqueEmail("nojs");
    await page.goto("/signup");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await menu(page);
    await expect(page.getByRole("banner").getByRole("link", { name: email })).toBeVisible();
    await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
    await menu(page);
    await expect(page.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();

    await page.goto("/signin");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByText("Email or password is incorrect.")).toBeVisible();

    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).not.toHaveURL(/\/signin/);
    await menu(page);
    await expect(page.getByRole("banner").getByRole("link", { name: email })).toBeVisible();
  });
});
