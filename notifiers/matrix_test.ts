import assert from "node:assert/strict";
import { httpFake, notifierConformance, sampleDown } from "./_conformance.ts";

const TOKEN = "syt_Y2hlY2t1cA_nXkqQwErTyUiOpAsDfGh_0aB1cD";
const ROOM = "!ehXvUhWNASUkSLvAGP:matrix.example.org";

notifierConformance(
  "matrix",
  httpFake({
    config: (base) => ({ type: "matrix", homeserver: base, access_token: TOKEN, room_id: ROOM }),
    secrets: [TOKEN],
    // PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}, Bearer token, content
    // {msgtype, body, format: org.matrix.custom.html, formatted_body}; answers {event_id}.
    async handle(req) {
      const path = new URL(req.url).pathname;
      assert.equal(req.method, "PUT");
      assert.equal(req.headers.get("authorization"), `Bearer ${TOKEN}`);
      const m = /^\/_matrix\/client\/v3\/rooms\/([^/]+)\/send\/m\.room\.message\/([^/]+)$/.exec(path);
      assert.ok(m, path);
      assert.equal(decodeURIComponent(m[1]), ROOM);
      assert.match(decodeURIComponent(m[2]), /^checkup-/);
      const c = await req.json();
      assert.ok(["m.text", "m.notice"].includes(c.msgtype));
      assert.equal(c.format, "org.matrix.custom.html");
      assert.match(c.formatted_body, /^<strong>/);
      return { text: c.body };
    },
    ok: () => Response.json({ event_id: "$YUwRidLecu:example.com" }),
    reject: () =>
      Response.json({ errcode: "M_UNKNOWN_TOKEN", error: "Invalid access token" }, { status: 401 }),
  }),
);

Deno.test("matrix: a retried alert reuses its transaction id; HTML is escaped", async () => {
  const { parseNotifier } = await import("../config/load.ts");
  const paths: string[] = [];
  const bodies: string[] = [];
  const n = parseNotifier({
    type: "matrix",
    homeserver: "https://m.example",
    access_token: "t",
    room_id: "!r:m.example",
    retries: 0,
  }, {
    fetch: async (input, init) => {
      const req = new Request(input, init);
      paths.push(new URL(req.url).pathname);
      bodies.push(await req.text());
      return new Response("{}");
    },
  });
  const alert = { ...sampleDown(), reason: "<script>x</script>" };
  await n.notify([alert]);
  await n.notify([alert]);
  assert.equal(paths[0], paths[1]);
  assert.ok(!JSON.parse(bodies[0]).formatted_body.includes("<script>"));
});
