/**
 * The pings of a heartbeat, as shared documents of the storage (`SharedStore`), so that any node or `serve`
 * judges them. Lock-free: every ping is a document of its own, created once and never rewritten
 * (`pings/<key>/<time>-<random>`); the first time a checker judged a heartbeat is created once by whoever
 * comes first (`pings/<key>/first`). Nothing is ever read, changed and written back.
 *
 * Bounded: whoever records or reads pings removes the old ones, keeping the newest {@linkcode KEEP_PINGS}
 * plus the two the verdict needs however old (the latest success and the start of its run). Removing is
 * idempotent and only ever drops a ping that has {@linkcode KEEP_PINGS} newer ones (or a newer success), a
 * fact no later ping can undo, so two processes pruning at once never drop what the other keeps.
 *
 * The `<key>` is the heartbeat's name as a slug ({@linkcode pingKey}), never its token: the token is a
 * secret and reaches no key, log, error or page. A ping carries no body: a job's output is not for a public
 * status page.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { SharedStore } from "../../storage/storage.ts";
import { slug } from "../../status/text.js";

/** The shared-key prefix of every heartbeat's pings. */
export const PINGS_PREFIX = "pings/";
/** Pings kept per heartbeat, besides the latest success and the start of its run. */
export const KEEP_PINGS = 10;
/** The document that records when a heartbeat was first judged. */
const FIRST = "first";

/** What a ping says: the job succeeded, started, or failed. */
export type PingKind = "success" | "start" | "fail";

/** One ping as stored. */
export interface Ping {
  /** What it says. */
  kind: PingKind;
  /** When it was received, UTC ms, fractions kept (the receiver's clock). */
  t: number;
  /** The job's exit code, when it sent one (`/api/v1/ping/<token>/<code>`, `checkup ping --exit-code`). */
  exit?: number;
  /** How it came: through `serve` or `checkup ping`. */
  via: "serve" | "cli";
  /** The node that received it, when it has a name. */
  node?: string;
}

/** A heartbeat's stored pings, oldest first, and when it was first judged (UTC ms), if it was. */
export interface PingHistory {
  /** Every readable ping, oldest first. */
  pings: Ping[];
  /** When a checker first judged this heartbeat, UTC ms. */
  first?: number;
}

/**
 * The storage key segment of a heartbeat: its name as a slug, or a hash of the name when nothing of it is
 * left in a slug (a name in another script). Never the token.
 *
 * @example
 * ```ts
 * import { pingKey } from "./pings.ts";
 * console.assert(pingKey("Nightly backup") === "nightly-backup");
 * console.assert(/^h-[0-9a-f]{16}$/.test(pingKey("夜间备份")));
 * ```
 */
export function pingKey(name: string): string {
  return slug(name, 80) || `h-${createHash("sha256").update(name).digest("hex").slice(0, 16)}`;
}

/** A ping's kind for an exit code: 0 is a success, anything else a failure. */
export function kindOfExit(code: number): PingKind {
  return code === 0 ? "success" : "fail";
}

/** Parses a stored ping; undefined when the text is not one. */
export function decodePing(text: string): Ping | undefined {
  let v: Partial<Ping>;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== "object" || typeof v.t !== "number" || !Number.isFinite(v.t)) return undefined;
  if (v.kind !== "success" && v.kind !== "start" && v.kind !== "fail") return undefined;
  const ping: Ping = { kind: v.kind, t: v.t, via: v.via === "cli" ? "cli" : "serve" };
  if (Number.isInteger(v.exit)) ping.exit = v.exit;
  if (typeof v.node === "string" && v.node) ping.node = v.node;
  return ping;
}

/** The pings of one heartbeat in a shared storage: record, read, prune. */
export class PingLog {
  /** The heartbeat's key segment ({@linkcode pingKey}). */
  readonly key: string;
  readonly #shared: SharedStore;
  readonly #prefix: string;

  /** The pings of heartbeat `key` in `shared`. */
  constructor(shared: SharedStore, key: string) {
    this.#shared = shared;
    this.key = key;
    this.#prefix = `${PINGS_PREFIX}${key}/`;
  }

