import { httpFake, notifierConformance } from "./_conformance.ts";
import assert from "node:assert/strict";

notifierConformance(
  "pushover",
  httpFake({
    config: (base) => ({
      type: "pushover",
      token: "azGDORePK8gMaC0QOYAMyEEuzJnyUi",
      recipient: "uQiRzpo4DXghDmr9QzzfQu27cmVRsG",
      api_url: base,
    }),
    secrets: ["azGDORePK8gMaC0QOYAMyEEuzJnyUi"],
    // Pushover's POST /1/messages.json: form fields token, user, message (≤1024), title (≤250), url (≤512).
    async handle(req) {
      assert.equal(req.method, "POST");
      assert.equal(new URL(req.url).pathname, "/1/messages.json");
      assert.match(req.headers.get("content-type") ?? "", /^application\/x-www-form-urlencoded/);
      const form = new URLSearchParams(await req.text());
      assert.equal(form.get("token"), "azGDORePK8gMaC0QOYAMyEEuzJnyUi");
      assert.equal(form.get("user"), "uQiRzpo4DXghDmr9QzzfQu27cmVRsG");
      const message = form.get("message") ?? "";
      assert.ok(message.length > 0 && [...message].length <= 1024);
      assert.ok([...(form.get("title") ?? "")].length <= 250);
      if (form.has("url")) assert.ok(form.get("url")!.length <= 512);
      assert.ok(["-2", "-1", "0", "1"].includes(form.get("priority") ?? "0"));
      return { text: `${form.get("title")}\n${message}\n${form.get("url") ?? ""}` };
    },
    ok: () => Response.json({ status: 1, request: "647d2300-702c-4b38-8b2f-d56326ae460b" }),
    reject: () =>
      Response.json({ token: "invalid", errors: ["application token is invalid"], status: 0, request: "x" }, {
        status: 400,
      }),
  }),
  { batched: true },
);

Deno.test("pushover: an answer without status 1 is a failure", async () => {
  const { parseNotifier } = await import("../config/load.ts");
  const { sampleDown } = await import("./_conformance.ts");
  const n = parseNotifier(
    { type: "pushover", token: "t", recipient: "u", api_url: "http://127.0.0.1:9", retries: 0 },
    { fetch: () => Promise.resolve(Response.json({ status: 0 })) },
  );
  await assert.rejects(n.notify([sampleDown()]), /expected \{"status":1\}/);
});
