/**
 * `checkup serve`: the status page, JSON API, badges and metrics over the configured storage, optionally
 * checking on a schedule in the same process (`--every`), until SIGINT/SIGTERM. `--export DIR` writes
 * the same page as static files instead (S3, GitHub Pages).
 */
import { extname, join } from "node:path";
import { parseDuration } from "../duration.ts";
import { isSharedStore, isStorageReader } from "../storage/storage.ts";
import { isHeartbeat } from "../checkers/heartbeat/mod.ts";
import { readIncidents } from "../incidents/store.ts";
import type { Incident } from "../status/operations.js";
import { windowsBetween } from "../status/maintenance.js";
import { atomFeed, jsonFeed } from "../server/feeds.ts";
import { redactPatterns } from "../_internal/redact.ts";
import { redactIncident } from "../status/incidents.js";
import { ConfigError } from "../config/errors.ts";
import { ASSETS, CONFIG_EXAMPLE, pageHtml } from "../server/assets.ts";
import { createStatusHandler } from "../server/app.ts";
import { metaPolicy } from "../server/security.ts";
import { readSiteLocations, type SiteLocations, withLocations } from "./site_locations.ts";
import { readSiteMaintenance, type SiteMaintenance } from "./site_maintenance.ts";
import { EXIT, ExitError, type GlobalOptions, guard, openCheckup, requireStorage } from "./common.ts";
import { parseInterval } from "./every.ts";
import type { Io } from "./io.ts";
import { runWithReloads } from "./reload.ts";

/** Options of `serve`. */
export interface ServeOptions extends GlobalOptions {
  /** `[host]:port`; default `:3000` (all interfaces, as Go Checkup). */
  listen?: string;
  /** Also check and store on this interval. */
  every?: string;
  title?: string;
  /** Path of a logo image. */
  logo?: string;
  /** Range shown first. */
  range?: string;
  /** Page refresh interval, a duration. */
  refresh?: string;
  /** Write the static page into this directory and exit. */
  export?: string;
}

/** The environment variable holding the bearer token that lets `serve` accept messages. */
export const TOKEN_ENV = "CHECKUP_SERVE_TOKEN";
const RANGES = ["24h", "7d", "30d", "90d"];
const LOGO_TYPES: Record<string, string> = {
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".webp": "image/webp",
  ".gif": "image/gif",
  ".ico": "image/x-icon",
};

/**
 * Parses `--listen`: `:3000` (all interfaces), `3000`, `127.0.0.1:8080`, `[::1]:3000`, `localhost:0`.
 *
 * @example
 * ```ts
 * import { parseListen } from "./serve.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseListen(":3000"), { hostname: "0.0.0.0", port: 3000 });
 * assert.deepEqual(parseListen("[::1]:8080"), { hostname: "::1", port: 8080 });
 * ```
 */
export function parseListen(text: string): { hostname: string; port: number } {
  const m = /^(?:(?:\[([^\]]+)\]|([^:\s[\]]*)):)?(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new RangeError(
      `expected [host]:port like ":3000" or "127.0.0.1:8080", found ${JSON.stringify(text)}`,
    );
  }
  return { hostname: m[1] ?? (m[2] || "0.0.0.0"), port };
}

function readToken(): string | undefined {
  let token: string | undefined;
  try {
    token = Deno.env.get(TOKEN_ENV)?.trim();
  } catch {
    return undefined; // no --allow-env: read-only
  }
  if (token && token.length < 16) {
    throw new ExitError(`${TOKEN_ENV}: expected a token of at least 16 characters, found ${token.length}`);
  }
  return token || undefined;
}

async function readLogo(path: string): Promise<{ type: string; body: Uint8Array }> {
  const type = LOGO_TYPES[extname(path).toLowerCase()];
  if (!type) {
    throw new ExitError(
      `--logo ${path}: expected an image file (${Object.keys(LOGO_TYPES).join(", ")})`,
      EXIT.usage,
    );
  }
  try {
    const body = await Deno.readFile(path);
    if (body.length > 1 << 20) {
      throw new ExitError(`--logo ${path}: expected at most 1 MiB, found ${body.length} bytes`);
    }
    return { type, body };
  } catch (e) {
    if (e instanceof ExitError) throw e;
    throw new ExitError(`--logo ${path}: cannot read: ${(e as Error).message}`);
  }
}

