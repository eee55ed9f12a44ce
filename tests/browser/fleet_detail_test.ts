/// <reference lib="dom" />
/**
 * A fleet's page painted from the compact status document in headless Chromium: 400 endpoints served by
 * `checkup serve` from fs storage (svc-007 and svc-250 down). The page reads `api/v1/status?detail=summary`
 * (never the full document) and the detail of the cards near the screen in batches
 * (`api/v1/endpoints?ids=…`): the cards on screen get their bars, scrolling reads more, a refresh reads again
 * only the visible cards whose last check changed, and a failed detail request is said on its card, then
 * read again at the next refresh. Screenshots go to out/screenshots/fleet-detail-*.png.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { Result } from "../../result.ts";
import {
  chromiumAvailable,
  launchChromium,
  open,
  roundOf,
  serveGrouped,
  shot,
  summarizingStorage,
} from "./_browser.ts";
import { openStorage } from "../serve_fixture.ts";

const available = chromiumAvailable();
const TITLES = Array.from({ length: 400 }, (_, i) => `svc-${String(i).padStart(3, "0")}`);
const DOWN = new Set(["svc-007", "svc-250"]);

function round(at: number): Result[] {
  return roundOf(TITLES, at, (title) => DOWN.has(title));
}

/** The ids of each batched detail request among `requests`, from index `from`. */
function batches(requests: string[], from = 0): string[][] {
  return requests.slice(from).flatMap((r) => {
    const url = new URL(r);
    if (!url.pathname.endsWith("/api/v1/endpoints") || !url.searchParams.has("ids")) return [];
    return [url.searchParams.get("ids")!.split(",")];
  });
}

/** The status documents read among `requests`, from index `from`. */
function summaries(requests: string[], from = 0): number {
  return requests.slice(from).filter((r) => new URL(r).pathname.endsWith("/api/v1/status")).length;
}

/** Waits until the page has read the status `n` more times than it had at `from` requests. */
async function statusReads(page: Page, requests: string[], from: number, n: number): Promise<void> {
  while (summaries(requests, from) < n) await page.waitForEvent("requestfinished");
}

