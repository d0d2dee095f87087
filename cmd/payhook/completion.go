package main

import "github.com/spf13/cobra"

func newCompletionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "completion (bash | zsh | fish | powershell)",
		Short: "print the script that completes payhook's commands, flags and providers in your shell",
		Long: `Load it once per session, or where your shell reads it at start:
  bash        source <(payhook completion bash)          (bash-completion 2 needed)
  zsh         payhook completion zsh > "${fpath[1]}/_payhook"
  fish        payhook completion fish > ~/.config/fish/completions/payhook.fish
  powershell  payhook completion powershell | Out-String | Invoke-Expression   (in $PROFILE)`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("name one shell: bash, zsh, fish or powershell")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			root, out := cmd.Root(), cmd.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return usageError("%q: name one shell: bash, zsh, fish or powershell", args[0])
		},
	}
}

// completeValues offers a flag's fixed values.
func completeValues(values ...string) cobra.CompletionFunc {
	return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
}
