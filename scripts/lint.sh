#!/usr/bin/env bash
# Library hygiene (style.md, Errors): core/, models/, io/ and api/ never print, exit or abort.
set -euo pipefail
cd "$(dirname "$0")/.."
pat='(^|[^a-z_])(printf|puts|perror|exit|_exit|abort)[[:space:]]*\(|f(printf|puts)[[:space:]]*\([^;]*std(err|out)'
bad=$(grep -nE "$pat" core/*.c models/*.c io/*.c api/*.c | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/\*|\*)' || true)
if [ -n "$bad" ]; then
  echo "lint: library code must not print, exit or abort:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "lint: ok"
