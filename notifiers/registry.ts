/**
 * The notifier types by name, each module imported only when a config names its type (see
 * `_internal/registry.ts`). The order and names match `notifierDefinitions` in `mod.ts` (a test holds
 * them together).
 *
 * @module
 */
import { PluginRegistry } from "../_internal/registry.ts";
import type { Notifier } from "./notifier.ts";

/** The notifier registry. */
export const notifierRegistry: PluginRegistry<Notifier> = new PluginRegistry<Notifier>("notifier", [
  { type: "slack", load: async () => (await import("./slack.ts")).slackNotifier },
  { type: "discord", load: async () => (await import("./discord.ts")).discordNotifier },
  { type: "mail", load: async () => (await import("./mail.ts")).mailNotifier },
  { type: "mailgun", load: async () => (await import("./mailgun.ts")).mailgunNotifier },
  { type: "pushover", load: async () => (await import("./pushover.ts")).pushoverNotifier },
  { type: "gotify", load: async () => (await import("./gotify.ts")).gotifyNotifier },
  { type: "webhook", load: async () => (await import("./webhook.ts")).webhookNotifier },
  { type: "ntfy", load: async () => (await import("./ntfy.ts")).ntfyNotifier },
  { type: "telegram", load: async () => (await import("./telegram.ts")).telegramNotifier },
  { type: "msteams", aliases: ["teams"], load: async () => (await import("./teams.ts")).teamsNotifier },
  { type: "pagerduty", load: async () => (await import("./pagerduty.ts")).pagerDutyNotifier },
  { type: "mattermost", load: async () => (await import("./mattermost.ts")).mattermostNotifier },
  { type: "rocketchat", load: async () => (await import("./rocketchat.ts")).rocketChatNotifier },
  { type: "googlechat", load: async () => (await import("./googlechat.ts")).googleChatNotifier },
  { type: "opsgenie", load: async () => (await import("./opsgenie.ts")).opsgenieNotifier },
  {
    type: "victorops",
    aliases: ["splunk-oncall"],
    load: async () => (await import("./victorops.ts")).victorOpsNotifier,
  },
  { type: "matrix", load: async () => (await import("./matrix.ts")).matrixNotifier },
  { type: "zulip", load: async () => (await import("./zulip.ts")).zulipNotifier },
  { type: "twilio", load: async () => (await import("./twilio.ts")).twilioNotifier },
  { type: "signal", load: async () => (await import("./signal.ts")).signalNotifier },
  { type: "homeassistant", load: async () => (await import("./homeassistant.ts")).homeAssistantNotifier },
  { type: "apprise", load: async () => (await import("./apprise.ts")).appriseNotifier },
  { type: "sns", load: async () => (await import("./sns.ts")).snsNotifier },
]);
