/**
 * A writer process for the conformance suite: builds the storage from the JSON config given as the first
 * argument and stores `rounds` rounds titled `writer <id> round <i>`.
 */
import { parseStorage } from "../config/load.ts";
import { nowNs } from "../result.ts";
import type { StorageConfig } from "./mod.ts";

const [config, id, rounds] = Deno.args;
const storage = parseStorage(JSON.parse(config) as StorageConfig);
for (let i = 0; i < Number(rounds); i++) {
  const ts = nowNs();
  await storage.store([{
    title: `writer ${id} round ${i}`,
    endpoint: "127.0.0.1:1",
    timestamp: ts,
    times: [{ rtt: i }],
    healthy: true,
  }]);
}
await storage.close?.();
