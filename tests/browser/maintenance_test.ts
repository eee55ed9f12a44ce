/// <reference lib="dom" />
/**
 * Maintenance windows on the status page in headless Chromium, served by `checkup serve` from fs storage
 * and hosted statically: API (group Core) is down under an ad hoc window started from the storage, a
 * config window is scheduled. Screenshots go to out/screenshots/maintenance-*.png.
 */
import assert from "node:assert/strict";
import { nowNs, type Result } from "../../result.ts";
import { byEndpoint } from "../../status/quorum_rules.js";
import type { MaintenanceRule } from "../../config/maintenance.ts";
import type { Page } from "playwright-core";
import { MaintenanceStore } from "../../maintenance/store.ts";
import { openStorage } from "../serve_fixture.ts";
import * as b from "./_browser.ts";

const { exportAndServe, launchChromium, open, phoneAndDark, serveStorage, shot, summarizingStorage } = b;
const available = b.chromiumAvailable();
const ORDER = ["Website", "API", "Queue", "Blog"];
const GROUP_OF: Record<string, string> = { API: "Core", Queue: "Core" };
const MIN = 60_000;

function round(at: number, now: number): Result[] {
  return ORDER.map((title): Result => {
    const down = title === "API" && at > now - 20 * MIN;
    return {
      title,
      endpoint: `https://${title.toLowerCase()}.example.com/`,
      timestamp: BigInt(at) * 1_000_000n,
      times: [down ? { rtt: 0, error: "response status 503 Service Unavailable" } : { rtt: 40e6 }],
      ...(down ? { down: true } : { healthy: true }),
    };
  });
}

Deno.test({
  name:
    "maintenance: covered cards in their own colour with the window, open and upcoming windows, in Chromium",
  ignore: !available,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "checkup-page-maintenance-" });
    const storage = openStorage({ type: "fs", dir: `${dir}/site/checks` });
    const now = Number(nowNs() / 1_000_000n);
    const summarizing = summarizingStorage(storage);
    for (let k = 12; k >= 0; k--) await summarizing.store(round(now - k * 5 * MIN, now));
    const store = MaintenanceStore.of(storage, "ops");
    await store.start({
      title: "Database upgrade",
      about: ["API"],
      start: now - 30 * MIN,
      end: now + 45 * MIN,
      message: "Upgrading to **PostgreSQL 17**; the API may answer *503* meanwhile.",
    }, now);
    const rules: MaintenanceRule[] = [{
      title: "Network switch replacement",
      about: ["Core"],
      start: now + 2 * 24 * 60 * MIN,
      duration: 90 * MIN,
      message: "Queue and API are moved to the new switch.",
    }];
    const live = await serveStorage({
      reader: storage,
      title: "Acme status",
      order: ORDER,
      refresh: 1,
      groups: byEndpoint(Object.entries(GROUP_OF).map(([title, value]) => ({ title, value }))),
      maintenance: rules,
    });
    const browser = await launchChromium();
    try {
      const { page, problems } = await open(browser, `${live.base}/`);
      await page.waitForSelector("#maintenance:not([hidden])");

      await t.step(
        "the covered card says maintenance, with the window, its end and what the checks say",
        async () => {
          assert.equal(await page.getAttribute("#ep-api", "class"), "card maintenance");
          assert.equal(await page.textContent("#ep-api .pill"), "Maintenance");
          const note = (await page.textContent("#ep-api .maintenance-note"))!;
          assert.match(note, /^Under maintenance: Database upgrade, until .+ · checks say down/);
          assert.match(note, /Upgrading to PostgreSQL 17/);
          assert.equal(
            await page.locator("#ep-api .maintenance-note strong", { hasText: "PostgreSQL 17" }).count(),
            1,
          );
          assert.match((await page.textContent("#ep-api .sub"))!, /Uptime \S+ \(excl\. maintenance\)/);
          // The bar shows the slots of the window in its colour, and its text says so.
          assert.match(
            (await page.getAttribute("#ep-api svg.bar", "aria-label"))!,
            /: \d+ in maintenance[,.]/,
          );
          assert.equal(await page.locator("#ep-api svg.bar path.s-maintenance").count(), 1);
          assert.equal(await page.getAttribute("#ep-queue", "class"), "card healthy");
          assert.equal(await page.getAttribute("#grp-0", "class"), "group maintenance");
          assert.match((await page.textContent("#timeline"))!, /API is down\s*ongoing\s*under maintenance/i);
          assert.match(
            (await page.textContent("#grp-0 .group-uptime"))!,
            /^100% uptime \(excl\. maintenance\)$/,
          );
          assert.equal(await page.textContent("#overall-text"), "1 service is under maintenance");
          assert.equal(await page.getAttribute("#overall", "class"), "banner maintenance");
          // Not colour alone: the word, and a dashed edge.
          assert.equal(
            await page.evaluate(() => getComputedStyle(document.querySelector("#ep-api")!).borderLeftStyle),
            "dashed",
          );
        },
      );

      await t.step("open and upcoming windows are listed", async () => {
        const items = await page.locator("#maintenance-list > li").allTextContents();
        assert.equal(items.length, 2);
        assert.match(items[0], /^In progress Database upgrade\s*Until .+ · Affects API/);
        assert.match(items[1], /^Scheduled Network switch replacement\s*.+ to .+ · Affects Core/);
        await shot(page, "maintenance-desktop");
      });

      await t.step("phone and dark", async () => {
        const ready = (p: Page) => p.waitForSelector("#maintenance:not([hidden])");
        assert.deepEqual(
          await phoneAndDark(browser, `${live.base}/`, "maintenance", ".maintenance-note", ready),
          [],
        );
      });

      assert.deepEqual(problems, []);

      await t.step("hosted statically: the windows come from config.json", async () => {
        const windows = (await store.list(now)).windows;
        const site = await exportAndServe(`${dir}/site`, {
          groups_by_title: GROUP_OF,
          maintenance: { rules, windows },
        }, ["checks/_state/summary.json"]);
        try {
          const still = await open(browser, `${site.base}/`);
          await still.page.waitForSelector("#maintenance:not([hidden])");
          assert.equal(await still.page.getAttribute("#ep-api", "class"), "card maintenance");
          assert.equal(await still.page.locator("#maintenance-list > li").count(), 2);
          assert.deepEqual(still.problems, []);
        } finally {
          await site.close();
        }
      });
    } finally {
      await browser.close();
      await live.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
