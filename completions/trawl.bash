# bash completion for trawl-search and trawl-index. make install puts this file in
# $(PREFIX)/share/bash-completion/completions/ under both names, where bash-completion loads it
# on the first Tab after either command; or source it from ~/.bashrc.
# tests/cli/completion.sh checks that it offers every option of both programs' --help.

_trawl_search() {
    local cur prev
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    case $prev in
    -i | --index)
        COMPREPLY=($(compgen -d -- "$cur"))
        return
        ;;
    --queries | --show)
        COMPREPLY=($(compgen -f -- "$cur"))
        return
        ;;
    --sort)
        local w sorts="score date"
        for w in "${COMP_WORDS[@]}"; do [ "$w" = --terms ] && sorts="term df cf"; done
        COMPREPLY=($(compgen -W "$sorts" -- "$cur"))
        return
        ;;
    --color | --colour)
        COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
        return
        ;;
    --query-tf)
        COMPREPLY=($(compgen -W "count once" -- "$cur"))
        return
        ;;
    -n | --limit | --offset | --from | --to | --k1 | --b | --snippet-bytes | --warmup | --marks | --terms | \
        --expand-docs | --expand-terms | --expand-weight | --proximity-weight)
        return
        ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "-i --index -n --limit --offset --or --sort --from --to --k1 --b
            --count --json --explain --vimgrep -l --files-with-matches -0 --null --absolute
            --snippet-bytes --no-snippets --color --colour --marks --interactive --terms --show
            --queries --timing --warmup --fuzzy --expand --expand-docs --expand-terms
            --expand-weight --proximity --no-proximity --proximity-weight --query-tf -h --help
            --version" -- "$cur"))
    fi
}

_trawl_index() {
    local cur prev
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    case $prev in
    -o | --index | --merge | --check | --stats)
        COMPREPLY=($(compgen -d -- "$cur"))
        return
        ;;
    --delete-from)
        COMPREPLY=($(compgen -f -- "$cur"))
        return
        ;;
    --type)
        local types
        types=$("${COMP_WORDS[0]}" --type-list 2>/dev/null | cut -d' ' -f1)
        COMPREPLY=($(compgen -W "$types" -- "$cur"))
        return
        ;;
    --language)
        COMPREPLY=($(compgen -W "none english danish dutch finnish french german hungarian
            italian norwegian porter portuguese romanian russian spanish swedish turkish" -- "$cur"))
        return
        ;;
    --delete | --id-field | --text-field | --date-field | --include | --exclude | --max-token-len | \
        --memory | --memory-bytes | --threads | --merge-ratio | --commit-interval | --commit-changes)
        return
        ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "-o --index --rebuild --jsonl --id-field --text-field --date-field
            --delete --delete-from --merge --merge-all --no-merge --merge-ratio --include --exclude
            --type --type-list --hidden --no-ignore --language --max-token-len --phrase-grams --memory
            --memory-bytes --threads --watch --commit-interval --commit-changes --check --stats -q --quiet -v --verbose -h --help --version" \
            -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

complete -o filenames -F _trawl_search trawl-search
complete -o filenames -F _trawl_index trawl-index
