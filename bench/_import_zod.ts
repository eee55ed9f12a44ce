/**
 * The start-up floor with zod (run by startup_bench.ts): importing zod and building one schema, as the
 * config's validation needs. Its time against `deno eval 1` is the part of a run's start-up that zod takes.
 */
import { z } from "zod";

z.object({ type: z.string() }).parse({ type: "http" });
