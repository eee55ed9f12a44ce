/**
 * The `sns` notifier: one Amazon SNS `Publish` per alert to a topic, signed (AWS Signature Version 4) by
 * the AWS SDK (`@aws-sdk/client-sns`, loaded on first use).
 *
 * Follows the SNS API reference for Publish (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html):
 * the SDK sends `POST /` to `https://sns.<region>.amazonaws.com` (or `endpoint`) with
 * `Authorization: AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/sns/aws4_request, SignedHeaders=…,
 * Signature=…` and a form-encoded body of `Action=Publish`, `Version=2010-03-31`, `TopicArn`, `Message`
 * (the alert's text), `Subject` (the headline, ≤ 100 ASCII characters, for e-mail subscriptions) and
 * `MessageAttributes` (`kind`, `status`, `key`, for subscription filter policies); a FIFO topic gets
 * `MessageGroupId` = the alert key and `MessageDeduplicationId` = the notification id, so a retry is not a
 * second message. SNS answers `200` with a `PublishResponse` XML. A recovery is published the same way
 * (`kind` = `recovered`). Credentials are the keys given here, else the SDK's default chain (environment,
 * shared files, instance or task role).
 *
 * @module
 */
import { z } from "zod";
import { httpUrl, typeTag } from "../config/fields.ts";
import type { PluginContext, PluginDefinition } from "../config/plugin.ts";
import { deliverEach } from "./http_notifier.ts";
import { alertHeadline, alertText, truncate } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape, policyOf } from "./policy.ts";

type Sdk = typeof import("@aws-sdk/client-sns");

/** `checkup.json` options of the `sns` notifier. */
export interface SnsNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"sns"`. */
  type: "sns";
  /** The topic's ARN, `arn:aws:sns:<region>:<account>:<name>`. */
  topic_arn: string;
  /** The region (default: the topic ARN's). */
  region?: string;
  /** An access key id (default: the SDK's credential chain). */
  access_key_id?: string;
  /** Its secret access key (a secret). */
  secret_access_key?: string;
  /** A session token for temporary credentials (a secret). */
  session_token?: string;
  /** Another endpoint (a VPC endpoint, LocalStack). */
  endpoint?: string;
}

/** Validated options of the `sns` notifier. */
export interface SnsNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"sns"`. */
  type: "sns";
  /** The topic's ARN. */
  topic_arn: string;
  /** The region. */
  region: string;
  /** The access key id, or `""` for the SDK's chain. */
  access_key_id: string;
  /** The secret access key, or `""`. */
  secret_access_key: string;
  /** The session token, or `""`. */
  session_token: string;
  /** Another endpoint, or `""`. */
  endpoint: string;
}

const ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

const schema: z.ZodType<SnsNotifierOptions, SnsNotifierConfig> = z.object({
  type: typeTag("sns"),
  ...alertPolicyShape,
  topic_arn: z.string().regex(ARN, {
    error: "expected a topic ARN like arn:aws:sns:eu-west-1:123456789012:alerts",
  })
    .meta({ description: "The topic's ARN." }),
  region: z.string().regex(/^$|^[a-z]{2}(-[a-z]+)+-\d+$/, { error: "expected a region like eu-west-1" })
    .default("")
    .meta({ description: "The region (default: the topic ARN's)." }),
  access_key_id: z.string().default("").meta({ description: "An access key id (default: the SDK's chain)." }),
  secret_access_key: z.string().default("").meta({ description: "Its secret access key." }),
  session_token: z.string().default("").meta({ description: "A session token (temporary credentials)." }),
  endpoint: z.union([httpUrl("Another endpoint (VPC endpoint, LocalStack)."), z.literal("")]).default(""),
}).superRefine((o, ctx) => {
  if (!!o.access_key_id !== !!o.secret_access_key) {
    ctx.addIssue({
      code: "custom",
      path: [o.access_key_id ? "secret_access_key" : "access_key_id"],
      message:
        "expected access_key_id and secret_access_key together (or neither, for the SDK's credential chain)",
    });
  }
}).transform((o) => ({ ...o, region: o.region || ARN.exec(o.topic_arn)![1] })) as unknown as z.ZodType<
  SnsNotifierOptions,
  SnsNotifierConfig
