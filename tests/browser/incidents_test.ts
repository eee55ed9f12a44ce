/// <reference lib="dom" />
/**
 * Incidents on the status page in headless Chromium, served by `checkup serve` from fs storage: the whole
 * lifecycle of an incident posted through the API as the page shows it (on top while active, then in the
 * history), the history by month with its pages, one incident's timeline, and the same from the static
 * export. Screenshots (desktop, phone, dark) go to out/screenshots/incidents-*.png.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContextOptions } from "playwright-core";
import { nowNs, type Result } from "../../result.ts";
import { runCli } from "../../cli/program.ts";
import { memoryIo } from "../../cli/io.ts";
import { IncidentWriter } from "../../incidents/store.ts";
import { openStorage } from "../serve_fixture.ts";
import {
  chromiumAvailable,
  launchChromium,
  open,
  PHONE,
  roundOf,
  serveDirectory,
  serveStorage,
  shot,
  summarizingStorage,
} from "./_browser.ts";

const available = chromiumAvailable();
const TOKEN = "browser-incident-token-000";
const TITLES = ["Website", "API", "Database"];
const DAY = 86_400_000;

function round(at: number): Result[] {
  const since = Date.now() - 20 * 60_000;
  return roundOf(TITLES, at, (title) => title === "API" && at > since, "response status 502 Bad Gateway");
}

/** Opens a query route of the page (no status cards there) and waits until its view is drawn. */
function openView(browser: Browser, url: string, options: BrowserContextOptions = {}) {
  return open(browser, url, options, "#incident-view:not([hidden]) h2");
}

