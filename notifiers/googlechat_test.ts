import assert from "node:assert/strict";
import { httpFake, notifierConformance, sampleDown, sampleRecovered } from "./_conformance.ts";
import { googleChatMessage } from "./googlechat.ts";

const KEY = "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI";
const TOKEN = "k9XyW2bQpL7uVt3nRs8mFa1Gc6Hd0Je5Zo4Ki-Yw_Tx";

notifierConformance(
  "googlechat",
  httpFake({
    config: (base) => ({
      type: "googlechat",
      webhook: `${base}/v1/spaces/AAAAbCdEfGh/messages?key=${KEY}&token=${TOKEN}`,
    }),
    secrets: [KEY, TOKEN],
    // spaces.messages.create through a webhook: POST JSON Message {text?, cardsV2?, thread.threadKey?}, the
    // key and token in the query, messageReplyOption to reply in the thread; answers the created Message.
    async handle(req) {
      const url = new URL(req.url);
      assert.equal(req.method, "POST");
      assert.equal(url.pathname, "/v1/spaces/AAAAbCdEfGh/messages");
      assert.equal(url.searchParams.get("key"), KEY);
      assert.equal(url.searchParams.get("token"), TOKEN);
      assert.equal(url.searchParams.get("messageReplyOption"), "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD");
      assert.match(req.headers.get("content-type") ?? "", /^application\/json/);
      const m = await req.json();
      assert.ok(typeof m.text === "string" && m.text.length <= 4096);
      assert.ok(typeof m.thread.threadKey === "string" && m.thread.threadKey.length > 0);
      const [c] = m.cardsV2;
      assert.equal(typeof c.cardId, "string");
      assert.equal(typeof c.card.header.title, "string");
      for (const w of c.card.sections[0].widgets) assert.ok(w.decoratedText || w.buttonList);
      return { text: m.text };
    },
    ok: () => Response.json({ name: "spaces/AAAAbCdEfGh/messages/x.x", text: "" }),
    reject: () =>
      Response.json({
        error: { code: 403, message: "The caller does not have permission", status: "PERMISSION_DENIED" },
      }, {
        status: 403,
      }),
  }),
);

Deno.test("googlechat: a problem and its recovery share one thread; thread: false sends none", () => {
  const down = googleChatMessage(sampleDown(), { thread: true }) as { thread: { threadKey: string } };
  const up = googleChatMessage(sampleRecovered(), { thread: true }) as { thread: { threadKey: string } };
  assert.equal(down.thread.threadKey, up.thread.threadKey);
  assert.equal(
    (googleChatMessage(sampleDown(), { thread: false }) as { thread?: unknown }).thread,
    undefined,
  );
});
