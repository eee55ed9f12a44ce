/**
 * The storage types by name, each module (and its driver) imported only when a config names its type
 * (see `_internal/registry.ts`). The order and names match `storageDefinitions` in `mod.ts` (a test holds
 * them together).
 *
 * @module
 */
import { PluginRegistry } from "../_internal/registry.ts";
import type { Storage } from "./storage.ts";

/** The storage registry. */
export const storageRegistry: PluginRegistry<Storage> = new PluginRegistry<Storage>("storage", [
  { type: "fs", load: async () => (await import("./fs.ts")).fsStorage },
  { type: "sqlite3", aliases: ["sqlite"], load: async () => (await import("./sqlite.ts")).sqliteStorage },
  {
    type: "postgres",
    aliases: ["postgresql"],
    load: async () => (await import("./postgres.ts")).postgresStorage,
  },
  { type: "mysql", aliases: ["mariadb"], load: async () => (await import("./mysql.ts")).mysqlStorage },
  { type: "s3", load: async () => (await import("./s3/mod.ts")).s3Storage },
  { type: "github", load: async () => (await import("./github/mod.ts")).githubStorage },
  { type: "appinsights", load: async () => (await import("./appinsights.ts")).appinsightsStorage },
  { type: "sql", load: async () => (await import("./sql_legacy.ts")).legacySqlStorage },
]);
