/**
 * Loading `checkup.json` (its text read by `text.ts`): `${ENV}` substitution, Go's
 * case-insensitive keys, validation of every checker, storage and notifier through the registries, and
 * every problem reported at once with its JSON path.
 *
 * This module imports no plugin module: {@linkcode loadConfig} imports the types its file names, the
 * command line's path. The synchronous functions resolve the types already loaded; `load.ts` (the
 * library's import) loads them all first.
 *
 * @module
 */
import type { TextRedactor } from "../log.ts";
import { Redactor } from "../_internal/redact.ts";
import { closest } from "../_internal/suggest.ts";
import type { Checker } from "../checkers/checker.ts";
import type { CheckerConfig } from "../checkers/mod.ts";
import { checkerRegistry } from "../checkers/registry.ts";
import type { Notifier } from "../notifiers/notifier.ts";
import type { NotifierConfig } from "../notifiers/mod.ts";
import { notifierRegistry } from "../notifiers/registry.ts";
import type { Storage } from "../storage/storage.ts";
import type { StorageConfig } from "../storage/mod.ts";
import { storageRegistry } from "../storage/registry.ts";
import type { PluginRegistry } from "../_internal/registry.ts";
import { z } from "zod";
import { type EnvLookup, substituteEnv } from "./env.ts";
import { ConfigError, type ConfigIssue, describeValue, joinPath } from "./errors.ts";
import { BOUNDS } from "./bounds.ts";
import { duration, errorMap } from "./fields.ts";
import { jsonKeyLines } from "./json_error.ts";
import { decodeConfigText, parseJsonText } from "./text.ts";
import { duplicateKeyWarnings, type KeyContext, normalizeKeys, pickKeys } from "./keys.ts";
import type { AnyDefinition, PluginContext } from "./plugin.ts";
import {
  checkerGroup,
  checkerIncident,
  quorumField,
  type QuorumRule,
  type TopLevelConfig,
  type TopLevelOptions,
  topLevelSchema,
} from "./top_level.ts";
import { silentLogger } from "../log.ts";
import { type MaintenanceConfig, type MaintenanceRule, resolveMaintenance } from "./maintenance.ts";
import { nowNs } from "../result.ts";

/** A whole `checkup.json`, as written (Go Checkup's keys). */
export interface CheckupConfig extends TopLevelConfig {
  /** The checks to run each round, in this order. */
  checkers?: CheckerConfig[];
  /** Where rounds are stored. */
  storage?: StorageConfig;
  /** Who is told when an endpoint goes down, degrades or recovers. */
  notifiers?: NotifierConfig[];
  /** Legacy single notifier (Go Checkup); it goes first, before `notifiers`. */
  notifier?: NotifierConfig;
  /** Maintenance windows: covered endpoints show `maintenance` and their alerts are held. */
  maintenance?: MaintenanceConfig[];
}

/** One plugin entry that passed validation. */
export interface ResolvedPlugin<I> {
  /** The plugin type's definition (its schema and constructor). */
  definition: AnyDefinition<I>;
  /** The options its schema produced, ready for `definition.create`. */
  options: unknown;
  /** Its JSON path, e.g. `checkers[2]`. */
  path: string;
  /** Checkers only: its own period for `checkup every`, nanoseconds (the common `interval` key). */
  interval?: number;
  /** Checkers only: its own quorum over locations (the common `quorum` key). */
  quorum?: QuorumRule;
  /** Checkers only: the group it is shown in on the page, API and metrics (the common `group` key). */
  group?: string;
  /** Checkers only: open an incident when it goes down, resolve it on recovery (the common `incident` key). */
  incident?: boolean;
}

export type { TopLevelOptions };

/** A validated config, ready to be instantiated. */
export interface ResolvedConfig extends TopLevelOptions {
  /** The checkers, in config order. */
  checkers: ResolvedPlugin<Checker>[];
  /** The storage, when one is configured. */
  storage?: ResolvedPlugin<Storage>;
  /** The notifiers, the legacy `notifier` first. */
  notifiers: ResolvedPlugin<Notifier>[];
  /** The maintenance windows of the config (durations and times in ms), when it declares some. */
  maintenance?: MaintenanceRule[];
  /** Unknown keys and deprecations: worth telling, not fatal. */
  warnings: string[];
  /** Knows every secret of this config, for logs and errors. */
  redactor: TextRedactor;
  /** Where the config came from (its file), named by errors found when it is built; default "config". */
  source?: string;
}

