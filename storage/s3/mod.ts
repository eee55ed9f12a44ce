/**
 * The `s3` storage: one `<ns>-check.json` object per round, as Go Checkup writes them, in an S3 bucket or
 * any S3-compatible store (MinIO, R2, Ceph: `endpoint` + `force_path_style`), optionally under a `prefix`.
 * Unlike Go's, it is also a reader (list + get, so `checkup serve` can read it), maintenance deletes only
 * expired check objects under the prefix, and provisioning makes a public-read policy limited to the
 * prefix instead of an IAM user that can read every bucket. Each node also publishes its summary,
 * `<prefix>summary-<node>.json`, for a status page hosted in the bucket (see `storage/summarizing.ts`).
 * Files: `config.ts` (the options), `store.ts` (the storage), `provision.ts` (`checkup provision`), `sdk.ts`
 * (the AWS SDK's errors).
 *
 * @module
 */
import type { PluginDefinition } from "../../config/plugin.ts";
import type { Storage } from "../storage.ts";
import { type S3StorageOptions, schema } from "./config.ts";
import { S3Storage } from "./store.ts";

export { S3Storage } from "./store.ts";
export type { S3StorageConfig, S3StorageOptions } from "./config.ts";

/** The `s3` storage type. */
export const s3Storage: PluginDefinition<Storage, S3StorageOptions> = {
  type: "s3",
  summary: "Go Checkup check objects in an S3 bucket or S3-compatible store (readable, provisionable).",
  schema,
  create: (options, context) => new S3Storage(options, context),
};