function options(opts: ServeOptions): { range: string; refresh: number } {
  const range = opts.range ?? "24h";
  if (!RANGES.includes(range)) {
    throw new ExitError(
      `--range: expected one of ${RANGES.join(", ")}, found ${JSON.stringify(range)}`,
      EXIT.usage,
    );
  }
  let refresh: number;
  try {
    refresh = parseDuration(opts.refresh ?? "60s") / 1e9;
  } catch (e) {
    throw new ExitError(`--refresh: ${(e as Error).message}`, EXIT.usage);
  }
  if (refresh < 5) throw new ExitError(`--refresh: expected at least 5s, found ${opts.refresh}`, EXIT.usage);
  return { range, refresh };
}

/** The origins of a static site's absolute URLs in `config.json`: where its CSP lets it fetch and load. */
function configOrigins(text: string): { connect: string[]; img: string[] } {
  let config: { summaries?: unknown; logo?: unknown } = {};
  try {
    config = JSON.parse(text) ?? {};
  } catch {
    // The page reports an unreadable config.json itself; the policy stays same-origin.
  }
  const origin = (u: unknown): string[] => {
    if (typeof u !== "string") return [];
    try {
      const url = new URL(u);
      return url.protocol === "https:" || url.protocol === "http:" ? [url.origin] : [];
    } catch {
      return []; // relative: same origin
    }
  };
  const summaries = Array.isArray(config.summaries) ? config.summaries : [];
  return { connect: summaries.flatMap(origin), img: origin(config.logo) };
}

/**
 * Writes the page as static files (plus a config.json template when there is none) and returns the paths.
 * The page carries its Content-Security-Policy in a meta tag (static hosts send no header): same-origin,
 * plus the origins of absolute summary and logo URLs in config.json (export again after adding one).
 * `locations` (from the checkup config, see {@linkcode readSiteLocations}) are written into config.json, so the
 * page combines several locations with the same quorum as `checkup serve`.
 */
export async function exportPage(
  dir: string,
  opts: ServeOptions,
  locations: SiteLocations = {},
): Promise<string[]> {
  const { range, refresh } = options(opts);
  const written: string[] = [];
  const write = async (path: string, text: string) => {
    const full = join(dir, path);
    await Deno.mkdir(join(full, ".."), { recursive: true });
    await Deno.writeTextFile(full, text);
    written.push(path);
  };
  let logo: string | undefined;
  if (opts.logo) {
    const { body } = await readLogo(opts.logo);
    logo = `images/logo${extname(opts.logo).toLowerCase()}`;
    await Deno.mkdir(join(dir, "images"), { recursive: true });
    await Deno.writeFile(join(dir, logo), body);
    written.push(logo);
  }
  let config: string;
  try {
    config = await Deno.readTextFile(join(dir, "config.json"));
  } catch {
    const example = JSON.parse(CONFIG_EXAMPLE);
    config = JSON.stringify({ ...example, title: opts.title ?? example.title, ...locations }, null, 2) + "\n";
    await write("config.json", config);
  }
  // Maintenance windows no longer in the config or the storage leave the site too.
  const updated = withLocations(config, locations, ["maintenance"]);
  if (updated !== undefined) await write("config.json", config = updated);
  const csp = metaPolicy(configOrigins(config));
  for (const [path, asset] of Object.entries(ASSETS)) {
    await write(
      path,
      path === "index.html"
        ? pageHtml({ title: opts.title, logo, range, refresh, source: "config.json", csp })
        : asset.text,
    );
  }
  return written;
}

