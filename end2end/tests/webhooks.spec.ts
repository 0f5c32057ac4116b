import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, openHydrated, openShop, signIn, menu, expectNoEnglish, expectNoSidewaysScroll } from "./helpers";

/** A local receiver: records each request (headers, raw body) and answers 200. */
async function receiver() {
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.writeHead(200, { "content-type": "text/plain" }).end("thanks");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/paydesk`;
  return { url, got, close: () => server.close() };
}

/** Checks `Paydesk-Signature: t=…,v1=…` as the README tells merchants to. */
function signedWith(secret: string, header: string, body: string) {
  const parts = header.split(",").map((p) => p.split("="));
  const t = parts.find(([k]) => k === "t")?.[1];
  const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
  return parts.some(([k, v]) => k === "v1" && v === expected);
}

test("a merchant registers a webhook endpoint, gets a signed test event, reads the log and sends it again", async ({ browser }) => {
  const hook = await receiver();
  try {
    const { merchantEmail } = await openShop(browser);
    const merchant = await (await browser.newContext({ locale: "en-US" })).newPage();
    await signIn(merchant, merchantEmail);
    await openHydrated(merchant, "/merchant/webhooks");
    await expect(merchant.getByRole("heading", { level: 1, name: "Webhooks" })).toBeVisible();

    const add = merchant.getByRole("region", { name: "Add an endpoint" });
    await add.getByRole("button", { name: "Add endpoint" }).click();
    await expect(add.getByText("Fill in this field.")).toBeVisible();
    await add.getByLabel("Address").fill("erp.example.com/hooks");
    await add.getByRole("button", { name: "Add endpoint" }).click();
    await expect(add.getByText("Enter the endpoint's full address, e.g. https://erp.example.com/paydesk.")).toBeVisible();
    await add.getByLabel("Address").fill(hook.url);
    await add.getByRole("checkbox", { name: /Order shipped/ }).check();
    await add.getByRole("checkbox", { name: /Order paid/ }).check();
    await add.getByRole("button", { name: "Add endpoint" }).click();
    await expect(merchant.getByText("Endpoint added.")).toBeVisible();
    const secret = await merchant.getByLabel("Signing secret").inputValue();
    expect(secret).toMatch(/^whsec_[a-z0-9]{32}$/);

    const endpoint = merchant.getByRole("region", { name: hook.url });
    await expect(endpoint).toContainText("Sends: Order paid, Order shipped");
    await expect(endpoint.getByRole("status")).toHaveText("On");
    await endpoint.getByRole("button", { name: "Send test event" }).click();

    // The receiver gets it, signed with the secret; the log follows without a reload.
    await expect.poll(() => hook.got.length, { timeout: 15_000 }).toBe(1);
    const first = hook.got[0];
    expect(JSON.parse(first.body).type).toBe("webhook.test");
    expect(signedWith(secret, String(first.headers["paydesk-signature"]), first.body)).toBe(true);
    const row = endpoint.getByRole("row").filter({ hasText: "webhook.test" });
    await expect(row).toContainText("Delivered", { timeout: 15_000 });
    await expect(row).toContainText("200 in");

    // Sent again by hand: the receiver gets the same event once more.
    await row.first().getByRole("button", { name: /^Send evt_test_\d+ again$/ }).click();
    await expect.poll(() => hook.got.length, { timeout: 15_000 }).toBe(2);
    expect(hook.got[1].body).toBe(first.body);
    await expect(endpoint.getByText("sent again by hand")).toBeVisible({ timeout: 15_000 });

    // The whole secret only when asked for; a new one shown once made.
    await expect(endpoint).toContainText(`Signing secret: ${secret.slice(0, 10)}…`);
    await endpoint.getByRole("button", { name: "Show signing secret" }).click();
    await expect(merchant.getByText(/^The signing secret of endpoint #\d+\.$/)).toBeVisible();
    expect(await merchant.getByLabel("Signing secret").inputValue()).toBe(secret);
    await endpoint.getByRole("button", { name: "New signing secret" }).click();
    await expect(merchant.getByText(/^New signing secret made\./)).toBeVisible();
    expect(await merchant.getByLabel("Signing secret").inputValue()).not.toBe(secret);
    await expect(endpoint.getByText(/^The previous secret also signs until /)).toBeVisible();

    // Turned off and on; deleted after confirming.
    await endpoint.getByRole("button", { name: "Turn off" }).click();
    await expect(endpoint.getByRole("status")).toHaveText("Turned off");
    await endpoint.getByRole("button", { name: "Turn on" }).click();
    await expect(endpoint.getByRole("status")).toHaveText("On");
    await expectNoSidewaysScroll(merchant);

    await merchant.getByRole("region", { name: hook.url }).getByRole("button", { name: "Delete" }).click();
    await merchant.getByRole("dialog").getByRole("button", { name: "Confirm" }).click();
    await expect(merchant.getByText("No endpoints yet.")).toBeVisible();

    // The same page in Chinese.
    await menu(merchant);
    await merchant.getByRole("navigation", { name: "Language" }).getByRole("link", { name: "简体中文" }).click();
    await expect(merchant.getByRole("heading", { level: 1, name: "事件通知" })).toBeVisible();
    await expect(merchant.getByText("还没有接收地址。")).toBeVisible();
    await expectNoEnglish(merchant);
  } finally {
    hook.close();
  }
});
