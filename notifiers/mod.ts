/**
 * Notifiers: the registry list of every notifier type, the notifier contract, the alert state machine
 * and the notify pipeline. Notifiers are told about transitions (down, degraded, recovered, reminders),
 * each under its own alert policy, never about every failing round.
 *
 * @example Build a notifier from its `checkup.json` object
 * ```ts
 * import { SlackNotifier } from "./mod.ts";
 * import { parseNotifier } from "../config/load.ts";
 * const slack = parseNotifier({ type: "slack", webhook: "https://hooks.slack.com/services/T/B/X", failure_threshold: 2 });
 * console.assert(slack instanceof SlackNotifier && slack.policy?.failure_threshold === 2);
 * ```
 *
 * @module
 */
import type { AnyDefinition } from "../config/plugin.ts";
import type { Notifier } from "./notifier.ts";
import { discordNotifier, type DiscordNotifierConfig } from "./discord.ts";
import { gotifyNotifier, type GotifyNotifierConfig } from "./gotify.ts";
import { mailNotifier, type MailNotifierConfig } from "./mail.ts";
import { mailgunNotifier, type MailgunNotifierConfig } from "./mailgun.ts";
import { ntfyNotifier, type NtfyNotifierConfig } from "./ntfy.ts";
import { pagerDutyNotifier, type PagerDutyNotifierConfig } from "./pagerduty.ts";
import { pushoverNotifier, type PushoverNotifierConfig } from "./pushover.ts";
import { slackNotifier, type SlackNotifierConfig } from "./slack.ts";
import { teamsNotifier, type TeamsNotifierConfig } from "./teams.ts";
import { telegramNotifier, type TelegramNotifierConfig } from "./telegram.ts";
import { webhookNotifier, type WebhookNotifierConfig } from "./webhook.ts";

export { type Alert, type AlertKind, DeliveryError, type Notifier } from "./notifier.ts";
export { HttpNotifier, type SendOptions } from "./http_notifier.ts";
export { type AlertOn, type AlertPolicy, type AlertPolicyConfig, DEFAULT_ALERT_POLICY } from "./policy.ts";
export {
  type AlertDecision,
  type AlertState,
  commitDecision,
  decideAlerts,
  type DecideContext,
  decodeAlertState,
  emptyAlertState,
  encodeAlertState,
  type EndpointTrack,
  notificationId,
  type NotifierTrack,
  observeRound,
  type TrackedStatus,
} from "./alerts.ts";
export {
  AlertPipeline,
  type AlertPipelineOptions,
  type AlertReport,
  DEFAULT_DELIVER_WITHIN_MS,
  DEFAULT_GRACE_MS,
  type NotifierOutcome,
} from "./pipeline.ts";
export { type AttemptOutcome, type DeliveryStats, type DeliveryTarget } from "./delivery.ts";
export { type Clock, systemClock } from "../_internal/clock.ts";
export { backoffMs, Outbox, type OutboxEntry } from "./outbox.ts";
export {
  alertStateKey,
  type AlertStateStore,
  defaultAlertState,
  type DefaultAlertStateOptions,
  defaultStateDir,
  fileAlertState,
  memoryAlertState,
  storageAlertState,
} from "./state.ts";
export {
  alertFacts,
  alertHeadline,
  alertText,
  type Fact,
  roundHtml,
  roundSubject,
  roundText,
} from "./message.ts";
export {
  DiscordNotifier,
  discordNotifier,
  type DiscordNotifierConfig,
  type DiscordNotifierOptions,
} from "./discord.ts";
export {
  GotifyNotifier,
  gotifyNotifier,
  type GotifyNotifierConfig,
  type GotifyNotifierOptions,
} from "./gotify.ts";
export {
  MailNotifier,
  mailNotifier,
  type MailNotifierConfig,
  type MailNotifierOptions,
  type SmtpConfig,
  type SmtpOptions,
  type SmtpTls,
} from "./mail.ts";
export {
  MailgunNotifier,
  mailgunNotifier,
  type MailgunNotifierConfig,
  type MailgunNotifierOptions,
} from "./mailgun.ts";
export { NtfyNotifier, ntfyNotifier, type NtfyNotifierConfig, type NtfyNotifierOptions } from "./ntfy.ts";
export {
  PagerDutyNotifier,
  pagerDutyNotifier,
  type PagerDutyNotifierConfig,
  type PagerDutyNotifierOptions,
  type PagerDutySeverity,
} from "./pagerduty.ts";
export {
  PushoverNotifier,
  pushoverNotifier,
  type PushoverNotifierConfig,
  type PushoverNotifierOptions,
} from "./pushover.ts";
export {
  SlackNotifier,
  slackNotifier,
  type SlackNotifierConfig,
  type SlackNotifierOptions,
} from "./slack.ts";
export {
  TeamsNotifier,
  teamsNotifier,
  type TeamsNotifierConfig,
  type TeamsNotifierOptions,
} from "./teams.ts";
export {
  TelegramNotifier,
  telegramNotifier,
  type TelegramNotifierConfig,
  type TelegramNotifierOptions,
} from "./telegram.ts";
export {
  WebhookNotifier,
  webhookNotifier,
  type WebhookNotifierConfig,
  type WebhookNotifierOptions,
} from "./webhook.ts";

/** The notifier registry: one entry per type. Adding a type = one file, one test file, one entry here. */
export const notifierDefinitions: readonly AnyDefinition<Notifier>[] = [
  slackNotifier,
  discordNotifier,
  mailNotifier,
  mailgunNotifier,
  pushoverNotifier,
  gotifyNotifier,
  webhookNotifier,
  ntfyNotifier,
  telegramNotifier,
  teamsNotifier,
  pagerDutyNotifier,
];

/** Any notifier object as written in `checkup.json`. */
export type NotifierConfig =
  | SlackNotifierConfig
  | DiscordNotifierConfig
  | MailNotifierConfig
  | MailgunNotifierConfig
  | PushoverNotifierConfig
  | GotifyNotifierConfig
  | WebhookNotifierConfig
  | NtfyNotifierConfig
  | TelegramNotifierConfig
  | TeamsNotifierConfig
  | PagerDutyNotifierConfig;
