#!/usr/bin/env bash
# Compares `opsconsole decode` with a plain Python 3 standard-library decoder
# (bench/decode-python/decode.py) on the same input: JSON lines of
# `aws kinesis get-records` responses carrying gzip'd CloudWatch Logs
# envelopes of ECS JSON logs (bench/decode-gen). Both write the text format;
# the script checks they print the same events (byte for byte) and reports
# MB/s of input, events/s and the ratio.
#
# Environment:
#   BENCH_SIZE_MB  input size (default 100)
#   BENCH_RUNS     runs of each decoder, best time kept (default 1)
#   BENCH_DIR      where the input, binaries and outputs go
#                  (default ${TMPDIR:-/tmp}/opsconsole-bench-decode)
#   PYTHON         the Python 3 to compare with (default python3 on PATH)
set -euo pipefail

cd "$(dirname "$0")/.."
size_mb=${BENCH_SIZE_MB:-100}
runs=${BENCH_RUNS:-1}
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/opsconsole-bench-decode}
python=${PYTHON:-python3}
mkdir -p "$dir"

input="$dir/input-${size_mb}mb.jsonl"
echo "building bench/decode-go and bench/decode-gen"
go build -o "$dir/decode-go" ./bench/decode-go
go build -o "$dir/decode-gen" ./bench/decode-gen
if [[ ! -s $input ]]; then
	echo "generating $input"
	"$dir/decode-gen" -size "$size_mb" >"$input.tmp"
	mv "$input.tmp" "$input"
fi
bytes=$(stat -c %s "$input")
echo "input: $input ($(awk -v b="$bytes" 'BEGIN { printf "%.1f MB", b / 1e6 }'))"
echo "python: $($python --version 2>&1)   go: $(go version | cut -d' ' -f3)   cores: $(nproc)"

# timed NAME OUT CMD...: runs CMD (stdout to OUT) BENCH_RUNS times and
# prints "wall cpu" seconds of the fastest run. CPU time (user+sys) is the
# steadier number on a shared machine.
timed() {
	local name=$1 out=$2 best="" t
	shift 2
	for ((i = 0; i < runs; i++)); do
		if ! t=$({ TIMEFORMAT='%R %U %S'; time "$@" >"$out" 2>"$out.err"; } 2>&1); then
			echo "$name failed:" >&2
			cat "$out.err" >&2
			exit 1
		fi
		t=$(awk '{ printf "%.3f %.3f", $1, $2 + $3 }' <<<"$t")
		if [[ -z $best ]] || awk -v a="${t%% *}" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then best=$t; fi
	done
	echo "$best"
}

t_go=$(timed "opsconsole decode" "$dir/out-go.txt" "$dir/decode-go" "$input")
t_go1=$(timed "opsconsole decode (1 core)" "$dir/out-go1.txt" env GOMAXPROCS=1 "$dir/decode-go" "$input")
t_py=$(timed "decode.py" "$dir/out-py.txt" "$python" bench/decode-python/decode.py "$input")

ev_go=$(wc -l <"$dir/out-go.txt")
ev_go1=$(wc -l <"$dir/out-go1.txt")
ev_py=$(wc -l <"$dir/out-py.txt")
status=0
if [[ $ev_go != "$ev_py" || $ev_go1 != "$ev_py" ]]; then
	echo "MISMATCH: opsconsole printed $ev_go events ($ev_go1 on one core), decode.py $ev_py" >&2
	status=1
elif ! cmp -s "$dir/out-go.txt" "$dir/out-py.txt"; then
	echo "MISMATCH: same event count ($ev_go) but different text; first difference:" >&2
	diff "$dir/out-go.txt" "$dir/out-py.txt" | head -6 >&2 || true
	status=1
else
	echo "outputs identical: $ev_go events"
fi

report() {
	awk -v name="$1" -v wall="${2%% *}" -v cpu="${2##* }" -v b="$bytes" -v ev="$3" \
		'BEGIN { printf "%-28s %7.2f s wall %7.2f s cpu %8.1f MB/s %11.0f events/s\n", name, wall, cpu, b / 1e6 / wall, ev / wall }'
}
report "opsconsole decode" "$t_go" "$ev_go"
report "opsconsole decode (1 core)" "$t_go1" "$ev_go1"
report "python3 decode.py" "$t_py" "$ev_py"
awk -v g="${t_go%% *}" -v g1="${t_go1%% *}" -v p="${t_py%% *}" -v gc="${t_go1##* }" -v pc="${t_py##* }" \
	'BEGIN { printf "speed-up over Python (target 5x): %.1fx wall (all cores), %.1fx wall (one core), %.1fx CPU time\n", p / g, p / g1, pc / gc }'
exit $status
