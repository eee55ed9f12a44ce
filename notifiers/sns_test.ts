import assert from "node:assert/strict";
import { parseNotifier } from "../config/load.ts";
import { httpFake, notifierConformance, sampleDown } from "./_conformance.ts";
import { snsPublishInput } from "./sns.ts";

const KEY_ID = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:checkup-alerts";

const xml = (body: string) => new Response(body, { headers: { "content-type": "text/xml" } });

notifierConformance(
  "sns",
  httpFake({
    config: (base) => ({
      type: "sns",
      topic_arn: TOPIC,
      access_key_id: KEY_ID,
      secret_access_key: SECRET,
      endpoint: base,
    }),
    secrets: [SECRET],
    // The SNS Query API: POST / form Action=Publish&Version=2010-03-31&TopicArn&Message&Subject
    // &MessageAttributes.entry.N.{Name,Value.DataType,Value.StringValue}, signed with SigV4 for service sns.
    async handle(req) {
      assert.equal(req.method, "POST");
      assert.equal(new URL(req.url).pathname, "/");
      assert.match(
        req.headers.get("authorization") ?? "",
        new RegExp(
          `^AWS4-HMAC-SHA256 Credential=${KEY_ID}/\\d{8}/eu-west-1/sns/aws4_request, ` +
            `SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$`,
        ),
      );
      assert.match(req.headers.get("x-amz-date") ?? "", /^\d{8}T\d{6}Z$/);
      assert.match(req.headers.get("content-type") ?? "", /^application\/x-www-form-urlencoded/);
      const f = new URLSearchParams(await req.text());
      assert.equal(f.get("Action"), "Publish");
      assert.equal(f.get("Version"), "2010-03-31");
      assert.equal(f.get("TopicArn"), TOPIC);
      const subject = f.get("Subject")!;
      assert.ok(subject.length <= 100 && /^[\x20-\x7e]+$/.test(subject), subject);
      const attrs = new Map<string, string>();
      for (let i = 1; f.has(`MessageAttributes.entry.${i}.Name`); i++) {
        assert.equal(f.get(`MessageAttributes.entry.${i}.Value.DataType`), "String");
        attrs.set(
          f.get(`MessageAttributes.entry.${i}.Name`)!,
          f.get(`MessageAttributes.entry.${i}.Value.StringValue`)!,
        );
      }
      assert.ok(attrs.has("kind") && attrs.has("status") && attrs.has("key"));
      return { text: `${subject}\n${f.get("Message")}` };
    },
    ok: () =>
      xml(
        `<PublishResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult><ResponseMetadata><RequestId>f187a3c1-376f-11df-8963-01868b7c937a</RequestId></ResponseMetadata></PublishResponse>`,
      ),
    reject: () =>
      new Response(
        `<ErrorResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>x</RequestId></ErrorResponse>`,
        { status: 403, headers: { "content-type": "text/xml" } },
      ),
  }),
);

Deno.test("sns: the region comes from the ARN; a FIFO topic deduplicates by notification id; keys go together", () => {
  const n = parseNotifier({ type: "sns", topic_arn: TOPIC }) as unknown as { type: string };
  assert.equal(n.type, "sns");
  const fifo = snsPublishInput(sampleDown(), "arn:aws:sns:us-east-1:123456789012:alerts.fifo");
  assert.equal(fifo.MessageDeduplicationId, sampleDown().id);
  assert.equal(fifo.MessageGroupId, sampleDown().key);
  assert.equal(snsPublishInput(sampleDown(), TOPIC).MessageGroupId, undefined);
  assert.throws(
    () => parseNotifier({ type: "sns", topic_arn: TOPIC, access_key_id: KEY_ID }),
    /secret_access_key: expected access_key_id and secret_access_key together/,
  );
  assert.throws(() => parseNotifier({ type: "sns", topic_arn: "alerts" }), /topic_arn: expected a topic ARN/);
});
