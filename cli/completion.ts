/** `checkup completion bash|zsh|fish`: shell completion generated from the command definitions. */
import type { Command } from "commander";
import { EXIT } from "./common.ts";
import type { Io } from "./io.ts";

interface Spec {
  commands: { name: string; description: string; options: string[] }[];
  globals: string[];
}

function specOf(program: Command): Spec {
  const flags = (c: Command) => c.options.flatMap((o) => [o.short, o.long].filter((f): f is string => !!f));
  return {
    globals: [...flags(program), "--help"],
    // A command with subcommands (`incident open`) completes their names and their flags.
    commands: program.commands.map((c) => ({
      name: c.name(),
      description: c.description(),
      options: [
        ...new Set([...c.commands.map((s) => s.name()), ...flags(c), ...c.commands.flatMap(flags), "--help"]),
      ],
    })),
  };
}

function bash(s: Spec): string {
  const cases = s.commands.map((c) =>
    `    ${c.name}) opts="${c.options.join(" ")} ${s.globals.join(" ")}" ;;`
  ).join("\n");
  return `# bash completion for checkup; install: checkup completion bash > /etc/bash_completion.d/checkup
_checkup() {
  local cur cmd opts i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  case "$cmd" in
${cases}
    *) opts="${s.commands.map((c) => c.name).join(" ")} ${s.globals.join(" ")}" ;;
  esac
  case "\${COMP_WORDS[COMP_CWORD-1]}" in
    -c|--config) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -F _checkup checkup
`;
}

function zsh(s: Spec): string {
  const cmds = s.commands.map((c) => `    '${c.name}:${c.description.replace(/'/g, "'\\''")}'`).join("\n");
  return `#compdef checkup
# zsh completion for checkup; install: checkup completion zsh > "\${fpath[1]}/_checkup"
_checkup() {
  local -a commands
  commands=(
${cmds}
  )
  _arguments -C \\
    '(-c --config)'{-c,--config}'[path of the JSON config]:config file:_files -g "*.json"' \\
    '--store[store the results]' '--json[print JSON]' '--help[show help]' \\
    '1: :->cmd' '*:: :->args'
  case $state in
    cmd) _describe 'command' commands ;;
    args) _files ;;
  esac
}
_checkup "$@"
`;
}

function fish(s: Spec): string {
  const lines = s.commands.map((c) =>
    `complete -c checkup -n '__fish_use_subcommand' -a ${c.name} -d '${c.description.replace(/'/g, "\\'")}'`
  );
  lines.push("complete -c checkup -s c -l config -r -F -d 'path of the JSON config'");
  lines.push("complete -c checkup -l store -d 'store the results'");
  lines.push("complete -c checkup -l json -d 'print the results as JSON'");
  return `# fish completion for checkup; install: checkup completion fish > ~/.config/fish/completions/checkup.fish\n${
    lines.join("\n")
  }\n`;
}

/** Prints the completion script for `shell`. */
export function runCompletion(shell: string, program: Command, io: Io): number {
  const spec = specOf(program);
  const scripts: Record<string, (s: Spec) => string> = { bash, zsh, fish };
  const make = scripts[shell];
  if (!make) {
    io.err(`error: completion: expected one of bash, zsh, fish, found ${JSON.stringify(shell)}\n`);
    return EXIT.usage;
  }
  io.out(make(spec));
  return EXIT.ok;
}
