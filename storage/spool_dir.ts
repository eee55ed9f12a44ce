/**
 * Where a storage's spool lives by default: one directory per storage configuration, under the user's
 * state directory.
 *
 * @module
 */
import { sha256Hex } from "../_internal/sha256.ts";
import { join } from "node:path";

/**
 * The default spool directory for a storage: `$CHECKUP_SPOOL_DIR`, else
 * `$XDG_STATE_HOME/checkup/spool/<type>-<hash of the storage options>` (XDG_STATE_HOME defaults to
 * `~/.local/state`), else a directory under the system temp dir.
 */
export function defaultSpoolDir(type: string, options: unknown): string {
  const id = sha256Hex(JSON.stringify(options ?? null, (_k, v) => typeof v === "bigint" ? v.toString() : v))
    .slice(0, 12);
  const leaf = `${type}-${id}`;
  const env = (k: string): string | undefined => {
    try {
      return Deno.env.get(k);
    } catch {
      return undefined; // no env permission
    }
  };
  const explicit = env("CHECKUP_SPOOL_DIR");
  if (explicit) return join(explicit, leaf);
  const home = env("HOME");
  const state = env("XDG_STATE_HOME") || (home ? join(home, ".local", "state") : undefined);
  if (state) return join(state, "checkup", "spool", leaf);
  return join(env("TMPDIR") || "/tmp", "checkup-spool", leaf);
}
