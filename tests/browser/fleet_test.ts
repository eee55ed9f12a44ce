/// <reference lib="dom" />
/**
 * The status page of a fleet in headless Chromium: 300 endpoints served by `checkup serve` from fs storage
 * (Edge: a group of 120, Batch: a group of 4, the rest without a group; svc-007 and svc-050 of Edge down).
 * Those needing attention come first, large groups start closed, a filter box narrows the page (`?q=`), cards
 * draw their charts as they come into view, and keyboard and screen readers keep their place across refreshes;
 * then the same page hosted statically. Screenshots go to out/screenshots/fleet-*.png.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { Result } from "../../result.ts";
import {
  chromiumAvailable,
  exportAndServe,
  launchChromium,
  open,
  phoneAndDark,
  roundOf,
  serveGrouped,
  shot,
  tabTo,
} from "./_browser.ts";

const available = chromiumAvailable();
const TITLES = Array.from({ length: 300 }, (_, i) => `svc-${String(i).padStart(3, "0")}`);
const DOWN = new Set(["svc-007", "svc-050"]);
/** Edge: svc-040 to svc-159; Batch: svc-200 to svc-203. */
const GROUP_OF: Record<string, string> = Object.fromEntries([
  ...TITLES.slice(40, 160).map((t) => [t, "Edge"]),
  ...TITLES.slice(200, 204).map((t) => [t, "Batch"]),
]);

function round(at: number): Result[] {
  return roundOf(TITLES, at, (title) => DOWN.has(title));
}

/** Waits until the page has drawn itself again (refresh: 1): a group's chevron is made anew each time. */
async function nextRender(page: Page): Promise<void> {
  await page.evaluate(() => ((document.querySelector("#grp-0 .chevron") as { old?: 1 }).old = 1));
  await page.waitForFunction(() => !(document.querySelector("#grp-0 .chevron") as { old?: 1 })?.old);
}

/** The ids of the cards shown (not filtered out) in a list. */
function shownIds(page: Page, list: string): Promise<string[]> {
  return page.locator(`${list} > li.card`).evaluateAll((lis) =>
    lis.filter((li) => !(li as HTMLElement).hidden).map((li) => li.id)
  );
}

/** Waits for the filter to have been applied (the box waits 150 ms for the typing to stop). */
async function filtered(page: Page, count: string): Promise<void> {
  await page.waitForFunction((c) => document.getElementById("filter-count")?.textContent === c, count);
}

