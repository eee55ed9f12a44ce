/** Incident and maintenance announcements reach every notifier added for issue 17, opening and closing. */
import assert from "node:assert/strict";
import { parseNotifier } from "../config/load.ts";
import { sampleDown } from "./_conformance.ts";
import type { NotifierConfig } from "./mod.ts";
import type { Alert } from "./notifier.ts";

const CONFIGS: Record<string, unknown>[] = [
  { type: "mattermost", webhook: "https://mm.example/hooks/k" },
  { type: "rocketchat", webhook: "https://rc.example/hooks/i/t" },
  { type: "googlechat", webhook: "https://chat.example/v1/spaces/S/messages?key=k&token=t" },
  { type: "opsgenie", api_key: "k" },
  { type: "victorops", api_key: "k", routing_key: "r" },
  { type: "matrix", homeserver: "https://m.example", access_token: "t", room_id: "!r:m.example" },
  { type: "zulip", site: "https://z.example", email: "bot@z.example", api_key: "k", stream: "ops" },
  {
    type: "twilio",
    account_sid: "AC0123456789abcdef0123456789abcdef",
    auth_token: "t",
    from: "+15017122661",
    to: ["+15558675310"],
  },
  { type: "signal", url: "http://s.example", number: "+4915112345678", recipients: ["+4915187654321"] },
  { type: "homeassistant", url: "http://ha.example", token: "t", service: "mobile_app_x" },
  { type: "apprise", url: "http://a.example", key: "k" },
];

const incident = (status: "down" | "healthy", kind: "incident" | "maintenance"): Alert => ({
  ...sampleDown("Payments outage", ""),
  kind,
  status,
  reason: kind === "incident" ? "Card payments fail for some customers" : "Database upgrade 02:00-03:00",
});

for (const config of CONFIGS) {
  Deno.test(`${config.type}: incident and maintenance announcements open and close`, async () => {
    const sent: string[] = [];
    const n = parseNotifier(
      {
        ...config,
        notify_on: ["down", "recovered", "incident", "maintenance"],
        retries: 0,
      } as NotifierConfig,
      {
        fetch: async (input, init) => {
          const req = new Request(input, init);
          sent.push(`${req.url}\n${await req.text()}`);
          return new Response("{}", { status: 200 });
        },
      },
    );
    assert.deepEqual(n.policy?.notify_on, ["down", "recovered", "incident", "maintenance"]);
    for (const kind of ["incident", "maintenance"] as const) {
      await n.notify([incident("down", kind)]);
      await n.notify([incident("healthy", kind)]);
    }
    assert.equal(sent.length, 4);
    // Opsgenie closes by alias and On-Call sends RECOVERY; the others say what happened.
    if (config.type === "opsgenie") {
      assert.match(sent[1], /\/close\?identifierType=alias/);
    } else if (config.type === "victorops") {
      assert.match(sent[0], /"message_type":"INFO"/);
      assert.match(sent[1], /"message_type":"RECOVERY"/);
    } else {
      const decoded = sent.map((s) => decodeURIComponent(s.replace(/\+/g, " ")));
      assert.match(decoded[0], /Incident/);
      assert.match(decoded[1], /Incident resolved/);
      assert.match(decoded[2], /Maintenance/);
      assert.match(decoded[3], /Maintenance over/);
    }
  });
}
