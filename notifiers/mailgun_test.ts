import assert from "node:assert/strict";
import { httpFake, notifierConformance } from "./_conformance.ts";
import { resolveConfig } from "../config/load.ts";

const KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0";

notifierConformance(
  "mailgun",
  httpFake({
    config: (base) => ({
      type: "mailgun",
      apikey: KEY,
      domain: "mg.example.com",
      from: "Checkup <checkup@mg.example.com>",
      to: ["ops@example.com", "oncall@example.com"],
      api_url: base,
    }),
    secrets: [KEY],
    // Mailgun's POST /v3/{domain}/messages: basic auth api:<key>, multipart form from, to (repeated), subject, text/html.
    async handle(req) {
      assert.equal(req.method, "POST");
      assert.equal(new URL(req.url).pathname, "/v3/mg.example.com/messages");
      assert.equal(req.headers.get("authorization"), `Basic ${btoa(`api:${KEY}`)}`);
      assert.match(req.headers.get("content-type") ?? "", /^multipart\/form-data; boundary=/);
      const form = await req.formData();
      assert.equal(form.get("from"), "Checkup <checkup@mg.example.com>");
      assert.deepEqual(form.getAll("to"), ["ops@example.com", "oncall@example.com"]);
      assert.equal(typeof form.get("subject"), "string");
      assert.match(
        String(form.get("html")),
        /^<b>Checkup has detected the following (issues|changes):<\/b>\r?\n<br\/><br\/>\r?\n<ul>/,
      );
      return { text: `${form.get("subject")}\n${form.get("text")}` };
    },
    ok: () => Response.json({ id: "<20260101000000.1.1@mg.example.com>", message: "Queued. Thank you." }),
    reject: () => new Response("Forbidden", { status: 401 }),
  }),
  { batched: true },
);

Deno.test("mailgun: region picks the API host; a single `to` string still works (old Go configs)", () => {
  const base = { type: "mailgun", apikey: "k", domain: "d", from: "a@b.c", to: "x@y.z" };
  const options = (o: Record<string, unknown>) =>
    resolveConfig({ notifiers: [o] }).notifiers[0].options as { api_url: string; to: string[] };
  assert.equal(options({ ...base, region: "eu" }).api_url, "https://api.eu.mailgun.net");
  assert.equal(options(base).api_url, "https://api.mailgun.net");
  assert.equal(
    options({ ...base, region: "eu", api_url: "http://127.0.0.1:1/" }).api_url,
    "http://127.0.0.1:1",
  );
  assert.deepEqual(options(base).to, ["x@y.z"]);
});