Deno.test({
  name: "a fleet's page: problems first, filter, closed large groups, lazy cards, keyboard, in Chromium",
  ignore: !available,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "checkup-page-fleet-" });
    const live = await serveGrouped(dir, "Fleet status", TITLES, GROUP_OF, round, 4);
    const browser = await launchChromium();
    try {
      const { page, problems } = await open(browser, `${live.base}/`);

      await t.step("those needing attention first, the rest in config order, Edge closed", async () => {
        assert.equal(await page.isVisible("#problems"), true);
        assert.equal(await page.textContent("#problems-count"), "2");
        assert.deepEqual(await page.locator("#problem-list > li.card h4").allTextContents(), [
          "svc-007",
          "svc-050",
        ]);
        const top = await page.locator("#endpoints > li").evaluateAll((lis) => lis.map((li) => li.id));
        assert.deepEqual(top.slice(0, 8), [
          "ep-svc-000",
          "ep-svc-001",
          "ep-svc-002",
          "ep-svc-003",
          "ep-svc-004",
          "ep-svc-005",
          "ep-svc-006",
          "ep-svc-008",
        ]);
        assert.equal(top.length, 300 - 120 - 4 - 1 + 2, "ungrouped cards and two groups");
        assert.equal(top[40 - 1], "grp-0", "Edge where its first member is");
        assert.equal(await page.locator("#endpoints > li.card #t-ep-svc-007").count(), 0);
        // Edge is large: closed (its problem is above); Batch is small: open.
        assert.equal(await page.getAttribute("#grp-0 .group-toggle", "aria-expanded"), "false");
        assert.equal(await page.locator("#grp-0 .group-list").isVisible(), false);
        assert.equal(
          await page.textContent("#grp-0 .group-moved"),
          "1 member is shown under Needs attention.",
        );
        assert.equal(await page.getAttribute("#grp-1 .group-toggle", "aria-expanded"), "true");
        assert.equal(await page.locator("#grp-0 .group-toggle .pill").textContent(), "Down");
        assert.equal(await page.textContent("#overall-text"), "2 services are down");
        // Headings stay a tree: Services (h2) > Needs attention (h3) > its cards (h4); ungrouped cards h3.
        assert.match(
          await page.locator("#problems").ariaSnapshot(),
          /heading "Needs attention 2" \[level=3\]/,
        );
        assert.equal(await page.locator("#ep-svc-000 h3").textContent(), "svc-000");
      });

      await t.step("cards draw their charts as they come into view", async () => {
        const shown = await page.locator("#endpoints > li.card").count();
        const charts = await page.locator("#endpoints > li.card svg.chart").count();
        assert.ok(charts > 0 && charts < shown / 3, `${charts} charts drawn of ${shown} cards`);
        // Every card has its heading, status and text, drawn or not.
        assert.equal(await page.locator("#endpoints > li.card h3").count(), shown);
        assert.equal(await page.locator("#ep-svc-299 .charts svg").count(), 0);
        await page.locator("#ep-svc-299").scrollIntoViewIfNeeded();
        await page.waitForSelector("#ep-svc-299 svg.chart");
        assert.match((await page.getAttribute("#ep-svc-299 svg.bar", "aria-label"))!, /^Uptime 100% /);
        await page.evaluate(() => scrollTo(0, 0));
      });

      await t.step(
        "the filter by keyboard: typing narrows, the count is said, clearing restores",
        async () => {
          await tabTo(page, "#filter-input");
          assert.match(await page.locator("#filter").ariaSnapshot(), /searchbox "Filter services"/);
          assert.equal(await page.getAttribute("#filter-count", "aria-live"), "polite");
          await page.keyboard.type("svc-01");
          await filtered(page, "10 of 300 services match");
          assert.deepEqual(await shownIds(page, "#endpoints"), TITLES.slice(10, 20).map((t) => `ep-${t}`));
          assert.equal(await page.isVisible("#problems"), false, "no problem matches");
          assert.equal(new URL(page.url()).searchParams.get("q"), "svc-01");
          // A status: the problems, in their section; a group's name: its members, the group opened for them.
          await page.fill("#filter-input", "status:down");
          await filtered(page, "2 of 300 services match");
          assert.deepEqual(await shownIds(page, "#problem-list"), ["ep-svc-007", "ep-svc-050"]);
          assert.deepEqual(await shownIds(page, "#endpoints"), []);
          await page.fill("#filter-input", "batch");
          await filtered(page, "4 of 300 services match");
          assert.deepEqual(
            await shownIds(page, "#grp-1 .group-list"),
            ["ep-svc-200", "ep-svc-201", "ep-svc-202", "ep-svc-203"],
          );
          assert.equal(await page.isVisible("#grp-0"), false);
          await page.fill("#filter-input", "edge svc-15");
          await filtered(page, "10 of 300 services match");
          assert.equal(await page.getAttribute("#grp-0 .group-toggle", "aria-expanded"), "true");
          await page.waitForSelector("#ep-svc-150 svg.chart");
          await page.fill("#filter-input", "nothing-like-it");
          await filtered(page, "No service matches “nothing-like-it”");
          // Kept across a refresh and a reload (?q=), with the incident routes beside it.
          await page.fill("#filter-input", "svc-29");
          await filtered(page, "10 of 300 services match");
          await nextRender(page);
          assert.equal(await page.textContent("#filter-count"), "10 of 300 services match");
          await page.reload();
          await filtered(page, "10 of 300 services match");
          assert.equal(await page.inputValue("#filter-input"), "svc-29");
          assert.deepEqual(await shownIds(page, "#endpoints"), TITLES.slice(290).map((t) => `ep-${t}`));
          await page.locator("#filter-input").focus();
          await page.keyboard.press("Escape");
          await filtered(page, "");
          assert.equal(new URL(page.url()).searchParams.has("q"), false);
          assert.equal((await shownIds(page, "#endpoints")).length, 300 - 120 - 4 - 1);
          assert.equal(await page.getAttribute("#grp-0 .group-toggle", "aria-expanded"), "false");
          const history = await open(browser, `${live.base}/?q=svc&incidents`, {}, "#incident-view h2");
          assert.equal(await history.page.isVisible("#endpoints"), false);
          assert.deepEqual(history.problems, []);
        },
      );

      await t.step(
        "keyboard reaches the cards; the focus and an opened group stay across refreshes",
        async () => {
          await tabTo(page, "#ep-svc-007 .locations-toggle");
          await page.keyboard.press("Enter");
          await nextRender(page);
          assert.equal(
            await page.evaluate(() =>
              document.activeElement === document.querySelector("#ep-svc-007 .locations-toggle")
            ),
            true,
            "the focus is kept across a refresh",
          );
          assert.equal(await page.getAttribute("#ep-svc-007 .locations-toggle", "aria-expanded"), "true");
          // Tab by Tab through the cards below (filled as the focus brings them near): none is skipped.
          const visited: string[] = [];
          for (let i = 0; i < 80; i++) {
            await page.keyboard.press("Tab");
            const at = await page.evaluate(() =>
              document.activeElement?.matches(".group-toggle")
                ? "group"
                : document.activeElement?.closest("li.card")?.id ?? document.activeElement?.id ?? ""
            );
            if (at === "group") break;
            visited.push(at);
          }
          assert.deepEqual(
            visited,
            ["ep-svc-050", ...TITLES.slice(0, 40).filter((t) => t !== "svc-007").map((t) => `ep-${t}`)],
          );
          assert.equal(await page.evaluate(() => document.activeElement?.closest("li")?.id), "grp-0");
          await page.keyboard.press("Enter");
          await page.waitForSelector("#ep-svc-040 svg.chart");
          await nextRender(page);
          assert.equal(await page.getAttribute("#grp-0 .group-toggle", "aria-expanded"), "true");
          assert.equal(
            await page.evaluate(() =>
              document.activeElement === document.querySelector("#grp-0 .group-toggle")
            ),
            true,
          );
          // The next Tab goes into the opened group's first card.
          await page.keyboard.press("Tab");
          assert.equal(
            await page.evaluate(() => document.activeElement?.closest("li.card")?.id),
            "ep-svc-040",
          );
          await page.locator("#grp-0").scrollIntoViewIfNeeded();
          await page.waitForSelector("#ep-svc-041 svg.chart");
          await shot(page, "fleet-desktop", false);
          await page.keyboard.press("Shift+Tab");
          await page.keyboard.press("Enter");
          await page.waitForSelector("#grp-0 .group-list", { state: "hidden" });
        },
      );

      await t.step("phone and dark", async () => {
        problems.push(
          ...await phoneAndDark(
            browser,
            `${live.base}/`,
            "fleet",
            "#filter-input",
            (p) => p.waitForSelector("#problem-list li.card .chart"),
            false,
          ),
        );
      });

      assert.deepEqual(problems, []);

      await t.step("hosted statically: the same page from the summaries", async () => {
        const site = await exportAndServe(`${dir}/site`, { groups_by_title: GROUP_OF }, [
          "checks/_state/summary-eu.json",
        ]);
        try {
          const still = await open(
            browser,
            `${site.base}/?q=status:down`,
            {},
            "#problem-list li.card .chart",
          );
          await filtered(still.page, "2 of 300 services match");
          assert.deepEqual(await shownIds(still.page, "#problem-list"), ["ep-svc-007", "ep-svc-050"]);
          assert.equal(await still.page.getAttribute("#grp-0 .group-toggle", "aria-expanded"), "false");
          await still.page.fill("#filter-input", "");
          await filtered(still.page, "");
          assert.equal((await shownIds(still.page, "#endpoints")).length, 300 - 120 - 4 - 1);
          assert.ok((await still.page.locator("#endpoints svg.chart").count()) < 100);
          assert.deepEqual(still.problems, []);
        } finally {
          await site.close();
        }
      });

      await t.step(
        "hosted statically: a card's bar is computed as it comes into view, as serve draws it",
        async () => {
          const site = await exportAndServe(`${dir}/site`, { groups_by_title: GROUP_OF }, [
            "checks/_state/summary-eu.json",
          ]);
          const served = await open(browser, `${live.base}/`);
          const hosted = await open(browser, `${site.base}/`);
          try {
            /** The bar's label of a card (what a screen reader reads), once it is drawn when scrolled to. */
            const barOf = async (page: Page, id: string) => {
              await page.locator(`#${id}`).scrollIntoViewIfNeeded();
              await page.waitForSelector(`#${id} svg.bar`);
              return await page.getAttribute(`#${id} svg.bar`, "aria-label");
            };
            // Far down the page: not drawn until it comes into view.
            assert.equal(await hosted.page.locator("#ep-svc-290 svg.bar").count(), 0);
            for (const id of ["ep-svc-007", "ep-svc-290", "ep-svc-170"]) {
              const label = await barOf(hosted.page, id);
              assert.equal(label, await barOf(served.page, id), id);
              assert.match(label ?? "", id === "ep-svc-007" ? /\d+ with an outage/ : /no problems/, id);
            }
            assert.ok(await hosted.page.isVisible("#ep-svc-290 svg.chart"));
            // The timeline: the same newest events from the summaries as from the server.
            const events = (page: Page) =>
              page.locator("#timeline li.event .event-head strong").allTextContents();
            assert.deepEqual(await events(hosted.page), await events(served.page));
            assert.ok((await events(hosted.page)).some((e) => /svc-007 is down/.test(e)));
            await shot(hosted.page, "fleet-static-scrolled", false);
            assert.deepEqual([...hosted.problems, ...served.problems], []);
          } finally {
            await hosted.page.context().close();
            await served.page.context().close();
            await site.close();
          }
        },
      );
    } finally {
      await browser.close();
      await live.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
