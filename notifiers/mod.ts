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
import { notifierRegistry } from "./registry.ts";
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
import { rocketChatNotifier, type RocketChatNotifierConfig } from "./rocketchat.ts";
import { googleChatNotifier, type GoogleChatNotifierConfig } from "./googlechat.ts";
import { opsgenieNotifier, type OpsgenieNotifierConfig } from "./opsgenie.ts";
import { victorOpsNotifier, type VictorOpsNotifierConfig } from "./victorops.ts";
import { matrixNotifier, type MatrixNotifierConfig } from "./matrix.ts";
import { zulipNotifier, type ZulipNotifierConfig } from "./zulip.ts";
import { twilioNotifier, type TwilioNotifierConfig } from "./twilio.ts";
import { signalNotifier, type SignalNotifierConfig } from "./signal.ts";
import { homeAssistantNotifier, type HomeAssistantNotifierConfig } from "./homeassistant.ts";
import { appriseNotifier, type AppriseNotifierConfig } from "./apprise.ts";
import { snsNotifier, type SnsNotifierConfig } from "./sns.ts";
import { mattermostNotifier, type MattermostNotifierConfig } from "./mattermost.ts";

export { type Alert, type AlertKind, DeliveryError, type Notifier, type TrackedStatus } from "./notifier.ts";
export { HttpNotifier, type SendOptions } from "./http_notifier.ts";
export { type AlertOn, type AlertPolicy, type AlertPolicyConfig, DEFAULT_ALERT_POLICY } from "./policy.ts";
export {
  AlertPipeline,
  type AlertPipelineOptions,
  type AlertReport,
  type NotifierOutcome,
} from "./pipeline.ts";
export type { Announcement } from "./announcements.ts";
export { type DeliveryStats } from "./delivery.ts";
export { type AlertStateStore, fileAlertState, memoryAlertState, storageAlertState } from "./state.ts";
export {
  alertFacts,
  alertHeadline,
  alertText,
  type Fact,
  roundHtml,
  roundSubject,
  roundText,
} from "./message.ts";
export { DiscordNotifier, type DiscordNotifierConfig, type DiscordNotifierOptions } from "./discord.ts";
export { GotifyNotifier, type GotifyNotifierConfig, type GotifyNotifierOptions } from "./gotify.ts";
export {
  MailNotifier,
  type MailNotifierConfig,
  type MailNotifierOptions,
  type SmtpConfig,
  type SmtpOptions,
  type SmtpTls,
} from "./mail.ts";
export { MailgunNotifier, type MailgunNotifierConfig, type MailgunNotifierOptions } from "./mailgun.ts";
export { NtfyNotifier, type NtfyNotifierConfig, type NtfyNotifierOptions } from "./ntfy.ts";
export {
  PagerDutyNotifier,
  type PagerDutyNotifierConfig,
  type PagerDutyNotifierOptions,
  type PagerDutySeverity,
} from "./pagerduty.ts";
export { PushoverNotifier, type PushoverNotifierConfig, type PushoverNotifierOptions } from "./pushover.ts";
export { SlackNotifier, type SlackNotifierConfig, type SlackNotifierOptions } from "./slack.ts";
export { TeamsNotifier, type TeamsNotifierConfig, type TeamsNotifierOptions } from "./teams.ts";
export { TelegramNotifier, type TelegramNotifierConfig, type TelegramNotifierOptions } from "./telegram.ts";
export { WebhookNotifier, type WebhookNotifierConfig, type WebhookNotifierOptions } from "./webhook.ts";
export {
  RocketChatNotifier,
  type RocketChatNotifierConfig,
  type RocketChatNotifierOptions,
} from "./rocketchat.ts";
export {
  GoogleChatNotifier,
  type GoogleChatNotifierConfig,
  type GoogleChatNotifierOptions,
} from "./googlechat.ts";
export {
  OpsgenieNotifier,
  type OpsgenieNotifierConfig,
  type OpsgenieNotifierOptions,
  type OpsgeniePriority,
} from "./opsgenie.ts";
export {
  VictorOpsNotifier,
  type VictorOpsNotifierConfig,
  type VictorOpsNotifierOptions,
} from "./victorops.ts";
export { MatrixNotifier, type MatrixNotifierConfig, type MatrixNotifierOptions } from "./matrix.ts";
export { ZulipNotifier, type ZulipNotifierConfig, type ZulipNotifierOptions } from "./zulip.ts";
export { TwilioNotifier, type TwilioNotifierConfig, type TwilioNotifierOptions } from "./twilio.ts";
export { SignalNotifier, type SignalNotifierConfig, type SignalNotifierOptions } from "./signal.ts";
export {
  HomeAssistantNotifier,
  type HomeAssistantNotifierConfig,
  type HomeAssistantNotifierOptions,
} from "./homeassistant.ts";
export { AppriseNotifier, type AppriseNotifierConfig, type AppriseNotifierOptions } from "./apprise.ts";
export { SnsNotifier, type SnsNotifierConfig, type SnsNotifierOptions } from "./sns.ts";
export {
  MattermostNotifier,
  type MattermostNotifierConfig,
  type MattermostNotifierOptions,
} from "./mattermost.ts";

/** The notifier registry: one entry per type. Adding a type = one file, one test file, one entry here and one in registry.ts. */
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
  mattermostNotifier,
  rocketChatNotifier,
  googleChatNotifier,
  opsgenieNotifier,
  victorOpsNotifier,
  matrixNotifier,
  zulipNotifier,
  twilioNotifier,
  signalNotifier,
  homeAssistantNotifier,
  appriseNotifier,
  snsNotifier,
];
// Every module is imported above: resolution by name needs no import.
notifierRegistry.provide(notifierDefinitions);

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
  | PagerDutyNotifierConfig
  | MattermostNotifierConfig
  | SnsNotifierConfig
  | AppriseNotifierConfig
  | HomeAssistantNotifierConfig
  | SignalNotifierConfig
  | TwilioNotifierConfig
  | ZulipNotifierConfig
  | MatrixNotifierConfig
  | VictorOpsNotifierConfig
  | OpsgenieNotifierConfig
  | GoogleChatNotifierConfig
  | RocketChatNotifierConfig;
