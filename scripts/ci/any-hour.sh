#!/usr/bin/env bash
# Runs a command as if this machine's wall clock read the given local time, still running from there, so a
# test that leans on the hour or the day fails here rather than in the evening on CI:
#   scripts/ci/any-hour.sh "$(date -d tomorrow +%F) 17:00" npm test
# Needs Debian's faketime. A relative offset (not "@time") keeps every child process on the same clock.
# The monotonic clock moves by the same offset (Chromium hangs when only the wall clock moves), so the
# time must be later than now: an offset back past the machine's start would make it negative.
set -euo pipefail
at=${1:?usage: scripts/ci/any-hour.sh 'YYYY-MM-DD HH:MM[:SS]' command...}
shift
command -v faketime >/dev/null || { echo "any-hour.sh needs faketime: apt-get install faketime" >&2; exit 2; }
offset=$(( $(date -d "$at" +%s) - $(date +%s) ))
if (( offset < 0 )); then echo "any-hour.sh: $at has passed; pick a later day (the clock can only be moved forward)" >&2; exit 2; fi
exec faketime -f "$(printf '%+ds' "$offset")" "$@"
