import assert from "node:assert/strict";
import { Rollup } from "./rollup.js";
import { statusView } from "./view.js";

const MIN = 60_000;
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
type St = "healthy" | "degraded" | "down";

function add(rollup: Rollup, title: string, st: St, t: number, node?: string) {
  rollup.add({
    title,
    endpoint: `https://${title.toLowerCase().replaceAll(" ", "-")}.test`,
    times: [st === "down" ? { rtt: 0, error: "refused" } : { rtt: 1e6 }],
    ...(st === "healthy" ? { healthy: true } : st === "degraded" ? { degraded: true } : { down: true }),
    ...(node ? { node } : {}),
  }, t);
}

/** Payments: Cards (down in the last minutes), Wallet; Search: Index; Blog and Docs without a group. */
function fixture() {
  const rollup = new Rollup();
  for (let t = NOW - 120 * MIN; t <= NOW; t += MIN) {
    add(rollup, "Blog", "healthy", t);
    add(rollup, "Cards", t > NOW - 10 * MIN ? "down" : "healthy", t);
    add(rollup, "Index", t > NOW - 5 * MIN ? "degraded" : "healthy", t);
    add(rollup, "Wallet", "healthy", t);
    add(rollup, "Docs", "healthy", t);
  }
  return rollup;
}
const order = ["Blog", "Cards", "Index", "Wallet", "Docs"];
const GROUPS: Record<string, string> = { Cards: "Payments", Wallet: "Payments", Index: "Search" };
const groups = (title: string) => GROUPS[title];

Deno.test("groups: members in config order of first appearance, worst status, summed slots", () => {
  const view = statusView(fixture(), { now: NOW, order, groups });
  assert.deepEqual(view.endpoints.map((e) => [e.title, e.group]), [
    ["Blog", undefined],
    ["Cards", "Payments"],
    ["Index", "Search"],
    ["Wallet", "Payments"],
    ["Docs", undefined],
  ]);
  assert.equal("group" in view.endpoints[0], false, "no group: no key");
  const g = view.groups ?? [];
  assert.deepEqual(g.map((x) => [x.name, x.status, x.endpoints]), [
    ["Payments", "down", ["cards", "wallet"]],
    ["Search", "degraded", ["index"]],
  ]);
  const [pay, search] = g;
  const cards = view.endpoints[1], wallet = view.endpoints[3], index = view.endpoints[2];
  for (let i = 0; i < pay.slots.up.length; i++) {
    assert.equal(pay.slots.up[i], cards.slots.up[i] + wallet.slots.up[i]);
    assert.equal(pay.slots.down[i], cards.slots.down[i] + wallet.slots.down[i]);
  }
  const last = pay.slots.up.length - 1;
  assert.equal(pay.slots.combined?.[last], "down", "the member's outage shows on the group's bar");
  assert.equal(search.slots.combined?.[last], "degraded");
  assert.deepEqual(search.slots.down, index.slots.down, "one member: its counts");
  assert.equal(pay.slots.combined?.[0], null, "no check in the slot: not observed");
  // Checks-weighted: 10 down checks of Cards over 2 × 121 checks.
  assert.equal(pay.uptime["24h"], Math.floor(((242 - 10) / 242) * 100_000) / 1000);
  assert.equal(search.uptime["24h"], 100, "degraded counts as up");
  assert.equal(view.status, "down");
});

Deno.test("groups: a stale member does not decide the group's status; all stale is unknown", () => {
  const rollup = fixture();
  for (let t = NOW - 300 * MIN; t <= NOW - 200 * MIN; t += MIN) add(rollup, "Ledger", "down", t, "eu");
  const view = statusView(rollup, {
    now: NOW,
    order,
    groups: (t) => t === "Ledger" ? "Back office" : GROUPS[t],
  });
  const ledger = view.endpoints.find((e) => e.title === "Ledger");
  assert.equal(ledger?.stale, true);
  const office = view.groups?.find((x) => x.name === "Back office");
  assert.equal(office?.status, "unknown");
  assert.deepEqual(view.groups?.map((x) => x.name), ["Payments", "Search", "Back office"], "stale last");
});

Deno.test("groups: with several locations the group's bar takes each member's combined status", () => {
  const rollup = new Rollup();
  for (let t = NOW - 30 * MIN; t <= NOW; t += MIN) {
    add(rollup, "Cards", "healthy", t, "eu");
    add(rollup, "Cards", t > NOW - 5 * MIN ? "down" : "healthy", t, "us");
    add(rollup, "Cards", "healthy", t, "ap");
  }
  const view = statusView(rollup, { now: NOW, groups: () => "Payments" });
  const [pay] = view.groups ?? [];
  assert.equal(pay.status, "partial", "one location of three failing: partial, as the member");
  assert.equal(pay.slots.combined?.at(-1), view.endpoints[0].slots.combined?.at(-1));
});

Deno.test("no groups: the view is exactly as without the option", () => {
  const rollup = fixture();
  const plain = statusView(rollup, { now: NOW, order });
  assert.equal("groups" in plain, false);
  assert.deepEqual(statusView(rollup, { now: NOW, order, groups: () => undefined }), plain);
});
