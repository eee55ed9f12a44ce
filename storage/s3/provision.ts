/**
 * `checkup provision` for the s3 storage: the bucket, CORS for the status page, a public-read policy
 * limited to the prefix (state and shared documents kept private) and a website configuration. No IAM user.
 *
 * @module
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { ProvisionInfo } from "../storage.ts";
import { errName, type Sdk, status } from "./sdk.ts";

/** What provisioning needs from the storage: where, its client, and its wording of errors. */
export interface S3Access {
  /** The bucket. */
  bucket: string;
  /** The key prefix of the check objects (`""` or ending in `/`). */
  prefix: string;
  /** The bucket's region. */
  region: string;
  /** An S3-compatible endpoint URL; `""`: AWS. */
  endpoint: string;
  /** The client, created on first use. */
  s3(): Promise<S3Client>;
  /** The SDK module, loaded on first use. */
  sdk(): Promise<Sdk>;
  /** An error naming the storage, what failed and why. */
  fail(what: string, e: unknown): Error;
}

/**
 * The public-read bucket policy: GET of the prefix's objects (check objects and summaries), listing of
 * the prefix, state (`<prefix>_state/`) and shared documents (`<prefix>_shared/`) kept private.
 */
export function publicPolicy(bucket: string, prefix: string): Record<string, unknown> {
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
      {
        Sid: "CheckupPrivateShared",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: `arn:aws:s3:::${bucket}/${prefix}_shared/*`,
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
export async function provisionBucket(s3: S3Access, signal?: AbortSignal): Promise<ProvisionInfo> {
  const { bucket, prefix, region, endpoint } = s3;
  const info: ProvisionInfo = { bucket, region };
  if (endpoint) info.endpoint = endpoint;
  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (e) {
      throw s3.fail(`provision: ${what} for`, e);
    }
  };
  try {
    await (await s3.s3()).send(
      new (await s3.sdk()).CreateBucketCommand({
        Bucket: bucket,
        ...(region !== "us-east-1" && !endpoint
          ? { CreateBucketConfiguration: { LocationConstraint: region as never } }
          : {}),
      }),
      { abortSignal: signal },
    );
    info.created = "bucket";
  } catch (e) {
    if (errName(e) !== "BucketAlreadyOwnedByYou" && errName(e) !== "BucketAlreadyExists") {
      throw s3.fail("provision: create bucket", e);
    }
    if (errName(e) === "BucketAlreadyExists") {
      // Some stores answer this for your own bucket too: it is yours if you can reach it.
      try {
        await (await s3.s3()).send(new (await s3.sdk()).HeadBucketCommand({ Bucket: bucket }), {
          abortSignal: signal,
        });
      } catch {
        throw s3.fail("provision: create bucket", new Error("the name is taken by another account"));
      }
    }
    info.created = "nothing (the bucket already exists and is yours)";
  }
  try {
    await (await s3.s3()).send(
      new (await s3.sdk()).PutPublicAccessBlockCommand({
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
    if (errName(e) !== "NotImplemented") throw s3.fail("provision: public access block for", e);
    info.public_access_block = "not supported by this store (skipped)";
  }
  await step("CORS", async () =>
    (await s3.s3()).send(
      new (await s3.sdk()).PutBucketCorsCommand({
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
    (await s3.s3()).send(
      new (await s3.sdk()).PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify(publicPolicy(bucket, prefix)),
      }),
      { abortSignal: signal },
    ));
  info.public_read = `s3://${bucket}/${prefix}* (objects and listing; _state/ stays private)`;
  // A static status page uploaded under the prefix is then served by the bucket's website endpoint.
  try {
    await (await s3.s3()).send(
      new (await s3.sdk()).PutBucketWebsiteCommand({
        Bucket: bucket,
        WebsiteConfiguration: { IndexDocument: { Suffix: "index.html" } },
      }),
      { abortSignal: signal },
    );
    info.website = `index document index.html (the website endpoint serves ${prefix || "/"})`;
  } catch (e) {
    if (errName(e) !== "NotImplemented" && status(e) !== 501) throw s3.fail("provision: website for", e);
    info.website = "not supported by this store (skipped)";
  }
  return info;
}
