# bash completion for novacron, the NovaCron Agent's operator command.
# Installed as /usr/share/bash-completion/completions/novacron.

_novacron_ids() {
  novacron incidents --open 2>/dev/null | awk 'NR > 1 { print $1 }'
}

_novacron_playbooks() {
  novacron playbooks 2>/dev/null | awk 'NR > 1 { print $1 }'
}

_novacron() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  }
  local commands="status health incidents trigger approve deny ack pause resume diagnostics db cache validate firewall logs metrics playbooks version fleet help"
  case $prev in
    --socket) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --since) COMPREPLY=($(compgen -W "15m 1h 6h 1d 7d" -- "$cur")); return ;;
    --reason | --timeout | --selector | --playbook | --node | --limit | --after) return ;;
    --coordinator) COMPREPLY=($(compgen -W "${NOVACRON_COORDINATOR:-https://}" -- "$cur")); return ;;
    --token-file | --ca-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --state) COMPREPLY=($(compgen -W "open mitigating awaiting_approval verifying resolved escalated" -- "$cur")); return ;;
    --severity) COMPREPLY=($(compgen -W "1 2 3 4" -- "$cur")); return ;;
  esac
  # The first word that is not an option, and what follows it.
  local i cmd="" sub="" args=0
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      --socket | --since | --reason | --timeout | --coordinator | --token-file | --ca-file | \
        --selector | --state | --severity | --playbook | --node | --limit | --after) ((i++)) ;;
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd=${words[i]}; elif [[ -z $sub ]]; then sub=${words[i]}; else ((args++)); fi ;;
    esac
  done
  if [[ $cur == -* ]]; then
    local opts="--socket --json --timeout --help"
    case $cmd in
      health) opts+=" --verbose" ;;
      incidents) opts+=" --open --since --after --limit" ;;
      trigger) opts+=" --label --dry-run --reason" ;;
      deny | pause) opts+=" --reason" ;;
      db|cache) opts+=" --detailed" ;;
      logs) opts+=" --errors --since" ;;
      fleet) opts+=" --coordinator --token-file --ca-file --selector --json"
        [[ $sub == incidents ]] && opts+=" --state --severity --playbook --open --since --limit"
        [[ $sub == show ]] && opts+=" --node" ;;
    esac
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  case $cmd in
    "") COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
    health) [[ -z $sub ]] && COMPREPLY=($(compgen -W "check" -- "$cur")) ;;
    db|cache) [[ -z $sub ]] && COMPREPLY=($(compgen -W "status" -- "$cur")) ;;
    firewall) [[ -z $sub ]] && COMPREPLY=($(compgen -W "list" -- "$cur")) ;;
    fleet) [[ -z $sub ]] && COMPREPLY=($(compgen -W "nodes incidents show" -- "$cur")) ;;
    incidents)
      if [[ -z $sub ]]; then
        COMPREPLY=($(compgen -W "list show postmortem feed" -- "$cur"))
      elif [[ $sub == show || $sub == postmortem ]] && ((args == 0)); then
        COMPREPLY=($(compgen -W "$(_novacron_ids)" -- "$cur"))
      fi ;;
    approve | deny | ack | validate) [[ -z $sub ]] && COMPREPLY=($(compgen -W "$(_novacron_ids)" -- "$cur")) ;;
    trigger) [[ -z $sub ]] && COMPREPLY=($(compgen -W "$(_novacron_playbooks)" -- "$cur")) ;;
  esac
}
complete -F _novacron novacron
