import { expect, test, expectNoSidewaysScroll, openHydrated, signUp, uniqueEmail } from "./helpers";

test("a shopper binds cards and a wallet, sets the default and removes one", async ({ page }) => {
  await signUp(page, uniqueEmail("payer"), "Shop");
  await openHydrated(page, "/account/payment-methods");
  await expect(page.getByText("No payment method yet.")).toBeVisible();
  const addCard = page.getByRole("region", { name: "Add a card" });

  // Inline errors: a mistyped number and a past expiry.
  await addCard.getByLabel("Card number").fill("4242 4242 4242 4241");
  await addCard.getByLabel("Expiry (MM/YY)").fill("01/20");
  await addCard.getByLabel("Security code").fill("123");
  await addCard.getByLabel("Name on card").fill("Sato Hana");
  await addCard.getByRole("button", { name: "Add card" }).click();
  await expect(addCard.getByText("This card number is not valid. Check it for typing mistakes.").first()).toBeVisible();
  await expect(addCard.getByText("This card has expired.")).toBeVisible();
  await expect(addCard.getByLabel("Card number")).toHaveValue("4242 4242 4242 4241");

  // A credit card.
  await addCard.getByLabel("Card number").fill("4242 4242 4242 4242");
  await addCard.getByLabel("Expiry (MM/YY)").fill("12/30");
  await addCard.getByRole("button", { name: "Add card" }).click();
  const methods = page.getByRole("region", { name: "Your methods" });
  await expect(methods.getByText("Visa credit card •••• 4242", { exact: true })).toBeVisible();
  await expect(methods.getByText("Default", { exact: true })).toBeVisible();
  // Nothing of the saved card is left in the page.
  await expect(addCard.getByLabel("Card number")).toHaveValue("");
  await expect(addCard.getByLabel("Security code")).toHaveValue("");

  // The same card again is refused, saying which one it is.
  await addCard.getByLabel("Card number").fill("4242 4242 4242 4242");
  await addCard.getByLabel("Expiry (MM/YY)").fill("12/30");
  await addCard.getByLabel("Security code").fill("123");
  await addCard.getByLabel("Name on card").fill("Sato Hana");
  await addCard.getByRole("button", { name: "Add card" }).click();
  await expect(addCard.getByText("This card is already saved: Visa credit card •••• 4242.")).toBeVisible();

  // A debit card.
  await addCard.getByLabel("Debit card").check();
  await addCard.getByLabel("Card number").fill("5555 5555 5555 4444");
  await addCard.getByLabel("Expiry (MM/YY)").fill("06/29");
  await addCard.getByLabel("Security code").fill("321");
  await addCard.getByLabel("Name on card").fill("Sato Hana");
  await addCard.getByRole("button", { name: "Add card" }).click();
  await expect(methods.getByText("Mastercard debit card •••• 4444", { exact: true })).toBeVisible();

  // A wallet, after a wrongly formatted account.
  const addWallet = page.getByRole("region", { name: "Add a wallet" });
  await addWallet.getByLabel("Wallet", { exact: true }).selectOption({ label: "GCash" });
  await addWallet.getByLabel("Wallet account").fill("12345");
  await addWallet.getByRole("button", { name: "Add wallet" }).click();
  await expect(addWallet.getByText(/Enter your GCash mobile number/)).toBeVisible();
  await addWallet.getByLabel("Wallet account").fill("0917 123 4567");
  await addWallet.getByRole("button", { name: "Add wallet" }).click();
  await expect(methods.getByText("GCash +63•••4567", { exact: true })).toBeVisible();

  // The debit card becomes the default; the credit card is removed.
  await methods.getByRole("button", { name: "Make Mastercard debit card •••• 4444 the default" }).click();
  await expect(methods.locator(".method").first()).toContainText("Mastercard debit card •••• 4444");
  await expect(methods.locator(".method").first()).toContainText("Default");
  // Removing asks first (issue 17).
  await methods.getByRole("button", { name: "Remove Visa credit card •••• 4242" }).click();
  const ask = page.getByRole("dialog", { name: "Remove Visa credit card •••• 4242?" });
  await expect(ask).toBeVisible();
  await ask.getByRole("button", { name: "Confirm" }).click();
  await expect(methods.getByText("Visa credit card •••• 4242", { exact: true })).toHaveCount(0);
  await expect(methods.locator(".method")).toHaveCount(2);
  await expectNoSidewaysScroll(page);

  // Every change is in the account activity.
  await openHydrated(page, "/account");
  await expect(page.getByRole("cell", { name: "Payment method added" }).first()).toBeVisible();
  await expect(page.getByRole("cell", { name: "Payment method removed" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "Default payment method changed" })).toBeVisible();
});
