/**
 * The configuration the network SQL storages (postgres, mysql) share: Go's keys, one schema with the DSN
 * checked by the backend's parser, and connection errors in words.
 *
 * @module
 */
import { z } from "zod";
import type { Duration } from "../duration.ts";
import { duration, typeTag } from "../config/fields.ts";
import type { SqlStorageOptions } from "./sql.ts";

/** Why a connection failed, from Node-style error codes, in words. */
export function networkReason(e: unknown): string | undefined {
  const err = e as { code?: string; errors?: unknown[] };
  const code = err?.code ?? (err?.errors?.[0] as { code?: string } | undefined)?.code;
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused (is the server running and listening there?)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host name not found";
    case "ETIMEDOUT":
    case "ETIMEOUT":
      return "connection timed out";
    case "ECONNRESET":
      return "connection reset by the server";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable";
    default:
      return undefined;
  }
}

/** What a network SQL storage's schema needs to know: its names, its DSN's shape and parser. */
export interface SqlSchemaSpec<T extends string, A extends string> {
  type: T;
  aliases: readonly A[];
  /** Says what a DSN looks like, for the "required" error. */
  dsnExample: string;
  /** The `dsn` key's description in the JSON Schema. */
  dsnDescription: string;
  /** Throws a message saying what is wrong with a DSN. */
  parseDsn(dsn: string): unknown;
}

/** Validated options of a network SQL storage (Go's keys). */
export interface SqlNetworkOptions<T extends string> extends SqlStorageOptions {
  /** The storage type (aliases are normalised). */
  type: T;
  /** The DSN as configured (a secret). */
  dsn: string;
}

/** `checkup.json` options of a network SQL storage (Go's keys). */
export interface SqlStorageConfig<T extends string> {
  /** The storage type. */
  type: T;
  /** The DSN (Go's form for the driver). */
  dsn: string;
  /** Create the checks table when missing (default false, as in Go). */
  create?: boolean;
  /** Delete rounds older than this; 0 keeps them forever. */
  check_expiry?: Duration;
}

/** The one config schema of the postgres and mysql storages: Go's keys, the DSN checked by its parser. */
export function sqlStorageSchema<T extends string, A extends string>(
  spec: SqlSchemaSpec<T, A>,
): z.ZodType<SqlNetworkOptions<T>, SqlStorageConfig<T | A>> {
  return z.object({
    type: typeTag(spec.type, spec.aliases),
    dsn: z.string().min(1, { error: `required: expected ${spec.dsnExample}` }).meta({
      description: spec.dsnDescription,
    }),
    create: z.boolean().default(false).meta({ description: "Create the checks table when missing." }),
    check_expiry: duration("Delete rounds older than this; 0 keeps them forever.").default(0),
  }).superRefine((o, ctx) => {
    try {
      spec.parseDsn(o.dsn);
    } catch (e) {
      ctx.issues.push({
        code: "custom",
        path: ["dsn"],
        message: `invalid DSN: ${(e as Error).message}`,
        input: "",
      });
    }
  }) as unknown as z.ZodType<SqlNetworkOptions<T>, SqlStorageConfig<T | A>>;
}
