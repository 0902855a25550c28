#!/usr/bin/env bash
# The project's test command (`npm test`): static checks, then the mocha suite against real
# Redis and FerretDB started just for this run and always stopped afterwards.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The browser tests drive Debian's Chromium through playwright-core, which never downloads a
# browser of its own; the variable keeps any other Playwright package from trying either.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
CHROMIUM=/usr/bin/chromium
if [[ ! -x $CHROMIUM ]]; then
  echo "test: installing chromium with apt-get"
  sudo=()
  # Root (as on CI) needs no sudo; anyone else needs it for apt-get.
  [[ $(id -u) == 0 ]] || sudo=(sudo)
  # A fresh machine has no package lists, so install would find nothing without the update.
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  [[ -x $CHROMIUM ]] || { echo "test: ERROR: $CHROMIUM still missing after install" >&2; exit 1; }
fi

npm run typecheck
npm run lint

# A failed start cleans up after itself; the trap is set only once start succeeded so that a
# start refused because another run's services are up does not stop those.
bash scripts/services.sh start
trap 'bash scripts/services.sh stop' EXIT
# shellcheck disable=SC1091 # .services/env is written by services.sh start
source .services/env
# The services are up, so suites that need them must run, not skip.
export REQUIRE_SERVICE_SUITES=1

# The output is kept to end the run with one plain "N passed, N failed" line, a form CI
# systems read whatever the test runner.
set +e
npx mocha "$@" 2>&1 | tee .services/mocha.out
status=${PIPESTATUS[0]}
set -e
passed=$(grep -Eo '^ +[0-9]+ passing' .services/mocha.out | grep -Eo '[0-9]+' || echo 0)
failed=$(grep -Eo '^ +[0-9]+ failing' .services/mocha.out | grep -Eo '[0-9]+' || echo 0)
echo "mocha: $passed passed, $failed failed"
exit "$status"