/**
 * Writes `incidents.json` (every incident, as `checkup incident list --json`) into the export and names it
 * in `config.json` (`"incidents"`), for the page's incident views: from the config's storage when it holds
 * shared documents. Without a config file, with one that cannot be loaded (a secret not set: the page needs
 * none, a warning says why), or with a storage that cannot hold incidents, nothing is written (the page then
 * shows none).
 */
async function exportIncidents(dir: string, opts: ServeOptions, io: Io): Promise<ExportedIncidents> {
  const none: ExportedIncidents = { files: [], incidents: [] };
  try {
    await Deno.stat(opts.config);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return none;
    throw e;
  }
  let opened: Awaited<ReturnType<typeof openCheckup>>;
  try {
    opened = await openCheckup(opts, io);
  } catch (e) {
    // The page needs no secret of the config; the incidents need the storage, and its secrets.
    if (!(e instanceof ConfigError)) throw e;
    io.err(`warning: --export: incidents not written: the config cannot be loaded: ${e.message}\n`);
    return none;
  }
  const { checkup, config } = opened;
  try {
    const redact = (t: string) => config.redactor.redact(t);
    if (!checkup.storage || !isSharedStore(checkup.storage)) return { ...none, redact };
    let incidents;
    try {
      incidents = (await readIncidents(checkup.storage, io.signal)).map((i) => redactIncident(i, redact));
    } catch (e) {
      throw new ExitError(`--export: cannot read the incidents: ${(e as Error).message}`);
    }
    await Deno.writeTextFile(join(dir, "incidents.json"), JSON.stringify({ incidents }) + "\n");
    // The page reads the file config.json names (a site exported before has none, and requests none).
    const configPath = join(dir, "config.json");
    const site = JSON.parse(await Deno.readTextFile(configPath));
    if (site && typeof site === "object" && site.incidents === undefined) {
      await Deno.writeTextFile(
        configPath,
        JSON.stringify({ ...site, incidents: "incidents.json" }, null, 2) + "\n",
      );
      return { files: ["incidents.json", "config.json"], incidents, redact };
    }
    return { files: ["incidents.json"], incidents, redact };
  } finally {
    await checkup.close();
  }
}

/** What {@linkcode exportIncidents} wrote and read. */
interface ExportedIncidents {
  files: string[];
  incidents: Incident[];
  /** The config's redactor, when the config could be loaded. */
  redact?: (text: string) => string;
}

/** Feed entries of maintenance windows reach this far back and ahead of the export. */
const FEED_WINDOWS_MS = { back: 30 * 86_400_000, ahead: 7 * 86_400_000 };

/**
 * Writes `feed.atom` and `feed.json` (the page links them): the incidents exported and the maintenance
 * windows from 30 days before the export to 7 days after, as of the export (export again to update them).
 */
async function exportFeeds(
  dir: string,
  title: string,
  incidents: Incident[],
  maintenance: SiteMaintenance | undefined,
  redact: (text: string) => string = redactPatterns,
): Promise<string[]> {
  const now = Date.now();
  const windows = windowsBetween(
    maintenance?.rules ?? [],
    maintenance?.windows ?? [],
    now - FEED_WINDOWS_MS.back,
    now + FEED_WINDOWS_MS.ahead,
  );
  const source = { title, incidents, maintenance: windows, redact, now };
  await Deno.writeTextFile(join(dir, "feed.atom"), atomFeed(source));
  await Deno.writeTextFile(join(dir, "feed.json"), jsonFeed(source));
  return ["feed.atom", "feed.json"];
}

/**
 * Serves the status page until SIGINT/SIGTERM (exit 0 after a graceful shutdown). With `--every`, the
 * same process checks and stores on that interval and the page shows each round as soon as it is stored.
 */
