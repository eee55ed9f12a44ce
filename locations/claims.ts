/**
 * Alert claims: the {@linkcode AlertGate} of several locations, over a {@linkcode SharedStore}. No leader,
 * no lock: every transition of a (notifier, endpoint) pair is a numbered claim, created once.
 *
 * - `alerts/<notifier>/<endpoint hash>/t<n>` is the n-th transition (opening, change, recovery). A node that
 *   reaches a transition reads the pair's claims: when the latest already holds the status it wants, another
 *   node decided it and this one adopts it (its incident, whether it was announced); otherwise it creates
 *   claim n + 1. Of nodes racing for the same number exactly one creates it (a conditional create); the
 *   others read again and adopt. The claim holds the notification itself, so incident ids and notification
 *   ids are the winner's on every node, and clocks never decide who sends.
 * - `alerts/<notifier>/<endpoint hash>/t<n>-r<k>`: the k-th reminder of the incident opened by claim n (k
 *   counts reminder periods since the incident began, which every node agrees on).
 * - `done/<notification id>`: written once the notification was delivered (or given up).
 * - `takeover/<notification id>/<node>`: a node took over a notification that `<node>` claimed and did not
 *   deliver before it went silent. The claimer, when it comes back, finds it and drops its copy.
 *
 * When the shared storage cannot be reached the node decides alone and sends: a page twice beats none.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Logger } from "../log.ts";
import type { SharedStore } from "../storage/storage.ts";
import type { Alert } from "../notifiers/notifier.ts";
import type { AlertGate, GateRequest, GateVerdict, Reconciled } from "../notifiers/gate.ts";
import { decodeEntry, encodeEntry, type Outbox } from "../notifiers/outbox.ts";

/** Claims older than this are pruned (the latest transition of each pair is always kept). */
const KEEP_MS = 30 * 86_400_000;
/** Undelivered claims older than this are not taken over (a notifier's `max_age` default). */
const TAKEOVER_WITHIN_MS = 86_400_000;
/** A full reconcile (list every claim) runs at least this often, ms of monotonic time. */
const RECONCILE_EVERY_MS = 10 * 60_000;
/** Races lost in a row before a node gives up claiming and sends alone. */
const MAX_RACES = 4;
/** Claims examined per reconcile at most. */
const MAX_SCAN = 5_000;

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
  /** The claimer's node name and process instance. */
  node: string;
  instance: string;
  /** The notification to send, as an outbox entry; absent for a transition its notifier does not send. */
  entry?: Record<string, unknown>;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "_";
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 24);
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
  /** This process's instance id. */
  instance: string;
  /** Where failures are logged. */
  logger: Logger;
  /** Monotonic time, ms (when to reconcile in full). */
  monotonic: () => number;
  /** Wall time, ms (how old a claim is). */
  now: () => number;
  /** Node names that are silent now (their claims may be taken over). */
  silentNodes: () => ReadonlySet<string>;
  /** Grows when this node may have looked silent to the others (its storage calls failed, then worked). */
  epoch?: () => number;
}

/** The claims of one node (see the module doc). */
export class AlertClaims implements AlertGate {
  readonly #shared: SharedStore;
  readonly #deps: ClaimsDeps;
  #lastFull = -Infinity;
  #silentSeen = "";
  #failing = false;

  constructor(shared: SharedStore, deps: ClaimsDeps) {
    this.#shared = shared;
    this.#deps = deps;
  }

