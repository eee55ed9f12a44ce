/**
 * The `github` storage's options: `checkup.json` keys, their validated form and the schema between them.
 *
 * @module
 */
import { z } from "zod";
import type { Duration } from "../../duration.ts";
import { duration, httpUrl, typeTag } from "../../config/fields.ts";

/** `checkup.json` options of the `github` storage (Go Checkup's keys plus `api_url`). */
export interface GithubStorageConfig {
  /** The storage type, `"github"`. */
  type: "github";
  /** A token allowed to write the repository's contents. */
  access_token: string;
  /** The repository's owner (user or organisation). */
  repository_owner: string;
  /** The repository's name. */
  repository_name: string;
  /** Committer of the commits; both empty: the token's user. */
  committer_name?: string;
  /** Committer email of the commits (with `committer_name`). */
  committer_email?: string;
  /** The branch; empty: the repository's default branch. */
  branch?: string;
  /** Folder of the check files in the repository; empty: the root. */
  dir?: string;
  /** Delete check files older than this; 0 keeps them forever. */
  check_expiry?: Duration;
  /** Appended to commit messages; empty: `[ci skip]` (Go's default; `" "` drops it). */
  commit_message_suffix?: string;
  /** The API base URL; GitHub Enterprise: `https://ghe.example.com/api/v3`. */
  api_url?: string;
}

/** Validated options of the `github` storage. */
export interface GithubStorageOptions {
  /** The storage type, always `"github"`. */
  type: "github";
  /** A token allowed to write the repository's contents (a secret). */
  access_token: string;
  /** The repository's owner (user or organisation). */
  repository_owner: string;
  /** The repository's name. */
  repository_name: string;
  /** Committer name; `""` (with an empty email): the token's user. */
  committer_name: string;
  /** Committer email; `""` (with an empty name): the token's user. */
  committer_email: string;
  /** The branch; `""`: the repository's default branch. */
  branch: string;
  /** Folder of the check files, without leading or trailing slashes; `""`: the root. */
  dir: string;
  /** Delete check files older than this, nanoseconds; 0 (default) keeps them forever. */
  check_expiry: number;
  /** Appended to commit messages; `""`: `[ci skip]` (Go's default). */
  commit_message_suffix: string;
  /** The API base URL; `""`: `https://api.github.com`. */
  api_url: string;
}

const required = (what: string) => z.string().min(1, { error: `required: expected ${what}` });

/** The `github` storage's config schema. */
export const schema: z.ZodType<GithubStorageOptions, GithubStorageConfig> = z.lazy(() =>
  z.object({
    type: typeTag("github"),
    access_token: z.string({
      error: "required: expected a GitHub token (Please specify access_token in storage configuration)",
    }).min(1, {
      error: "required: expected a GitHub token (Please specify access_token in storage configuration)",
    })
      .meta({ description: "A token allowed to write the repository's contents." }),
    repository_owner: required("the repository's owner (user or organisation)").meta({
      description: "The repository's owner.",
    }),
    repository_name: required("the repository's name").meta({ description: "The repository's name." }),
    committer_name: z.string().default("").meta({ description: "Committer name of the commits." }),
    committer_email: z.string().default("").meta({ description: "Committer email of the commits." }),
    branch: z.string().default("").meta({ description: "The branch; empty: the default branch." }),
    dir: z.string().default("").transform((d) => d.replace(/^\/+|\/+$/g, "")).meta({
      description: "Folder of the check files; empty: the repository root.",
    }),
    check_expiry: duration("Delete check files older than this; 0 keeps them forever.").default(0),
    commit_message_suffix: z.string().default("").meta({
      description: 'Appended to commit messages; empty means "[ci skip]".',
    }),
    api_url: z.union([httpUrl("The API base URL."), z.literal("")]).default("").meta({
      description: "API base URL (GitHub Enterprise: https://host/api/v3); empty: api.github.com.",
    }),
  }).refine((o) => !o.committer_name === !o.committer_email, {
    error: "expected both committer_name and committer_email, or neither",
    path: ["committer_email"],
  })
);
