import { defineConfig, devices } from "@playwright/test";
import { STAFF } from "./tests/helpers";

// The server under test: the debug build made by `cargo leptos build` (or, with
// PAYDESK_E2E_SERVER=./target/release/paydesk, the release build: `./paydesk test-release`),
// started from the repository root against the database that `./paydesk test` created.
const port = Number(process.env.PAYDESK_E2E_PORT ?? 3900);
const baseURL = `http://127.0.0.1:${port}`;
const databaseUrl = process.env.PAYDESK_E2E_DATABASE_URL ?? process.env.DATABASE_URL;
if (!databaseUrl) {
  throw new Error("Set PAYDESK_E2E_DATABASE_URL (./paydesk test does) to the database the server should use.");
}

// Debian's Chromium, never a downloaded browser. The background-networking flags keep it from
// calling out of this closed network.
const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

const CLOCK_SPECS = /settlement\.spec\.ts/;

export default defineConfig({
  testDir: "./tests",
  // Whole flows with two or three people in them; a loaded 2-core machine runs them 2–3× slower
  // than an idle one, so the budget is generous. The expectations' own 10 s stay as they are.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
  },
  projects: [
    { name: "desktop", testIgnore: CLOCK_SPECS, use: { ...devices["Desktop Chrome"], launchOptions } },
    { name: "phone", testIgnore: CLOCK_SPECS, use: { ...devices["Pixel 7"], launchOptions } },
    // Specs that move the platform's test clock forward (settlement, payouts) would make every
    // other test's deadlines pass: they run alone, one after the other, once all others ended.
    {
      name: "clock",
      testMatch: CLOCK_SPECS,
      dependencies: ["desktop", "phone"],
      fullyParallel: false,
      use: { ...devices["Desktop Chrome"], launchOptions },
    },
  ],
  webServer: {
    command: process.env.PAYDESK_E2E_SERVER ?? "./target/debug/paydesk",
    cwd: "..",
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      DATABASE_URL: databaseUrl,
      LEPTOS_OUTPUT_NAME: "paydesk",
      // The site the build wrote (debug and release builds share target/site: measuring one
      // build while another is made needs a copy of it elsewhere).
      LEPTOS_SITE_ROOT: process.env.PAYDESK_E2E_SITE_ROOT ?? "target/site",
      LEPTOS_SITE_PKG_DIR: "pkg",
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      RUST_LOG: process.env.RUST_LOG ?? "warn",
      PAYDESK_STAFF_EMAIL: STAFF.email,
      PAYDESK_STAFF_PASSWORD: STAFF.password,
      // Short payment-request deadlines and a worker that runs every second, so that the
      // expiry test waits one minute, not five.
      PAYDESK_REQUEST_MIN_MINUTES: "1",
      PAYDESK_WORKER_INTERVAL_SECONDS: "1",
      // A refund request nobody answers is approved after two minutes (not 48 hours), so the
      // auto-approval test waits two minutes; the tests that answer do so well within them.
      PAYDESK_REFUND_ANSWER_MINUTES: "2",
    },
  },
});
