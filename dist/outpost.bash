# bash completion for outpost.  The command and option lists come from the
# program itself (`outpost help --commands`, `outpost help --options CMD`,
# both read from its command table), so they never go stale.

_outpost()
{
	local cur prev words cword cmd i
	_init_completion || return

	# The command: the first word after "outpost" (two for "conf test").
	cmd=""
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-*) ;;
		conf) cmd="conf test"; break ;;
		*) cmd=${words[i]}; break ;;
		esac
	done

	case $prev in
	-C|--parent)
		_filedir
		return
		;;
	--format)
		COMPREPLY=($(compgen -W 'text json' -- "$cur"))
		return
		;;
	--rule)
		return
		;;
	--account)
		# The `account NAME` lines of the config in use.
		local conf=${OUTPOST_CONFIG:-${XDG_CONFIG_HOME:-$HOME/.config}/outpost/config}
		for ((i = 1; i < cword - 1; i++)); do
			[[ ${words[i]} == -C ]] && conf=${words[i + 1]}
		done
		COMPREPLY=($(compgen -W "$(sed -n \
		    's/^[[:space:]]*account[[:space:]]\{1,\}\([A-Za-z0-9._-]\{1,\}\).*/\1/p' \
		    "$conf" 2>/dev/null)" -- "$cur"))
		return
		;;
	esac

	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$("$1" help --commands 2>/dev/null |
		    sed 's/ .*//') --help --version" -- "$cur"))
		return
	fi
	if [[ $cmd == "conf test" && ${words[cword - 1]} == conf ]]; then
		COMPREPLY=($(compgen -W 'test' -- "$cur"))
		return
	fi
	if [[ $cmd == help ]]; then
		COMPREPLY=($(compgen -W "$("$1" help --commands 2>/dev/null |
		    sed 's/ .*//') --commands --options" -- "$cur"))
		return
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$("$1" help --options $cmd \
		    2>/dev/null)" -- "$cur"))
		return
	fi
	case $cmd in
	lint) _filedir ;;
	esac
} &&
	complete -F _outpost outpost
