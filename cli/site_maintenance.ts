/**
 * Maintenance windows for a static site (`serve --export`): the config's `maintenance` list (resolved,
 * times in ms) and the ad hoc windows stored when the site is written, as `config.json` carries them, so
 * the page hosted without `serve` shows them too. Ad hoc windows started later reach the site with the next
 * export.
 *
 * @module
 */
import { loadConfig } from "../config/resolve.ts";
import { silentLogger } from "../log.ts";
import { nowNs } from "../result.ts";
import { KEEP_ENDED_MS, MaintenanceStore } from "../maintenance/store.ts";
import { isSharedStore } from "../storage/storage.ts";
import type { MaintenanceRule } from "../config/maintenance.ts";
import type { MaintenanceWindow } from "../status/operations.js";

/** What `config.json` says about maintenance (written by `serve --export`). */
export interface SiteMaintenance {
  /** The config's windows, resolved (times and durations in ms, days 0 = Sunday). */
  rules: MaintenanceRule[];
  /** The ad hoc windows stored when the site was written. */
  windows: MaintenanceWindow[];
}

/**
 * Reads the maintenance windows of the checkup config at `path` and of its storage; none when there is no
 * config. A config that cannot be loaded whole (its secrets are not in this environment) gives no windows
 * and a warning through `warn`, so exporting a page never needs them.
 */
export async function readSiteMaintenance(
  path: string,
  warn: (text: string) => void,
  now = Date.now(),
): Promise<SiteMaintenance | undefined> {
  try {
    await Deno.stat(path);
  } catch {
    return undefined;
  }
  let config;
  try {
    config = await loadConfig(path);
  } catch (e) {
    warn(`maintenance windows not exported: ${(e as Error).message}`);
    return undefined;
  }
  const rules = config.maintenance ?? [];
  let windows: MaintenanceWindow[] = [];
  if (config.storage) {
    const storage = config.storage.definition.create(config.storage.options, {
      logger: silentLogger,
      fetch: (...a) => fetch(...a),
      now: nowNs,
    });
    try {
      if (isSharedStore(storage)) {
        windows = (await new MaintenanceStore(storage).list(now)).windows
          .filter((w) => w.end > now - KEEP_ENDED_MS && w.end > w.start);
      }
    } catch (e) {
      warn(`ad hoc maintenance windows not exported: ${(e as Error).message}`);
    } finally {
      await storage.close?.();
    }
  }
  return rules.length || windows.length ? { rules, windows } : undefined;
}
