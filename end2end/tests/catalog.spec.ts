import { deflateSync } from "node:zlib";
import { expect, test, expectNoSidewaysScroll, openHydrated, openShop, signIn } from "./helpers";

/** A PNG of a given size in one colour, made here (no image file in the repository). */
function png(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (kind: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(kind, "ascii"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set([46, 125, 50], 1 + x * 3);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(pixels)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

test("a shopper searches a shop and finds a product; a product without a photo shows a placeholder", async ({ page, browser }) => {
  const { shopName } = await openShop(browser);
  await openHydrated(page, "/");
  await page.getByRole("link", { name: shopName }).click();
  await expect(page.getByRole("heading", { level: 1, name: shopName })).toBeVisible();

  // Neither product has a photo: each card shows the placeholder (drawn in CSS, no request).
  const whisk = page.getByRole("listitem").filter({ has: page.getByRole("link", { name: "Matcha whisk", exact: true }) });
  await expect(whisk.getByRole("img", { name: "No photo yet" })).toBeVisible();
  await expect(whisk.getByText("2,200 JPY")).toBeVisible();
  await expect(whisk.getByText("1 in stock")).toBeVisible();
  await expectNoSidewaysScroll(page);

  // Any case; only this shop's products.
  const search = page.getByRole("search");
  await search.getByLabel("Search this shop").fill("MATCHA");
  await search.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\?q=MATCHA$/);
  await expect(page.getByRole("status").filter({ hasText: "Results for “MATCHA”: 1" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Matcha whisk", exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "Sencha <b>green</b>", exact: true })).toHaveCount(0);

  // % is taken literally.
  await search.getByLabel("Search this shop").fill("100%");
  await search.getByLabel("Search this shop").press("Enter");
  await expect(page.getByText("No products match “100%”.")).toBeVisible();
  await page.getByRole("link", { name: "Show all products" }).click();
  await expect(page.getByRole("link", { name: "Sencha <b>green</b>", exact: true })).toBeVisible();

  // The whole card is a link to the product.
  await whisk.click();
  await expect(page.getByRole("heading", { level: 1, name: "Matcha whisk" })).toBeVisible();
  await expect(page.getByRole("img", { name: "No photo yet" })).toBeVisible();
});

test("the search works before any JavaScript runs", async ({ browser }) => {
  const { shopName } = await openShop(browser);
  const context = await browser.newContext({ javaScriptEnabled: false, locale: "en-US" });
  const page = await context.newPage();
  await page.goto("/");
  await page.getByRole("link", { name: shopName }).click();
  await page.getByRole("search").getByLabel("Search this shop").fill("sencha");
  await page.getByRole("search").getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("Results for “sencha”: 1")).toBeVisible();
  await expect(page.getByRole("link", { name: "Sencha <b>green</b>", exact: true })).toBeVisible();

  // Across shops, from the home page.
  await page.goto("/");
  await page.getByRole("search").getByLabel("Search all shops").fill("matcha WHISK");
  await page.getByRole("search").getByRole("button", { name: "Search" }).click();
  await expect(page.getByRole("link", { name: "Matcha whisk", exact: true }).first()).toBeVisible();
  await context.close();
});

test("a product photo leads its card and its page, at a width that fits", async ({ page, browser }) => {
  const { shopName, merchantEmail } = await openShop(browser);
  const merchantContext = await browser.newContext({ locale: "en-US" });
  const merchant = await merchantContext.newPage();
  await signIn(merchant, merchantEmail);
  await openHydrated(merchant, "/merchant/products");
  await merchant.getByRole("button", { name: "Edit Sencha <b>green</b>" }).click();
  await merchant.getByLabel("Product image (PNG, JPEG or WebP, up to 2 MB)").setInputFiles({
    name: "sencha.png",
    mimeType: "image/png",
    buffer: png(1200, 900),
  });
  await merchant.getByRole("button", { name: "Upload image" }).click();
  await expect(merchant).toHaveURL(/\/merchant\/products$/);
  await merchantContext.close();

  await openHydrated(page, "/");
  await page.getByRole("link", { name: shopName }).click();
  const card = page.getByRole("listitem").filter({ has: page.getByRole("link", { name: "Sencha <b>green</b>", exact: true }) });
  const thumbnail = card.getByRole("img", { name: "Sencha <b>green</b>" });
  await expect(thumbnail).toHaveAttribute("loading", "lazy");
  await expect(thumbnail).toHaveAttribute("srcset", /w=240 240w, .*w=480 480w, .*w=960 960w/);
  await thumbnail.scrollIntoViewIfNeeded();
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBeGreaterThan(0);
  // The browser chose one of the resized widths for the card's size and the screen's density.
  expect(await thumbnail.evaluate((img: HTMLImageElement) => img.currentSrc)).toMatch(/\/images\/products\/\d+\?v=1&w=(240|480|960)$/);

  await card.click();
  const photo = page.getByRole("img", { name: "Sencha <b>green</b>" });
  await expect(photo).toHaveAttribute("loading", "eager");
  await expect.poll(() => photo.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBeGreaterThan(0);
  await expectNoSidewaysScroll(page);
});
