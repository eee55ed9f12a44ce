/// <reference lib="dom" />
/**
 * Groups on the status page in headless Chromium: Website and Blog without a group, Payments (Cards down,
 * Wallet healthy: open, as it is not healthy) and Search (six healthy members: closed at first), served by
 * `checkup serve` from fs storage. Screenshots go to out/screenshots/groups-*.png.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { Result } from "../../result.ts";
import { exportPage } from "../../cli/serve.ts";
import {
  chromiumAvailable,
  launchChromium,
  open,
  PHONE,
  roundOf,
  serveDirectory,
  serveGrouped,
  shot,
  tabTo,
} from "./_browser.ts";

const available = chromiumAvailable();
const SEARCH = ["Index", "Query", "Suggest", "Crawler", "Ranker", "Spell"];
const ORDER = ["Website", "Cards", "Wallet", ...SEARCH, "Blog"];
const GROUP_OF: Record<string, string> = {
  Cards: "Payments",
  Wallet: "Payments",
  ...Object.fromEntries(SEARCH.map((t) => [t, "Search"])),
};

/** Waits until the page has drawn itself again (refresh: 1): the group's chevron is made anew each time. */
async function nextRender(page: Page): Promise<void> {
  await page.evaluate(() => ((document.querySelector("#grp-1 .chevron") as { old?: 1 }).old = 1));
  await page.waitForFunction(() => !(document.querySelector("#grp-1 .chevron") as { old?: 1 })?.old);
}

function round(at: number): Result[] {
  return roundOf(ORDER, at, (title) => title === "Cards" && at > Date.now() - 15 * 60_000);
}

