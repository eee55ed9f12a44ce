/**
 * A throwaway MariaDB server for tests: `mariadb-install-db` into a temporary directory, `mariadbd` on a
 * free port on 127.0.0.1 (root, empty password), killed and deleted by `stop()`. Not a system service.
 */
import { exists, freePort, run, unavailable, waitForPort } from "./_server.ts";

/** A running throwaway MariaDB server. */
export interface MariadbServer {
  /** A go-sql-driver DSN for database `mysql` as root: `root@tcp(127.0.0.1:PORT)/mysql`. */
  dsn: string;
  host: string;
  port: number;
  /** A DSN for another database of this server. */
  dsnFor(database: string): string;
  /** Creates a fresh empty database and returns its DSN. */
  createDatabase(name?: string): Promise<string>;
  /** Runs SQL through the mariadb client as root. */
  sql(sql: string, database?: string): Promise<string>;
  /** Stops the server (data kept); `resume()` starts it again on the same port. */
  halt(): Promise<void>;
  resume(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  stop(): Promise<void>;
}

function findBin(): { server: string; install: string; client: string } | undefined {
  const server = ["/usr/sbin/mariadbd", "/usr/sbin/mysqld"].find(exists);
  const install = ["/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db"].find(exists);
  const client = ["/usr/bin/mariadb", "/usr/bin/mysql"].find(exists);
  return server && install && client ? { server, install, client } : undefined;
}

let counter = 0;

/**
 * Starts a throwaway MariaDB, or returns undefined (with a printed reason) when it is not installed;
 * under CHECKUP_REQUIRE_SERVICES=1 a missing MariaDB throws instead.
 */
export async function startMariadb(): Promise<MariadbServer | undefined> {
  const bin = findBin();
  if (!bin) return unavailable("MariaDB is not installed (apt-get install mariadb-server)");
  const dir = await Deno.makeTempDir({ prefix: "checkup-mariadb-" });
  const user = Deno.uid() === 0 ? "root" : Deno.env.get("USER") ?? "root";
  // A temporary directory of its own: bootstraps running at once (parallel tests) collide on the
  // temporary table names they create in a shared /tmp ("Unknown table 'mysql.tmp_user_sys'").
  await Deno.mkdir(`${dir}/tmp`);
  await run(bin.install, [
    "--no-defaults",
    `--datadir=${dir}/data`,
    `--user=${user}`,
    "--auth-root-authentication-method=normal",
    "--skip-test-db",
    `--tmpdir=${dir}/tmp`,
  ], "mariadb-install-db");
  const port = freePort();
  const host = "127.0.0.1";
  let proc: Deno.ChildProcess | undefined;
  const start = async () => {
    proc = new Deno.Command(bin.server, {
      args: [
        "--no-defaults",
        `--datadir=${dir}/data`,
        `--user=${user}`,
        `--port=${port}`,
        `--bind-address=${host}`,
        `--socket=${dir}/sock`,
        `--tmpdir=${dir}/tmp`,
        `--pid-file=${dir}/pid`,
        "--skip-log-bin",
        "--innodb-buffer-pool-size=32M",
        "--max-connections=300",
        `--log-error=${dir}/log`,
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    await waitForPort(port);
  };
  const halt = async () => {
    if (!proc) return;
    const p = proc;
    proc = undefined;
    try {
      p.kill("SIGTERM");
    } catch { /* already gone */ }
    await p.status;
  };
  await start();
  const dsnFor = (db: string) => `root@tcp(${host}:${port})/${db}`;
  const sql = (text: string, database = "mysql") =>
    run(bin.client, [
      "--no-defaults",
      "-h",
      host,
      "-P",
      String(port),
      "-u",
      "root",
      "-N",
      "-e",
      text,
      database,
    ], "mariadb");
  return {
    dsn: dsnFor("mysql"),
    host,
    port,
    dsnFor,
    sql,
    async createDatabase(name = `t${Date.now()}_${counter++}`) {
      await sql(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
      return dsnFor(name);
    },
    halt,
    resume: start,
    async stop() {
      try {
        await halt();
      } finally {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  };
}
