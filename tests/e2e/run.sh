#!/bin/sh
# Runs the Gatehouse end-to-end suite from the repository root.
# Extra arguments go to pytest (e.g. tests/e2e/run.sh -k sign_up -x).
# /usr/bin/python3 is the interpreter with pytest and requests installed.
cd "$(dirname "$0")/../.." || exit 1
PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m pytest -q tests/e2e "$@"
exit $?
