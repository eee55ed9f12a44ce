import assert from "node:assert/strict";
import { httpFake, notifierConformance } from "./_conformance.ts";

const PROXY = "Basic Y2hlY2t1cDpzM2NyM3QtcHJveHktcGFzcw==";

notifierConformance(
  "signal",
  httpFake({
    config: (base) => ({
      type: "signal",
      url: base,
      number: "+4915112345678",
      recipients: ["+4915187654321", "group.ZmFrZWdyb3VwaWQ="],
      headers: { Authorization: PROXY },
    }),
    secrets: [PROXY],
    // signal-cli-rest-api: POST /v2/send {message, number, recipients[]}; answers 201 {timestamp}.
    async handle(req) {
      assert.equal(req.method, "POST");
      assert.equal(new URL(req.url).pathname, "/v2/send");
      assert.equal(req.headers.get("authorization"), PROXY);
      assert.match(req.headers.get("content-type") ?? "", /^application\/json/);
      const b = await req.json();
      assert.equal(b.number, "+4915112345678");
      assert.deepEqual(b.recipients, ["+4915187654321", "group.ZmFrZWdyb3VwaWQ="]);
      assert.ok(typeof b.message === "string" && b.message.length > 0);
      return { text: b.message };
    },
    ok: () => Response.json({ timestamp: "1767225720000" }, { status: 201 }),
    reject: () => Response.json({ error: "User +4915112345678 is not registered." }, { status: 400 }),
  }),
);
