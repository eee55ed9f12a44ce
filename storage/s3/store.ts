/**
 * The `s3` storage itself: check objects created with `If-None-Match: *`, listed and read back, expired
 * ones deleted, per-node state under `<prefix>_state/`, summaries beside the check objects and shared
 * documents under `<prefix>_shared/` (`shared.ts`).
 *
 * @module
 */
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import type { PluginContext } from "../../config/plugin.ts";
import { decodeResults, encodeResults, type Result } from "../../result.ts";
import {
  checkFileName,
  fetchRounds,
  type IndexEntry,
  type Maintainer,
  NotFoundError,
  parseCheckFileName,
  type Provisioner,
  type ProvisionInfo,
  type SharedStore,
  type StateStore,
  type Storage,
  type StorageReader,
  type StoredRound,
  type StoreOptions,
  type SummaryStore,
} from "../storage.ts";
import type { S3StorageOptions } from "./config.ts";
import { provisionBucket, publicPolicy } from "./provision.ts";
import { errName, s3Rejects, type Sdk, status } from "./sdk.ts";
import { S3SharedDocs } from "./shared.ts";

function envRegion(): string | undefined {
  try {
    return Deno.env.get("AWS_REGION") || Deno.env.get("AWS_DEFAULT_REGION") || undefined;
  } catch {
    return undefined;
  }
}

/** Parallel GETs when reading many rounds. */
const READ_CONCURRENCY = 16;

/** Stores rounds as Go Checkup check objects in an S3 bucket. */
export class S3Storage
  implements Storage, StorageReader, Maintainer, Provisioner, StateStore, SummaryStore, SharedStore {
  readonly type = "s3";
  readonly #o: S3StorageOptions;
  readonly #now: () => bigint;
  readonly #config: S3ClientConfig;
  #module?: Promise<Sdk>;
  #client?: S3Client;
  readonly #region: string;
  #conditional = true;
  readonly #shared: S3SharedDocs;

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
    this.#shared = new S3SharedDocs({
      root: `${options.prefix}_shared/`,
      put: (key, body, ifNoneMatch, signal) => this.#put(key, body, ifNoneMatch, signal),
      get: (key, signal) => this.#get(key, signal),
      keys: (prefix, signal) => this.#keys(prefix, undefined, signal),
      delete: (keys, signal) => this.#delete(keys, signal),
      fail: (what, e) => this.#fail(what, e),
    });
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
    ifNoneMatch: boolean,
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
        ...(ifNoneMatch ? { IfNoneMatch: "*" } : {}),
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
          await this.#put(key, body, this.#conditional, signal);
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

  /** The keys starting with `prefix`, listed from `startAfter` on, in key order. */
  async *#keys(prefix: string, startAfter?: string, signal?: AbortSignal): AsyncIterable<string> {
    // ListObjects (v1, as Go's status page used) paged by Marker = the last key: every S3-compatible
    // store supports it, including ones whose v2 continuation tokens are broken.
    let after = startAfter;
    for (;;) {
      const page = await (await this.#s3()).send(
        new (await this.#sdk()).ListObjectsCommand({
          Bucket: this.#o.bucket,
          Prefix: prefix || undefined,
          Marker: after,
        }),
        { abortSignal: signal },
      );
      const contents = page.Contents ?? [];
      for (const o of contents) yield o.Key!;
      if (!page.IsTruncated || !contents.length) return;
      after = contents[contents.length - 1].Key;
    }
  }

  /** Check objects under the prefix (name and store time), listed from `startAfter` on, in key order. */
  async *#list(startAfter?: string, signal?: AbortSignal): AsyncIterable<IndexEntry> {
    for await (const key of this.#keys(this.#o.prefix, startAfter, signal)) {
      const name = key.slice(this.#o.prefix.length);
      const ts = name.includes("/") ? undefined : parseCheckFileName(name);
      if (ts !== undefined) yield { name, timestamp: ts };
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
      for await (const e of this.#list(undefined, signal)) {
        if (e.timestamp >= cutoff) continue;
        batch.push(this.#o.prefix + e.name);
        if (batch.length < 1000) continue;
        await this.#delete(batch, signal);
        deleted += batch.length;
        batch = [];
      }
      await this.#delete(batch, signal);
      deleted += batch.length;
    } catch (e) {
      throw this.#fail("maintain", e);
    }
    return deleted;
  }

  /** Deletes the objects, 1000 per request (DeleteObjects' limit). */
  async #delete(keys: readonly string[], signal?: AbortSignal): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const out = await (await this.#s3()).send(
        new (await this.#sdk()).DeleteObjectsCommand({
          Bucket: this.#o.bucket,
          Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
        }),
        { abortSignal: signal },
      );
      if (out.Errors?.length) {
        throw new Error(
          `${out.Errors.length} object(s) not deleted: ${out.Errors[0].Key}: ${out.Errors[0].Message}`,
        );
      }
    }
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
   * Creates `<prefix>_shared/<key>` holding `value` unless it exists: a PutObject with `If-None-Match: *`
   * (see `shared.ts`).
   */
  create(key: string, value: string, signal?: AbortSignal): Promise<boolean> {
    return this.#shared.create(key, value, signal);
  }

  /** Replaces (or creates) `<prefix>_shared/<key>`. */
  put(key: string, value: string, signal?: AbortSignal): Promise<void> {
    return this.#shared.put(key, value, signal);
  }

  /** Every shared document whose key starts with `prefix`. */
  list(prefix: string, signal?: AbortSignal): Promise<Map<string, string>> {
    return this.#shared.list(prefix, signal);
  }

  /** Deletes the shared documents; absent ones are ignored. */
  remove(keys: readonly string[], signal?: AbortSignal): Promise<void> {
    return this.#shared.remove(keys, signal);
  }

  /**
   * The public-read bucket policy: GET of the prefix's objects (check objects and summaries), listing of
   * the prefix, state (`<prefix>_state/`) and shared documents (`<prefix>_shared/`) kept private.
   */
  publicPolicy(): Record<string, unknown> {
    return publicPolicy(this.#o.bucket, this.#o.prefix);
  }

  /**
   * Creates the bucket (or keeps it when it is already yours), allows bucket policies, sets CORS for the
   * status page (GET and HEAD from any origin, Go's rule), the public-read policy of
   * {@linkcode publicPolicy} and a website configuration (index document `index.html`), so a status page
   * uploaded under the prefix is served by the bucket's website endpoint. No IAM user is created.
   */
  provision(signal?: AbortSignal): Promise<ProvisionInfo> {
    return provisionBucket({
      bucket: this.#o.bucket,
      prefix: this.#o.prefix,
      region: this.#region,
      endpoint: this.#o.endpoint,
      s3: () => this.#s3(),
      sdk: () => this.#sdk(),
      fail: (what, e) => this.#fail(what, e),
    }, signal);
  }

  /** The AWS SDK's errors: only a body too large (413, EntityTooLarge) is about the round itself. */
  isRejection(error: unknown): boolean {
    return s3Rejects(error);
  }

  close(): Promise<void> {
    this.#client?.destroy();
    this.#client = undefined;
    return Promise.resolve();
  }
}