Deno.test({
  name:
    "a fleet's page from the compact document: detail of the cards near the screen, in batches, in Chromium",
  ignore: !available,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "checkup-page-detail-" });
    const live = await serveGrouped(dir, "Fleet status", TITLES, {}, round, 3);
    const browser = await launchChromium();
    try {
      const { page, requests, problems } = await open(
        browser,
        `${live.base}/`,
        {},
        "#problem-list li.card svg.chart",
      );
      await page.waitForSelector("#endpoints > li.card svg.chart");

      await t.step("the summary, never the full document; the cards on screen get their bars", async () => {
        const status = requests.filter((r) => new URL(r).pathname.endsWith("/api/v1/status"));
        assert.ok(status.length >= 1);
        for (const r of status) assert.equal(new URL(r).searchParams.get("detail"), "summary", r);
        // Those needing attention first, each with its bar and chart from the batched detail.
        assert.deepEqual(await page.locator("#problem-list > li.card h4").allTextContents(), [
          "svc-007",
          "svc-250",
        ]);
        assert.equal(await page.locator("#problem-list > li.card svg.bar").count(), 2);
        assert.equal(await page.locator("#ep-svc-000 svg.bar").count(), 1);
        assert.match((await page.textContent("#ep-svc-250 .reason"))!, /503 Service Unavailable/);
        // Every card has its heading and status; only those near the screen were read.
        assert.equal(await page.locator("#endpoints > li.card h3").count(), 398);
        const read = new Set(batches(requests).flat());
        for (const ids of batches(requests)) assert.ok(ids.length <= 100, `${ids.length} ids in one request`);
        assert.ok(read.has("svc-000") && read.has("svc-007"), [...read].join());
        assert.ok(read.size < 60, `${read.size} of 400 details read`);
        assert.equal(read.has("svc-399"), false);
        assert.equal(await page.locator("#ep-svc-399 svg").count(), 0);
        // The timeline comes with the summary (its newest incidents), whatever is on screen.
        const timeline = await page.locator("#timeline .event-head strong").allTextContents();
        assert.deepEqual(timeline.filter((x) => / is down$/.test(x)).sort(), [
          "svc-007 is down",
          "svc-250 is down",
        ]);
        await shot(page, "fleet-detail-top", false);
      });

      await t.step("scrolling reads the detail of the cards coming near", async () => {
        const from = requests.length;
        await page.locator("#ep-svc-399").scrollIntoViewIfNeeded();
        await page.waitForSelector("#ep-svc-399 svg.chart");
        assert.ok(batches(requests, from).some((ids) => ids.includes("svc-399")));
        assert.match((await page.getAttribute("#ep-svc-399 svg.bar", "aria-label"))!, /^Uptime 100% /);
        assert.equal(await page.getAttribute("#ep-svc-399", "aria-busy"), null);
      });

      await t.step(
        "another range: the summary and the details of the cards near the screen for it",
        async () => {
          await page.evaluate(() => scrollTo(0, 0));
          const from = requests.length;
          await page.getByRole("button", { name: "7 days" }).click();
          await page.waitForFunction(() =>
            document.querySelector("#range-info")?.textContent?.includes("7 days")
          );
          await page.waitForSelector("#ep-svc-000 .bar-legend :text('7 days ago')");
          // (A refresh of the 24 hours may have been on its way when the button was pressed.)
          const status = requests.slice(from).filter((r) => new URL(r).pathname.endsWith("/api/v1/status"));
          assert.ok(status.every((r) => r.endsWith("&detail=summary")), status.join());
          assert.ok(status.some((r) => r.endsWith("?range=7d&detail=summary")), status.join());
          const read = requests.slice(from).filter((r) => batches([r]).length && r.endsWith("&range=7d"));
          assert.ok(batches(read).flat().includes("svc-000"), read.join());
          await page.getByRole("button", { name: "24 hours" }).click();
          await page.waitForSelector("#ep-svc-000 .bar-legend :text('24 hours ago')");
        },
      );

      await t.step("a refresh reads again only the visible cards whose last check changed", async () => {
        await page.evaluate(() => scrollTo(0, 0));
        // Every card near the screen drawn (none still loading after the range switch)...
        await page.waitForFunction(() => !document.querySelector("li.card[aria-busy]"));
        // ...then two refreshes with nothing new: no detail read again.
        let from = requests.length;
        await statusReads(page, requests, from, 2);
        assert.deepEqual(batches(requests, from), []);
        // A round of svc-001 alone: its card (on screen) is read again, not its neighbours.
        const storage = summarizingStorage(openStorage({ type: "fs", dir: `${dir}/site/checks` }));
        await storage.store(roundOf(["svc-001"], Date.now(), () => true, "dial tcp: connection refused"));
        await live.handler.refresh();
        from = requests.length;
        await page.waitForSelector("#ep-svc-001 .reason:has-text('connection refused')");
        const again = batches(requests, from).flat();
        assert.ok(again.includes("svc-001"), again.join());
        assert.deepEqual(again.filter((id) => id !== "svc-001"), [], "only the changed card is read again");
        // Down now: it moved to those needing attention, with its detail.
        assert.equal(await page.locator("#problem-list > #ep-svc-001 svg.bar").count(), 1);
      });

      await t.step(
        "tabbing while the details are on their way skips no card, and keeps the focus",
        async () => {
          const batch = (url: URL) =>
            url.pathname.endsWith("/api/v1/endpoints") && url.searchParams.has("ids");
          let release = () => {};
          const held = new Promise<void>((resolve) => (release = resolve));
          const handled: Promise<void>[] = [];
          await page.route(batch, (route) => {
            const done = held.then(() => route.continue());
            handled.push(done);
            return done;
          });
          await page.locator("#ep-svc-290").scrollIntoViewIfNeeded();
          await page.focus("#ep-svc-290 .locations-toggle[aria-disabled='true']");
          const visited: string[] = [];
          for (let i = 0; i < 8; i++) {
            await page.keyboard.press("Tab");
            visited.push(await page.evaluate(() => document.activeElement?.closest("li.card")?.id ?? ""));
          }
          assert.deepEqual(visited, TITLES.slice(291, 299).map((t) => `ep-${t}`));
          assert.equal(await page.getAttribute("#ep-svc-298", "aria-busy"), "true");
          release();
          await Promise.all(handled);
          await page.unroute(batch);
          await page.waitForSelector("#ep-svc-298 svg.chart");
          assert.equal(
            await page.evaluate(() =>
              document.activeElement === document.querySelector("#ep-svc-298 .locations-toggle")
            ),
            true,
            "the focus moved to the card's own button",
          );
          assert.equal(await page.getAttribute("#ep-svc-298 .locations-toggle", "aria-disabled"), null);
        },
      );

      await t.step(
        "a failed detail request is said on its card, and read again at the next refresh",
        async () => {
          const failing = (url: URL) =>
            url.pathname.endsWith("/api/v1/endpoints") &&
            (url.searchParams.get("ids") ?? "").includes("svc-200");
          await page.route(failing, (route) => route.fulfill({ status: 500, body: "{}" }));
          await page.locator("#ep-svc-200").scrollIntoViewIfNeeded();
          await page.waitForSelector("#ep-svc-200 .detail-state.failed");
          assert.match(
            (await page.textContent("#ep-svc-200 .detail-state"))!,
            /^Could not load this service's history \(HTTP 500\)\. Retrying at the next refresh\.$/,
          );
          assert.equal(await page.getAttribute("#ep-svc-200", "aria-busy"), null, "not left loading");
          assert.equal(await page.locator("#ep-svc-200 h3").textContent(), "svc-200");
          await shot(page, "fleet-detail-failed", false);
          await page.unroute(failing);
          await page.waitForSelector("#ep-svc-200 svg.chart");
          assert.equal(await page.locator("#ep-svc-200 .detail-state").count(), 0);
        },
      );

      assert.deepEqual(problems.filter((p) => !p.includes("500 (Internal Server Error)")), []);
    } finally {
      await browser.close();
      await live.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
