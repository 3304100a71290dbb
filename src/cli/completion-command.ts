import { Argument, type Command } from "commander";

interface Node {
  path: string;
  subcommands: string[];
  options: string[];
}

/** Every command path of the CLI with its subcommands and long options, from commander's own tree. */
function walk(command: Command, path: string[] = []): Node[] {
  const options = command.options.map((o) => o.long).filter((flag): flag is string => Boolean(flag));
  const own: Node = { path: path.join(" "), subcommands: command.commands.map((c) => c.name()), options: [...options, "--help"] };
  return [own, ...command.commands.flatMap((c) => walk(c, [...path, c.name()]))];
}

function bash(nodes: Node[]): string {
  const cases = nodes.map((n) => `    "${n.path}") words="${[...n.subcommands, ...n.options].join(" ")}" ;;`).join("\n");
  const known = nodes.map((n) => `"${n.path}"`).join(" ");
  return `# keyhold completion for bash (and zsh with bashcompinit): eval "$(keyhold completion bash)"
_keyhold() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" candidate words i
  local known=(${known})
  for ((i = 1; i < COMP_CWORD; i++)); do
    candidate="\${path:+$path }\${COMP_WORDS[i]}"
    for k in "\${known[@]}"; do [[ "$k" == "$candidate" ]] && path="$candidate" && break; done
  done
  case "$path" in
${cases}
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F _keyhold keyhold
`;
}

function zsh(nodes: Node[]): string {
  return `# keyhold completion for zsh: eval "$(keyhold completion zsh)"
autoload -U +X bashcompinit && bashcompinit
${bash(nodes).split("\n").slice(1).join("\n")}`;
}

function fish(nodes: Node[]): string {
  const lines = ["# keyhold completion for fish: keyhold completion fish | source", "complete -c keyhold -f"];
  for (const node of nodes) {
    const words = node.path ? node.path.split(" ") : [];
    const condition = words.length === 0 ? "__fish_use_subcommand" : `__fish_seen_subcommand_from ${words[words.length - 1]}`;
    if (node.subcommands.length > 0) lines.push(`complete -c keyhold -n '${condition}' -a '${node.subcommands.join(" ")}'`);
    for (const option of node.options) lines.push(`complete -c keyhold -n '${condition}' -l ${option.replace(/^--/, "")}`);
  }
  return `${lines.join("\n")}\n`;
}

/** `keyhold completion bash|zsh|fish`: prints a completion script for the shell. */
export function registerCompletionCommand(program: Command): void {
  program
    .command("completion")
    .description("Print a shell completion script")
    .addArgument(new Argument("<shell>", "the shell").choices(["bash", "zsh", "fish"]))
    .addHelpText(
      "after",
      '\nExamples:\n  eval "$(keyhold completion bash)"     # in ~/.bashrc\n  eval "$(keyhold completion zsh)"      # in ~/.zshrc\n  keyhold completion fish | source       # in ~/.config/fish/config.fish',
    )
    .action((shell: string) => {
      const nodes = walk(program);
      process.stdout.write(shell === "fish" ? fish(nodes) : shell === "zsh" ? zsh(nodes) : bash(nodes));
    });
}