Deno.test({
  name:
    "incidents: on top while active, the history by month, one incident's timeline, static too, in Chromium",
  ignore: !available,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "checkup-page-incidents-" });
    const storage = openStorage({ type: "fs", dir: `${dir}/site/checks` });
    const now = Number(nowNs() / 1_000_000n);
    const summarizing = summarizingStorage(storage);
    for (let k = 12; k >= 0; k--) await summarizing.store(round(now - k * 5 * 60_000));
    // History: resolved incidents in earlier months, written as `checkup incident` writes them.
    const clock = { t: now - 75 * DAY };
    const past = new IncidentWriter({
      shared: storage as unknown as import("../../storage/storage.ts").SharedStore,
      names: () => TITLES,
      now: () => clock.t,
    });
    for (
      const [daysAgo, title, impact] of [[75, "Database failover", "major"], [
        74,
        "Slow API responses",
        "degraded",
      ], [40, "Website certificate renewal", "partial"]] as const
    ) {
      clock.t = now - daysAgo * DAY;
      const about = title.startsWith("Database") ? "Database" : title.startsWith("Slow") ? "API" : "Website";
      const { incident } = await past.open({
        title,
        text: "We are investigating.",
        affected: [{ title: about, impact }],
      });
      clock.t += 45 * 60_000;
      await past.update(incident.id, { state: "identified", text: "Found the cause." });
      clock.t += 2 * 3_600_000;
      await past.resolve(incident.id, "Resolved.");
    }
    const live = await serveStorage({
      reader: storage,
      writer: storage,
      token: TOKEN,
      title: "Acme status",
      order: TITLES,
      refresh: 1,
    });
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${live.base}/api/v1${path}`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      });
      const json = await res.json();
      assert.equal(res.status, 201, JSON.stringify(json));
      return json;
    };
    const browser = await launchChromium();
    try {
      const opened = await post("/incidents", {
        title: "Checkout errors",
        text: "We are investigating **502 errors** on the API.",
        affected: [{ title: "API", impact: "major" }, { title: "Database", impact: "partial" }],
      });
      const id: string = opened.incident.id;
      await post(`/incidents/${id}/updates`, {
        state: "identified",
        text:
          "A bad deploy of the API gateway.\n\n- rolling back now\n- <script>alert(1)</script> stays text",
      });
      const { page, problems } = await open(browser, `${live.base}/`);

      await t.step(
        "the active incident is on top: title, state, impact, latest update, affected",
        async () => {
          await page.waitForSelector("#active-incidents:not([hidden]) .incident-card");
          const card = page.locator(`#incident-${id}`);
          assert.equal(await card.locator("h3").textContent(), "Checkout errors");
          assert.equal(await card.locator(".state").textContent(), "Identified");
          assert.match(
            (await card.locator(".incident-meta").textContent())!,
            /^Major outage · Started .* · updated /,
          );
          assert.equal(await card.locator(".message-text li").count(), 2);
          assert.equal(
            await card.locator(".message-text li").nth(1).textContent(),
            "<script>alert(1)</script> stays text",
          );
          assert.deepEqual(await card.locator(".affected li").allTextContents(), [
            "API · major",
            "Database · partial",
          ]);
          assert.equal(await card.getAttribute("class"), "incident-card down");
          // Above the services.
          const [incidentsTop, servicesTop] = await page.evaluate(() => [
            document.getElementById("active-incidents")!.getBoundingClientRect().top,
            document.getElementById("endpoints")!.getBoundingClientRect().top,
          ]);
          assert.ok(incidentsTop < servicesTop);
          // Our page shows the incident, not its Go message rounds as messages.
          assert.equal(await page.locator("#timeline .event.message").count(), 0);
          await shot(page, "incidents-active-desktop");
          const phone = await open(browser, `${live.base}/`, PHONE);
          await phone.page.waitForSelector("#active-incidents:not([hidden]) .incident-card");
          const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
          assert.ok(overflow <= 0, `no horizontal scrolling on a phone (${overflow}px too wide)`);
          await shot(phone.page, "incidents-active-phone");
          const dark = await open(browser, `${live.base}/`, { colorScheme: "dark" });
          await dark.page.waitForSelector("#active-incidents:not([hidden]) .incident-card");
          assert.notEqual(
            await dark.page.evaluate(() =>
              getComputedStyle(document.querySelector(".incident-card")!).backgroundColor
            ),
            "rgb(255, 255, 255)",
          );
          await shot(dark.page, "incidents-active-dark");
          assert.deepEqual([...phone.problems, ...dark.problems], []);
        },
      );

      await t.step(
        "the lifecycle as the page refreshes: monitoring, then resolved and off the top",
        async () => {
          await post(`/incidents/${id}/updates`, {
            state: "monitoring",
            text: "Rolled back; watching the error rate.",
          });
          await page.waitForFunction(
            (sel) => document.querySelector(sel)?.textContent === "Monitoring",
            `#incident-${id} .state`,
          );
          assert.equal(
            await page.locator(`#incident-${id} .message-text`).textContent(),
            "Rolled back; watching the error rate.",
          );
          await post(`/incidents/${id}/updates`, {
            state: "resolved",
            text: "The error rate is back to normal.",
          });
          await page.waitForSelector("#active-incidents", { state: "hidden" });
        },
      );

      await t.step("the history: by month, newest first, linked from the main page", async () => {
        await page.click("#history-link");
        await page.waitForSelector("#incident-view:not([hidden]) .month");
        assert.equal(await page.locator("#incident-view h2").textContent(), "Incident history");
        assert.equal(await page.locator("#endpoints").isVisible(), false);
        const months = await page.locator("#incident-view .month h3").allTextContents();
        assert.equal(months.length, 3, months.join());
        assert.deepEqual(await page.locator(".history-title a").allTextContents(), [
          "Checkout errors",
          "Website certificate renewal",
          "Slow API responses",
          "Database failover",
        ]);
        assert.match((await page.locator(".history-row").first().textContent())!, /Resolved.*lasted/);
        assert.match(await page.title(), /^Incident history · /);
        await shot(page, "incidents-history-desktop");
        for (const [name, options] of [["phone", PHONE], ["dark", { colorScheme: "dark" }]] as const) {
          const other = await openView(browser, `${live.base}/?incidents`, options);
          await other.page.waitForSelector(".history-row");
          const overflow = await other.page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
          assert.ok(overflow <= 0, `${name}: no horizontal scrolling (${overflow}px too wide)`);
          await shot(other.page, `incidents-history-${name}`);
          assert.deepEqual(other.problems, []);
        }
      });

      await t.step("one incident: its timeline, newest first", async () => {
        await page.click(".history-title a >> text=Checkout errors");
        await page.waitForSelector(".incident-timeline");
        assert.equal(await page.locator("#incident-view h2").textContent(), "Checkout errors");
        assert.deepEqual(await page.locator(".incident-timeline .state").allTextContents(), [
          "Resolved",
          "Monitoring",
          "Identified",
          "Investigating",
        ]);
        assert.match(
          (await page.locator(".incident-page > .incident-meta").textContent())!,
          /Started .* · resolved .*, after /,
        );
        assert.equal(await page.locator(".incident-page .state").first().textContent(), "Resolved");
        assert.match(await page.title(), /^Checkout errors · /);
        await shot(page, "incidents-incident-desktop");
        for (const [name, options] of [["phone", PHONE], ["dark", { colorScheme: "dark" }]] as const) {
          const other = await openView(browser, `${live.base}/?incident=${id}`, options);
          await other.page.waitForSelector(".incident-timeline");
          const overflow = await other.page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
          assert.ok(overflow <= 0, `${name}: no horizontal scrolling (${overflow}px too wide)`);
          await shot(other.page, `incidents-incident-${name}`);
          assert.deepEqual(other.problems, []);
        }
        const missing = await openView(browser, `${live.base}/?incident=nope`);
        assert.equal(await missing.page.locator("#incident-view h2").textContent(), "Incident not found");
      });
      assert.deepEqual(problems, []);

      await t.step("hosted statically: the export carries the incidents", async () => {
        await Deno.writeTextFile(
          `${dir}/checkup.json`,
          JSON.stringify({ checkers: [], storage: { type: "fs", dir: `${dir}/site/checks` } }),
        );
        const io = memoryIo();
        const code = await runCli([
          "serve",
          "-c",
          `${dir}/checkup.json`,
          "--export",
          `${dir}/site`,
          "--title",
          "Static status",
        ], io);
        assert.equal(code, 0, io.stderr);
        const exported = JSON.parse(await Deno.readTextFile(`${dir}/site/incidents.json`));
        assert.equal(exported.incidents.length, 4);
        const config = JSON.parse(await Deno.readTextFile(`${dir}/site/config.json`));
        assert.equal(config.incidents, "incidents.json", "the export names the file it wrote");
        config.summaries = ["checks/_state/summary-eu.json"];
        await Deno.writeTextFile(`${dir}/site/config.json`, JSON.stringify(config));
        const site = serveDirectory(`${dir}/site`);
        try {
          const history = await openView(browser, `${site.base}/?incidents`);
          await history.page.waitForSelector(".history-row");
          assert.equal((await history.page.locator(".history-title a").allTextContents()).length, 4);
          const one = await openView(browser, `${site.base}/?incident=${id}`);
          await one.page.waitForSelector(".incident-timeline");
          assert.equal(await one.page.locator(".incident-timeline > li").count(), 4);
          assert.deepEqual([...history.problems, ...one.problems], []);
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
