/**
 * A claimer process for the conformance suite: builds the storage from the JSON config given as the first
 * argument, gets ready (driver loaded, connection open, table created), writes `ready`, waits until its
 * stdin closes (all claimers start at once), then creates `claims/key-<i>` for i below the third argument,
 * each holding its id (the second argument), and writes the indexes it won as a JSON array.
 */
import { parseStorage } from "../config/load.ts";
import type { StorageConfig } from "./mod.ts";
import { isSharedStore } from "./storage.ts";

const [config, id, keys] = Deno.args;
const storage = parseStorage(JSON.parse(config) as StorageConfig);
if (!isSharedStore(storage)) throw new Error(`storage ${storage.type} holds no shared documents`);
const out = (text: string) => Deno.stdout.write(new TextEncoder().encode(text));
await storage.list("claims/");
await out("ready\n");
for await (const _ of Deno.stdin.readable); // the go signal: stdin closed
const won: number[] = [];
for (let i = 0; i < Number(keys); i++) if (await storage.create(`claims/key-${i}`, id)) won.push(i);
await out(JSON.stringify(won) + "\n");
await storage.close?.();
