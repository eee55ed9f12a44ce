/**
 * The `matrix` notifier: one `m.room.message` per alert into a Matrix room, sent with the notification id
 * as the transaction id, so a retried send is the same event (the homeserver drops the repeat).
 *
 * Follows the Matrix client-server API (https://spec.matrix.org/v1.11/client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid
 * and the `m.room.message` `m.text` msgtype): `PUT
 * <homeserver>/_matrix/client/v3/rooms/<roomId>/send/m.room.message/<txnId>` with `Authorization: Bearer
 * <access token>` and a JSON body of `msgtype: "m.notice"` (a bot's message), `body` (plain text),
 * `format: "org.matrix.custom.html"` and `formatted_body` (HTML). It answers `200 {"event_id": …}`. A
 * recovery is the same message.
 *
 * @module
 */
import { z } from "zod";
import { headerValue, httpUrl, typeTag } from "../config/fields.ts";
import type { PluginDefinition } from "../config/plugin.ts";
import { deliverEach, HttpNotifier } from "./http_notifier.ts";
import { alertFacts, alertHeadline, alertText, escapeHtml, truncate } from "./message.ts";
import type { Alert, Notifier } from "./notifier.ts";
import { type AlertPolicy, type AlertPolicyConfig, alertPolicyShape } from "./policy.ts";

/** `checkup.json` options of the `matrix` notifier. */
export interface MatrixNotifierConfig extends AlertPolicyConfig {
  /** The notifier type, `"matrix"`. */
  type: "matrix";
  /** The homeserver's client API URL, e.g. `https://matrix.example.org`. */
  homeserver: string;
  /** The bot user's access token (a secret). */
  access_token: string;
  /** The room id, `!opaque:server` (the bot must have joined it). */
  room_id: string;
}

/** Validated options of the `matrix` notifier. */
export interface MatrixNotifierOptions extends AlertPolicy {
  /** The notifier type, always `"matrix"`. */
  type: "matrix";
  /** The homeserver URL. */
  homeserver: string;
  /** The access token (a secret). */
  access_token: string;
  /** The room id. */
  room_id: string;
}

const schema: z.ZodType<MatrixNotifierOptions, MatrixNotifierConfig> = z.object({
  type: typeTag("matrix"),
  ...alertPolicyShape,
  homeserver: httpUrl("The homeserver URL, e.g. https://matrix.example.org."),
  access_token: headerValue("The bot user's access token.", 1),
  room_id: z.string().regex(/^!\S+:\S+$/, { error: "expected a room id like !opaque:example.org" }).meta({
    description: "The room id (!opaque:server), which the bot has joined.",
  }),
});

/** The `m.room.message` content of one alert: plain text and HTML. */
export function matrixMessage(alert: Alert): Record<string, string> {
  const facts = alertFacts(alert).map((f) => {
    const v = escapeHtml(truncate(f.value, 2000));
    return `<li><b>${escapeHtml(f.label)}:</b> ${
      f.label === "Status page" ? `<a href="${v}">${v}</a>` : v
    }</li>`;
  }).join("");
  return {
    msgtype: "m.notice",
    body: truncate(alertText(alert), 16000),
    format: "org.matrix.custom.html",
    formatted_body: `<strong>${escapeHtml(alertHeadline(alert))}</strong><ul>${facts}</ul>`,
  };
}

/** Sends alerts to a Matrix room. */
export class MatrixNotifier extends HttpNotifier<MatrixNotifierOptions> {
  /** Always `"matrix"`. */
  override readonly type = "matrix";

  /** Delivers one round's alerts; see {@linkcode Notifier.notify}. */
  override notify(alerts: readonly Alert[], signal?: AbortSignal): Promise<void> {
    const o = this.options;
    const room = `${o.homeserver.replace(/\/+$/, "")}/_matrix/client/v3/rooms/${
      encodeURIComponent(o.room_id)
    }`;
    return deliverEach(alerts, async (alert) => {
      await this.post(`${room}/send/m.room.message/${encodeURIComponent(alert.id)}`, {
        method: "PUT",
        json: matrixMessage(alert),
        headers: { Authorization: `Bearer ${o.access_token}` },
        signal,
      });
    });
  }
}

/** The `matrix` notifier type. */
export const matrixNotifier: PluginDefinition<Notifier, MatrixNotifierOptions> = {
  type: "matrix",
  summary: "Matrix room: one m.notice per alert (HTML), the notification id as transaction id.",
  schema,
  create: (options, ctx) => new MatrixNotifier(options, ctx),
};