>;

/** The `Publish` input of one alert. */
export function snsPublishInput(alert: Alert, topicArn: string): Record<string, unknown> {
  const input: Record<string, unknown> = {
    TopicArn: topicArn,
    // Subject: ASCII, no line breaks, at most 100 characters.
    Subject: truncate(alertHeadline(alert, { emoji: false }).replace(/[^\x20-\x7e]/g, "?"), 100).replace(
      "…",
      ".",
    ),
    Message: truncate(alertText(alert, { emoji: false }), 200_000),
    MessageAttributes: {
      kind: { DataType: "String", StringValue: alert.kind },
      status: { DataType: "String", StringValue: alert.status },
      key: { DataType: "String", StringValue: alert.key },
    },
  };
  if (topicArn.endsWith(".fifo")) {
    input.MessageGroupId = truncate(alert.key, 128);
    input.MessageDeduplicationId = alert.id.slice(0, 128);
  }
  return input;
}

/** Publishes alerts to an Amazon SNS topic. */
export class SnsNotifier implements Notifier {
  /** Always `"sns"`. */
  readonly type = "sns";
  /** When this notifier is told. */
  readonly policy: AlertPolicy;
  readonly #o: SnsNotifierOptions;
  #client?: Promise<{ sdk: Sdk; client: InstanceType<Sdk["SNSClient"]> }>;

  /** Builds the notifier (the SDK is loaded at the first alert). */
  constructor(options: SnsNotifierOptions, _ctx?: Pick<PluginContext, "fetch">) {
    this.#o = options;
    this.policy = policyOf(options);
  }

  #sdk(): Promise<{ sdk: Sdk; client: InstanceType<Sdk["SNSClient"]> }> {
    const o = this.#o;
    this.#client ??= import("@aws-sdk/client-sns").then((sdk) => ({
      sdk,
      client: new sdk.SNSClient({
        region: o.region,
        endpoint: o.endpoint || undefined,
        maxAttempts: this.policy.retries + 1,
        credentials: o.access_key_id
          ? {
            accessKeyId: o.access_key_id,
            secretAccessKey: o.secret_access_key,
            sessionToken: o.session_token || undefined,
          }
          : undefined,
      }),
    }));
    return this.#client;
  }

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const ms = this.policy.timeout / 1e6;
    return deliverEach(alerts, async (alert) => {
      const { sdk, client } = await this.#sdk();
      const timer = AbortSignal.timeout(ms);
      const abortSignal = signal ? AbortSignal.any([signal, timer]) : timer;
      try {
        await client.send(
          new sdk.PublishCommand(snsPublishInput(alert, this.#o.topic_arn) as never),
          { abortSignal },
        );
      } catch (e) {
        if (timer.aborted) throw new Error(`SNS Publish to ${this.#o.topic_arn}: timed out after ${ms} ms`);
        const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
        const status = err.$metadata?.httpStatusCode;
        // The SDK's message is the service's (it names no credential); cut it short all the same.
        throw new Error(
          `SNS Publish to ${this.#o.topic_arn}: ${err.name ?? "error"}${status ? ` (HTTP ${status})` : ""}: ${
            truncate(String(err.message ?? e), 300)
          }`,
        );
      }
    });
  }
}

/** The `sns` notifier type. */
export const snsNotifier: PluginDefinition<Notifier, SnsNotifierOptions> = {
  type: "sns",
  summary:
    "Amazon SNS: one signed Publish per alert to a topic (FIFO topics deduplicated by notification id).",
  schema,
  create: (options, ctx) => new SnsNotifier(options, ctx),
};
