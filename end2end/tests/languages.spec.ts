import { expect, test, STAFF, foldMenu, menu, bindCard, expectNoEnglish, merchantAndShopperWithOrder, openHydrated, openShopWithProducts, signIn, signUp, uniqueEmail } from "./helpers";

/** What the shop helpers type in English: product titles, descriptions and an address. */
const TYPED = ["Sencha <b>green</b>", "Matcha whisk", "Sato Hana", "1-2-3 Shibuya", "Tokyo", "SF1234567890"];

test.describe("in Simplified Chinese, from the browser's language", () => {
  // And on a clock in China: times show in the browser's zone once it has told the server.
  test.use({ locale: "zh-CN", timezoneId: "Asia/Shanghai" });

  test("a shopper checks out and pays, reading and finding everything in Chinese", async ({ page, browser }) => {
    test.slow();
    const shopName = await openShopWithProducts(browser);
    await signUp(page, uniqueEmail("zh"), "Shop");
    await bindCard(page, "4242 4242 4242 4242");
    await expect(page.getByRole("heading", { level: 1, name: "支付方式" })).toBeVisible();
    await expectNoEnglish(page, TYPED);

    await openHydrated(page, "/");
    await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
    await expect(page.getByRole("banner").getByRole("link", { name: "购物车" })).toBeVisible();
    await menu(page);
    await expect(page.getByRole("navigation", { name: "买家导航" }).getByRole("link", { name: "我的订单" })).toBeVisible();
    await foldMenu(page);
    await expectNoEnglish(page, TYPED);
    await page.getByRole("link", { name: shopName }).click();
    await expect(page.getByRole("heading", { level: 1, name: shopName })).toBeVisible();
    await expectNoEnglish(page, TYPED);
    await page.getByRole("link", { name: "Sencha <b>green</b>", exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Sencha <b>green</b>" })).toBeVisible();
    await expectNoEnglish(page, TYPED);
    await page.getByLabel("数量").fill("1");
    await page.getByRole("button", { name: "加入购物车" }).click();
    await expect(page.getByText("已加入购物车。")).toBeVisible();

    await openHydrated(page, "/cart");
    await expect(page.getByRole("heading", { level: 1, name: "我的购物车" })).toBeVisible();
    await expectNoEnglish(page, TYPED);
    await page.getByRole("link", { name: "去结算" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "确认订单" })).toBeVisible();
    await expectNoEnglish(page, TYPED);
    await page.getByLabel("收货人").fill("佐藤 花");
    await page.getByLabel("手机号码").fill("12");
    await page.getByLabel("详细地址").fill("渋谷 1-2-3");
    await page.getByLabel("城市").fill("东京");
    await page.getByLabel("邮政编码").fill("150-0002");
    await page.getByLabel("国家或地区").selectOption({ label: "日本" });
    // The server's refusal of a field is worded in the reader's language, next to the field.
    await page.getByRole("button", { name: "提交订单" }).click();
    await expect(page.getByText("请输入 7 到 15 位数字的电话号码。")).toBeVisible();
    await expect(page.getByLabel("手机号码")).toHaveAttribute("aria-invalid", "true");
    await expectNoEnglish(page, TYPED);
    await page.getByLabel("手机号码").fill("+81 90 1234 5678");
    await page.getByRole("button", { name: "提交订单" }).click();
    await expect(page.getByRole("heading", { level: 1, name: /^订单 PD-/ })).toBeVisible();
    const number = (await page.getByRole("heading", { level: 1 }).textContent())!.replace(/^订单 /, "");
    await expect(page.getByText("付款截止：")).toBeVisible();
    await expect(page.getByText("您提交了订单")).toBeVisible();
    await expect(page.getByRole("listitem").filter({ hasText: "您提交了订单" }).locator("time")).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC\+8$/);
    await expectNoEnglish(page, TYPED);

    await page.getByRole("link", { name: "立即付款" }).click();
    await expect(page.getByRole("heading", { level: 1, name: `支付订单 ${number}` })).toBeVisible();
    await expect(page.getByText("待付款", { exact: true })).toBeVisible();
    await expectNoEnglish(page, TYPED);
    await page.getByRole("button", { name: "支付 JP¥1,500" }).click();
    await expect(page.getByText("支付成功，订单已付款。")).toBeVisible();
    await expect(page.getByText("待发货", { exact: true })).toBeVisible();
    await expectNoEnglish(page, TYPED);

    // After-sales: asking for a refund before shipment, its status, deadline and history.
    await openHydrated(page, `/orders/${number}`);
    const askForm = page.getByRole("region", { name: "申请退款" });
    await expect(askForm.getByLabel("仅退款")).toBeChecked();
    await askForm.getByLabel("退款原因").selectOption({ label: "拍错了" });
    await askForm.getByRole("button", { name: "提交申请" }).click();
    const afterSales = page.getByRole("region", { name: "退款/售后" });
    await expect(afterSales.getByText("等待商家处理")).toBeVisible();
    await expect(afterSales.getByText("商家处理截止")).toBeVisible();
    await expectNoEnglish(page, [...TYPED, "PNG", "JPEG", "WebP", "MB"]);

    // The account page: its facts, activity and safety sections.
    await openHydrated(page, "/account");
    await expect(page.getByRole("heading", { level: 1, name: "我的账号" })).toBeVisible();
    await expect(page.getByRole("cell", { name: "添加支付方式" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "修改密码" })).toBeVisible();
    await expectNoEnglish(page, TYPED);

    // Support: reporting a problem about the order, and the list of tickets.
    await openHydrated(page, `/support/new?order=${number}`);
    await expect(page.getByRole("heading", { level: 1, name: "反馈问题" })).toBeVisible();
    await page.getByLabel("问题类型").selectOption({ label: "金额不对" });
    await page.getByLabel("发生了什么？").fill("扣款金额和订单不一致。");
    await page.getByRole("button", { name: "提交给客服" }).click();
    await expect(page.getByRole("heading", { level: 2, name: "沟通记录" })).toBeVisible();
    await expect(page.getByText("待处理", { exact: true })).toBeVisible();
    await expectNoEnglish(page, TYPED);
  });
});

