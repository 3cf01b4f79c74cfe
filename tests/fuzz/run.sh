#!/bin/sh
# Runs every built libFuzzer harness (tests/fuzz/bin, from `make
# fuzz-build`) for SECONDS each, starting from a copy of its seed corpus
# (tests/fuzz/corpus/<name>/) so the seeds stay as they are.
#
# usage: tests/fuzz/run.sh SECONDS
#
# One line per fuzzer, the log's tail on failure, then a summary; exits 1
# when any fuzzer failed (crash, sanitizer report, leak, timeout, OOM).
# Logs and findings stay in the work directory printed on failure; crash
# inputs are also copied to tests/fuzz/crashes/.
set -u

usage() {
	echo "usage: $0 SECONDS" >&2
	exit 2
}

[ $# -eq 1 ] || usage
case $1 in
''|*[!0-9]*) usage ;;
esac
secs=$1
[ "$secs" -gt 0 ] || usage

here=$(cd "$(dirname "$0")" && pwd)
bindir=$here/bin
corpusdir=$here/corpus
crashdir=$here/crashes

fuzzers=
for f in "$bindir"/*; do
	[ -f "$f" ] && [ -x "$f" ] && fuzzers="$fuzzers $f"
done
if [ -z "$fuzzers" ]; then
	echo "fuzz: no fuzzers in $bindir (run make fuzz-build)" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gh-fuzz.XXXXXX") || exit 2

# UBSan in the fuzz build recovers by default; make any report fatal.
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS ASAN_OPTIONS

passed=0
failed=0
for f in $fuzzers; do
	name=$(basename "$f")
	dir=$work/$name
	log=$work/$name.log
	mkdir -p "$dir/corpus" "$dir/artifacts"
	if [ -d "$corpusdir/$name" ]; then
		cp -R "$corpusdir/$name/." "$dir/corpus/"
	fi
	"$f" "$dir/corpus" \
	    -max_total_time="$secs" -max_len=8192 -rss_limit_mb=2048 \
	    -timeout=30 -print_final_stats=0 \
	    -artifact_prefix="$dir/artifacts/" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^Done \([0-9][0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		echo "fuzz $name: ok ($runs runs)"
		passed=$((passed + 1))
		continue
	fi
	echo "fuzz $name: FAILED (see $log)"
	failed=$((failed + 1))
	for a in "$dir"/artifacts/*; do
		[ -f "$a" ] || continue
		mkdir -p "$crashdir"
		cp "$a" "$crashdir/$name-$(basename "$a")"
		echo "  input: $crashdir/$name-$(basename "$a")"
	done
	tail -n 40 "$log" | sed 's/^/  | /'
done

echo "fuzz: $passed passed, $failed failed"
if [ "$failed" -gt 0 ]; then
	exit 1
fi
rm -rf "$work"
exit 0
