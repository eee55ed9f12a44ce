/// <reference lib="dom" />
/**
 * The status page of several locations in headless Chromium: three live locations (eu, us, asia) and a
 * silent one (sa) store into one fs storage; API fails from asia only (partial), Database from eu and us
 * (down). Served by `checkup serve`, and hosted statically with the quorum from config.json. Screenshots go
 * to out/screenshots/locations-*.png.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { exportPage } from "../../cli/serve.ts";
import { openStorage } from "../serve_fixture.ts";
import { seedLocations } from "../locations_fixture.ts";
import {
  chromiumAvailable,
  launchChromium,
  open,
  PHONE,
  serveDirectory,
  serveStorage,
  shot,
  summarizingStorage,
  tabTo,
} from "./_browser.ts";

const available = chromiumAvailable();

const rows = (page: Page, id: string) =>
  page.locator(`#ep-${id} table.nodes tbody tr:not(.error-row)`).evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((c) => c.textContent!.trim()))
  );

Deno.test({
  name: "several locations: combined status, partial pill, per-location breakdown by keyboard, in Chromium",
  ignore: !available,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "checkup-page-locations-" });
    const storage = openStorage({ type: "fs", dir: `${dir}/site/checks` });
    await seedLocations(summarizingStorage(storage));
    const live = await serveStorage({
      reader: storage,
      title: "Acme status",
      order: ["Website", "API", "Database"],
      refresh: 1,
      locations: () => [{ node: "asia", location: "Singapore" }, { node: "us", duplicate: true }],
    });
    const browser = await launchChromium();
    try {
      const { page, problems, requests } = await open(browser, `${live.base}/`);

      await t.step("the combined status of each endpoint; partial says where it fails", async () => {
        const cards = page.locator("#endpoints > li.card");
        assert.deepEqual(await cards.locator("h3").allTextContents(), ["Website", "API", "Database"]);
        assert.equal(await page.getAttribute("#ep-api", "class"), "card partial");
        assert.equal(await page.getAttribute("#ep-database", "class"), "card down");
        assert.equal(await page.textContent("#overall-text"), "1 service is down");
        const pill = page.locator("#ep-api .card-head .pill");
        assert.equal(
          await pill.textContent(),
          "Partial: failing from 1 of 3 locations (Singapore), quorum 2",
        );
        // What a screen reader reads: the word and the detail (the detail is visually hidden).
        assert.match(
          await pill.ariaSnapshot(),
          /Partial\s*: failing from 1 of 3 locations \(Singapore\), quorum 2/,
        );
        assert.equal(await pill.locator(".sr-only").isVisible(), true, "in the accessibility tree");
        assert.equal(await page.locator("#ep-database .card-head .pill").textContent(), "Down");
        assert.match(
          (await page.textContent("#ep-database .quorum-note"))!,
          /^Failing from 2 of 3 locations \(eu, us\), quorum 2$/,
        );
        assert.match((await page.textContent("#ep-api .reason"))!, /from asia: 503/);
        const colours = await page.evaluate(() => {
          const dot = (sel: string) => getComputedStyle(document.querySelector(sel)!).backgroundColor;
          return [dot("#ep-api .card-head .pill .dot"), dot("#ep-database .card-head .pill .dot")];
        });
        assert.notEqual(colours[0], colours[1], "partial has its own colour");
        assert.equal(await page.locator("#ep-api svg.bar path.s-partial").count(), 1);
        assert.equal(await page.locator("#ep-api svg.bar path.s-down").count(), 0, "no outage on API's bar");
        assert.match(
          (await page.getAttribute("#ep-api svg.bar", "aria-label"))!,
          /failing from some locations/,
        );
        assert.match(
          (await page.locator(".timeline .event.partial .event-head").first().textContent())!,
          /API is failing from Singapore/,
        );
      });

      await t.step(
        "the breakdown opens by keyboard, lists every location, stays open on refresh",
        async () => {
          const summary = "#ep-api .locations-toggle";
          assert.equal(await page.textContent(summary), "4 locations: 2 operational, 1 silent");
          assert.equal(
            await page.locator("#ep-api table.nodes").isVisible(),
            false,
            "closed at first",
          );
          await tabTo(page, summary);
          await page.keyboard.press("Enter");
          await page.waitForSelector("#ep-api table.nodes", { state: "visible" });
          // The page re-renders on each refresh: read the snapshot of the element that is there once it
          // says expanded (a snapshot of one being replaced comes back empty; bounded retries).
          let snapshot = "";
          for (let i = 0; i < 10 && !snapshot; i++) {
            await page.waitForSelector(`${summary}[aria-expanded="true"]`);
            snapshot = await page.locator(summary).ariaSnapshot().catch(() => "");
          }
          assert.match(snapshot, /button "4 locations: 2 operational, 1 silent" \[expanded\]/);
          const table = await rows(page, "api");
          assert.deepEqual(table.map((r) => [r[0], r[1]]), [
            ["Singapore", "Down"],
            ["eu", "Operational"],
            ["sa", "Silent"],
            ["us", "Operational"],
          ]);
          assert.deepEqual(
            await page.locator("#ep-api table.nodes tr.error-row").allTextContents(),
            ["Error from Singapore: GET https://api.example.com/health from asia: 503 Service Unavailable"],
            "the error of the failing location, under it",
          );
          assert.match(table[2][3], /^silent for (39|40|41)m/);
          assert.match(table[1][2], /^\d+ ms$/);
          // The page re-renders every second (refresh: 1): the breakdown is drawn open again, and the focus
          // stays on its button.
          await page.evaluate(
            () => ((document.querySelector("#ep-api .locations-toggle") as { old?: 1 }).old = 1),
          );
          await page.waitForFunction(() =>
            !(document.querySelector("#ep-api .locations-toggle") as { old?: 1 })?.old
          );
          assert.equal(await page.getAttribute(summary, "aria-expanded"), "true");
          assert.equal(await page.locator("#ep-api table.nodes").isVisible(), true);
          assert.equal(
            await page.evaluate((s) => document.activeElement === document.querySelector(s), summary),
            true,
            "the focus is kept across a refresh",
          );
          await shot(page, "locations-desktop");
          // Space closes it again.
          await page.keyboard.press("Space");
          await page.waitForSelector("#ep-api table.nodes", { state: "hidden" });
          assert.equal(await page.getAttribute(summary, "aria-expanded"), "false");
        },
      );

      await t.step("a name two processes write, and the silent location, are told", async () => {
        const notice = page.locator("#locations-notice");
        assert.equal(await notice.isVisible(), true);
        const text = (await notice.textContent())!;
        assert.match(text, /Two checkup processes report as the same location: us\./);
        assert.match(text, /sa silent for (39|40|41)m \(left out of the quorum\)/);
      });

      await t.step("phone and dark", async () => {
        const phone = await open(browser, `${live.base}/`, PHONE);
        await phone.page.tap("#ep-api .locations-toggle");
        await phone.page.waitForSelector("#ep-api table.nodes", { state: "visible" });
        const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
        assert.ok(overflow <= 0, `no horizontal scrolling on a phone (${overflow}px too wide)`);
        await shot(phone.page, "locations-phone");
        const dark = await open(browser, `${live.base}/`, { colorScheme: "dark" });
        await dark.page.click("#ep-database .locations-toggle");
        await dark.page.waitForSelector("#ep-database table.nodes", {
          state: "visible",
        });
        assert.equal(
          await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor),
          "rgb(17, 20, 24)",
        );
        await shot(dark.page, "locations-dark");
        assert.deepEqual([...phone.problems, ...dark.problems], []);
      });

      await t.step("no errors or CSP violations", () => {
        for (const url of requests) assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\//);
        assert.deepEqual(problems, []);
      });
    } finally {
      await browser.close();
      await live.close();
    }

    // Hosted statically: the page combines the summaries with the quorum of config.json.
    await exportPage(`${dir}/site`, { config: "checkup.json", title: "Static status" }, {
      quorum_by_title: { API: 1 },
      silent_after: "1h",
    });
    const config = JSON.parse(await Deno.readTextFile(`${dir}/site/config.json`));
    config.summaries = ["asia", "eu", "us", "sa"].map((n) => `checks/_state/summary-${n}.json`);
    await Deno.writeTextFile(`${dir}/site/config.json`, JSON.stringify(config));
    const site = serveDirectory(`${dir}/site`);
    const browser2 = await launchChromium();
    try {
      const { page, problems } = await open(browser2, `${site.base}/`);
      // API needs one location: asia's failure makes it down. With silent_after 1h, sa (silent 40 minutes)
      // still counts: Database is 2 of 4 down, below a majority of 4.
      assert.equal(await page.locator("#ep-api .card-head .pill").textContent(), "Down");
      assert.match(
        (await page.locator("#ep-database .card-head .pill").textContent())!,
        /^Partial: failing from 2 of 4 locations/,
      );
      assert.match(
        (await page.locator(".timeline .event.partial .event-head").first().textContent())!,
        /^Database is failing from eu, us/,
      );
      assert.equal(await page.locator("#notice").isVisible(), false);
      assert.deepEqual(problems, []);
      await shot(page, "locations-static");
      // A quorum in config.json that is not one: said where, and the page combines with the default.
      await Deno.writeTextFile(`${dir}/site/config.json`, JSON.stringify({ ...config, quorum: "half" }));
      await page.reload();
      await page.waitForSelector("#notice:not([hidden])");
      assert.match(
        (await page.textContent("#notice"))!,
        /^config\.json: quorum: expected a share of the locations like "50%" \(above 0, at most 100%\) or a number, found "half"$/,
      );
      assert.equal(
        await page.locator("#ep-api .card-head .pill").textContent(),
        "Down",
        "API's own rule still holds",
      );
    } finally {
      await browser2.close();
      await site.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