test("the header's switch turns the page to Chinese and back, and remembers it", async ({ page }) => {
  await openHydrated(page, "/signin?from=here");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await menu(page);
  await page.getByRole("navigation", { name: "Language" }).getByRole("link", { name: "简体中文" }).click();
  await expect(page).toHaveURL(/\/signin\?from=here$/);
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await menu(page);
  await expect(page.getByRole("link", { name: "我的订单" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "语言" }).getByRole("link", { name: "简体中文" })).toHaveAttribute("aria-current", "true");
  // Remembered: another page comes in Chinese too.
  await openHydrated(page, "/");
  await expect(page.getByRole("link", { name: "购物车" })).toBeVisible();
  await menu(page);
  await page.getByRole("navigation", { name: "语言" }).getByRole("link", { name: "English" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await menu(page);
  await expect(page.getByRole("link", { name: "My orders" })).toBeVisible();
});

test("a merchant who switched to Chinese collects: request, live payment, shipping", async ({ page, browser }) => {
  test.slow();
  const { merchant, number } = await merchantAndShopperWithOrder(browser, page);
  await openHydrated(merchant, "/merchant/orders");
  await menu(merchant);
  await merchant.getByRole("navigation", { name: "Language" }).getByRole("link", { name: "简体中文" }).click();
  await expect(merchant.getByRole("heading", { level: 1, name: "订单管理" })).toBeVisible();
  await expect(merchant.getByRole("navigation", { name: "订单状态" }).getByRole("link", { name: /^待付款/ })).toBeVisible();
  const row = merchant.getByRole("row").filter({ has: merchant.getByRole("link", { name: number, exact: true }) });
  await expect(row.getByText("待付款", { exact: true })).toBeVisible();
  await expect(row.getByText("在线支付", { exact: true })).toBeVisible();
  await expectNoEnglish(merchant, TYPED);

  await row.getByRole("link", { name: number, exact: true }).click();
  await expect(merchant.getByRole("heading", { level: 1, name: `订单 ${number}` })).toBeVisible();
  await merchant.getByLabel("付款时限（分钟）").fill("30");
  await merchant.getByRole("button", { name: "发送收款请求" }).click();
  await expect(merchant.getByText(/^收款请求已发送：买家须在 .+ 前付款。$/)).toBeVisible();
  await expect(merchant.getByText(/ — 您发起了收款请求（请于 .+ 前付款）$/)).toBeVisible();
  await expectNoEnglish(merchant, TYPED);

  // The shopper (in English) pays; the merchant's page turns 待发货 by itself.
  await openHydrated(page, `/orders/${number}/pay`);
  await page.getByRole("button", { name: "Pay 1,500 JPY" }).click();
  await expect(page.getByText("Payment received — your order is paid.")).toBeVisible();
  await expect(merchant.getByText("待发货", { exact: true })).toBeVisible();

  await merchant.getByLabel("快递公司").fill("顺丰速运");
  await merchant.getByLabel("运单号").fill("SF1234567890");
  await merchant.getByRole("button", { name: "标记为已发货" }).click();
  await expect(merchant.getByText("已发货", { exact: true })).toBeVisible();
  await expect(merchant.getByText("顺丰速运 SF1234567890").first()).toBeVisible();
  await expect(merchant.getByText("您将订单从待发货改为已发货（顺丰速运 SF1234567890）")).toBeVisible();
  await expectNoEnglish(merchant, TYPED);
  await merchant.context().close();
});

test.describe("a merchant whose browser reads Chinese", () => {
  test.use({ locale: "zh-CN" });

  test("applies for a shop, is approved and lists a product, all in Chinese", async ({ page, browser }) => {
    test.slow();
    const suffix = Math.random().toString(36).slice(2, 7);
    await signUp(page, uniqueEmail("zh-merchant"), "Sell as a merchant");
    await expect(page.getByRole("heading", { level: 1, name: "商家资质认证" })).toBeVisible();
    await page.getByLabel("企业名称").fill(`东京茶屋株式会社 ${suffix}`);
    await page.getByLabel("营业执照注册号").fill("JP-1234-5678");
    await page.getByLabel("国家或地区").selectOption({ label: "日本" });
    await page.getByLabel("联系电话").fill("+81 3 1234 5678");
    await page.getByLabel("经营类目").selectOption({ label: "食品饮料" });
    await page.getByLabel("店铺名称").fill(`东京茶屋 ${suffix}`);
    await page.getByRole("button", { name: "提交审核" }).click();
    await expect(page.getByText("审核中", { exact: true }).first()).toBeVisible();
    await expectNoEnglish(page, ["JP-1234-5678", suffix]);

    // Platform staff who read Chinese review it in Chinese: the queue, the review, the
    // server's refusal of a too-short reason, the approval.
    const staffContext = await browser.newContext({ locale: "zh-CN" });
    const staff = await staffContext.newPage();
    await signIn(staff, STAFF.email, STAFF.password);
    await expect(staff.getByRole("heading", { level: 1, name: "商家资质审核" })).toBeVisible();
    const business = `东京茶屋株式会社 ${suffix}`;
    const typed = [business, `东京茶屋 ${suffix}`, "JP-1234-5678"];
    await expectNoEnglish(staff, typed);
    await staff.getByRole("link", { name: business }).click();
    await expect(staff.getByRole("heading", { name: "审核决定" })).toBeVisible();
    await staff.waitForSelector("#app[data-hydrated=true]");
    await staff.getByLabel("驳回原因").fill("no");
    await staff.getByRole("button", { name: "驳回" }).click();
    await expect(staff.getByText("请告诉商家需要修改的内容（至少 5 个字符）。")).toBeVisible();
    await expectNoEnglish(staff, typed);
    await staff.getByRole("button", { name: "通过" }).click();
    await expect(staff.getByText("已通过", { exact: true }).first()).toBeVisible();
    await expectNoEnglish(staff, typed);
    await staffContext.close();

    // The decision arrives live; then the products page, in Chinese too.
    await expect(page.getByText("已通过", { exact: true }).first()).toBeVisible();
    await openHydrated(page, "/merchant/products");
    await expect(page.getByRole("heading", { level: 1, name: "商品管理" })).toBeVisible();
    await page.getByLabel("商品名称").fill("煎茶");
    await page.getByLabel("价格（JPY）").fill("1500");
    await page.getByLabel("库存").fill("5");
    await page.getByRole("button", { name: "保存商品" }).click();
    await expect(page.getByRole("cell", { name: "煎茶", exact: true })).toBeVisible();
    // On a phone the cell is a card line that names its column first ("状态 在售").
    await expect(page.getByRole("cell", { name: /(^|\s)在售$/ })).toBeVisible();
    await expectNoEnglish(page, [suffix]);
  });
});
