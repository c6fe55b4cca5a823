# shellcheck shell=bash disable=SC2034,SC2154  # variables are shared by the pieces scripts/natlab sources
# natlab verbs up, down, exec and run: the lifetime of one scenario's lab. Sourced by scripts/natlab.

cmd_up() {
  local scenario=${1:-}; valid_scenario "$scenario" || die "unknown scenario '$scenario' (see: natlab list)"
  need_tools
  set_prefix new
  lock_prefix
  teardown   # idempotent: a second `up` with the same prefix rebuilds from scratch
  trap 'finish; exit 130' INT TERM
  trap 'rc=$?; [ $rc -eq 0 ] || finish' EXIT
  local t0=$EPOCHREALTIME
  build "$scenario"
  trap - INT TERM EXIT
  say "scenario '$scenario' up in $(awk "BEGIN{printf \"%.2f\", $EPOCHREALTIME-$t0}") s; NATLAB_PREFIX=$PREFIX"
  [ -n "${NATLAB_PREFIX:-}" ] || echo "export NATLAB_PREFIX=$PREFIX"
}

cmd_down() {
  need_tools
  set_prefix
  lock_prefix
  finish
  say "lab $PREFIX down"
}

cmd_exec() {
  local role=${1:-}; shift || true
  case $role in client|router|router2|inet) ;; *) die "exec: NS must be client|router|router2|inet" ;; esac
  [ $# -gt 0 ] || die "exec: no command"
  need_tools
  set_prefix
  [ -e "/run/netns/$(ns "$role")" ] || die "no namespace '$role' is up for prefix $PREFIX"
  exec ip netns exec "$(ns "$role")" "$@"
}

cmd_run() {
  local scenario=${1:-}; shift || true
  valid_scenario "$scenario" || die "unknown scenario '$scenario' (see: natlab list)"
  [ $# -gt 0 ] || die "run: no command"
  need_tools
  set_prefix new
  lock_prefix
  teardown
  trap 'finish; exit 130' INT
  trap 'finish; exit 143' TERM
  trap 'finish' EXIT
  build "$scenario"
  local rc=0
  ip netns exec "$(ns client)" "$@" || rc=$?
  finish
  trap - INT TERM EXIT
  exit "$rc"
}
