/**
 * Alert claims: the {@linkcode AlertGate} of several locations, over a {@linkcode SharedStore}. No leader,
 * no lock: every transition of a (notifier, endpoint) pair is a numbered claim, created once.
 *
 * - `alerts/<notifier>/<endpoint hash>/t<n>` is the n-th transition (opening, change, recovery). A node that
 *   reaches a transition reads the pair's claims: when the latest already holds the status it wants, another
 *   node decided it and this one adopts it (its incident, whether it was announced); otherwise it creates
 *   claim n + 1. Of nodes racing for the same number exactly one creates it (a conditional create); the
 *   others read again and adopt, so incident ids and notification ids are the winner's on every node, and
 *   clocks never decide who sends.
 * - `alerts/<notifier>/<endpoint hash>/t<n>-r<k>`: the k-th reminder of the incident opened by claim n (k
 *   counts reminder periods since the incident began, which every node agrees on).
 * - `pending/<notification id>`: created by the winner of a claim that sends something, holding the
 *   notification and its owner; removed once it is delivered (or given up). It is the small index every node
 *   reads each round: a pending notification whose owner went silent is taken over.
 * - `takeover/<notification id>/<node>`: a node took over a notification that `<node>` held and did not
 *   deliver before it went silent (created once, so one node takes it over). The first owner, when it comes
 *   back, finds it and drops its copy. Kept 30 days after the notification is settled.
 *
 * - `announce/<notifier>/<event hash>`: telling a notifier about an announcement (an incident update, a
 *   maintenance window's start or end), created once; the node that creates it sends. A node that wins one
 *   prunes that notifier's announcement claims older than 7 days (events older than a day are never
 *   announced: `notifiers/announcements.ts`).
 *
 * Claims of a pair older than 30 days are pruned when the pair is next claimed (its latest is kept).
 * When the shared storage cannot be reached the node decides alone and sends: a page twice beats none.
 *
 * @module
 */
import { sha256Hex } from "../_internal/sha256.ts";
import { slug } from "../status/text.js";
import type { Logger } from "../log.ts";
import type { SharedStore } from "../storage/storage.ts";
import type { Alert } from "../notifiers/notifier.ts";
import type { AlertGate, GateRequest, GateVerdict, Reconciled } from "../notifiers/gate.ts";
import { decodeEntry, encodeEntry, type Outbox } from "../notifiers/outbox.ts";

/** Claims older than this are pruned (the latest transition of each pair is always kept). */
const KEEP_MS = 30 * 86_400_000;
/** Pending notifications older than this are given up by whoever sees them (a notifier's `max_age` default). */
const PENDING_MAX_MS = 86_400_000;
/** Announcement claims older than this are pruned. */
const ANNOUNCE_KEEP_MS = 7 * 86_400_000;
/** Races lost in a row before a node gives up claiming and sends alone. */
const MAX_RACES = 4;
/** Pending notifications taken in per round at most. */
const MAX_PENDING = 1_000;

/** A claim's content. */
interface Claim {
  v: 1;
  /** The transition number (reminders: the incident's opening number). */
  seq: number;
  /** The status notified after it. */
  notified: string;
  /** Whether the incident was announced. */
  announced: boolean;
  /** The incident (UTC ns) as a decimal string. */
  incident_since?: string;
  /** The claim number of the incident's opening. */
  opened?: number;
  /** When it was decided (UTC ns, the claimer's clock), decimal. */
  at: string;
  /** The claimer's node name (for people reading the storage). */
  node: string;
}

/** A pending notification (`pending/<id>`). */
interface Pending {
  /** Its owner when claimed. */
  node: string;
  /** When it was claimed (UTC ns, the claimer's clock), decimal. */
  at: string;
  /** The notification as an outbox entry. */
  entry: Record<string, unknown>;
}

/** A key segment for a name or id ("_" for an empty one). */
function segment(text: string): string {
  return slug(text) || "_";
}

function hash(text: string): string {
  return sha256Hex(text).slice(0, 24);
}

function parseClaim(text: string | undefined): Claim | undefined {
  if (!text) return undefined;
  try {
    const c = JSON.parse(text) as Claim;
    return c && c.v === 1 && typeof c.seq === "number" && typeof c.notified === "string" ? c : undefined;
  } catch {
    return undefined;
  }
}

/** Dependencies of {@linkcode AlertClaims}. */
export interface ClaimsDeps {
  /** This node's name ("" when unset). */
  node: string;
  /** Where failures are logged. */
  logger: Logger;
  /** Wall time, ms (how old a claim is). */
  now: () => number;
  /** Node names that are silent now (their pending notifications may be taken over). */
  silentNodes: () => ReadonlySet<string>;
}

/** The claims of one node (see the module doc). */
export class AlertClaims implements AlertGate {
  readonly #shared: SharedStore;
  readonly #deps: ClaimsDeps;
  #failing = false;
  /** Notifications this process settled (their pending document may not be removed yet). */
  readonly #settled = new Set<string>();

  constructor(shared: SharedStore, deps: ClaimsDeps) {
    this.#shared = shared;
    this.#deps = deps;
  }

