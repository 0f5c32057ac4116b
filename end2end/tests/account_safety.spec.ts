import { expect, test, PASSWORD, openHydrated, signIn, signUp, uniqueEmail } from "./helpers";

test("a shopper sees where they are signed in, signs out elsewhere and changes the password", async ({ page, browser }) => {
  const email = uniqueEmail("safety");
  await signUp(page, email, "Shop");
  const other = await browser.newContext();
  const elsewhere = await other.newPage();
  await signIn(elsewhere, email);
  await expect(elsewhere.getByRole("banner").getByRole("button", { name: "Sign out", includeHidden: true })).toBeAttached();

  await openHydrated(page, "/account");
  const sessions = page.getByRole("region", { name: "Where you are signed in" });
  await expect(sessions.getByText("This device")).toBeVisible();
  await expect(sessions.getByText("Another device")).toBeVisible();
  await sessions.getByRole("button", { name: "Sign out everywhere else (1)" }).click();
  await expect(page.getByText("Signed out on 1 other device(s).")).toBeVisible();
  await expect(sessions.getByText("Another device")).toHaveCount(0);
  await openHydrated(elsewhere, "/account");
  await expect(elsewhere.getByText("Please sign in to continue.")).toBeVisible();
  await other.close();

  const form = page.getByRole("region", { name: "Change password" });
  await form.getByLabel("Current password").fill("not my password");
  await form.getByLabel("New password").fill("a brand new secret");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByText("That is not your current password.")).toBeVisible();
  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByLabel("New password").fill("a brand new secret");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed. Signed out on 0 other device(s).")).toBeVisible();
  await openHydrated(page, "/account");
  await expect(page.getByRole("cell", { name: "Password changed (other devices signed out)" })).toBeVisible();
});
