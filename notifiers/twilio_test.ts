import assert from "node:assert/strict";
import { httpFake, notifierConformance, sampleDown } from "./_conformance.ts";
import { twilioText } from "./twilio.ts";

const SID = "AC0123456789abcdef0123456789abcdef";
const TOKEN = "f0e1d2c3b4a5968778695a4b3c2d1e0f";

notifierConformance(
  "twilio",
  httpFake({
    config: (base) => ({
      type: "twilio",
      account_sid: SID,
      auth_token: TOKEN,
      from: "+15017122661",
      to: ["+15558675310"],
      api_url: base,
    }),
    secrets: [TOKEN, btoa(`${SID}:${TOKEN}`)],
    // POST /2010-04-01/Accounts/<sid>/Messages.json, basic auth sid:token, form To/From/Body; 201 Message.
    async handle(req) {
      assert.equal(req.method, "POST");
      assert.equal(new URL(req.url).pathname, `/2010-04-01/Accounts/${SID}/Messages.json`);
      assert.equal(req.headers.get("authorization"), `Basic ${btoa(`${SID}:${TOKEN}`)}`);
      assert.match(req.headers.get("content-type") ?? "", /^application\/x-www-form-urlencoded/);
      const f = new URLSearchParams(await req.text());
      assert.equal(f.get("To"), "+15558675310");
      assert.equal(f.get("From"), "+15017122661");
      const body = f.get("Body")!;
      assert.ok(body.length >= 1 && body.length <= 1600);
      return { text: body };
    },
    ok: () => Response.json({ sid: "SM1234", status: "queued" }, { status: 201 }),
    reject: () =>
      Response.json({
        code: 20003,
        message: "Authenticate",
        more_info: "https://www.twilio.com/docs/errors/20003",
        status: 401,
      }, {
        status: 401,
      }),
  }),
);

Deno.test("twilio: the text stays short even with a long error; each number gets one", async () => {
  const long = { ...sampleDown(), reason: "x".repeat(5000) };
  assert.ok(twilioText(long).length <= 480);
  const { parseNotifier } = await import("../config/load.ts");
  const to: string[] = [];
  await parseNotifier({
    type: "twilio",
    account_sid: SID,
    auth_token: TOKEN,
    from: "MG0123456789abcdef0123456789abcdef",
    to: ["+15558675310", "+447700900123"],
  }, {
    fetch: async (input, init) => {
      const f = new URLSearchParams(await new Request(input, init).text());
      assert.equal(f.get("MessagingServiceSid"), "MG0123456789abcdef0123456789abcdef");
      to.push(f.get("To")!);
      return new Response("{}", { status: 201 });
    },
  }).notify([sampleDown()]);
  assert.deepEqual(to, ["+15558675310", "+447700900123"]);
  assert.throws(
    () =>
      parseNotifier({ type: "twilio", account_sid: SID, auth_token: "t", from: "+15017122661", to: ["555"] }),
    /to\[0\]: expected an E\.164 number/,
  );
});

Deno.test("twilio: when one number fails, the retry texts only that number (nothing sent twice)", async () => {
  const { parseNotifier } = await import("../config/load.ts");
  const texts: string[] = [];
  let failing = true;
  const notifier = parseNotifier({
    type: "twilio",
    account_sid: SID,
    auth_token: TOKEN,
    from: "+15017122661",
    to: ["+15558675310", "+447700900123", "+33612345678"],
  }, {
    fetch: async (input, init) => {
      const to = new URLSearchParams(await new Request(input, init).text()).get("To")!;
      if (to === "+447700900123" && failing) {
        return Response.json({ code: 20500, status: 500 }, { status: 500 });
      }
      texts.push(to);
      return new Response("{}", { status: 201 });
    },
  });
  const alert = sampleDown();
  await assert.rejects(notifier.notify([alert]));
  assert.deepEqual(texts, ["+15558675310"]);
  failing = false;
  // The outbox hands the same alert (same id) again.
  await notifier.notify([{ ...alert }]);
  assert.deepEqual(texts, ["+15558675310", "+447700900123", "+33612345678"]);
  // A new alert goes to every number again.
  await notifier.notify([{ ...sampleDown(), id: "another" }]);
  assert.equal(texts.length, 6);
});
