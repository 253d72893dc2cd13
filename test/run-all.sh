#!/usr/bin/env bash
# `npm test`: lint (dependency rule + strict types), then every suite on SQLite and on a throwaway
# PostgreSQL. Ends with the plain "N passed, N failed, N skipped" line.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== lint and type check"
npm run -s lint
echo "== tests (SQLite + PostgreSQL)"
exec bash test/pg/with-postgres.sh npx vitest run "$@"
