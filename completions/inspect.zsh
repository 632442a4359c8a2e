
#compdef inspect

_inspect_completion() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" _INSPECT_COMPLETE=complete_zsh inspect)
}

compdef _inspect_completion inspect

