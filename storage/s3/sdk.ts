/**
 * What the s3 storage's files share about the AWS SDK: its module type (loaded on first use) and the shape
 * of its errors.
 *
 * @module
 */

/** The AWS SDK module, loaded only when an s3 storage is used (it reads the environment on load). */
export type Sdk = typeof import("@aws-sdk/client-s3");

/** The SDK error's name (`NoSuchKey`, `PreconditionFailed`, …), or `""`. */
export function errName(e: unknown): string {
  return (e as { name?: string; Code?: string })?.name ?? "";
}

/** The HTTP status of the answer the SDK error came from. */
export function status(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/**
 * Whether an SDK error refuses the object itself: S3's other 400s describe the request or the credentials
 * (RequestTimeout, ExpiredToken, AuthorizationHeaderMalformed, …), not the object, so only a body too
 * large counts.
 */
export function s3Rejects(e: unknown): boolean {
  const err = e as { $metadata?: unknown; name?: unknown };
  if (!err?.$metadata || typeof err.$metadata !== "object") return false;
  return status(e) === 413 || err.name === "EntityTooLarge";
}
