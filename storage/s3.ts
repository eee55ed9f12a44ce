/**
 * The `s3` storage: one `<ns>-check.json` object per round, as Go Checkup writes them, in an S3 bucket or
 * any S3-compatible store (MinIO, R2, Ceph: `endpoint` + `force_path_style`), optionally under a `prefix`.
 * Unlike Go's, it is also a reader (list + get, so `checkup serve` can read it), maintenance deletes only
 * expired check objects under the prefix, and provisioning makes a public-read policy limited to the
 * prefix instead of an IAM user that can read every bucket. Each node also publishes its summary,
 * `<prefix>summary-<node>.json`, for a status page hosted in the bucket (see `server/summary.ts`).
 *
 * @module
 */
import { z } from "zod";
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";

/** The AWS SDK module, loaded only when an s3 storage is used (it reads the environment on load). */
type Sdk = typeof import("@aws-sdk/client-s3");
import type { Duration } from "../duration.ts";
import { duration, httpUrl, typeTag } from "../config/fields.ts";
import type { PluginContext, PluginDefinition } from "../config/plugin.ts";
import { decodeResults, encodeResults, type Result } from "../result.ts";
import {
  checkFileName,
  fetchRounds,
  type IndexEntry,
  type Maintainer,
  NotFoundError,
  parseCheckFileName,
  type Provisioner,
  type ProvisionInfo,
  type StateStore,
  type Storage,
  type StorageReader,
  type StoredRound,
  type StoreOptions,
  type SummaryStore,
} from "./storage.ts";

/** `checkup.json` options of the `s3` storage (Go Checkup's keys plus endpoint, force_path_style, prefix). */
export interface S3StorageConfig {
  /** The storage type, `"s3"`. */
  type: "s3";
  /** Access key; with `secret_access_key` empty too, the standard AWS credential chain is used. */
  access_key_id?: string;
  /** The secret of `access_key_id` (a secret). */
  secret_access_key?: string;
  /** The bucket's region; default `$AWS_REGION`, else `us-east-1`. */
  region?: string;
  /** The bucket's name (3 to 63 lowercase letters, digits, dots and hyphens). */
  bucket: string;
  /** Delete check objects older than this; 0 keeps them forever. */
  check_expiry?: Duration;
  /** An S3-compatible endpoint URL (MinIO, R2, Ceph); default AWS. */
  endpoint?: string;
  /** Address buckets as `endpoint/bucket` instead of `bucket.endpoint` (most S3-compatible stores). */
  force_path_style?: boolean;
  /** Key prefix ("folder") of the check objects; default the bucket root, as in Go. */
  prefix?: string;
}

/** Validated options of the `s3` storage. */
export interface S3StorageOptions {
  /** The storage type, always `"s3"`. */
  type: "s3";
  /** Access key id; `""` with an empty secret: the AWS credential chain. */
  access_key_id: string;
  /** The secret of `access_key_id` (a secret); `""`: the AWS credential chain. */
  secret_access_key: string;
  /** The bucket's region as configured; `""`: `$AWS_REGION`, else `us-east-1`. */
  region: string;
  /** The bucket's name. */
  bucket: string;
  /** Delete check objects older than this, nanoseconds; 0 (default) keeps them forever. */
  check_expiry: number;
  /** An S3-compatible endpoint URL; `""`: AWS. */
  endpoint: string;
  /** Address buckets as `endpoint/bucket` (default false). */
  force_path_style: boolean;
  /** Key prefix of the check objects, ending in `/` unless empty (default the bucket root). */
  prefix: string;
}