export function runServe(opts: ServeOptions, io: Io): Promise<number> {
  return guard(io, opts, async () => {
    if (opts.export) {
      // The quorum and silence of the checkup config go to the site's config.json (no config: none).
      const site = await readSiteLocations(opts.config);
      // Maintenance windows: the config's and the stored ones, as of now (export again to update them).
      const maintenance = await readSiteMaintenance(opts.config, (text) => io.err(`warning: ${text}\n`));
      const files = await exportPage(opts.export, opts, maintenance ? { ...site, maintenance } : site);
      const exported = await exportIncidents(opts.export, opts, io);
      files.push(...exported.files);
      files.push(
        ...await exportFeeds(
          opts.export,
          opts.title ?? "Status",
          exported.incidents,
          maintenance,
          exported.redact,
        ),
      );
      io.out(`Wrote ${files.length} files to ${opts.export}; list your summary files in config.json\n`);
      return EXIT.ok;
    }
    const { range, refresh } = options(opts);
    let listen: { hostname: string; port: number };
    let every: number | undefined;
    try {
      listen = parseListen(opts.listen ?? ":3000");
      if (opts.every) every = parseInterval(opts.every);
    } catch (e) {
      throw new ExitError(`serve: ${(e as Error).message}`, EXIT.usage);
    }
    const token = readToken();
    const logo = opts.logo ? await readLogo(opts.logo) : undefined;
    // One config as served: the Checkup, its storage and the handler built from them. SIGHUP builds a new one
    // (see reload.ts): the page keeps answering from the running one until the new one has read the storage.
    const open = async () => {
      // The redactor knows the config's secrets (logs already use it); served texts go through it too.
      const opened = await openCheckup(opts, io);
      const { checkup, config, logger } = opened;
      try {
        const storage = requireStorage(checkup);
        if (!isStorageReader(storage)) {
          throw new ExitError(`storage ${storage.type}: cannot be read back, so it cannot be served`);
        }
        if (every !== undefined && !checkup.checkers.length) {
          throw new ExitError("--every: no checkers configured");
        }
        const heartbeats = checkup.checkers.filter(isHeartbeat);
        const handler = createStatusHandler({
          reader: storage,
          writer: storage,
          token,
          title: opts.title,
          logo,
          range,
          refresh,
          node: config.node,
          order: checkup.checkers.map((c) => c.title),
          // Several locations: each endpoint's quorum (its checker's, else the top-level one) and silence.
          quorum: checkup.quorumOf,
          silentAfter: config.silent_after ? config.silent_after / 1e6 : undefined,
          groups: checkup.groupOf,
          maintenance: checkup.maintenance,
          logger,
          redact: (t) => config.redactor.redact(t),
          deliveries: every !== undefined && checkup.notifiers.length
            ? () => checkup.deliveryStats()
            : undefined,
          heartbeats,
          monotonic: io.clock && (() => io.clock!.monotonic()),
        });
        return { ...opened, storage, heartbeats, handler, close: () => checkup.close() };
      } catch (e) {
        await checkup.close();
        throw e;
      }
    };
    const first = await open();
    let active = first;
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve({
        hostname: listen.hostname,
        port: listen.port,
        signal: io.signal,
        onListen: (addr) => {
          const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
          io.out(`Serving the status page on http://${host}:${addr.port}/\n`);
          first.logger.info("serving", {
            address: `${host}:${addr.port}`,
            storage: first.storage.type,
            writes: token ? "accepted with the bearer token" : "read-only",
            ...(first.heartbeats.length ? { heartbeats: first.heartbeats.length } : {}),
            ...(every !== undefined ? { every: opts.every } : {}),
          });
        },
      }, (request) => active.handler.fetch(request));
    } catch (e) {
      await first.close();
      throw new ExitError(`serve: cannot listen on ${opts.listen ?? ":3000"}: ${(e as Error).message}`);
    }
    await runWithReloads(io, first, open, async (loaded, signal) => {
      if (loaded !== first) {
        await loaded.handler.refresh(); // the recent window, before it answers
        active = loaded;
        loaded.logger.info("serving the reloaded config", { storage: loaded.storage.type });
      }
      const tasks: Promise<unknown>[] = [loaded.handler.run(signal)];
      if (every !== undefined) {
        tasks.push(loaded.checkup.every(every, signal, () => void loaded.handler.refresh()));
      }
      await Promise.all(tasks);
    });
    await server.finished;
    active.logger.info("stopped");
    return EXIT.ok;
  });
}
