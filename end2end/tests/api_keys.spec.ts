import { expect, test, openHydrated, merchantAndShopperWithOrder, type Page } from "./helpers";

function region(page: Page, name: string) {
  return page.getByRole("region", { name, exact: true });
}

test("a merchant creates an API key, sees it once, uses it and revokes it", async ({ page, browser, request }) => {
  const { merchant, number } = await merchantAndShopperWithOrder(browser, page);
  await openHydrated(merchant, "/merchant/api-keys");
  const create = region(merchant, "Create a key");
  await create.getByRole("button", { name: "Create key" }).click();
  await expect(create.getByText("Fill in this field.")).toBeVisible();
  await create.getByLabel("Name").fill("Warehouse sync");
  await create.getByLabel("Read and write").check();
  await create.getByRole("button", { name: "Create key" }).click();
  await expect(create.getByText("Key “Warehouse sync” created.")).toBeVisible();
  const key = await create.getByLabel("The key").inputValue();
  expect(key).toMatch(/^pdk_[a-z0-9]{8}_[a-z0-9]{32}$/);
  const keys = region(merchant, "Your keys");
  const row = keys.getByRole("row").filter({ hasText: "Warehouse sync" });
  await expect(row).toContainText(`${key.slice(0, 12)}_…`);
  await expect(row).toContainText("never");

  // The key reads the shop's orders; the page lists the request.
  const answer = await request.get("/api/v1/orders", { headers: { Authorization: `Bearer ${key}` } });
  expect(answer.status()).toBe(200);
  expect((await answer.json()).data[0].number).toBe(number);
  await openHydrated(merchant, "/merchant/api-keys");
  await expect(region(merchant, "Latest requests").getByRole("row").filter({ hasText: "GET /api/v1/orders" })).toContainText("200");
  await expect(create.getByLabel("The key")).toHaveCount(0);

  // Revoked (asked first): refused at once.
  await region(merchant, "Your keys").getByRole("button", { name: "Revoke Warehouse sync" }).click();
  await merchant.getByRole("dialog").getByRole("button", { name: "Confirm" }).click();
  await expect(region(merchant, "Your keys").getByText(/^Revoked /)).toBeVisible();
  expect((await request.get("/api/v1/orders", { headers: { Authorization: `Bearer ${key}` } })).status()).toBe(401);
});
