import { spawn, type ChildProcess } from "node:child_process";
import { expect, test, STAFF, merchantAndShopperWithOrder, openHydrated, signIn } from "./helpers";

test("both sides see the order change live: a new request, a payment, the badge and the toast", async ({ page, browser }) => {
  test.slow();
  const { merchant, number } = await merchantAndShopperWithOrder(browser, page);

  // The shopper keeps the order open; the merchant sends a payment request from the console.
  await openHydrated(page, `/orders/${number}`);
  await expect(page.getByText("Live", { exact: true })).toBeVisible();
  await openHydrated(merchant, `/merchant/orders/${number}`);
  await merchant.getByRole("button", { name: "Send payment request" }).click();
  await expect(page.getByText("The shop asks you to pay 1,500 JPY by")).toBeVisible();
  await expect(page.getByRole("link", { name: "Notifications, 1 unread" })).toBeVisible();

  // The merchant watches the console while the shopper pays: the row, the badge and a toast
  // change with no reload.
  await openHydrated(merchant, "/merchant/orders");
  const row = merchant.getByRole("row").filter({ has: merchant.getByRole("link", { name: number, exact: true }) });
  await expect(row.getByText("Awaiting payment")).toBeVisible();
  await expect(merchant.getByText("Live", { exact: true })).toBeVisible();
  // (The channel's opening refetches everything once: let that settle first.)
  await merchant.waitForTimeout(500);
  // What the console asks the server for while the payment arrives.
  const asked: string[] = [];
  merchant.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith("/api/")) asked.push(path);
  });
  await page.getByRole("link", { name: "Pay now" }).click();
  await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
  await expect(page.getByText("Payment received — your order is paid.")).toBeVisible();

  await expect(merchant.getByRole("status").filter({ hasText: `Payment received: order ${number} — 1,500 JPY` })).toBeVisible();
  await expect(row.getByText("Paid", { exact: true })).toBeVisible();
  await expect(merchant.getByRole("link", { name: "Notifications, 1 unread" })).toBeVisible();
  // One payment is two events for the merchant (the order turned paid, "payment received"):
  // each open resource refetches once for the burst, not once per event.
  await merchant.waitForTimeout(1000);
  expect(asked.filter((p) => p === "/api/console_orders")).toHaveLength(1);
  expect(asked.filter((p) => p === "/api/unread_notifications")).toHaveLength(1);
  await merchant.context().close();
});

/** A second server instance on its own port, against the same database: it can be stopped and
 * started again while a browser is connected to it. */
class Instance {
  private child?: ChildProcess;
  constructor(readonly port: number) {}
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }
  async start() {
    this.child = spawn("./target/debug/paydesk", [], {
      cwd: "..",
      stdio: "ignore",
      env: {
        ...process.env,
        DATABASE_URL: process.env.PAYDESK_E2E_DATABASE_URL ?? process.env.DATABASE_URL,
        LEPTOS_OUTPUT_NAME: "paydesk",
        LEPTOS_SITE_ROOT: "target/site",
        LEPTOS_SITE_PKG_DIR: "pkg",
        LEPTOS_SITE_ADDR: `127.0.0.1:${this.port}`,
        RUST_LOG: "warn",
        PAYDESK_STAFF_EMAIL: STAFF.email,
        PAYDESK_STAFF_PASSWORD: STAFF.password,
      },
    });
    await expect(async () => {
      const res = await fetch(`${this.url}/healthz`);
      expect(res.status).toBe(200);
    }).toPass({ timeout: 30_000, intervals: [250] });
  }
  async stop() {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
}

test("the console shows the channel is down while its server restarts, then catches up", async ({ page, browser }, info) => {
  test.slow();
  const { merchant, number, merchantEmail } = await merchantAndShopperWithOrder(browser, page);
  await merchant.context().close();
  const port = Number(process.env.PAYDESK_E2E_PORT ?? 3900) + 100 + info.workerIndex * 2 + (info.project.name === "phone" ? 1 : 0);
  const second = new Instance(port);
  await second.start();
  try {
    // The merchant's console is served by the second instance; the shopper uses the first.
    const context = await browser.newContext({ baseURL: second.url });
    const console = await context.newPage();
    await signIn(console, merchantEmail);
    await expect(console.getByRole("banner").getByRole("button", { name: "Sign out", includeHidden: true })).toBeAttached();
    await openHydrated(console, "/merchant/orders");
    const row = console.getByRole("row").filter({ has: console.getByRole("link", { name: number, exact: true }) });
    await expect(row.getByText("Awaiting payment")).toBeVisible();
    await expect(console.getByText("Live", { exact: true })).toBeVisible();

    await second.stop();
    await expect(console.getByText("Reconnecting…")).toBeVisible();

    // While it is down, the shopper pays.
    await openHydrated(page, `/orders/${number}/pay`);
    await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
    await expect(page.getByText("Payment received — your order is paid.")).toBeVisible();

    // Back up: the console reconnects by itself and catches up on what it missed.
    await second.start();
    await expect(console.getByText("Live", { exact: true })).toBeVisible({ timeout: 20_000 });
    await expect(row.getByText("Paid", { exact: true })).toBeVisible();
    await expect(console.getByRole("link", { name: "Notifications, 1 unread" })).toBeVisible();
    await context.close();
  } finally {
    await second.stop();
  }
});