const schema: z.ZodType<S3StorageOptions, S3StorageConfig> = z.object({
  type: typeTag("s3"),
  access_key_id: z.string().default("").meta({
    description: "Access key ID; empty: the AWS credential chain.",
  }),
  secret_access_key: z.string().default("").meta({ description: "Secret access key." }),
  region: z.string().default("").meta({
    description: "The bucket's region (default $AWS_REGION or us-east-1).",
  }),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    error: (iss) =>
      iss.input === undefined
        ? "required: expected a bucket name"
        : `expected a bucket name (3-63 lowercase letters, digits, dots, hyphens), found ${
          JSON.stringify(iss.input)
        }`,
  }).meta({ description: "The bucket." }),
  check_expiry: duration("Delete check objects older than this; 0 keeps them forever.").default(0),
  endpoint: z.union([httpUrl("S3-compatible endpoint URL."), z.literal("")]).default("").meta({
    description: "S3-compatible endpoint URL (MinIO, R2, Ceph); empty: AWS.",
  }),
  force_path_style: z.boolean().default(false).meta({ description: "Path-style bucket addressing." }),
  prefix: z.string().default("").transform((p) => p.replace(/^\/+/, "")).transform((p) =>
    p && !p.endsWith("/") ? p + "/" : p
  ).meta({ description: 'Key prefix of the check objects, e.g. "checks/".' }),
});

function envRegion(): string | undefined {
  try {
    return Deno.env.get("AWS_REGION") || Deno.env.get("AWS_DEFAULT_REGION") || undefined;
  } catch {
    return undefined;
  }
}

function errName(e: unknown): string {
  return (e as { name?: string; Code?: string })?.name ?? "";
}

