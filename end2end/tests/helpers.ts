import { expect, type Page } from "@playwright/test";

/** Opens a page and waits until the WASM app has hydrated it (an Effect sets the marker). */
export async function openHydrated(page: Page, path: string) {
  const response = await page.goto(path);
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "true");
  return response;
}

/** The layout must fit the viewport: nothing scrolls sideways, on a phone least of all. */
export async function expectNoSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
}
