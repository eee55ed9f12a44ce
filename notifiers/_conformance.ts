/**
 * The notifier conformance suite: every provider's test file runs it against a local fake of the
 * service (a `Deno.serve` server that checks the wire format the service documents, or a real SMTP
 * server), so all providers are held to the same contract:
 *
 * - its `checkup.json` object resolves, and the shared alert keys are validated with JSON paths;
 * - a down alert is delivered and says which endpoint, what status, since when, the error, and links
 *   the status page; a recovery is delivered too; several alerts in one round all arrive;
 * - a transient failure (5xx, SMTP 451) is retried within the round;
 * - a rejected delivery throws an error that carries no secret; a service that never answers times out;
 * - through the {@linkcode AlertPipeline}, down-down-healthy rounds send exactly one problem and one
 *   recovery.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ConfigError } from "../config/errors.ts";
import { parseNotifier, resolveConfig } from "../config/load.ts";
import type { Result } from "../result.ts";
import { alertKey, notificationId } from "./alerts.ts";
import { formatTime } from "./message.ts";
import type { NotifierConfig } from "./mod.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { AlertPipeline } from "./pipeline.ts";

/** How a fake service answers. */
export type FakeMode = "ok" | "flaky" | "reject" | "hang";

/** What a fake service received: the message's human-readable text (for content checks). */
export interface Captured {
  text: string;
}

/** A running fake of a notification service. */
export interface Fake {
  /** The notifier's `checkup.json` object, pointed at this fake. */
  config: Record<string, unknown>;
  /** Secret values (tokens, webhook paths, passwords) that must never appear in errors. */
  secrets: string[];
  /** Messages accepted so far (they passed the wire-format checks). */
  received: Captured[];
  /** Wire-format violations seen (each answered with HTTP 400 or an SMTP error). */
  problems: string[];
  close(): Promise<void>;
}

/** Starts a fake service answering in `mode`. */
export type FakeFactory = (mode: FakeMode) => Promise<Fake>;

/** Options of {@linkcode httpFake}. */
export interface HttpFakeOptions {
  /** Checks one request against the service's documented format (throw to reject it); returns its text. */
  handle(request: Request): Promise<Captured | Captured[]> | Captured | Captured[];
  /** The notifier object, given the fake's base URL (`http://127.0.0.1:<port>`). */
  config(base: string): Record<string, unknown>;
  /** Secrets in the config. */
  secrets: string[];
  /** The service's success answer (default 200 `{}`). */
  ok?: () => Response;
  /** The service's answer to bad credentials (default 401 `{"error":"invalid token"}`). */
  reject?: () => Response;
}

/** A fake HTTP service on 127.0.0.1 (random port) that checks each request with `handle`. */
export function httpFake(o: HttpFakeOptions): FakeFactory {
  return (mode) => {
    const ac = new AbortController();
    const hanging = new Set<() => void>();
    let count = 0;
    const fake: Fake = {
      config: {},
      secrets: o.secrets,
      received: [],
      problems: [],
      close: () => Promise.resolve(),
    };
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
      async (req) => {
        count++;
        if (mode === "hang") {
          await new Promise<void>((resolve) => hanging.add(resolve));
          return new Response("closing", { status: 503 });
        }
        if (mode === "reject") {
          await req.body?.cancel();
          return o.reject?.() ?? Response.json({ error: "invalid token" }, { status: 401 });
        }
        if (mode === "flaky" && count === 1) {
          await req.body?.cancel();
          return new Response("try again", { status: 503 });
        }
        try {
          const captured = await o.handle(req);
          fake.received.push(...(Array.isArray(captured) ? captured : [captured]));
        } catch (e) {
          fake.problems.push((e as Error).message);
          return new Response(`bad request: ${(e as Error).message}`, { status: 400 });
        }
        return o.ok?.() ?? Response.json({});
      },
    );
    fake.config = o.config(`http://127.0.0.1:${server.addr.port}`);
    fake.close = async () => {
      for (const release of hanging) release();
      ac.abort();
      await server.finished;
    };
    return Promise.resolve(fake);
  };
}

