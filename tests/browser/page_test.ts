/// <reference lib="dom" />
/**
 * The status page in headless Chromium, against a live `checkup serve` handler over seeded storage
 * (healthy, degraded and down endpoints, two nodes, messages) and as a static site reading summaries.
 * Screenshots go to out/screenshots/.
 */
import assert from "node:assert/strict";
import { Redactor } from "../../_internal/redact.ts";
import { nowNs } from "../../result.ts";
import { exportPage } from "../../cli/serve.ts";
import { openStorage, SCRIPT_MESSAGE, seedHistory, SITE_MESSAGE, URL_SECRET } from "../serve_fixture.ts";
import {
  assertSeededCards,
  chromiumAvailable,
  launchChromium,
  open,
  serveDirectory,
  serveStorage,
  shot,
  summarizingStorage,
} from "./_browser.ts";

const available = chromiumAvailable();

function assertLocal(requests: string[]) {
  assert.ok(requests.length > 0);
  for (const url of requests) {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\//, `a request left 127.0.0.1: ${url}`);
  }
}

Deno.test({
  name: "status page served by checkup serve, in Chromium",
  ignore: !available,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "checkup-page-" });
    const storage = openStorage({ type: "fs", dir: `${dir}/checks` });
    await seedHistory(storage);
    const redactor = new Redactor();
    redactor.add(URL_SECRET);
    const live = await serveStorage({
      reader: storage,
      writer: storage,
      title: "Acme status",
      order: ["Website", "API", "Database"],
      refresh: 1,
      redact: (s) => redactor.redact(s),
    });
    const browser = await launchChromium();
    try {
      const { page, requests, problems } = await open(browser, `${live.base}/`);

      await t.step("shows the overall status and every endpoint", async () => {
        assert.equal(await page.title(), "(Down) Acme status");
        assert.equal(await page.textContent("#page-title"), "Acme status");
        assert.equal(await page.textContent("#overall-text"), "1 service is down");
        assert.equal(await page.getAttribute("#overall", "class"), "banner down");
        assert.match((await page.getAttribute("#favicon", "href"))!, /status-down\.svg$/);
        const cards = page.locator("#endpoints > li.card");
        assert.equal(await cards.count(), 3);
        assert.deepEqual(await cards.locator("h3").allTextContents(), ["Website", "API", "Database"]);
        assert.deepEqual(await cards.locator(".card-head .pill").allTextContents(), [
          "Operational",
          "Degraded",
          "Down",
        ]);
        assert.match((await cards.nth(1).locator(".reason").textContent())!, /exceeded threshold/);
        assert.match((await cards.nth(2).locator(".reason").textContent())!, /connection refused/);
        assert.match((await cards.nth(0).locator(".sub").textContent())!, /Uptime 100%/);
        const slots = await cards.nth(0).locator("svg.bar path").evaluateAll((ps) =>
          ps.reduce((n, p) => n + (p.getAttribute("d")!.match(/M/g) ?? []).length, 0)
        );
        assert.equal(slots, 90, "90 slots in the bar");
        assert.equal(await cards.nth(2).locator("svg.bar path.s-down").count(), 1);
        assert.equal(await cards.nth(1).locator("svg.bar path.s-degraded").count(), 1);
        const bar = cards.nth(2).locator("svg.bar");
        const tips: string[] = [];
        for (let i = 89; i >= 86; i--) {
          // The page re-renders every second (refresh: 1): a bar replaced between two calls is looked up
          // again (bounded), so a slow machine cannot catch it detached.
          for (let tries = 1;; tries++) {
            try {
              await bar.scrollIntoViewIfNeeded({ timeout: 5_000 });
              const box = await bar.boundingBox({ timeout: 5_000 });
              if (!box) throw new Error("the bar is not attached");
              await bar.hover({ position: { x: ((i * 12 + 5) / 1078) * box.width, y: box.height / 2 } });
              await page.waitForSelector("#tip:not([hidden])", { timeout: 5_000 });
              tips.push((await page.textContent("#tip"))!);
              break;
            } catch (e) {
              if (tries >= 5) throw e;
            }
          }
        }
        const outage = /: (partial outage|outage), \d+ checks, \d+ down, 0 degraded$/;
        assert.ok(tips.some((t) => outage.test(t)), tips.join(" | "));
        await page.mouse.move(0, 0);
        assert.equal(
          await cards.nth(1).locator("svg.chart line.threshold").count(),
          1,
          "API's threshold line",
        );
        assert.match(
          (await cards.nth(1).locator("svg.chart .threshold-label").textContent())!,
          /threshold 300 ms/,
        );
        assert.equal(await cards.nth(0).locator("svg.chart path.median").count(), 1);
        const nodes = cards.nth(0).locator("table.nodes tbody tr");
        assert.deepEqual(await nodes.locator("th").allTextContents(), ["eu-west", "us-east"]);
        assert.ok(!(await page.content()).includes(URL_SECRET), "the page never shows the secret");
      });

      await t.step("a <script> in a message is shown as text, Markdown is rendered safely", async () => {
        const text = await page.locator(".timeline .message .message-text").allTextContents();
        const script = text.find((x) => x.includes("Investigating"))!;
        assert.ok(script.includes("<script>window.__pwned = 1</script>"), script);
        assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
        assert.equal(await page.locator(".message-text script").count(), 0);
        assert.equal(await page.locator(".message-text strong").first().textContent(), "Investigating");
        const link = page.locator(".message-text a").first();
        assert.equal(await link.getAttribute("href"), "https://status.example.com/incidents/42");
        assert.equal(await link.getAttribute("rel"), "noopener noreferrer nofollow");
        assert.ok(text.some((x) => x.includes(SITE_MESSAGE)));
        assert.ok(SCRIPT_MESSAGE.includes("<script>"));
        const events = await page.locator(".timeline .event-head strong").allTextContents();
        assert.ok(events.includes("Database is down"), events.join(" | "));
      });

      await t.step("Markdown: only safe elements and links", async () => {
        const rendered = await page.evaluate(async () => {
          const { renderMarkdown } = await import("/js/markdown.js" as string);
          const cases = [
            "[click](javascript:alert(1)) and <img src=x onerror=alert(1)>",
            "**bold** *em* `<b>code</b>`\n- one\n- [two](https://example.com/a?b=1)",
            "<a href='https://evil.example'>x</a> data:text/html,<script>alert(1)</script>",
          ];
          return cases.map((c) => {
            const div = document.createElement("div");
            div.append(renderMarkdown(c));
            return {
              html: div.innerHTML,
              tags: [...div.querySelectorAll("*")].map((e) => e.tagName.toLowerCase()),
            };
          });
        });
        assert.deepEqual(rendered[0].tags, ["p"], "no link for javascript:, no img");
        assert.match(rendered[0].html, /&lt;img src=x onerror=alert\(1\)&gt;/);
        assert.deepEqual(rendered[1].tags, ["p", "strong", "em", "code", "ul", "li", "li", "a"]);
        assert.match(rendered[1].html, /<code>&lt;b&gt;code&lt;\/b&gt;<\/code>/);
        // The HTML stays text; only the bare https URL inside it becomes a plain link.
        assert.deepEqual(rendered[2].tags, ["p", "a"]);
        assert.match(
          rendered[2].html,
          /^<p>&lt;a href='<a href="https:\/\/evil\.example\/" rel="noopener noreferrer nofollow">/,
        );
        assert.match(rendered[2].html, /data:text\/html,&lt;script&gt;/);
      });

      await t.step("keyboard and screen readers", async () => {
        await page.keyboard.press("Tab");
        assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to content");
        for (
          const label of await page.locator("svg[role=img]").evaluateAll((els) =>
            els.map((e) => e.getAttribute("aria-label"))
          )
        ) {
          assert.ok(label && label.length > 20, `every graphic has a text alternative: ${label}`);
        }
        assert.equal(await page.getAttribute("#overall-text", "role"), "status");
        assert.deepEqual(
          await page.locator("[data-range]").evaluateAll((els) =>
            els.map((e) => e.getAttribute("aria-pressed"))
          ),
          ["true", "false", "false", "false"],
        );
      });

      await t.step("range switch reloads with one request", async () => {
        const before = requests.length;
        const response = page.waitForResponse((r) => r.url().includes("range=7d"));
        await page.getByRole("button", { name: "7 days" }).click();
        assert.equal((await response).status(), 200);
        await page.waitForFunction(() =>
          document.querySelector("#range-info")?.textContent?.includes("7 days")
        );
        assert.equal(await page.getAttribute("[data-range='7d']", "aria-pressed"), "true");
        // The page's own refresh (every second here) may read the incidents meanwhile: the switch's requests
        // are the ones for the new range, and they are the status document alone.
        const switched = requests.slice(before).filter((u) => u.includes("/api/") && u.includes("range=7d"));
        assert.ok(switched.length >= 1, "the switch reads the status document of the new range");
        assert.deepEqual(switched.filter((u) => !u.includes("/api/v1/status?range=7d")), []);
        assert.match(page.url(), /#range=7d$/);
        await page.getByRole("button", { name: "24 hours" }).click();
        await page.waitForFunction(() =>
          document.querySelector("#range-info")?.textContent?.includes("24 hours")
        );
      });

      await t.step("refreshes itself without reloading", async () => {
        await page.evaluate(() => ((globalThis as { __marker?: number }).__marker = 1));
        // From both locations: down at the quorum (from one of the two it would be partial).
        for (const node of ["eu-west", "us-east"]) {
          await storage.store([{
            title: "API",
            endpoint: "https://api.example.com/health",
            timestamp: nowNs(),
            times: [{ rtt: 80e6 }, { rtt: 0, error: "response status 503 Service Unavailable" }],
            threshold: 300e6,
            down: true,
            node,
          }]);
        }
        await live.handler.refresh();
        await page.waitForFunction(
          () => document.querySelector("#ep-api .card-head .pill")?.textContent === "Down",
          undefined,
          { timeout: 10_000 },
        );
        assert.equal(
          await page.evaluate(() => (globalThis as { __marker?: number }).__marker),
          1,
          "no reload",
        );
        assert.equal(await page.textContent("#overall-text"), "2 services are down");
      });

      await t.step("screenshots: desktop, phone, dark", async () => {
        await shot(page, "serve-desktop");
        const phone = await open(browser, `${live.base}/`, {
          viewport: { width: 390, height: 844 },
          deviceScaleFactor: 2,
          isMobile: true,
          hasTouch: true,
        });
        const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
        assert.ok(overflow <= 0, `no horizontal scrolling on a phone (${overflow}px too wide)`);
        await shot(phone.page, "serve-phone");
        const dark = await open(browser, `${live.base}/`, { colorScheme: "dark" });
        const bg = await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        assert.equal(bg, "rgb(17, 20, 24)");
        await shot(dark.page, "serve-dark");
        assertLocal([...phone.requests, ...dark.requests]);
        assert.deepEqual([...phone.problems, ...dark.problems], []);
      });

      await t.step("no request left 127.0.0.1, no errors or CSP violations", () => {
        assertLocal(requests);
        assert.deepEqual(problems, []);
      });
    } finally {
      await browser.close();
      await live.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "status page hosted statically from per-node summaries, in Chromium",
  ignore: !available,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "checkup-static-" });
    const storage = openStorage({ type: "fs", dir: `${dir}/site/checks` });
    await seedHistory(summarizingStorage(storage));
    await exportPage(`${dir}/site`, { config: "checkup.json", title: "Static status" });
    await Deno.writeTextFile(
      `${dir}/site/config.json`,
      JSON.stringify({
        title: "Static status",
        summaries: [
          "checks/_state/summary-eu-west.json",
          "checks/_state/summary-us-east.json",
          "checks/_state/summary-gone.json",
        ],
      }),
    );
    const site = serveDirectory(`${dir}/site`);
    const browser = await launchChromium();
    try {
      const { page, requests, problems } = await open(browser, `${site.base}/`);
      assert.equal(await page.textContent("#page-title"), "Static status");
      await assertSeededCards(page);
      assert.match(
        (await page.textContent("#notice"))!,
        /could not be read: checks\/_state\/summary-gone\.json: HTTP 404$/,
      );
      const message = (await page.locator(".message-text").allTextContents()).find((x) =>
        x.includes("Investigating")
      )!;
      assert.ok(message.includes("<script>"), message);
      assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
      const data = requests.filter((u) => u.endsWith(".json"));
      assert.deepEqual(data.map((u) => u.slice(site.base.length)), [
        "/config.json",
        "/checks/_state/summary-eu-west.json",
        "/checks/_state/summary-us-east.json",
        "/checks/_state/summary-gone.json",
      ], "a handful of requests: the config and one summary per node");
      assertLocal(requests);
      assert.deepEqual(problems.filter((p) => !/404/.test(p)), []);
      await shot(page, "static-desktop");
      // Served by a plain file server (no CSP header), the page enforces its meta tag's policy.
      const violated = await page.evaluate(() =>
        new Promise<string>((resolve) => {
          document.addEventListener("securitypolicyviolation", (e) => resolve(e.violatedDirective), {
            once: true,
          });
          // Without a policy the fetch fails on its own (no such host): then there is no violation.
          const none = () => setTimeout(() => resolve("none"), 0);
          fetch("https://third-party.example/collect").then(none, none);
        })
      );
      assert.equal(violated, "connect-src");
      const sink = await page.evaluate(() => {
        try {
          document.body.innerHTML = "<b>x</b>";
          return "assigned";
        } catch (e) {
          return (e as Error).name;
        }
      });
      assert.equal(sink, "TypeError", "Trusted Types: no HTML sink");
    } finally {
      await browser.close();
      await site.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const RLO = "\u202E"; // RIGHT-TO-LEFT OVERRIDE: "\u202Enwod" displays as "down"

Deno.test({
  name: "names and messages cannot reorder the page; badges of hostile names are well-formed SVG",
  ignore: !available,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "checkup-bidi-" });
    const storage = openStorage({ type: "fs", dir: `${dir}/checks` });
    const now = nowNs();
    await storage.store([
      {
        title: `Payments ${RLO}nwod`,
        endpoint: "http://pay.test",
        timestamp: now,
        times: [{ rtt: 0, error: `refused ${RLO}\u0007` }],
        down: true,
      },
      {
        title: "Bell\u0007 \uFFFE\uD800 ok",
        endpoint: "http://bell.test",
        timestamp: now,
        times: [{ rtt: 5e6 }],
        healthy: true,
      },
      { timestamp: now, times: [{ rtt: 0 }], message: `All ${RLO}enif si` },
    ]);
    const live = await serveStorage({ reader: storage, writer: storage, title: `Acme${RLO} status` });
    const browser = await launchChromium();
    try {
      const { page, problems } = await open(browser, `${live.base}/`);

      await t.step("bidi controls are removed and data is isolated (dir=auto, bdi)", async () => {
        const names = page.locator("#endpoints h3.name");
        assert.deepEqual(await names.allTextContents(), ["Payments nwod", "Bell \uFFFD ok"]);
        assert.deepEqual(await names.evaluateAll((els) => els.map((e) => e.getAttribute("dir"))), [
          "auto",
          "auto",
        ]);
        const text = await page.evaluate(() => `${document.body.innerText}|${document.title}`);
        const at = text.indexOf(RLO);
        assert.equal(
          at,
          -1,
          `an override character reached the page: ${
            JSON.stringify(text.slice(Math.max(0, at - 40), at + 20))
          }`,
        );
        assert.ok(!text.includes("\u0007") && !text.includes("\uFFFE"), "no control or non-character shows");
        const message = (await page.locator(".message-text").allTextContents()).join("|");
        assert.equal(message, "All enif si");
        assert.equal(await page.locator(".message-text").first().getAttribute("dir"), "auto");
        // The incident line isolates the name, so "is down" stays after it whatever the name holds.
        assert.equal(await page.locator(".event-head strong bdi").first().textContent(), "Payments nwod");
        assert.deepEqual(problems, []);
      });

      await t.step("every badge parses as XML in the browser's strict parser", async () => {
        const { endpoints } = await (await fetch(`${live.base}/api/v1/status`)).json();
        // A blank page: the status page's CSP (Trusted Types) rightly refuses DOMParser.
        const blank = await page.context().newPage();
        const urls = [
          // U+0001, U+FFFE, U+202E and an encoded lone surrogate (not UTF-8 at all).
          "/badges/status.svg?label=a%01b%EF%BF%BE%E2%80%AEc%ED%A0%80d",
          `/badges/status.svg`,
          ...endpoints.flatMap((e: { id: string }) =>
            ["status", "uptime", "rtt"].map((k) => `/badges/${e.id}/${k}.svg`)
          ),
        ];
        for (const url of urls) {
          const res = await fetch(live.base + url);
          assert.equal(res.status, 200, url);
          const svg = await res.text();
          const error = await blank.evaluate((text) => {
            const doc = new DOMParser().parseFromString(text, "image/svg+xml");
            return doc.querySelector("parsererror")?.textContent ??
              (doc.documentElement.localName === "svg" ? "" : `root is ${doc.documentElement.localName}`);
          }, svg);
          assert.equal(error, "", `${url}: ${svg}`);
          assert.ok(!svg.includes(RLO), url);
        }
      });
    } finally {
      await browser.close();
      await live.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
