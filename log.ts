/**
 * The logger: one line per event on stderr, as text or JSON, with levels and secret redaction.
 * Library code receives a {@linkcode Logger}; only the CLI decides where lines go.
 */
import { Redactor } from "./_internal/redact.ts";

/** Log levels, least to most severe. */
export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVELS: LogLevel[] = ["debug", "info", "warn", "error"];

/** Structured context attached to a log line. */
export type LogFields = Record<string, unknown>;

/** Scrubs secrets out of a text; a resolved config's `redactor` knows that config's secrets. */
export interface TextRedactor {
  /** Returns `text` with every secret it knows (and credential-shaped text) replaced by `***`. */
  redact(text: string): string;
}

/** Where Checkup reports what it does. */
export interface Logger {
  /** Details for troubleshooting, hidden at the default `info` level. */
  debug(message: string, fields?: LogFields): void;
  /** Normal operation: rounds stored, server started. */
  info(message: string, fields?: LogFields): void;
  /** Something is off but handled (a skipped check, a fallback). */
  warn(message: string, fields?: LogFields): void;
  /** Something failed (a storage error, an undelivered alert). */
  error(message: string, fields?: LogFields): void;
}

/** Options of {@linkcode createLogger}. */
export interface LoggerOptions {
  /** Least severe level written (default `"info"`). */
  level?: LogLevel;
  /** Line format: `"text"` (default, `key=value` pairs) or `"json"` (one object per line). */
  format?: "text" | "json";
  /** Receives each finished line (without newline). Defaults to stderr. */
  write?: (line: string) => void;
  /** Scrubs each finished line; default: only credential-shaped text (URL passwords, tokens) is scrubbed. */
  redactor?: TextRedactor;
  /** The clock of the timestamps (default the system clock). */
  clock?: () => Date;
}

const encoder = new TextEncoder();
function toStderr(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}

function fieldText(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  const s = typeof v === "string"
    ? v
    : JSON.stringify(v, (_k, x) => typeof x === "bigint" ? x.toString() : x);
  return /^[^\s"=]+$/.test(s ?? "") ? s : JSON.stringify(s);
}

/**
 * Creates a logger writing one line per event: `2026-11-24T17:14:13.123Z WARN message key=value`
 * or, with `format: "json"`, `{"time":…,"level":"warn","msg":…,"key":…}`.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LEVELS.indexOf(options.level ?? "info");
  const write = options.write ?? toStderr;
  const redactor = options.redactor ?? new Redactor();
  const clock = options.clock ?? (() => new Date());
  const emit = (level: LogLevel) => (message: string, fields: LogFields = {}) => {
    if (LEVELS.indexOf(level) < min) return;
    const time = clock().toISOString();
    let line: string;
    if (options.format === "json") {
      const rec: LogFields = { time, level, msg: message };
      for (const [k, v] of Object.entries(fields)) rec[k] = v instanceof Error ? v.message : v;
      line = JSON.stringify(rec, (_k, x) => typeof x === "bigint" ? x.toString() : x);
    } else {
      const extra = Object.entries(fields).map(([k, v]) => ` ${k}=${fieldText(v)}`).join("");
      line = `${time} ${level.toUpperCase()} ${message}${extra}`;
    }
    write(redactor.redact(line));
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

/** A logger that drops everything (library default). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
