#!/usr/bin/env bash
# tests/lint_copies.bash FILE...: the shared helpers' copies are one text each (make lint).
#
# Every program compiles on its own, so a helper that several files need (send_all,
# parse_port, fail, ...) is copied into each of them, and every lesson's Makefile carries
# the same few targets. Each copy stands between two marker lines that name it:
#   /* ---- begin canonical: send_all ---- */      # ---- begin canonical: lesson-make ... ----
#   ...                                             ...
#   /* ---- end canonical: send_all ---- */        # ---- end canonical: lesson-make ----
# For each name, every copy must be the same, byte for byte. The text most copies share is
# taken as the canonical one; each copy that differs is named, with the first line that
# differs. A begin marker without its end marker is an error too.
set -u
status=0
declare -A text=() where=()   # text[NAME:index], where[NAME:index] = FILE:LINE
declare -A count=()           # count[NAME] = number of copies

for file; do
  name="" start=0 body="" n=0
  while IFS= read -r line || [[ -n $line ]]; do
    n=$((n + 1))
    if [[ $line =~ ----\ begin\ canonical:\ ([A-Za-z0-9_-]+) ]]; then
      if [[ -n $name ]]; then
        echo "$file:$n: 'begin canonical: ${BASH_REMATCH[1]}' inside '$name' (line $start)"
        status=1
      fi
      name=${BASH_REMATCH[1]} start=$n body=""
    elif [[ $line =~ ----\ end\ canonical:\ ([A-Za-z0-9_-]+) ]]; then
      if [[ ${BASH_REMATCH[1]} != "$name" ]]; then
        echo "$file:$n: 'end canonical: ${BASH_REMATCH[1]}' without its begin"
        status=1
      else
        i=${count[$name]:-0}
        text[$name:$i]=$body
        where[$name:$i]=$file:$start
        count[$name]=$((i + 1))
      fi
      name=""
    elif [[ -n $name ]]; then
      body+=$line$'\n'
    fi
  done <"$file"
  if [[ -n $name ]]; then
    echo "$file:$start: 'begin canonical: $name' has no end marker"
    status=1
  fi
done

copies=0
for name in "${!count[@]}"; do
  # The text most copies share.
  best=0 best_votes=0
  for ((i = 0; i < count[$name]; i++)); do
    votes=0
    for ((j = 0; j < count[$name]; j++)); do
      [[ ${text[$name:$i]} == "${text[$name:$j]}" ]] && votes=$((votes + 1))
    done
    if ((votes > best_votes)); then best=$i best_votes=$votes; fi
  done
  for ((i = 0; i < count[$name]; i++)); do
    copies=$((copies + 1))
    [[ ${text[$name:$i]} == "${text[$name:$best]}" ]] && continue
    first=$(diff <(printf '%s' "${text[$name:$best]}") <(printf '%s' "${text[$name:$i]}") | sed -n '2p')
    echo "${where[$name:$i]}: this copy of '$name' differs from ${where[$name:$best]} (and $((best_votes - 1)) more): ${first:0:100}"
    status=1
  done
done
echo "lint_copies: ${#count[@]} shared helpers, $copies copies$( ((status)) && echo ', not all the same' )"
exit "$status"
