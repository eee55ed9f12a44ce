/**
 * An in-process S3 server for tests: `npm:s3rver` on a free port of 127.0.0.1 with a temporary
 * directory. s3rver has no bucket policies or public access blocks; a small middleware in front of its
 * router keeps them in memory so provisioning can be tested end to end (`policies`, `accessBlocks`).
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

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, unknown>;
  status: number;
  body: unknown;
  req: AsyncIterable<Uint8Array>;
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
  const read = async (ctx: KoaContext) => {
    const chunks: Uint8Array[] = [];
    for await (const c of ctx.req) chunks.push(c);
    return new TextDecoder().decode(await new Blob(chunks as BlobPart[]).arrayBuffer());
  };
  // deno-lint-ignore no-explicit-any
  (server as any).middleware.unshift(async (ctx: KoaContext, next: () => Promise<void>) => {
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
