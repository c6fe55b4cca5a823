# shellcheck shell=bash disable=SC2034,SC2154  # variables are shared by the pieces scripts/natlab sources
# natlab verify: the scenarios checked by clients nobody here wrote. Sourced by scripts/natlab.

# Checks a scenario with clients nobody here wrote: coturn's RFC 5780 client (mapping, then
# filtering, each on a fresh socket so the first test's holes cannot bias the second) and the
# classic RFC 3489 `stun` client, both against coturn. Prints one summary line per scenario.
cmd_verify() {
  # public-* run no coturn (no RFC 5780 server at all), so there is nothing to verify against.
  if [ $# -eq 0 ]; then
    local all; mapfile -t all < <(printf '%s\n' "${SCENARIOS[@]}" | grep -v '^public-')
    set -- "${all[@]}"
  fi
  local s
  for s in "$@"; do valid_scenario "$s" || die "unknown scenario '$s'"; done
  for s in "$@"; do
    local out
    out=$(NATLAB_QUIET=1 "$NATLAB_SELF" run "$s" bash -c '
      timeout 20 turnutils_natdiscovery -m '"${STUN_COTURN[0]}"' 2>&1 | grep -E "^(NAT with|No NAT|.*[Ff]ailed|.*timeout)" | tail -1 | sed "s/^/mapping: /"
      timeout 20 turnutils_natdiscovery -f '"${STUN_COTURN[0]}"' 2>&1 | grep -E "^(NAT with|No NAT|.*[Ff]ailed)" | tail -1 | sed "s/^/filtering: /"
      timeout 20 stun '"${STUN_COTURN[0]}"' 2>&1 | grep -E "^Primary" | sed "s/^/stun: /"
    ' 2>/dev/null) || true
    printf '%-12s | %s | %s | %s\n' "$s" \
      "$(sed -n 's/^mapping: //p' <<<"$out")" "$(sed -n 's/^filtering: //p' <<<"$out")" \
      "$(sed -n 's/^stun: Primary: //p' <<<"$out" | sed 's/[[:space:]]*$//')"
  done
}
