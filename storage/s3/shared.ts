/**
 * The s3 storage's shared documents (several locations): objects `<prefix>_shared/<key>`. A create is a
 * PutObject with `If-None-Match: *`: S3 refuses it with 412 Precondition Failed when the key exists, and
 * answers 409 ConditionalRequestConflict to one of two conditional writes of one key in flight at once, so of
 * any number of concurrent creates exactly one succeeds
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html). A store without
 * conditional writes (501 NotImplemented) cannot coordinate nodes: a create there fails, saying so. When the
 * SDK sent a create more than once (an answer lost after the write, then 412), the create is this call's if
 * the object holds exactly its value: values should name their writer (node, time), as claims do.
 *
 * @module
 */
import { retry } from "../../_internal/retry.ts";
import { isSharedKey, type SharedStore } from "../storage.ts";
import { SHARED_LIST_LIMIT, sharedKey, sharedPrefix, tooManyShared } from "../shared_keys.ts";
import { errName, status } from "./sdk.ts";

/** What the shared documents need from the s3 storage: its object operations and its wording of errors. */
export interface S3Objects {
  /** The key prefix of the shared documents, `<prefix>_shared/`. */
  root: string;
  /** PutObject; `ifNoneMatch` sends `If-None-Match: *`. */
  put(key: string, body: string, ifNoneMatch: boolean, signal?: AbortSignal): Promise<void>;
  /** GetObject's body, or undefined when there is no such object. */
  get(key: string, signal?: AbortSignal): Promise<string | undefined>;
  /** The keys starting with `prefix`, in key order. */
  keys(prefix: string, signal?: AbortSignal): AsyncIterable<string>;
  /** DeleteObjects, in batches. */
  delete(keys: readonly string[], signal?: AbortSignal): Promise<void>;
  /** An error naming the storage, what failed and why. */
  fail(what: string, e: unknown): Error;
}

/** Tries of a create that meets concurrent conditional writes of its key (409), the first one included. */
const CONFLICT_ATTEMPTS = 5;
/** Parallel GETs of a listing. */
const LIST_CONCURRENCY = 8;

const conflict = (e: unknown) => status(e) === 409 || errName(e) === "ConditionalRequestConflict";
const taken = (e: unknown) => status(e) === 412 || errName(e) === "PreconditionFailed";
/** How many times the SDK sent the request that failed (its own retries included). */
const attempts = (e: unknown) => (e as { $metadata?: { attempts?: number } })?.$metadata?.attempts ?? 1;

/** The shared documents of one s3 storage. */
export class S3SharedDocs implements SharedStore {
  readonly #o: S3Objects;

  /** Documents under `objects.root`. */
  constructor(objects: S3Objects) {
    this.#o = objects;
  }

  async create(key: string, value: string, signal?: AbortSignal): Promise<boolean> {
    const k = this.#o.root + sharedKey("s3", key);
    try {
      return await retry(async () => {
        try {
          await this.#o.put(k, value, true, signal);
          return true;
        } catch (e) {
          if (!taken(e)) throw e;
          // Sent more than once by the SDK (an answer lost, e.g. a 500 after the write): an earlier attempt
          // may have written the key. It did if the key holds exactly this value.
          return attempts(e) > 1 && await this.#o.get(k, signal) === value;
        }
      }, {
        attempts: CONFLICT_ATTEMPTS,
        retryable: conflict,
        delay: { base: 50, max: 400, jitter: 1 },
        signal,
      });
    } catch (e) {
      // Still in conflict: whoever wrote meanwhile holds the key, unless it does not exist after all.
      if (conflict(e) && await this.#o.get(k, signal).catch(() => undefined) !== undefined) return false;
      if (errName(e) === "NotImplemented" || status(e) === 501) {
        throw this.#o.fail(
          "create shared document in",
          new Error(
            "the store does not support conditional writes (If-None-Match: *), so several locations cannot " +
              "coordinate through it",
            { cause: e },
          ),
        );
      }
      throw this.#o.fail("create shared document in", e);
    }
  }

  async put(key: string, value: string, signal?: AbortSignal): Promise<void> {
    const k = this.#o.root + sharedKey("s3", key);
    try {
      await this.#o.put(k, value, false, signal);
    } catch (e) {
      throw this.#o.fail("save shared document in", e);
    }
  }

  /** Lists the keys under the prefix (at most {@linkcode SHARED_LIST_LIMIT}), then GETs them, 8 at a time. */
  async list(prefix: string, signal?: AbortSignal): Promise<Map<string, string>> {
    sharedPrefix("s3", prefix);
    const keys: string[] = [];
    try {
      for await (const k of this.#o.keys(this.#o.root + prefix, signal)) {
        const key = k.slice(this.#o.root.length);
        if (isSharedKey(key) && keys.push(key) > SHARED_LIST_LIMIT) break; // others: not ours (put by hand)
      }
    } catch (e) {
      throw this.#o.fail("list shared documents in", e);
    }
    if (keys.length > SHARED_LIST_LIMIT) throw tooManyShared("s3", prefix);
    const out = new Map<string, string>();
    let next = 0;
    const worker = async () => {
      while (next < keys.length && !signal?.aborted) {
        const key = keys[next++];
        const text = await this.#o.get(this.#o.root + key, signal);
        if (text !== undefined) out.set(key, text); // undefined: removed since the listing
      }
    };
    try {
      await Promise.all(Array.from({ length: LIST_CONCURRENCY }, worker));
    } catch (e) {
      next = keys.length; // the other workers stop after their current GET
      throw this.#o.fail("read shared documents from", e);
    }
    signal?.throwIfAborted();
    return out;
  }

  async remove(keys: readonly string[], signal?: AbortSignal): Promise<void> {
    const objects = keys.map((key) => this.#o.root + sharedKey("s3", key));
    try {
      await this.#o.delete(objects, signal);
    } catch (e) {
      throw this.#o.fail("remove shared documents from", e);
    }
  }
}