Deno.test({
  name: "groups: collapsible sections with their worst status and uptime bar, by keyboard, in Chromium",
  ignore: !available,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "checkup-page-groups-" });
    const live = await serveGrouped(dir, "Acme status", ORDER, GROUP_OF, round, 13);
    const browser = await launchChromium();
    try {
      const { page, problems } = await open(browser, `${live.base}/`);

      await t.step("groups where their first member is, ungrouped cards as before", async () => {
        assert.deepEqual(
          await page.locator("#endpoints > li").evaluateAll((lis) => lis.map((li) => li.id)),
          ["ep-website", "grp-0", "grp-1", "ep-blog"],
        );
        assert.deepEqual(await page.locator("#endpoints > li.card h3").allTextContents(), [
          "Website",
          "Blog",
        ]);
        assert.equal(await page.getAttribute("#grp-0", "class"), "group down");
        assert.equal(await page.getAttribute("#grp-1", "class"), "group healthy");
        assert.deepEqual(await page.locator(".group-toggle .group-name").allTextContents(), [
          "Payments",
          "Search",
        ]);
        assert.deepEqual(await page.locator(".group-toggle .pill").allTextContents(), [
          "Down",
          "Operational",
        ]);
        assert.deepEqual(await page.locator("#grp-0 .group-list > li h4").allTextContents(), [
          "Cards",
          "Wallet",
        ]);
        assert.deepEqual(await page.locator("#grp-1 .group-list > li h4").allTextContents(), SEARCH);
        // Payments is not healthy: open. Search is healthy with more than five members: closed.
        assert.equal(await page.getAttribute("#grp-0 .group-toggle", "aria-expanded"), "true");
        assert.equal(await page.locator("#ep-cards").isVisible(), true);
        assert.equal(await page.getAttribute("#grp-1 .group-toggle", "aria-expanded"), "false");
        assert.equal(await page.locator("#ep-index").isVisible(), false);
        // The group's own bar: Cards' outage shows on it.
        assert.match(
          (await page.getAttribute("#grp-0 .group-bar svg.bar", "aria-label"))!,
          /^Uptime \d+(\.\d+)?% over the last 24 hours, 90 periods: \d+ with an outage/,
        );
        assert.equal(await page.locator("#grp-1 .group-bar svg.bar").isVisible(), true);
        assert.match(
          (await page.textContent("#grp-1 .group-toggle"))!,
          /Search\s*6 services\s*100(\.0+)?% uptime\s*Operational/,
        );
        assert.equal(await page.textContent("#overall-text"), "1 service is down");
      });

      await t.step("opened and closed by keyboard; the choice stays across a refresh", async () => {
        const search = "#grp-1 .group-toggle";
        assert.match(await page.locator(search).ariaSnapshot(), /button "Search 6 services .*Operational"$/m);
        await tabTo(page, search);
        await page.keyboard.press("Enter");
        await page.waitForSelector("#ep-index", { state: "visible" });
        assert.match(await page.locator(search).ariaSnapshot(), /\[expanded\]/);
        await nextRender(page);
        assert.equal(await page.getAttribute(search, "aria-expanded"), "true", "still open after a refresh");
        assert.equal(await page.locator("#ep-spell").isVisible(), true);
        assert.equal(
          await page.evaluate((s) => document.activeElement === document.querySelector(s), search),
          true,
          "the focus is kept across a refresh",
        );
        // The cards drawn while closed have a chart as wide as the others.
        const widths = await page.locator("#ep-index .chart, #ep-website .chart").evaluateAll((els) =>
          els.map((el) => el.getBoundingClientRect().width)
        );
        assert.ok(Math.abs(widths[0] - widths[1]) < 40, `chart widths ${widths}`);
        await page.keyboard.press("Space");
        await page.waitForSelector("#ep-index", { state: "hidden" });
        assert.equal(await page.getAttribute(search, "aria-expanded"), "false");
        await nextRender(page);
        assert.equal(
          await page.getAttribute(search, "aria-expanded"),
          "false",
          "still closed after a refresh",
        );
        // Payments closes too, by keyboard, and opens again.
        const payments = "#grp-0 .group-toggle";
        await tabTo(page, payments);
        await page.keyboard.press("Enter");
        await page.waitForSelector("#ep-cards", { state: "hidden" });
        await page.keyboard.press("Enter");
        await page.waitForSelector("#ep-cards", { state: "visible" });
        await shot(page, "groups-desktop");
      });

      await t.step("phone and dark", async () => {
        const phone = await open(browser, `${live.base}/`, PHONE);
        await phone.page.tap("#grp-1 .group-toggle");
        await phone.page.waitForSelector("#ep-index", { state: "visible" });
        const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
        assert.ok(overflow <= 0, `no horizontal scrolling on a phone (${overflow}px too wide)`);
        await shot(phone.page, "groups-phone");
        const dark = await open(browser, `${live.base}/`, { colorScheme: "dark" });
        assert.notEqual(
          await dark.page.evaluate(() => getComputedStyle(document.querySelector(".group")!).backgroundColor),
          "rgb(255, 255, 255)",
        );
        await shot(dark.page, "groups-dark");
        assert.deepEqual([...phone.problems, ...dark.problems], []);
      });

      assert.deepEqual(problems, []);

      await t.step("hosted statically: the groups come from config.json", async () => {
        await exportPage(`${dir}/site`, { config: "checkup.json", title: "Static status" }, {
          groups_by_title: GROUP_OF,
        });
        const config = JSON.parse(await Deno.readTextFile(`${dir}/site/config.json`));
        config.summaries = ["checks/_state/summary-eu.json"];
        await Deno.writeTextFile(`${dir}/site/config.json`, JSON.stringify(config));
        const site = serveDirectory(`${dir}/site`);
        try {
          const still = await open(browser, `${site.base}/`);
          assert.deepEqual(
            await still.page.locator("#endpoints > li").evaluateAll((lis) => lis.map((li) => li.id)),
            ["ep-website", "grp-0", "grp-1", "ep-blog"],
          );
          assert.deepEqual(await still.page.locator(".group-toggle .pill").allTextContents(), [
            "Down",
            "Operational",
          ]);
          assert.equal(await still.page.getAttribute("#grp-1 .group-toggle", "aria-expanded"), "false");
          assert.deepEqual(still.problems, []);
          // A group that is not one: said where.
          await Deno.writeTextFile(
            `${dir}/site/config.json`,
            JSON.stringify({ ...config, groups_by_title: { Cards: "" } }),
          );
          await still.page.reload();
          await still.page.waitForSelector("#notice:not([hidden])");
          assert.equal(
            await still.page.textContent("#notice"),
            'config.json: groups_by_title["Cards"]: expected a group name of 1 to 100 characters, found ""',
          );
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
