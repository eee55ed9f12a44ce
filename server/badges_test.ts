import assert from "node:assert/strict";
import { badge, rttBadge, statusBadge, textWidth, uptimeBadge } from "./badges.ts";

Deno.test("badges escape their text and size to it", () => {
  const svg = badge(`<script>&"'`, "up", "#2e8540");
  assert.doesNotMatch(svg, /<script>/);
  assert.match(svg, /&#60;script&#62;&#38;&#34;&#39;/);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="20" role="img"/);
  assert.ok(textWidth("WWWW") > textWidth("iiii") * 2);
  const short = Number(/width="(\d+)"/.exec(badge("a", "b", "#000"))![1]);
  const long = Number(/width="(\d+)"/.exec(badge("a much longer label", "b", "#000"))![1]);
  assert.ok(long > short + 80);
});

Deno.test("badge values and colours", () => {
  assert.match(statusBadge("API", "down"), /aria-label="API: down".*fill="#d0312d"/s);
  assert.match(statusBadge("API", "healthy"), /aria-label="API: up"/);
  assert.match(uptimeBadge("uptime", 100), /aria-label="uptime: 100%"/);
  assert.match(uptimeBadge("uptime", 99.953), /aria-label="uptime: 99.953%".*#2e8540/s);
  assert.match(uptimeBadge("uptime", 99.5), /aria-label="uptime: 99.5%"/);
  assert.match(uptimeBadge("uptime", 97), /aria-label="uptime: 97%".*#d2651e/s);
  assert.match(uptimeBadge("uptime", null), /no data/);
  assert.match(rttBadge("rtt", 123.4, 500), /aria-label="rtt: 123 ms".*#2e8540/s);
  assert.match(rttBadge("rtt", 1234, 500), /aria-label="rtt: 1.23 s".*#b58100/s);
  assert.match(rttBadge("rtt", 12, null), /#0366d6/);
});

Deno.test("badge text holds no control, non-character, bidi override or half surrogate pair", () => {
  const svg = badge("a\u0001b\uFFFE\u202Ec\u0085", "\uD83D\uDE00".repeat(50), "#000");
  assert.match(svg, /aria-label="abc: (\uD83D\uDE00){40}"/);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(svg, /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF\u202A-\u202E]/);
  assert.doesNotMatch(svg, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
});