  /** The claims prefix of a (notifier, endpoint) pair. */
  static prefix(notifier: string, endpointKey: string): string {
    return `alerts/${slug(notifier)}/${hash(endpointKey)}/`;
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
      instance: this.#deps.instance,
    };
    if (n.incident_since !== undefined) c.incident_since = String(n.incident_since);
    if (opened !== undefined) c.opened = opened;
    if (r.decision.alert) {
      c.entry = encodeEntry({
        notifier: r.notifier,
        alert: r.decision.alert,
        created: r.now,
        attempts: 0,
        next: r.now,
      });
    }
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
    if (await this.#shared.create(key, JSON.stringify(this.#claim(r, opened, opened)), signal)) {
      return { send: true, ledger: opened };
    }
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
      let last: Claim | undefined;
      for (const [key, text] of await this.#shared.list(prefix, signal)) {
        if (!/\/t\d+$/.test(key)) continue;
        const c = parseClaim(text);
        if (c && (!last || c.seq > last.seq)) last = c;
      }
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
      if (await this.#shared.create(key, JSON.stringify(this.#claim(r, seq, opened)), signal)) {
        return opened === undefined ? { send: true } : { send: true, ledger: opened };
      }
    }
    this.#deps.logger.warn("lost the race for an alert claim too often; deciding alone", { key: prefix });
    return { send: true };
  }

  /** Marks delivered notifications done. */
  async delivered(alerts: readonly Alert[]): Promise<void> {
    for (const a of alerts) {
      try {
        await this.#shared.create(`done/${slug(a.id)}`, JSON.stringify({ node: this.#deps.node }));
      } catch (e) {
        this.#trouble("mark a notification delivered", e);
        return;
      }
    }
  }

  /**
   * Finds claims nobody will deliver: this node's own that never reached its outbox (it stopped between
   * claiming and saving), and those of silent nodes, taken over with a claim of their own; and this node's
   * notifications that another node took over while this one was silent. Lists every claim only on the
   * first call, when the set of silent nodes changes, when this node's own storage calls work again after
   * failing (the others may have taken its notifications over meanwhile), and every 10 minutes.
   */
  async reconcile(outbox: Outbox, signal?: AbortSignal): Promise<Reconciled> {
    const out: Reconciled = { add: [], drop: [] };
    const silent = this.#deps.silentNodes();
    const signature = `${this.#deps.epoch?.() ?? 0}\n${[...silent].sort().join("\n")}`;
    const mono = this.#deps.monotonic();
    if (signature === this.#silentSeen && mono - this.#lastFull < RECONCILE_EVERY_MS) return out;
    try {
      const [claims, done, takeovers] = await Promise.all(
        ["alerts/", "done/", "takeover/"].map((p) => this.#shared.list(p, signal)),
      );
      this.#silentSeen = signature;
      this.#lastFull = mono;
      const mine = new Set(outbox.entries.map((e) => e.alert.id));
      const byId = new Map<string, Map<string, string>>();
      for (const [key, text] of takeovers) {
        const [, id, from] = key.split("/");
        const to = (JSON.parse(text) as { node?: string }).node ?? "";
        if (!byId.has(id)) byId.set(id, new Map());
        byId.get(id)!.set(from, to);
      }
      const now = this.#deps.now();
      let scanned = 0;
      const latest = new Map<string, { key: string; seq: number }>();
      const old: string[] = [];
      for (const [key, text] of claims) {
        if (++scanned > MAX_SCAN) break;
        const c = parseClaim(text);
        if (!c) continue;
        const prefix = key.slice(0, key.lastIndexOf("/") + 1);
        const age = now - Number(BigInt(c.at) / 1_000_000n);
        if (!key.includes("-r")) {
          const best = latest.get(prefix);
          if (!best || c.seq > best.seq) {
            if (best && age > KEEP_MS) old.push(best.key);
            latest.set(prefix, { key, seq: c.seq });
          } else if (age > KEEP_MS) old.push(key);
        } else if (age > KEEP_MS) old.push(key);
        const entry = c.entry ? decodeEntry(c.entry) : undefined;
        if (!entry || age > TAKEOVER_WITHIN_MS) continue;
        const id = entry.alert.id;
        if (done.has(`done/${slug(id)}`)) {
          if (mine.has(id)) out.drop.push(id); // delivered by the node that took it over
          continue;
        }
        // Follow the takeovers from the claimer to whoever holds the notification now.
        let owner = c.node;
        for (let hops = 0; hops < 16 && byId.get(slug(id))?.has(slug(owner || "_")); hops++) {
          owner = byId.get(slug(id))!.get(slug(owner || "_"))!;
        }
        if (owner !== this.#deps.node) {
          if (mine.has(id)) out.drop.push(id);
          if (!silent.has(owner)) continue;
          const won = await this.#shared.create(
            `takeover/${slug(id)}/${slug(owner || "_")}`,
            JSON.stringify({ node: this.#deps.node }),
            signal,
          );
          if (!won) continue;
          this.#deps.logger.warn("taking over a notification of a silent node", {
            from: owner,
            notification: id,
            title: entry.alert.title,
          });
        } else if (mine.has(id)) continue;
        out.add.push({ notifier: entry.notifier, alert: entry.alert });
      }
      if (old.length) await this.#shared.remove(old, signal);
      this.#failing = false;
    } catch (e) {
      this.#trouble("read the alert claims", e);
    }
    return out;
  }
}