const T = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z
const MIN = 60_000_000_000n;

function result(title: string, endpoint: string, error?: string): Result {
  return error
    ? { title, endpoint, timestamp: T + 2n * MIN, times: [{ rtt: 0, error }], down: true }
    : { title, endpoint, timestamp: T + 9n * MIN, times: [{ rtt: 1200000 }], healthy: true };
}

/** A down alert with every field set, as the state machine produces it. */
export function sampleDown(title = "Checkout API", endpoint = "https://shop.example/api"): Alert {
  const alert: Alert = {
    kind: "down",
    title,
    endpoint,
    status: "down",
    previous: "healthy",
    since: T,
    incident_since: T,
    at: T + 2n * MIN,
    result: result(title, endpoint, "response status 502 Bad Gateway"),
    reason: "response status 502 Bad Gateway",
    node: "eu-1",
    url: "https://status.example.com/",
    key: alertKey("eu-1", title, endpoint),
    id: "",
  };
  alert.id = notificationId(alert);
  return alert;
}

/** The recovery of {@linkcode sampleDown}. */
export function sampleRecovered(title = "Checkout API", endpoint = "https://shop.example/api"): Alert {
  return {
    ...sampleDown(title, endpoint),
    kind: "recovered",
    status: "healthy",
    previous: "down",
    since: T + 9n * MIN,
    at: T + 9n * MIN,
    reason: undefined,
    result: result(title, endpoint),
    id: notificationId({
      ...sampleDown(title, endpoint),
      kind: "recovered",
      status: "healthy",
      at: T + 9n * MIN,
    }),
  };
}

function build(config: Record<string, unknown>, extra: Record<string, unknown> = {}): Notifier {
  return parseNotifier({ ...config, ...extra } as unknown as NotifierConfig);
}

async function withFake(factory: FakeFactory, mode: FakeMode, body: (fake: Fake) => Promise<void>) {
  const fake = await factory(mode);
  try {
    await body(fake);
  } finally {
    await fake.close();
  }
}

function assertNoSecrets(text: string, secrets: string[]) {
  for (const s of secrets) assert.ok(!text.includes(s), `leaked a secret (${s.slice(0, 3)}…) in: ${text}`);
}

/**
 * Registers the conformance tests of one provider. `batched` says the provider sends one message per
 * round (mail, mailgun, pushover, gotify) rather than one per alert.
 */