  /** The claims prefix of a (notifier, endpoint) pair. */
  static prefix(notifier: string, endpointKey: string): string {
    return `alerts/${segment(notifier)}/${hash(endpointKey)}/`;
  }

  #trouble(what: string, error: unknown): void {
    if (!this.#failing) {
      this.#deps.logger.warn(`cannot ${what} in the shared storage; deciding alone`, { error });
    }
    this.#failing = true;
  }

  #claim(r: GateRequest, seq: number, opened: number | undefined): Claim {
    const n = r.decision.next;
    const c: Claim = {
      v: 1,
      seq,
      notified: n.notified,
      announced: n.announced,
      at: String(r.now),
      node: this.#deps.node,
    };
    if (n.incident_since !== undefined) c.incident_since = String(n.incident_since);
    if (opened !== undefined) c.opened = opened;
    return c;
  }

  /** Claims one decision (see the module doc). */
  async decide(r: GateRequest, signal?: AbortSignal): Promise<GateVerdict> {
    const prefix = AlertClaims.prefix(r.notifier, r.decision.key);
    try {
      const verdict = r.decision.alert?.kind === "reminder"
        ? await this.#reminder(r, prefix, signal)
        : await this.#transition(r, prefix, signal);
      this.#failing = false;
      return verdict;
    } catch (e) {
      this.#trouble("claim an alert", e);
      return { send: true };
    }
  }

  async #reminder(r: GateRequest, prefix: string, signal?: AbortSignal): Promise<GateVerdict> {
    const opened = r.previous?.ledger;
    const since = r.previous?.incident_since;
    const every = BigInt(Math.max(1, r.policy.reminder_every));
    if (opened === undefined || since === undefined) return { send: true };
    // Reminder periods since the incident began, rounded: nodes a little apart in time agree on it.
    const k = (r.now - since + every / 2n) / every;
    const key = `${prefix}t${String(opened).padStart(6, "0")}-r${k}`;
    if (await this.#won(key, r, opened, opened, signal)) return { send: true, ledger: opened };
    const c = parseClaim((await this.#shared.list(key, signal)).get(key));
    return {
      send: false,
      adopt: {
        incident_since: since,
        announced: r.previous?.announced ?? true,
        at: c ? BigInt(c.at) : r.now,
        ledger: opened,
      },
    };
  }

  async #transition(r: GateRequest, prefix: string, signal?: AbortSignal): Promise<GateVerdict> {
    const wanted = r.decision.next.notified;
    for (let race = 0; race < MAX_RACES; race++) {
      const claims: { key: string; claim: Claim }[] = [];
      for (const [key, text] of await this.#shared.list(prefix, signal)) {
        const claim = parseClaim(text);
        if (claim) claims.push({ key, claim });
      }
      const transitions = claims.filter((c) => /\/t\d+$/.test(c.key));
      const last = transitions.reduce<Claim | undefined>(
        (a, c) => (!a || c.claim.seq > a.seq ? c.claim : a),
        undefined,
      );
      if (race === 0) await this.#prune(claims, last, signal);
      if (last && last.notified === wanted) {
        // Decided already (by another node, or by this one before a restart): adopt it.
        return {
          send: false,
          adopt: {
            incident_since: last.incident_since ? BigInt(last.incident_since) : r.now,
            announced: last.announced,
            at: BigInt(last.at),
            ledger: last.opened ?? last.seq,
          },
        };
      }
      const seq = (last?.seq ?? 0) + 1;
      const opening = wanted !== "healthy" && (!last || last.notified === "healthy");
      const opened = wanted === "healthy" ? undefined : opening ? seq : last?.opened ?? r.previous?.ledger;
      const key = `${prefix}t${String(seq).padStart(6, "0")}`;
      if (await this.#won(key, r, seq, opened, signal)) {
        return opened === undefined ? { send: true } : { send: true, ledger: opened };
      }
    }
    this.#deps.logger.warn("lost the race for an alert claim too often; deciding alone", { key: prefix });
    return { send: true };
  }

  /** Claims one announcement for one notifier (see the module doc). */
  async announce(notifier: string, event: string, signal?: AbortSignal): Promise<boolean> {
    const prefix = `announce/${segment(notifier)}/`;
    try {
      const now = this.#deps.now();
      const claim = JSON.stringify({ v: 1, event, node: this.#deps.node, at: now });
      if (!await this.#shared.create(`${prefix}${hash(event)}`, claim, signal)) return false;
      const old: string[] = [];
      for (const [key, text] of await this.#shared.list(prefix, signal)) {
        let at: unknown;
        try {
          at = JSON.parse(text)?.at;
        } catch { /* an unreadable claim is pruned */ }
        if (typeof at !== "number" || now - at > ANNOUNCE_KEEP_MS) old.push(key);
      }
      if (old.length) await this.#shared.remove(old, signal);
      this.#failing = false;
      return true;
    } catch (e) {
      this.#trouble("claim an announcement", e);
      return true;
    }
  }

  /** Creates a claim; when won and it sends something, indexes the notification as pending. */
  async #won(key: string, r: GateRequest, seq: number, opened: number | undefined, signal?: AbortSignal) {
    if (!await this.#shared.create(key, JSON.stringify(this.#claim(r, seq, opened)), signal)) return false;
    const alert = r.decision.alert;
    if (alert) {
      const pending: Pending = {
        node: this.#deps.node,
        at: String(r.now),
        entry: encodeEntry({ notifier: r.notifier, alert, created: r.now, attempts: 0, next: r.now }),
      };
      await this.#shared.put(`pending/${segment(alert.id)}`, JSON.stringify(pending), signal);
    }
    return true;
  }

  /** Deletes a pair's claims older than 30 days, except its latest transition. */
  async #prune(claims: { key: string; claim: Claim }[], last: Claim | undefined, signal?: AbortSignal) {
    const now = this.#deps.now();
    const old = claims.filter((c) =>
      c.claim !== last && now - Number(BigInt(c.claim.at) / 1_000_000n) > KEEP_MS
    );
    if (old.length) await this.#shared.remove(old.map((c) => c.key), signal);
  }

  /** Notifications delivered or given up: no longer pending. */
  async settled(alerts: readonly Alert[]): Promise<void> {
    for (const a of alerts) this.#settled.add(a.id);
    try {
      await this.#shared.remove(alerts.map((a) => `pending/${segment(a.id)}`));
    } catch (e) {
      this.#trouble("settle a notification", e);
    }
  }

  /**
   * Reads the pending notifications (once per round): takes in this node's own that its outbox lacks (it
   * stopped between claiming and saving), takes over those of silent nodes with a claim of its own, and
   * drops from its outbox those another node took over while this one was silent.
   */
  async reconcile(outbox: Outbox, signal?: AbortSignal): Promise<Reconciled> {
    const out: Reconciled = { add: [], drop: [] };
    try {
      const pending = await this.#shared.list("pending/", signal);
      const mine = new Set(outbox.entries.map((e) => e.alert.id));
      if (!pending.size && !mine.size) {
        this.#failing = false;
        return out;
      }
      const now = this.#deps.now();
      const stale: string[] = [];
      const holders = new Map<string, Map<string, string>>();
      const me = segment(this.#deps.node);
      const outboxBySlug = new Map([...mine].map((id) => [segment(id), id]));
      for (const [key, text] of await this.#shared.list("takeover/", signal)) {
        const [, sid, from] = key.split("/");
        const holder = parseHolder(text);
        // Another node took this one's notification over: it is theirs now, delivered or not.
        if (from === me && holder.node !== this.#deps.node && outboxBySlug.has(sid)) {
          out.drop.push(outboxBySlug.get(sid)!);
        }
        if (!pending.has(`pending/${sid}`)) {
          if (now - holder.at > KEEP_MS) stale.push(key);
          continue;
        }
        if (!holders.has(sid)) holders.set(sid, new Map());
        holders.get(sid)!.set(from, holder.node);
      }
      const silent = this.#deps.silentNodes();
      let seen = 0;
      for (const [key, text] of pending) {
        if (++seen > MAX_PENDING) break;
        const p = parsePending(text);
        const entry = p && decodeEntry(p.entry);
        if (!p || !entry) continue;
        const id = entry.alert.id, sid = segment(id);
        if (this.#settled.has(id)) continue;
        if (now - Number(BigInt(p.at) / 1_000_000n) > PENDING_MAX_MS) {
          stale.push(key, ...[...(holders.get(sid)?.keys() ?? [])].map((from) => `takeover/${sid}/${from}`));
          continue;
        }
        // Follow the takeovers from the claimer to whoever holds the notification now.
        let owner = p.node;
        for (let hops = 0; hops < 16 && holders.get(sid)?.has(segment(owner)); hops++) {
          owner = holders.get(sid)!.get(segment(owner))!;
        }
        if (owner === this.#deps.node) {
          if (!mine.has(id)) out.add.push({ notifier: entry.notifier, alert: entry.alert });
          continue;
        }
        if (!silent.has(owner)) continue;
        const won = await this.#shared.create(
          `takeover/${sid}/${segment(owner)}`,
          JSON.stringify({ node: this.#deps.node, at: now }),
          signal,
        );
        if (!won) continue;
        this.#deps.logger.warn("taking over a notification of a silent node", {
          from: owner,
          notification: id,
          title: entry.alert.title,
        });
        out.add.push({ notifier: entry.notifier, alert: entry.alert });
      }
      if (stale.length) await this.#shared.remove(stale, signal);
      this.#failing = false;
    } catch (e) {
      this.#trouble("read the pending notifications", e);
    }
    return out;
  }
}

function parsePending(text: string): Pending | undefined {
  try {
    const p = JSON.parse(text) as Pending;
    return p && typeof p.node === "string" && typeof p.at === "string" && p.entry ? p : undefined;
  } catch {
    return undefined;
  }
}

function parseHolder(text: string): { node: string; at: number } {
  try {
    const h = JSON.parse(text) as { node?: unknown; at?: unknown };
    return { node: String(h.node ?? ""), at: typeof h.at === "number" ? h.at : 0 };
  } catch {
    return { node: "", at: 0 };
  }
}
