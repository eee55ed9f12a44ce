/**
 * A throwaway PostgreSQL server for tests: `initdb` into a temporary directory, `pg_ctl start` on a free
 * port on 127.0.0.1 (trust auth, fsync off), stopped and deleted by `stop()`. Not a system service.
 */
import { exists, freePort, run, unavailable } from "./_server.ts";

/** A running throwaway PostgreSQL server. */
export interface PostgresServer {
  /** A lib/pq key=value DSN for the `postgres` database as user `postgres` (no password). */
  dsn: string;
  host: string;
  port: number;
  /** A DSN for another database of this server. */
  dsnFor(database: string): string;
  /** Creates a fresh empty database and returns its DSN. */
  createDatabase(name?: string): Promise<string>;
  /** Runs SQL through psql as superuser. */
  psql(sql: string, database?: string): Promise<string>;
  /** Stops the server process but keeps its data (for outage tests); `resume()` starts it again. */
  halt(): Promise<void>;
  /** Starts a halted server again on the same port with the same data. */
  resume(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  stop(): Promise<void>;
}

function findBin(): string | undefined {
  for (const v of ["17", "16", "15", "14", "13"]) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    if (exists(`${dir}/initdb`) && exists(`${dir}/pg_ctl`)) return dir;
  }
  return undefined;
}

function asPostgres(bin: string, args: string[]): [string, string[]] {
  if (Deno.uid() !== 0) return [bin, args];
  const quoted = [bin, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  return ["su", ["postgres", "-s", "/bin/sh", "-c", quoted]];
}

let counter = 0;

/**
 * Starts a throwaway PostgreSQL, or returns undefined (with a printed reason) when PostgreSQL is not
 * installed; under CHECKUP_REQUIRE_SERVICES=1 a missing PostgreSQL throws instead.
 */
export async function startPostgres(): Promise<PostgresServer | undefined> {
  const bin = findBin();
  if (!bin) return unavailable("PostgreSQL is not installed (apt-get install postgresql)");
  const dir = await Deno.makeTempDir({ prefix: "checkup-pg-" });
  if (Deno.uid() === 0) await run("chown", ["-R", "postgres", dir], "chown");
  const port = freePort();
  const host = "127.0.0.1";
  const pgRun = (tool: string, args: string[], what: string) => {
    const [cmd, a] = asPostgres(`${bin}/${tool}`, args);
    return run(cmd, a, what);
  };
  await pgRun("initdb", ["-D", `${dir}/data`, "-A", "trust", "-U", "postgres", "--no-sync"], "initdb");
  const start = () =>
    pgRun("pg_ctl", [
      "-D",
      `${dir}/data`,
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=${host} -c fsync=off -c max_connections=200`,
      "-l",
      `${dir}/log`,
      "-w",
      "start",
    ], "pg_ctl start");
  const halt = () => pgRun("pg_ctl", ["-D", `${dir}/data`, "-m", "fast", "-w", "stop"], "pg_ctl stop");
  await start();
  const dsnFor = (db: string) => `host=${host} port=${port} user=postgres dbname=${db} sslmode=disable`;
  const psql = (sql: string, database = "postgres") =>
    pgRun(
      "psql",
      ["-h", host, "-p", String(port), "-U", "postgres", "-d", database, "-qAt", "-c", sql],
      "psql",
    );
  let running = true;
  return {
    dsn: dsnFor("postgres"),
    host,
    port,
    dsnFor,
    psql,
    async createDatabase(name = `t${Date.now()}_${counter++}`) {
      await psql(`CREATE DATABASE ${name}`);
      return dsnFor(name);
    },
    async halt() {
      await halt();
      running = false;
    },
    async resume() {
      await start();
      running = true;
    },
    async stop() {
      try {
        if (running) await halt();
      } finally {
        running = false;
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  };
}
