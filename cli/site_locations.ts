/**
 * The several-locations keys of a checkup config (`quorum` at the top level and per checker, `silent_after`)
 * and the checkers' groups as a static site's `config.json` carries them, so the page hosted without
 * `serve` combines locations with the same quorum and shows the same groups. `serve --export` reads only these keys: the rest of the config (and the environment
 * variables its secrets come from) is not needed to write a page.
 */
import { ConfigError, type ConfigIssue } from "../config/errors.ts";
import { type EnvLookup, substituteEnv } from "../config/env.ts";
import { errorMap } from "../config/fields.ts";
import { decodeConfigText, parseJsonText } from "../config/text.ts";
import { checkerGroup, quorumField, type QuorumRule } from "../config/top_level.ts";
import { parseDuration } from "../duration.ts";
import { quorumText } from "../status/quorum.js";
import type { SiteMaintenance } from "./site_maintenance.ts";

/** What a static site's `config.json` says about several locations (the checkup config's keys). */
export interface SiteLocations {
  /** The top-level quorum: a count (`2`) or a share (`"50%"`). */
  quorum?: number | string;
  /** Each checker's own quorum, by title. */
  quorum_by_title?: Record<string, number | string>;
  /** The silence threshold, a duration in seconds like `"600s"`. */
  silent_after?: string;
  /** Each checker's group (the common `group` key), by title. */
  groups_by_title?: Record<string, string>;
  /** Maintenance windows: the config's and those stored when the site was written (`site_maintenance.ts`). */
  maintenance?: SiteMaintenance;
}

/** A rule as the config writes it: `2` or `"50%"`. */
function ruleValue(rule: QuorumRule): number | string {
  return "count" in rule ? rule.count : quorumText(rule);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads the several-locations keys of the checkup config at `path` (`${ENV}` references in them are
 * substituted); none when there is no such file. A key that is not what it should be throws a
 * {@linkcode ConfigError} naming its JSON path, as loading the whole config would.
 *
 * @example
 * ```ts
 * import { readSiteLocations } from "./site_locations.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/checkup.json`, '{"quorum": "50%", "silent_after": "10m", "checkers": []}');
 * const site = await readSiteLocations(`${dir}/checkup.json`);
 * console.assert(site.quorum === "50%" && site.silent_after === "600s");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readSiteLocations(
  path: string,
  env: EnvLookup = (name) => Deno.env.get(name),
): Promise<SiteLocations> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw new ConfigError(path, [{ path: "", message: `cannot read: ${(e as Error).message}` }]);
  }
  const raw = parseJsonText(decodeConfigText(bytes, path), path);
  if (!isObject(raw)) return {}; // not a config at all: `checkup` says so where it matters
  const issues: ConfigIssue[] = [];
  const rule = (value: unknown, where: string): QuorumRule | undefined => {
    if (value === undefined || value === null) return undefined;
    const parsed = quorumField.safeParse(substituteEnv(value, env, where, issues), { error: errorMap });
    if (parsed.success) return parsed.data;
    for (const iss of parsed.error.issues) issues.push({ path: where, message: iss.message });
    return undefined;
  };
  const out: SiteLocations = {};
  const top = rule(raw.quorum, "quorum");
  if (top) out.quorum = ruleValue(top);
  const byTitle: Record<string, number | string> = {};
  const groups: Record<string, string> = {};
  const checkers = Array.isArray(raw.checkers) ? raw.checkers : [];
  checkers.forEach((c, i) => {
    if (!isObject(c)) return;
    const own = rule(c.quorum, `checkers[${i}].quorum`);
    const title = substituteEnv(c.endpoint_name ?? "", env, `checkers[${i}].endpoint_name`, issues);
    if (own && typeof title === "string" && !(title in byTitle)) byTitle[title] = ruleValue(own);
    if (c.group === undefined || c.group === null) return;
    const where = `checkers[${i}].group`;
    const group = checkerGroup.safeParse(substituteEnv(c.group, env, where, issues), { error: errorMap });
    if (!group.success) {
      for (const iss of group.error.issues) issues.push({ path: where, message: iss.message });
    } else if (typeof title === "string" && !(title in groups)) groups[title] = group.data;
  });
  if (Object.keys(byTitle).length) out.quorum_by_title = byTitle;
  if (Object.keys(groups).length) out.groups_by_title = groups;
  if (raw.silent_after !== undefined && raw.silent_after !== null) {
    try {
      const ns = parseDuration(substituteEnv(raw.silent_after, env, "silent_after", issues) as string);
      if (ns > 0) out.silent_after = `${ns / 1e9}s`;
    } catch (e) {
      issues.push({ path: "silent_after", message: (e as Error).message });
    }
  }
  if (issues.length) throw new ConfigError(path, issues);
  return out;
}

/**
 * `config.json` with the several-locations keys set (others, and the keys the checkup config has not,
 * as they were); undefined when nothing changes, so a hand-written file is rewritten only when needed.
 */
export function withLocations(
  text: string,
  locations: SiteLocations,
  drop: readonly (keyof SiteLocations)[] = [],
): string | undefined {
  const keys = Object.keys(locations) as (keyof SiteLocations)[];
  if (!keys.length && !drop.length) return undefined;
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    return undefined; // the page reports an unreadable config.json itself
  }
  if (!isObject(config)) return undefined;
  const site = config;
  const gone = drop.filter((k) => !(k in locations) && k in site);
  if (!gone.length && keys.every((k) => JSON.stringify(site[k]) === JSON.stringify(locations[k]))) {
    return undefined;
  }
  const next: Record<string, unknown> = { ...site, ...locations };
  for (const k of gone) delete next[k];
  return JSON.stringify(next, null, 2) + "\n";
}