function status(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** Parallel GETs when reading many rounds. */
const READ_CONCURRENCY = 16;

/** Stores rounds as Go Checkup check objects in an S3 bucket. */
export class S3Storage implements Storage, StorageReader, Maintainer, Provisioner, StateStore, SummaryStore {
  readonly type = "s3";
  readonly #o: S3StorageOptions;
  readonly #now: () => bigint;
  readonly #config: S3ClientConfig;
  #module?: Promise<Sdk>;
  #client?: S3Client;
  readonly #region: string;
  #conditional = true;

  /** Configures the client; the AWS SDK is loaded on first use. */
  constructor(options: S3StorageOptions, context: Pick<PluginContext, "now">) {
    this.#o = options;
    this.#now = context.now;
    this.#region = options.region || envRegion() || "us-east-1";
    const config: S3ClientConfig = {
      region: this.#region,
      forcePathStyle: options.force_path_style,
      maxAttempts: 3,
      requestHandler: { requestTimeout: 30_000, connectionTimeout: 10_000 },
    };
    if (options.endpoint) {
      config.endpoint = options.endpoint;
      // Third-party stores often reject the newer default checksums.
      config.requestChecksumCalculation = "WHEN_REQUIRED";
      config.responseChecksumValidation = "WHEN_REQUIRED";
    }
    if (options.access_key_id && options.secret_access_key) {
      config.credentials = { accessKeyId: options.access_key_id, secretAccessKey: options.secret_access_key };
    }
    this.#config = config;
  }

  #sdk(): Promise<Sdk> {
    return this.#module ??= import("@aws-sdk/client-s3");
  }

  async #s3(): Promise<S3Client> {
    return this.#client ??= new (await this.#sdk()).S3Client(this.#config);
  }

  #where(): string {
    return `s3://${this.#o.bucket}/${this.#o.prefix}${
      this.#o.endpoint ? ` at ${new URL(this.#o.endpoint).host}` : ""
    }`;
  }

  #fail(what: string, e: unknown): Error {
    if (e instanceof NotFoundError) return e;
    const err = e as Error & { code?: string };
    let reason = err?.message || errName(e) || String(e);
    const name = errName(e);
    if (name === "NoSuchBucket") reason = "the bucket does not exist (run `checkup provision`)";
    else if (name === "AccessDenied" || status(e) === 403) reason = `access denied (${reason})`;
    else if (/ECONNREFUSED/.test(String(err?.code ?? reason))) reason = "connection refused";
    return new Error(`storage s3: ${what} ${this.#where()}: ${reason}`, { cause: e });
  }

  async #put(
    key: string,
    body: string,
    ifNew: boolean,
    signal?: AbortSignal,
    cacheControl?: string,
  ): Promise<void> {
    await (await this.#s3()).send(
      new (await this.#sdk()).PutObjectCommand({
        Bucket: this.#o.bucket,
        Key: key,
        Body: body,
        ContentType: "application/json",
        ...(cacheControl ? { CacheControl: cacheControl } : {}),
        ...(ifNew && this.#conditional ? { IfNoneMatch: "*" } : {}),
      }),
      { abortSignal: signal },
    );
  }

  async #get(key: string, signal?: AbortSignal): Promise<string | undefined> {
    try {
      const out = await (await this.#s3()).send(
        new (await this.#sdk()).GetObjectCommand({ Bucket: this.#o.bucket, Key: key }),
        {
          abortSignal: signal,
        },
      );
      return await out.Body!.transformToString("utf-8");
    } catch (e) {
      if (errName(e) === "NoSuchKey" || status(e) === 404) return undefined;
      throw e;
    }
  }

  async store(results: readonly Result[], signal?: AbortSignal, options: StoreOptions = {}): Promise<string> {
    const body = encodeResults(results);
    try {
      for (let ns = options.at ?? this.#now(), tries = 0;; ns++, tries++) {
        const name = checkFileName(ns);
        const key = this.#o.prefix + name;
        try {
          // If-None-Match: * makes a taken name fail instead of being overwritten (lock-free uniqueness).
          await this.#put(key, body, true, signal);
          return name;
        } catch (e) {
          if (errName(e) === "NotImplemented" && this.#conditional) {
            this.#conditional = false; // an S3-compatible store without conditional writes
            tries--;
            ns--;
            continue;
          }
          if (status(e) !== 412 && errName(e) !== "PreconditionFailed" || tries >= 1000) throw e;
          if (await this.#get(key, signal) === body) return name; // the same round re-sent
        }
      }
    } catch (e) {
      throw this.#fail("store in", e);
    }
  }

  /** Check objects under the prefix (name and store time), listed from `startAfter` on, in key order. */
  async *#list(startAfter?: string, signal?: AbortSignal): AsyncIterable<IndexEntry> {
    // ListObjects (v1, as Go's status page used) paged by Marker = the last key: every S3-compatible
    // store supports it, including ones whose v2 continuation tokens are broken.
    let after = startAfter;
    for (;;) {
      const page = await (await this.#s3()).send(
        new (await this.#sdk()).ListObjectsCommand({
          Bucket: this.#o.bucket,
          Prefix: this.#o.prefix || undefined,
          Marker: after,
        }),
        { abortSignal: signal },
      );
      const contents = page.Contents ?? [];
      for (const o of contents) {
        const name = o.Key!.slice(this.#o.prefix.length);
        const ts = name.includes("/") ? undefined : parseCheckFileName(name);
        if (ts !== undefined) yield { name, timestamp: ts };
      }
      if (!page.IsTruncated || !contents.length) return;
      after = contents[contents.length - 1].Key;
    }
  }

  async index(signal?: AbortSignal): Promise<IndexEntry[]> {
    const out: IndexEntry[] = [];
    try {
      for await (const e of this.#list(undefined, signal)) out.push(e);
    } catch (e) {
      throw this.#fail("list", e);
    }
    return out.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  }

  async fetch(name: string, signal?: AbortSignal): Promise<Result[]> {
    if (parseCheckFileName(name) === undefined || name.includes("/")) {
      throw new NotFoundError(`no check object named ${JSON.stringify(name)}`);
    }
    let text: string | undefined;
    try {
      text = await this.#get(this.#o.prefix + name, signal);
    } catch (e) {
      throw this.#fail("read", e);
    }
    if (text === undefined) throw new NotFoundError(`no check object named ${JSON.stringify(name)}`);
    return decodeResults(text, `s3://${this.#o.bucket}/${this.#o.prefix}${name}`);
  }

  async *rounds(since: bigint, signal?: AbortSignal): AsyncIterable<StoredRound> {
    // Keys start with the 19-digit store time, so a listing can start right after `since` (as Go's page did).
    const entries: IndexEntry[] = [];
    try {
      for await (const e of this.#list(this.#o.prefix + checkFileName(since), signal)) {
        if (e.timestamp > since) entries.push(e);
      }
    } catch (e) {
      throw this.#fail("list", e);
    }
    entries.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
    yield* fetchRounds(this, entries, READ_CONCURRENCY, signal);
  }

  /** Deletes expired check objects under the prefix, and nothing else (Go deleted every old object). */
  async maintain(signal?: AbortSignal): Promise<number> {
    if (!this.#o.check_expiry) return 0;
    const cutoff = this.#now() - BigInt(this.#o.check_expiry);
    let deleted = 0;
    try {
      let batch: string[] = [];
      const flush = async () => {
        if (!batch.length) return;
        const out = await (await this.#s3()).send(
          new (await this.#sdk()).DeleteObjectsCommand({
            Bucket: this.#o.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
          { abortSignal: signal },
        );
        if (out.Errors?.length) {
          throw new Error(
            `${out.Errors.length} object(s) not deleted: ${out.Errors[0].Key}: ${out.Errors[0].Message}`,
          );
        }
        deleted += batch.length;
        batch = [];
      };
      for await (const e of this.#list(undefined, signal)) {
        if (e.timestamp >= cutoff) continue;
        batch.push(this.#o.prefix + e.name);
        if (batch.length === 1000) await flush();
      }
      await flush();
    } catch (e) {
      throw this.#fail("maintain", e);
    }
    return deleted;
  }

  #stateKey(key: string): string {
    if (!/^[\w.-]{1,200}$/.test(key) || key.startsWith(".")) {
      throw new Error(`storage s3: invalid state key ${JSON.stringify(key)}`);
    }
    return `${this.#o.prefix}_state/${key}.json`;
  }

  async loadState(key: string, signal?: AbortSignal): Promise<string | undefined> {
    try {
      return await this.#get(this.#stateKey(key), signal);
    } catch (e) {
      throw this.#fail("read state from", e);
    }
  }

  async saveState(key: string, value: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.#put(this.#stateKey(key), value, false, signal);
    } catch (e) {
      throw this.#fail("save state in", e);
    }
  }

  #summaryKey(key: string): string {
    if (!/^[\w.-]{1,200}$/.test(key) || key.startsWith(".")) {
      throw new Error(`storage s3: invalid summary key ${JSON.stringify(key)}`);
    }
    return `${this.#o.prefix}${key}.json`;
  }

  /** The summary object `<prefix><key>.json`, or undefined. */
  async loadSummary(key: string, signal?: AbortSignal): Promise<string | undefined> {
    try {
      return await this.#get(this.#summaryKey(key), signal);
    } catch (e) {
      throw this.#fail("read summary from", e);
    }
  }

  /**
   * Replaces the summary object `<prefix><key>.json`: beside the check objects, so the public-read policy
   * of {@linkcode publicPolicy} covers it. `Cache-Control: no-cache` makes browsers and CDNs revalidate it,
   * as it changes every round.
   */
  async saveSummary(key: string, text: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.#put(this.#summaryKey(key), text, false, signal, "no-cache");
    } catch (e) {
      throw this.#fail("save summary in", e);
    }
  }

  /**
   * The public-read bucket policy: GET of the prefix's objects (check objects and summaries), listing of
   * the prefix, state (`<prefix>_state/`) kept private.
   */
  publicPolicy(): Record<string, unknown> {
    const { bucket, prefix } = this.#o;
    return {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "CheckupPublicReadChecks",
          Effect: "Allow",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: `arn:aws:s3:::${bucket}/${prefix}*`,
        },
        {
          Sid: "CheckupPublicListChecks",
          Effect: "Allow",
          Principal: "*",
          Action: "s3:ListBucket",
          Resource: `arn:aws:s3:::${bucket}`,
          ...(prefix ? { Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } } } : {}),
        },
        {
          Sid: "CheckupPrivateState",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: `arn:aws:s3:::${bucket}/${prefix}_state/*`,
        },
      ],
    };
  }

  /**
   * Creates the bucket (or keeps it when it is already yours), allows bucket policies, sets CORS for the
   * status page (GET and HEAD from any origin, Go's rule), the public-read policy of
   * {@linkcode publicPolicy} and a website configuration (index document `index.html`), so a status page
   * uploaded under the prefix is served by the bucket's website endpoint. No IAM user is created.
   */
  async provision(signal?: AbortSignal): Promise<ProvisionInfo> {
    const { bucket } = this.#o;
    const info: ProvisionInfo = { bucket, region: this.#region };
    if (this.#o.endpoint) info.endpoint = this.#o.endpoint;
    const step = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (e) {
        throw this.#fail(`provision: ${what} for`, e);
      }
    };
    try {
      await (await this.#s3()).send(
        new (await this.#sdk()).CreateBucketCommand({
          Bucket: bucket,
          ...(this.#region !== "us-east-1" && !this.#o.endpoint
            ? { CreateBucketConfiguration: { LocationConstraint: this.#region as never } }
            : {}),
        }),
        { abortSignal: signal },
      );
      info.created = "bucket";
    } catch (e) {
      if (errName(e) !== "BucketAlreadyOwnedByYou" && errName(e) !== "BucketAlreadyExists") {
        throw this.#fail("provision: create bucket", e);
      }
      if (errName(e) === "BucketAlreadyExists") {
        // Some stores answer this for your own bucket too: it is yours if you can reach it.
        try {
          await (await this.#s3()).send(new (await this.#sdk()).HeadBucketCommand({ Bucket: bucket }), {
            abortSignal: signal,
          });
        } catch {
          throw this.#fail("provision: create bucket", new Error("the name is taken by another account"));
        }
      }
      info.created = "nothing (the bucket already exists and is yours)";
    }
    try {
      await (await this.#s3()).send(
        new (await this.#sdk()).PutPublicAccessBlockCommand({
          Bucket: bucket,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: false,
            RestrictPublicBuckets: false,
          },
        }),
        { abortSignal: signal },
      );
      info.public_access_block = "ACLs blocked; bucket policies allowed";
    } catch (e) {
      if (errName(e) !== "NotImplemented") throw this.#fail("provision: public access block for", e);
      info.public_access_block = "not supported by this store (skipped)";
    }
    await step("CORS", async () =>
      (await this.#s3()).send(
        new (await this.#sdk()).PutBucketCorsCommand({
          Bucket: bucket,
          CORSConfiguration: {
            CORSRules: [{
              AllowedOrigins: ["*"],
              AllowedMethods: ["GET", "HEAD"],
              AllowedHeaders: ["*"],
              ExposeHeaders: ["ETag"],
              MaxAgeSeconds: 3000,
            }],
          },
        }),
        { abortSignal: signal },
      ));
    info.cors = "GET, HEAD from any origin (max age 3000 s)";
    await step("policy", async () =>
      (await this.#s3()).send(
        new (await this.#sdk()).PutBucketPolicyCommand({
          Bucket: bucket,
          Policy: JSON.stringify(this.publicPolicy()),
        }),
        { abortSignal: signal },
      ));
    info.public_read = `s3://${bucket}/${this.#o.prefix}* (objects and listing; _state/ stays private)`;
    // A static status page uploaded under the prefix is then served by the bucket's website endpoint.
    try {
      await (await this.#s3()).send(
        new (await this.#sdk()).PutBucketWebsiteCommand({
          Bucket: bucket,
          WebsiteConfiguration: { IndexDocument: { Suffix: "index.html" } },
        }),
        { abortSignal: signal },
      );
      info.website = `index document index.html (the website endpoint serves ${this.#o.prefix || "/"})`;
    } catch (e) {
      if (errName(e) !== "NotImplemented" && status(e) !== 501) throw this.#fail("provision: website for", e);
      info.website = "not supported by this store (skipped)";
    }
    return info;
  }

  close(): Promise<void> {
    this.#client?.destroy();
    this.#client = undefined;
    return Promise.resolve();
  }
}

/** The `s3` storage type. */
export const s3Storage: PluginDefinition<Storage, S3StorageOptions> = {
  type: "s3",
  summary: "Go Checkup check objects in an S3 bucket or S3-compatible store (readable, provisionable).",
  schema,
  create: (options, context) => new S3Storage(options, context),
};
