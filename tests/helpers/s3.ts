/**
 * An in-process S3 server for tests: `npm:s3rver` on a free port of 127.0.0.1 with a temporary
 * directory. s3rver has no bucket policies or public access blocks; a small middleware in front of its
 * router keeps them in memory so provisioning can be tested end to end (`policies`, `accessBlocks`).
 *
 * s3rver ignores conditional writes too; the same middleware makes a PutObject with `If-None-Match: *` do
 * what AWS S3 does (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html): when
 * the key exists, 412 Precondition Failed with an XML `PreconditionFailed` error and nothing written; while
 * another conditional write of the same key is in flight, 409 with an XML `ConditionalRequestConflict`
 * error (retry it), so of concurrent creates of one key exactly one succeeds. `conditionalWrites` counts
 * the answers by outcome (tests can show the contention was real), and `enabled: false` makes the server
 * answer 501 NotImplemented instead, as S3-compatible stores without conditional writes do.
 */
import S3rver from "s3rver";
import { freePort } from "./_server.ts";

/** A running s3rver. */
export interface S3Server {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  /** Credentials s3rver accepts. */
  accessKeyId: string;
  secretAccessKey: string;
  /** Bucket policies set through PutBucketPolicy, by bucket. */
  policies: Map<string, string>;
  /** Public access block configurations (XML) by bucket. */
  accessBlocks: Map<string, string>;
  /** Conditional PutObjects (`If-None-Match: *`): supported or not, and the answers so far, by outcome. */
  conditionalWrites: ConditionalWrites;
  /** The `s3` storage config that reaches this server (add `bucket` and `prefix`). */
  storageConfig(): {
    type: "s3";
    endpoint: string;
    force_path_style: true;
    region: string;
    access_key_id: string;
    secret_access_key: string;
  };
  /** Creates an empty bucket. */
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Conditional PutObjects of an {@linkcode S3Server}. */
export interface ConditionalWrites {
  /** Answer them (default); false: 501 NotImplemented, as a store without conditional writes. */
  enabled: boolean;
  /** Taken on: the key is then in flight until the write ends (its body may still be arriving). */
  admitted: number;
  /** Written (200). */
  created: number;
  /** Refused because the key exists (412). */
  preconditionFailed: number;
  /** Refused because another conditional write of the key was in flight (409). */
  conflict: number;
  /** Answered 501 NotImplemented (`enabled` false). */
  notImplemented: number;
  /**
   * When set, an admitted conditional write waits for it before it is written: a write in flight (its key
   * taken, its object not yet visible), so tests can make others meet it.
   */
  hold?: Promise<void>;
  /**
   * The next this many conditional writes are carried out (written, or refused with 412), then answered 500
   * InternalError instead: an answer lost, so the client sends the request again.
   */
  loseAnswers: number;
}

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, unknown>;
  status: number;
  body: unknown;
  type: string;
  req: AsyncIterable<Uint8Array>;
  get(header: string): string;
}

/** Refuses a request (its body unread, then dropped) with an S3 error, as AWS words it. */
async function s3Error(
  ctx: KoaContext,
  status: number,
  code: string,
  message: string,
  extra = "",
): Promise<void> {
  for await (const _ of ctx.req); // the body is not used
  ctx.status = status;
  ctx.type = "application/xml";
  ctx.body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
    `${extra}<RequestId>${crypto.randomUUID()}</RequestId></Error>`;
}

