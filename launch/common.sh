# shellcheck shell=bash
# Sourced by the launch scripts: the repository root, the Swift toolchain on PATH, and an
# mpirun wrapper whose flags fit this machine.

LWM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export LWM_ROOT

# Debian images put the toolchain in /opt/swift without adding it to PATH.
if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi

# The release binary the launch scripts run.
LWM_BINARY="$LWM_ROOT/.build/release/lwm"
export LWM_BINARY

# Prints the number of processor cores of this machine.
lwm_cores() {
    nproc
}

# Succeeds when the release binary is missing or older than any source or the manifest.
lwm_binary_is_stale() {
    [[ ! -x "$LWM_BINARY" ]] && return 0
    [[ -n "$(find "$LWM_ROOT/Sources" "$LWM_ROOT/Package.swift" -newer "$LWM_BINARY" \
        -print -quit)" ]]
}

# lwm_mpirun NP [mpirun arguments...] -- COMMAND [ARGUMENTS...]
#
# Runs COMMAND on NP ranks. Adds --allow-run-as-root for root, --oversubscribe when NP
# exceeds the cores and no --hostfile or --host is given, --bind-to none (ranks share cores
# with their BLAS threads), and gives each rank max(1, cores / NP) BLAS and OpenMP threads;
# LWM_THREADS overrides that count, for example on a multi-node hostfile where ranks per
# node differ from NP.
lwm_mpirun() {
    if (($# < 1)) || ! [[ "$1" =~ ^[1-9][0-9]*$ ]]; then
        echo "lwm_mpirun: the first argument must be the number of ranks, got '${1:-}'" >&2
        return 2
    fi
    local ranks="$1"
    shift

    local extra=()
    while (($#)) && [[ "$1" != "--" ]]; do
        extra+=("$1")
        shift
    done
    if (($# < 2)); then
        echo "lwm_mpirun: give the command to run after '--'" >&2
        return 2
    fi
    shift

    local cores threads
    cores="$(lwm_cores)"
    threads="${LWM_THREADS:-$((cores / ranks))}"
    ((threads >= 1)) || threads=1
    export OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads"

    local flags=(--bind-to none -x OPENBLAS_NUM_THREADS -x OMP_NUM_THREADS)
    ((EUID == 0)) && flags+=(--allow-run-as-root)
    # With a hostfile or host list, its slots decide placement; alone, ranks may share cores.
    if ((ranks > cores)) && [[ " ${extra[*]} " != *" --host"* ]]; then
        flags+=(--oversubscribe)
    fi

    mpirun "${flags[@]}" -np "$ranks" "${extra[@]}" "$@"
}
