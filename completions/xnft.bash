# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for xnft(8).
#
# Commands and options are read from the binary's own --help (the command
# table in src/main.c, each command's option list), so the completion never
# offers a command or an option that the installed xnft does not have.
# Candidates are read one a line (mapfile), so paths with blanks stay whole.

# _xnft_commands XNFT: the command names `xnft --help` lists.
_xnft_commands()
{
    "$1" --help 2>/dev/null | awk '/^Commands:/ { on = 1; next }
        on && /^  [a-z]/ { print $1 } on && /^$/ { exit }'
}

# _xnft_options XNFT CMD: the options CMD's --help defines (lines that begin
# with an option, not options named in the prose).
_xnft_options()
{
    "$1" "$2" --help 2>/dev/null |
        sed -nE 's/^ +(-[a-zA-Z], )?(--[a-z][a-z-]*).*/\2/p'
}

# _xnft_sets DIR...: set names declared in policy files and in the live
# ruleset (the same "set NAME {" lines in both).
_xnft_sets()
{
    local d f
    {
        for d in "$@"; do
            [ -d "$d" ] || d=$(dirname -- "$d")
            for f in "$d"/nftables.conf "$d"/rules/*.nft "$d"/*.nft; do
                [ -r "$f" ] && cat -- "$f"
            done
        done
        command -v nft >/dev/null 2>&1 && nft list sets table inet xnft 2>/dev/null
    } | sed -nE 's/^[[:space:]]*set ([A-Za-z_][A-Za-z0-9_]*) \{.*/\1/p' | sort -u
}

_xnft_interfaces()
{
    local i
    for i in /sys/class/net/*; do
        [ -e "$i" ] && printf '%s\n' "${i##*/}"
    done
}

_xnft()
{
    local cur prev xnft cmd i policy="/etc/xnft"
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    xnft=${COMP_WORDS[0]}
    xnft=${xnft/#\~/$HOME}

    if [ "$COMP_CWORD" -eq 1 ]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_xnft_commands "$xnft") --help --version" -- "$cur")
        return 0
    fi
    cmd=${COMP_WORDS[1]}
    # a policy operand typed earlier is where --in-set's names come from
    for ((i = 2; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            -*) ;;
            *) [ -e "${COMP_WORDS[i]}" ] && policy=${COMP_WORDS[i]} ;;
        esac
    done

    case $prev in
        --wan|--mesh-if|--from|--iface)
            mapfile -t COMPREPLY < <(compgen -W "$(_xnft_interfaces)" -- "$cur"); return 0 ;;
        --in-set)
            mapfile -t COMPREPLY < <(compgen -W "$(_xnft_sets "$policy")" -- "$cur"); return 0 ;;
        --format)
            mapfile -t COMPREPLY < <(compgen -W "json logfmt text" -- "$cur"); return 0 ;;
        --log)
            mapfile -t COMPREPLY < <(compgen -W "kernel nflog:" -- "$cur"); return 0 ;;
        --source|-s)
            mapfile -t COMPREPLY < <(compgen -W "journal kmsg nflog: file: journal-file: -" -- "$cur")
            return 0 ;;
        --service)
            mapfile -t COMPREPLY < <(compgen -W "tcp/ udp/" -- "$cur"); return 0 ;;
        --policy|-p)
            mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return 0 ;;
        --intents|--packets|--config|-c|--database|--socket|--wg-conf)
            mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return 0 ;;
        --root)
            mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return 0 ;;
        --mesh|--admin|--bogon-exempt|--wg-port|--ssh-port|--confirm|--since|--count|--top|--rate|--for)
            return 0 ;;   # a value of the admin's own
    esac

    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_xnft_options "$xnft" "$cmd")" -- "$cur")
        return 0
    fi
    case $cmd in
        lab)
            [ "$COMP_CWORD" -eq 2 ] && mapfile -t COMPREPLY < <(compgen -W "up down demo status" -- "$cur") ;;
        bans)
            [ "$COMP_CWORD" -eq 2 ] && mapfile -t COMPREPLY < <(compgen -W "list add del" -- "$cur") ;;
        admin)
            [ "$COMP_CWORD" -eq 2 ] && mapfile -t COMPREPLY < <(compgen -W "add del list" -- "$cur") ;;
        containers)
            if [ "$COMP_CWORD" -eq 2 ]; then
                mapfile -t COMPREPLY < <(compgen -W "add del list" -- "$cur")
            else
                mapfile -t COMPREPLY < <(compgen -W "docker podman libvirt lxd incus" -- "$cur")
            fi ;;
        set)
            if [ "$COMP_CWORD" -eq 2 ]; then
                mapfile -t COMPREPLY < <(compgen -W "add del list" -- "$cur")
            elif [ "$COMP_CWORD" -eq 3 ]; then
                mapfile -t COMPREPLY < <(compgen -W "MESH_PEERS MESH_PEERS6 ADMIN_ALLOWLIST ADMIN_ALLOWLIST6" -- "$cur")
            fi ;;
        allow|deny|remove)
            [ "$COMP_CWORD" -eq 2 ] && mapfile -t COMPREPLY < <(compgen -W \
                "$("$xnft" services --known 2>/dev/null | awk '{ print $1 }') tcp/ udp/" -- "$cur") ;;
        init)
            mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
        check|lint|trace|exposure|verify|diff|apply|status|doctor)
            # POLICY: a directory holding nftables.conf, or the file itself
            mapfile -t COMPREPLY < <(compgen -d -- "$cur"; compgen -f -X '!*.conf' -- "$cur") ;;
    esac
    return 0
}
complete -o filenames -F _xnft xnft
