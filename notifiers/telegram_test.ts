import assert from "node:assert/strict";
import { httpFake, notifierConformance, sampleDown } from "./_conformance.ts";
import { telegramText } from "./telegram.ts";

const TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

notifierConformance(
  "telegram",
  httpFake({
    config: (base) => ({ type: "telegram", token: TOKEN, chat_id: -1001234567890, api_url: base }),
    secrets: [TOKEN, "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"],
    // Bot API: POST /bot<token>/sendMessage, JSON {chat_id, text ≤4096, parse_mode}; answers {"ok":true,...}.
    async handle(req) {
      assert.equal(req.method, "POST");
      assert.equal(new URL(req.url).pathname, `/bot${TOKEN}/sendMessage`);
      assert.match(req.headers.get("content-type") ?? "", /^application\/json/);
      const body = await req.json();
      assert.equal(body.chat_id, -1001234567890);
      assert.equal(body.parse_mode, "HTML");
      assert.ok(body.text.length >= 1 && body.text.length <= 4096);
      // Telegram's HTML mode accepts only b/i/u/s/a/code/pre...; a stray "<" is an error.
      assert.ok(!/<(?!\/?(b|i|u|s|a|code|pre)[ >])/.test(body.text), `unsupported markup in ${body.text}`);
      return {
        text: body.text.replace(/<[^>]+>/g, "").replace(
          /&#(\d+);/g,
          (_: string, n: string) => String.fromCharCode(Number(n)),
        ),
      };
    },
    ok: () =>
      Response.json({ ok: true, result: { message_id: 42, date: 1767225600, chat: { id: -1001234567890 } } }),
    reject: () => Response.json({ ok: false, error_code: 401, description: "Unauthorized" }, { status: 401 }),
  }),
);

Deno.test("telegram: text is escaped for HTML mode", () => {
  const text = telegramText({ ...sampleDown("A <b> & C"), reason: "expected <html>" });
  assert.match(text, /^<b>🔴 A &#60;b&#62; &#38; C is DOWN<\/b>/);
  assert.ok(text.includes("expected &#60;html&#62;"));
});