/** Options of {@linkcode resolveConfig} and {@linkcode loadConfig}. */
export interface ResolveOptions {
  /** Named in errors; default "config". */
  source?: string;
  /** Environment lookup for `${VAR}`; default `Deno.env.get`. */
  env?: EnvLookup;
}

function defaultEnv(name: string): string | undefined {
  return Deno.env.get(name);
}

/** The `interval` key every checker accepts: its own period under `checkup every`. */
export const checkerInterval = duration(
  "This checker's own period under `checkup every` (default: the every interval).",
  BOUNDS.interval,
);

/** A plugin entry whose type is known and whose keys are normalised, before its type's schema parses it. */
interface Prepared<I> {
  definition: AnyDefinition<I>;
  normalized: unknown;
  path: string;
  interval?: number;
  quorum?: QuorumRule;
  group?: string;
  incident?: boolean;
}

/** Finds an entry's type and the keys every checker shares, and normalises its keys to its schema's. */
function preparePlugin<I>(
  registry: PluginRegistry<I>,
  raw: unknown,
  path: string,
  legacyTypeKey: string | undefined,
  issues: ConfigIssue[],
  keys: KeyContext,
): Prepared<I> | undefined {
  const warnings = keys.warnings;
  const kind = registry.kind;
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    issues.push({ path, message: `expected a ${kind} object with a "type", found ${describeValue(raw)}` });
    return undefined;
  }
  const obj = raw as Record<string, unknown>;
  const own = [
    "type",
    ...(legacyTypeKey ? [legacyTypeKey] : []),
    ...(kind === "checker" ? ["interval", "quorum", "group", "incident"] : []),
  ];
  const picked = pickKeys(obj, path, (k) => own.find((o) => o === k.toLowerCase()), keys);
  const typeKey = picked.get("type");
  let type = typeKey === undefined ? undefined : obj[typeKey];
  const names = () => registry.types;
  const valid = () =>
    names().length ? `expected one of: ${names().join(", ")}` : `no ${kind} types are available`;
  if (type === undefined && legacyTypeKey) {
    const legacy = picked.get(legacyTypeKey);
    if (legacy !== undefined) {
      type = obj[legacy];
      warnings.push(`${joinPath(path, legacy)}: "${legacy}" is the Go Checkup v1 name of "type"; rename it`);
    }
  }
  if (type === undefined) {
    issues.push({ path: joinPath(path, "type"), message: `missing ${kind} type; ${valid()}` });
    return undefined;
  }
  if (typeof type !== "string") {
    issues.push({ path: joinPath(path, "type"), message: `expected a string, found ${describeValue(type)}` });
    return undefined;
  }
  const definition = loadedDefinition(registry, type);
  if (!definition) {
    const hint = closest(type, names());
    issues.push({
      path: joinPath(path, "type"),
      message: `unknown ${kind} type "${type}"${hint ? ` (did you mean "${hint}"?)` : ""}; ${valid()}`,
    });
    return undefined;
  }
  if (definition.deprecated) warnings.push(`${path}: ${definition.deprecated}`);
  // The type's own options, `type` last (normalised: the alias or legacy key as written is left out).
  const rest: Record<string, unknown> = {};
  for (const k of Object.keys(obj)) if (!own.includes(k.toLowerCase())) rest[k] = obj[k];
  rest.type = type;
  // The keys every checker shares (not in its type's schema); null means unset.
  const common = <T>(key: string, schema: z.ZodType<T>): T | undefined => {
    const written = picked.get(key);
    if (written === undefined || obj[written] === null) return undefined;
    const parsed = schema.safeParse(obj[written], { error: errorMap });
    if (parsed.success) return parsed.data;
    for (const iss of parsed.error.issues) issues.push({ path: joinPath(path, key), message: iss.message });
    return undefined;
  };
  const interval = common("interval", checkerInterval) || undefined;
  const quorum = common("quorum", quorumField);
  const group = common("group", checkerGroup);
  const incident = common("incident", checkerIncident);
  return {
    definition,
    normalized: normalizeKeys(rest, definition.schema, path, keys),
    path,
    ...(interval ? { interval } : {}),
    ...(quorum ? { quorum } : {}),
    ...(group ? { group } : {}),
    ...(incident ? { incident } : {}),
  };
}

/** Each type's schema over an array of entries: one parse per type validates every entry of that type. */
const arraySchemas = new WeakMap<z.ZodType, z.ZodType<unknown[]>>();