/** Starts s3rver in-process (no binary needed). */
export async function startS3(buckets: string[] = []): Promise<S3Server> {
  const directory = await Deno.makeTempDir({ prefix: "checkup-s3-" });
  const port = freePort();
  const server = new S3rver({
    port,
    address: "127.0.0.1",
    directory,
    silent: true,
    allowMismatchedSignatures: true,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const policies = new Map<string, string>();
  const accessBlocks = new Map<string, string>();
  const conditionalWrites: ConditionalWrites = {
    enabled: true,
    admitted: 0,
    created: 0,
    preconditionFailed: 0,
    conflict: 0,
    notImplemented: 0,
    loseAnswers: 0,
  };
  const inFlight = new Set<string>();
  const read = async (ctx: KoaContext) => {
    const chunks: Uint8Array[] = [];
    for await (const c of ctx.req) chunks.push(c);
    return new TextDecoder().decode(await new Blob(chunks as BlobPart[]).arrayBuffer());
  };
  // PutObject with If-None-Match: * (path-style /bucket/key; not a part upload, not a copy).
  const conditionalPut = async (ctx: KoaContext, next: () => Promise<void>) => {
    const [, bucket, ...rest] = ctx.path.split("/");
    const key = decodeURIComponent(rest.join("/"));
    const id = `${bucket}/${key}`;
    if (!conditionalWrites.enabled) {
      conditionalWrites.notImplemented++;
      const message = "A header you provided implies functionality that is not implemented";
      return await s3Error(ctx, 501, "NotImplemented", message, "<Header>If-None-Match</Header>");
    }
    if (inFlight.has(id)) {
      conditionalWrites.conflict++;
      const message =
        "A conflicting conditional operation is currently in progress against this resource. Please try again.";
      return await s3Error(ctx, 409, "ConditionalRequestConflict", message);
    }
    inFlight.add(id);
    conditionalWrites.admitted++;
    try {
      await conditionalWrites.hold;
      // Checked when the write is about to land (as S3 does), not when it started.
      // deno-lint-ignore no-explicit-any
      if (await (server as any).store.existsObject(bucket, key)) {
        conditionalWrites.preconditionFailed++;
        const message = "At least one of the pre-conditions you specified did not hold";
        await s3Error(ctx, 412, "PreconditionFailed", message, "<Condition>If-None-Match</Condition>");
      } else {
        await next();
        if (ctx.status === 200) conditionalWrites.created++;
      }
      if (conditionalWrites.loseAnswers > 0 && (ctx.status === 200 || ctx.status === 412)) {
        conditionalWrites.loseAnswers--;
        await s3Error(ctx, 500, "InternalError", "We encountered an internal error. Please try again.");
      }
    } finally {
      inFlight.delete(id);
    }
  };
  // deno-lint-ignore no-explicit-any
  (server as any).middleware.unshift(async (ctx: KoaContext, next: () => Promise<void>) => {
    if (
      ctx.method === "PUT" && ctx.get("if-none-match") === "*" && ctx.path.split("/").length > 2 &&
      !("partNumber" in ctx.query) && !ctx.get("x-amz-copy-source")
    ) {
      return await conditionalPut(ctx, next);
    }
    const bucket = ctx.path.split("/")[1];
    const store = "policy" in ctx.query
      ? policies
      : "publicAccessBlock" in ctx.query
      ? accessBlocks
      : undefined;
    if (!store || ctx.path.split("/").filter(Boolean).length !== 1) return await next();
    if (ctx.method === "PUT") {
      store.set(bucket, await read(ctx));
      ctx.status = store === policies ? 204 : 200;
      ctx.body = "";
    } else if (ctx.method === "GET" && store.has(bucket)) {
      ctx.status = 200;
      ctx.body = store.get(bucket);
    } else if (ctx.method === "DELETE") {
      store.delete(bucket);
      ctx.status = 204;
      ctx.body = "";
    } else return await next();
  });
  await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    policies,
    accessBlocks,
    conditionalWrites,
    storageConfig: () => ({
      type: "s3",
      endpoint,
      force_path_style: true,
      region: "us-east-1",
      access_key_id: "S3RVER",
      secret_access_key: "S3RVER",
    }),
    async createBucket(name: string) {
      const res = await fetch(`${endpoint}/${name}`, { method: "PUT" });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`create bucket ${name}: ${res.status}`);
    },
    async stop() {
      await server.close();
      await Deno.remove(directory, { recursive: true }).catch(() => {});
    },
  };
}
