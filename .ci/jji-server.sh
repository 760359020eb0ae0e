#!/usr/bin/env bash
# Prepare a virtualenv with the real Jenkins Job Insight (JJI) server, for
# the host's JJI tests, and print the venv's python on stdout.
#
# Idempotent: a finished venv carries a marker file and is reused; an
# interrupted install is thrown away and redone. Parallel callers are
# serialized with a lock file. Progress goes to stderr.
#
# Needs Python >= 3.12 (JJI does not install on older versions): set
# JJI_PYTHON, or have pyenv carry 3.12/3.13, or python3.12/python3.13 on PATH.
set -euo pipefail

JJI_VERSION="${JJI_VERSION:-3.2.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
VENV="$TARGET/jji-venv"
MARKER="$VENV/.installed-jenkins-job-insight-$JJI_VERSION"

mkdir -p "$TARGET"
exec 9>"$TARGET/jji-venv.lock"
flock 9

if [[ -f "$MARKER" ]]; then
    echo "$VENV/bin/python"
    exit 0
fi

supports_jji() {
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null
}

find_python() {
    local candidates=()
    [[ -n "${JJI_PYTHON:-}" ]] && candidates+=("$JJI_PYTHON")
    if command -v pyenv >/dev/null 2>&1; then
        local root
        root="$(pyenv root)"
        # Newest first: 3.13 before 3.12.
        for p in $(ls -d "$root"/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -rV); do
            candidates+=("$p")
        done
    fi
    candidates+=(python3.13 python3.12 python3)
    for p in "${candidates[@]}"; do
        if command -v "$p" >/dev/null 2>&1 && supports_jji "$p"; then
            command -v "$p"
            return 0
        fi
    done
    return 1
}

if ! PYTHON="$(find_python)"; then
    echo "no Python >= 3.12 found (set JJI_PYTHON, or install 3.12 with pyenv)" >&2
    exit 1
fi

echo "creating $VENV with $PYTHON and jenkins-job-insight $JJI_VERSION" >&2
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "jenkins-job-insight==$JJI_VERSION" >&2
# Importing the app reads ./.env and may create its database: do it in a
# scratch directory, as the tests run it.
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
(cd "$SCRATCH" && GIT_PYTHON_REFRESH=quiet DB_PATH="$SCRATCH/results.db" TMPDIR="$SCRATCH" XDG_DATA_HOME="$SCRATCH" \
    "$VENV/bin/python" -c 'import jenkins_job_insight.main, uvicorn') >&2
touch "$MARKER"
echo "$VENV/bin/python"