/**
 * Validates plugin entries (`[raw, path]`, in config order). The entries of one type go through its schema
 * in one call (10,000 checkers: one parse of an array, not 10,000 parses); the issues and warnings come
 * out in config order, each entry's together, as when entries were validated one by one.
 */
function resolvePlugins<I>(
  registry: PluginRegistry<I>,
  raws: readonly (readonly [unknown, string])[],
  legacyTypeKey: string | undefined,
  issues: ConfigIssue[],
  keys: KeyContext,
): ResolvedPlugin<I>[] {
  const entries = raws.map(([raw, path]) => {
    const own = { issues: [] as ConfigIssue[], warnings: [] as string[] };
    const ctx: KeyContext = { warnings: own.warnings, ...(keys.lines ? { lines: keys.lines } : {}) };
    const prepared = preparePlugin(registry, raw, path, legacyTypeKey, own.issues, ctx);
    return { ...own, prepared, options: undefined as unknown, ok: false, parsed: false };
  });
  const byType = new Map<AnyDefinition<I>, typeof entries>();
  for (const e of entries) {
    if (!e.prepared || e.issues.length) continue;
    const group = byType.get(e.prepared.definition);
    if (group) group.push(e);
    else byType.set(e.prepared.definition, [e]);
  }
  for (const [definition, group] of byType) {
    let array = arraySchemas.get(definition.schema);
    if (!array) arraySchemas.set(definition.schema, array = z.array(definition.schema));
    const parsed = array.safeParse(group.map((e) => e.prepared!.normalized), { error: errorMap });
    if (parsed.success) {
      group.forEach((e, i) => (e.options = parsed.data[i], e.ok = e.parsed = true));
      continue;
    }
    // Some entry failed: each entry alone, for its own issues (zod gives no data for a failed array).
    for (const e of group) {
      e.parsed = true;
      const one = definition.schema.safeParse(e.prepared!.normalized, { error: errorMap });
      if (one.success) (e.options = one.data, e.ok = true);
      else {
        for (const iss of one.error.issues) {
          e.issues.push({
            path: iss.path.reduce<string>((p, k) => joinPath(p, k as string | number), e.prepared!.path),
            message: iss.message,
          });
        }
      }
    }
  }
  // An entry whose shared keys failed is reported with its schema's issues too, as before.
  for (const e of entries) {
    if (!e.prepared || e.ok || e.parsed) continue;
    const one = e.prepared.definition.schema.safeParse(e.prepared.normalized, { error: errorMap });
    if (!one.success) {
      for (const iss of one.error.issues) {
        e.issues.push({
          path: iss.path.reduce<string>((p, k) => joinPath(p, k as string | number), e.prepared.path),
          message: iss.message,
        });
      }
    }
  }
  const out: ResolvedPlugin<I>[] = [];
  for (const e of entries) {
    keys.warnings.push(...e.warnings);
    issues.push(...e.issues);
    if (!e.prepared || !e.ok || e.issues.length) continue;
    const { definition, path, interval, quorum, group, incident } = e.prepared;
    const tries = (e.options as { attempts?: unknown }).attempts;
    if (registry.kind === "checker" && typeof tries === "number" && tries < 0) {
      keys.warnings.push(`${joinPath(path, "attempts")}: ${tries} attempts means 1 (as in Go)`);
    }
    out.push({
      definition,
      options: e.options,
      path,
      ...(interval ? { interval } : {}),
      ...(quorum ? { quorum } : {}),
      ...(group ? { group } : {}),
      ...(incident ? { incident } : {}),
    });
  }
  return out;
}

/**
 * The definition of a known type, once its module is loaded: `loadConfig` imports the types its file
 * names, the kinds' `mod.ts` (the library's entry points) import them all. Undefined for an unknown type.
 */
function loadedDefinition<I>(registry: PluginRegistry<I>, type: string): AnyDefinition<I> | undefined {
  if (!registry.entry(type)) return undefined;
  const definition = registry.loaded(type);
  if (definition) return definition;
  throw new Error(
    `${registry.kind} type "${type}" is not loaded: import the library's entry point (mod.ts) or the ` +
      `${registry.kind}s' mod.ts, or load the config with loadConfig`,
  );
}

/**
 * Validates a config object (parsed JSON or a library caller's object). Throws a {@linkcode ConfigError}
 * listing every problem; returns the resolved plugins plus warnings otherwise.
 */
export function resolveConfig(raw: unknown, options: ResolveOptions = {}): ResolvedConfig {
  return resolve(raw, options, { warnings: [] });
}

