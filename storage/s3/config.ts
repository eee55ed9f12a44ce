/**
 * The `s3` storage's options: `checkup.json` keys, their validated form and the schema between them.
 *
 * @module
 */
import { z } from "zod";
import type { Duration } from "../../duration.ts";
import { duration, httpUrl, typeTag } from "../../config/fields.ts";

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

/** The `s3` storage's config schema. */
export const schema: z.ZodType<S3StorageOptions, S3StorageConfig> = z.lazy(() =>
  z.object({
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
  })
);