export function notifierConformance(
  name: string,
  factory: FakeFactory,
  options: { batched?: boolean } = {},
): void {
  const perRound = options.batched ?? false;
  const t = (what: string, fn: () => Promise<void>) =>
    Deno.test({ name: `${name} conformance: ${what}`, sanitizeOps: true, sanitizeResources: true, fn });

  t("config resolves; alert keys are validated with their JSON path", async () => {
    await withFake(factory, "ok", (fake) => {
      const ok = resolveConfig({
        notifiers: [{
          ...fake.config,
          failure_threshold: 3,
          reminder_every: "30m",
          notify_on: ["down", "recovered"],
        }],
      });
      const n = ok.notifiers[0].definition.create(ok.notifiers[0].options, {
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        fetch,
        now: () => 0n,
      });
      assert.equal(n.type === name || ok.notifiers[0].definition.aliases?.includes(name), true);
      assert.equal(n.policy?.failure_threshold, 3);
      assert.equal(n.policy?.reminder_every, 1800e9);
      assert.deepEqual(n.policy?.notify_on, ["down", "recovered"]);
      assert.ok(
        resolveConfig({ notifiers: [{ ...fake.config, colour: "red" }] }).warnings
          .some((w) => w.includes("notifiers[0].colour")),
      );
      try {
        resolveConfig({ notifiers: [{ ...fake.config, failure_threshold: 0, notify_on: ["sideways"] }] });
        assert.fail("expected a ConfigError");
      } catch (e) {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /notifiers\[0\]\.failure_threshold: expected a number ≥ 1, found number 0/);
        assert.match(
          e.message,
          /notifiers\[0\]\.notify_on\[0\]: expected one of "down", "degraded", "recovered"/,
        );
        assertNoSecrets(e.message, fake.secrets);
      }
      return Promise.resolve();
    });
  });

  t("a down alert says which endpoint, what status, since when, why, and links the status page", async () => {
    await withFake(factory, "ok", async (fake) => {
      await build(fake.config, { retries: 0 }).notify([sampleDown()]);
      assert.deepEqual(fake.problems, []);
      assert.equal(fake.received.length, 1);
      const text = fake.received[0].text;
      for (
        const want of ["Checkout API", "https://shop.example/api", "DOWN", "502 Bad Gateway", formatTime(T)]
      ) {
        assert.ok(text.includes(want), `expected ${JSON.stringify(want)} in: ${text}`);
      }
      assert.ok(text.includes("https://status.example.com/"), `expected the status page link in: ${text}`);
    });
  });

  t("a recovery is delivered", async () => {
    await withFake(factory, "ok", async (fake) => {
      const alert = sampleRecovered();
      await build(fake.config, { retries: 0 }).notify([alert]);
      assert.deepEqual(fake.problems, []);
      assert.equal(fake.received.length, 1);
      const text = fake.received[0].text;
      assert.ok(
        text.includes("Checkout API") || text.includes(alert.key),
        `expected the endpoint in: ${text}`,
      );
    });
  });

  t("several alerts of one round all arrive", async () => {
    await withFake(factory, "ok", async (fake) => {
      const other = {
        ...sampleDown("Search", "https://search.example/"),
        kind: "degraded" as const,
        status: "degraded" as const,
      };
      await build(fake.config, { retries: 0 }).notify([
        sampleDown(),
        other,
        sampleRecovered("Login", "https://login.example/"),
      ]);
      assert.deepEqual(fake.problems, []);
      assert.equal(fake.received.length, perRound ? 1 : 3);
      const all = fake.received.map((c) => c.text).join("\n");
      for (const want of ["Checkout API", "Search"]) {
        assert.ok(all.includes(want), `expected ${want} in: ${all}`);
      }
    });
  });

  t("a transient failure is retried within the round", async () => {
    await withFake(factory, "flaky", async (fake) => {
      await build(fake.config, { retries: 1 }).notify([sampleDown()]);
      assert.deepEqual(fake.problems, []);
      assert.equal(fake.received.length, 1);
    });
  });

  t("a rejected delivery throws, and the error carries no secret", async () => {
    await withFake(factory, "reject", async (fake) => {
      const error = await build(fake.config, { retries: 2 }).notify([sampleDown()]).then(
        () => assert.fail("expected the delivery to fail"),
        (e: Error) => e,
      );
      assert.ok(error.message.length > 0);
      assertNoSecrets(`${error.message} ${(error.cause as Error)?.message ?? ""}`, fake.secrets);
    });
  });

  t("a service that never answers times out", async () => {
    await withFake(factory, "hang", async (fake) => {
      const error = await build(fake.config, { retries: 0, timeout: "300ms" }).notify([sampleDown()]).then(
        () => assert.fail("expected a timeout"),
        (e: Error) => e,
      );
      assert.match(error.message, /timeout|timed out|Timeout/i);
      assertNoSecrets(error.message, fake.secrets);
    });
  });

  t("through the pipeline: down, down, healthy sends one problem and one recovery", async () => {
    await withFake(factory, "ok", async (fake) => {
      let now = T;
      const pipeline = new AlertPipeline([build(fake.config, { retries: 0, min_interval: 0 })], {
        now: () => now,
      });
      for (
        const r of [
          result("Cart", "https://cart.example/", "timeout"),
          result("Cart", "https://cart.example/", "timeout"),
          result("Cart", "https://cart.example/"),
        ]
      ) {
        const report = await pipeline.process([r]);
        assert.deepEqual(report.notifiers.flatMap((n) => n.error ? [n.error] : []), []);
        now += MIN;
      }
      assert.deepEqual(fake.problems, []);
      assert.equal(fake.received.length, 2);
    });
  });
}