function resolve(raw: unknown, options: ResolveOptions, keys: KeyContext): ResolvedConfig {
  const source = options.source ?? "config";
  const issues: ConfigIssue[] = [];
  const warnings = keys.warnings;
  const redactor = new Redactor();
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(source, [{
      path: "",
      message: `expected a JSON object, found ${describeValue(raw)}`,
    }]);
  }
  // `${NAME}` is how secrets stay out of the file: every value from the environment counts as one.
  const data = substituteEnv(raw, options.env ?? defaultEnv, "", issues, (_name, value) => {
    redactor.add(value);
  }) as Record<string, unknown>;
  redactor.collect(data);

  const listKeys = ["checkers", "storage", "notifiers", "notifier", "maintenance"];
  const topKeys = [
    "concurrent_checks",
    "timestamp",
    "node",
    "spread",
    "deliver_within",
    "shutdown_grace",
    "quorum",
    "location",
    "silent_after",
  ];
  const known = [...listKeys, ...topKeys];
  for (const key of Object.keys(data)) {
    if (key === "$schema" || known.includes(key.toLowerCase())) continue;
    const hint = closest(key, known);
    warnings.push(`${key}: unknown key, ignored${hint ? ` (did you mean "${hint}"?)` : ""}`);
  }
  const picked = pickKeys(data, "", (k) => known.find((x) => x === k.toLowerCase()), keys);
  const top: Record<string, unknown> = {};
  const lists: Record<string, unknown> = {};
  for (const [key, written] of picked) {
    if (listKeys.includes(key)) lists[key] = data[written];
    else top[key] = data[written];
    if (data[written] === null) {
      warnings.push(`${written}: null, taken as ${listKeys.includes(key) ? "none" : "unset"}`);
      if (!listKeys.includes(key)) delete top[key];
    }
  }
  const settings = topLevelSchema.safeParse(top, { error: errorMap });
  if (!settings.success) {
    for (const iss of settings.error.issues) issues.push({ path: iss.path.join("."), message: iss.message });
  }

  const array = (key: string): unknown[] => {
    const v = lists[key];
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    issues.push({ path: key, message: `expected an array, found ${describeValue(v)}` });
    return [];
  };
  const checkers = resolvePlugins(
    checkerRegistry,
    array("checkers").map((c, i) => [c, `checkers[${i}]`] as const),
    undefined,
    issues,
    keys,
  );
  for (const type of checkerRegistry.loadedTypes) {
    const d = checkerRegistry.loaded(type)!;
    const entries = checkers.filter((c) => c.definition === d);
    if (d.crossCheck && entries.length > 1) issues.push(...d.crossCheck(entries));
  }
  const notifierRaws: [unknown, string][] = [];
  if (lists.notifier !== undefined && lists.notifier !== null) {
    notifierRaws.push([lists.notifier, "notifier"]);
  }
  array("notifiers").forEach((n, i) => notifierRaws.push([n, `notifiers[${i}]`]));
  const notifiers = resolvePlugins(notifierRegistry, notifierRaws, "name", issues, keys);
  const storage = lists.storage === undefined || lists.storage === null
    ? undefined
    : resolvePlugins(storageRegistry, [[lists.storage, "storage"]], "provider", issues, keys)[0];
  const maintenance = resolveMaintenance(lists.maintenance, issues, keys);

  // A value that failed substitution also fails its schema: report only the cause.
  const envPaths = new Set(
    issues.filter((i) => /environment variable/.test(i.message)).map((i) => i.path),
  );
  const reported = issues.filter((i) => !envPaths.has(i.path) || /environment variable/.test(i.message));
  // Messages quote the values they refuse: the config's secrets never reach stderr through them.
  if (reported.length) {
    throw new ConfigError(source, reported.map((i) => ({ ...i, message: redactor.redact(i.message) })));
  }
  warnings.push(...duplicateEndpoints(checkers));
  const s = settings.data!;
  return {
    checkers,
    storage,
    notifiers,
    concurrent_checks: s.concurrent_checks,
    timestamp: s.timestamp,
    node: s.node,
    spread: s.spread,
    deliver_within: s.deliver_within,
    shutdown_grace: s.shutdown_grace,
    ...(s.quorum ? { quorum: s.quorum } : {}),
    ...(s.location ? { location: s.location } : {}),
    ...(s.silent_after ? { silent_after: s.silent_after } : {}),
    ...(maintenance.length ? { maintenance } : {}),
    warnings,
    redactor,
    source,
  };
}