  /** Stores one ping (a new document), then removes pings no longer needed. */
  async record(ping: Ping, signal?: AbortSignal): Promise<void> {
    // Named by the time to the microsecond (sorts as it reads) and a random part (never two alike).
    const micros = String(Math.max(0, Math.floor(ping.t * 1000))).padStart(18, "0");
    const name = `${micros}-${crypto.randomUUID().slice(0, 8)}`;
    await this.#shared.create(this.#prefix + name, JSON.stringify({ v: 1, ...ping }), signal);
    await this.#prune(await this.#shared.list(this.#prefix, signal), signal);
  }

  /**
   * Every stored ping, oldest first, and when the heartbeat was first judged; `now` (UTC ms), when given,
   * records that first judgement if there is none yet (created once: the earliest judge wins). Removes
   * pings no longer needed on the way.
   */
  async read(signal?: AbortSignal, now?: number): Promise<PingHistory> {
    const docs = await this.#shared.list(this.#prefix, signal);
    let first: number | undefined;
    const firstText = docs.get(this.#prefix + FIRST);
    if (firstText !== undefined) first = decodeFirst(firstText);
    else if (now !== undefined) {
      const created = await this.#shared.create(
        this.#prefix + FIRST,
        JSON.stringify({ v: 1, t: now }),
        signal,
      );
      if (created) first = now;
      else { // another judge came first: read its time
        const again = await this.#shared.list(this.#prefix + FIRST, signal);
        first = decodeFirst(again.get(this.#prefix + FIRST) ?? "");
      }
    }
    const pings = await this.#prune(docs, signal);
    return { pings, ...(first !== undefined ? { first } : {}) };
  }

  /** Removes the pings of a listing that are no longer needed; the readable pings kept, oldest first. */
  async #prune(docs: Map<string, string>, signal?: AbortSignal): Promise<Ping[]> {
    const all: { key: string; ping: Ping }[] = [];
    for (const [key, text] of docs) {
      if (key === this.#prefix + FIRST) continue;
      const ping = decodePing(text);
      if (ping) all.push({ key, ping });
    }
    all.sort((a, b) => a.ping.t - b.ping.t || (a.key < b.key ? -1 : 1));
    const keep = keptPings(all.map((a) => a.ping));
    const drop = all.filter((_, i) => !keep.has(i)).map((a) => a.key);
    if (drop.length) await this.#shared.remove(drop, signal);
    return all.filter((_, i) => keep.has(i)).map((a) => a.ping);
  }
}

function decodeFirst(text: string): number | undefined {
  try {
    const t = JSON.parse(text)?.t;
    return typeof t === "number" && Number.isFinite(t) ? t : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The indexes of the pings (oldest first) that are kept: the newest {@linkcode KEEP_PINGS}, the latest
 * success, and the start of the latest success's run (the latest start before it with no success or
 * failure between).
 *
 * @example
 * ```ts
 * import { keptPings, type Ping } from "./pings.ts";
 * const p = (kind: Ping["kind"], t: number): Ping => ({ kind, t, via: "cli" });
 * const pings = [p("start", 1), p("success", 2), ...Array.from({ length: 12 }, (_, i) => p("fail", 3 + i))];
 * console.assert([...keptPings(pings)].sort((a, b) => a - b).join() === "0,1,4,5,6,7,8,9,10,11,12,13");
 * ```
 */
export function keptPings(pings: readonly Ping[]): Set<number> {
  const keep = new Set<number>();
  for (let i = Math.max(0, pings.length - KEEP_PINGS); i < pings.length; i++) keep.add(i);
  const success = pings.findLastIndex((p) => p.kind === "success");
  if (success >= 0) {
    keep.add(success);
    const start = runStart(pings, success);
    if (start !== undefined) keep.add(start);
  }
  return keep;
}

/**
 * The index of the start ping of the run that ended at `end` (oldest first): the latest start before it
 * with no success or failure between; undefined when the run sent no start.
 */
export function runStart(pings: readonly Ping[], end: number): number | undefined {
  return end > 0 && pings[end - 1].kind === "start" ? end - 1 : undefined;
}