/**
 * Warns about checkers with the same title and endpoint: their results share one identity, so the page,
 * the API and the alerts would mix them into one endpoint.
 */
function duplicateEndpoints(checkers: ResolvedPlugin<Checker>[]): string[] {
  const seen = new Map<string, string>();
  const out: string[] = [];
  for (const c of checkers) {
    // Building a checker only keeps its options: this is how its results will be titled.
    const { title, endpoint } = c.definition.create(c.options, defaultContext());
    const key = `${title}\u0000${endpoint}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, c.path);
    else {
      out.push(
        `${c.path}: the same endpoint as ${first} (title ${JSON.stringify(title)}, endpoint ${
          JSON.stringify(endpoint)
        }); their results would be mixed into one endpoint`,
      );
    }
  }
  return out;
}

/**
 * Reads and validates a config file. A missing or unreadable file, invalid JSON and every invalid value
 * throw a {@linkcode ConfigError} that names the file (and line and column for syntax errors).
 */
export async function loadConfig(
  path: string,
  options: Omit<ResolveOptions, "source"> = {},
): Promise<ResolvedConfig> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "file not found (create one, or pass -c/--config PATH)"
      : e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable
      ? "permission denied"
      : e instanceof Deno.errors.IsADirectory
      ? "is a directory, expected a JSON file"
      : (e as Error).message;
    throw new ConfigError(path, [{ path: "", message: why }]);
  }
  const text = decodeConfigText(bytes, path);
  const raw = parseJsonText(text, path);
  await loadNamedTypes(raw);
  const lines = jsonKeyLines(text);
  return resolve(raw, { ...options, source: path }, { warnings: duplicateKeyWarnings(lines), lines });
}

/**
 * Imports the modules of the plugin types a config names (keys matched without case, as validation
 * does), so a run loads no other type's module, driver or schema. A type written as `${VAR}` is only known
 * once substituted: every type of that kind is loaded then.
 */
export async function loadNamedTypes(raw: unknown): Promise<void> {
  const named = (registry: PluginRegistry<unknown>, items: unknown[], legacy?: string) => {
    const names: string[] = [];
    for (const item of items) {
      if (!item || typeof item !== "object") continue;
      for (const [k, v] of Object.entries(item)) {
        const key = k.toLowerCase();
        if ((key !== "type" && key !== legacy) || typeof v !== "string") continue;
        if (v.includes("${")) return registry.loadAll();
        names.push(v);
      }
    }
    return registry.load(names);
  };
  const lists: Record<string, unknown[]> = { checkers: [], storage: [], notifiers: [] };
  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw)) {
      const key = k.toLowerCase();
      const list = key === "notifier" ? lists.notifiers : Object.hasOwn(lists, key) ? lists[key] : undefined;
      if (!list) continue;
      if (Array.isArray(v)) { for (const item of v) list.push(item); }
      else list.push(v);
    }
  }
  await Promise.all([
    named(checkerRegistry, lists.checkers),
    named(storageRegistry, lists.storage, "provider"),
    named(notifierRegistry, lists.notifiers, "name"),
  ]);
}

function defaultContext(): PluginContext {
  return { logger: silentLogger, fetch: (...a) => fetch(...a), now: nowNs };
}

function single<I>(
  registry: PluginRegistry<I>,
  raw: unknown,
  context?: Partial<PluginContext>,
): I {
  const issues: ConfigIssue[] = [];
  const [resolved] = resolvePlugins(registry, [[raw, registry.kind]], undefined, issues, { warnings: [] });
  if (!resolved) throw new ConfigError(registry.kind, issues);
  return resolved.definition.create(resolved.options, { ...defaultContext(), ...context });
}

/** Builds one checker from its `checkup.json` object (library use). Throws {@linkcode ConfigError}. */
export function parseChecker(config: CheckerConfig, context?: Partial<PluginContext>): Checker {
  return single(checkerRegistry, config, context);
}

/** Builds one storage from its `checkup.json` object (library use). Throws {@linkcode ConfigError}. */
export function parseStorage(config: StorageConfig, context?: Partial<PluginContext>): Storage {
  return single(storageRegistry, config, context);
}

/** Builds one notifier from its `checkup.json` object (library use). Throws {@linkcode ConfigError}. */
export function parseNotifier(config: NotifierConfig, context?: Partial<PluginContext>): Notifier {
  return single(notifierRegistry, config, context);
}
