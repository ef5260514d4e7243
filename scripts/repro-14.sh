#!/usr/bin/env bash
# Reruns the reproductions listed in issue #14 against a build of evo (default: the release binary) and
# prints, per case, the wall time, the exit status and the outcome (the case's first error line, else its
# last line, or a check's verdict). Usage: scripts/repro-14.sh [EVO_BINARY]. Needs python3 (to write
# malformed files), setpriv when run as root, and about 4 GB of free memory (randn of 9·10⁸ values).
set -uo pipefail
cd "$(dirname "$0")/.."
evo=$(realpath "${1:-.build/release/evo}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

printf '%-46s %8s %4s  %s\n' case seconds exit outcome
# run NAME COMMAND...: times COMMAND (killed after 120 s, exit 124) and prints its first `error:` line, or
# else its last non-empty output line.
run() {
  local name=$1 start end out rc
  shift
  start=$(date +%s.%N)
  out=$(timeout 120 "$@" 2>&1)
  rc=$?
  end=$(date +%s.%N)
  out=$({ printf '%s\n' "$out" | grep -m1 '^error:' || printf '%s\n' "$out" | grep -v '^[[:space:]]*$' | tail -1; } | cut -c1-100)
  printf '%-46s %8.2f %4s  %s\n' "$name" "$(awk "BEGIN { print $end - $start }")" "$rc" "$out"
}
# e NAME CODE: `evo -e CODE`.
e() { run "$1" "$evo" -e "$2"; }
# notebook NAME TEXT [OPTIONS...]: runs TEXT as a percent-format notebook.
notebook() {
  local name=$1 text=$2
  shift 2
  printf '%s' "$text" >nb.evo
  run "$name" "$evo" notebook run nb.evo -o nb-out.ipynb "$@"
}
# check NAME CONDITION: prints whether the shell CONDITION holds.
check() { printf '%-46s %8s %4s  %s\n' "$1" - - "$(eval "$2" >/dev/null 2>&1 && echo ok || echo FAILED)"; }

echo "## Crashes"
e "len(range(1e19))" 'len(range(1e19))'
e "for i in range(1e19) {}" 'for i in range(1e19) {}'
e "len(range(0, 1, 1e-300))" 'len(range(0, 1, 1e-300))'
e "arange(0, 1, 1e-30)" 'arange(0, 1, 1e-30)'
e "fashion_mnist(\"test\", limit: -1)" $'import data\ndata.fashion_mnist("test", limit: -1)'
e "list(range(10000000000))" 'list(range(10000000000))'
e "s = \"a\" * 10^7; s * 99999999" $'let s = "a" * 10000000\ns * 99999999'
e "zeros([10000000000])" 'zeros([10000000000])'
e "randn([100000, 100000])" 'randn([100000, 100000])'
e "zeros([100000, 1]) + zeros([1, 100000])" 'zeros([100000, 1]) + zeros([1, 100000])'
e "pad by 9·10^15" 'zeros([2]).pad([[0, 9000000000000000]])'
e "permutation(1e15)" 'permutation(1e15)'
e "reshape([2^32, 2^32, 0])" 'zeros([0]).reshape([4294967296, 4294967296, 0])'
e "conv2d(..., padding: 1e9)" 'conv2d(zeros([1, 1, 5, 5]), zeros([1, 1, 3, 3]), padding: 1e9)'
e "print(zeros([0, 3e9, 3e9, 3e9]))" 'print(zeros([0, 3000000000, 3000000000, 3000000000]))'

python3 - <<'EOF'
import json, struct
def st(name, header, data=b""):
    h = json.dumps(header).encode()
    open(name, "wb").write(struct.pack("<Q", len(h)) + h + data)
st("zero-huge.st", {"x": {"dtype": "F32", "shape": [0, 3000000000, 3000000000, 3000000000], "data_offsets": [0, 0]}})
st("wrapped.st", {"x": {"dtype": "F32", "shape": [2**64 + 2], "data_offsets": [0, 8]}}, bytes(8))
st("bools.st", {"x": {"dtype": "F32", "shape": [True, True], "data_offsets": [0, 4]}}, bytes(4))
st("float-offsets.st", {"x": {"dtype": "F32", "shape": [1], "data_offsets": [0.5, 4.5]}}, bytes(5))
st("overlap.st", {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                  "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, bytes(12))
EOF
for f in zero-huge wrapped bools float-offsets overlap; do
  e "safetensors: $f" "print(load_tensors(\"$work/$f.st\"))"
done
mkdir -p idx bomb
printf '\x00\x00\x08\x03\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x01' | gzip >idx/t10k-images-idx3-ubyte.gz
printf '\x00\x00\x08\x01\x00\x00\x00\x01\x00' | gzip >idx/t10k-labels-idx1-ubyte.gz
e "IDX declaring ffffffff ffffffff" "import data"$'\n'"data.fashion_mnist(\"test\", directory: \"$work/idx\")"

e "a == b, self-referential lists" $'let a = []\na.append(a)\nlet b = []\nb.append(b)\na == b'
e "a in [b], self-referential lists" $'let a = []\na.append(a)\nlet b = []\nb.append(b)\na in [b]'
e "print(a), a list inside itself" $'let a = []\na.append(a)\nprint(a)'
e "evo -e: result nested 60,000 deep" $'let d = []\nfor i in range(60000) { d = [d] }\nd'
notebook "notebook: result nested 60,000 deep" $'# %%\nlet d = []\nfor i in range(60000) { d = [d] }\nd\n'

echo "## Hangs and blow-ups"
dag=$'let nodes = [["add", 0, 0]]\nfor i in range(25) { nodes.append(["add", 4 + i, 4 + i]) }\n'
dag+=$'let g = graph.from_json("{\\"nodes\\": \\(nodes)}")\n'
e "26-node doubling DAG: len(.formula)" "${dag}len(g.formula)"
e "26-node doubling DAG: print(g)" "${dag}print(g)"
e "caught RecursionError" $'fn f(n) { return f(n + 1) }\ntry { f(0) } catch e { print("caught", e.kind) }'
e "print a list nested 20,000 deep" $'let d = []\nfor i in range(20000) { d = [d] }\nprint(len(str(d)))'
notebook "percent cell after 300,000 blank lines" "$(printf '# %%%%\n'; head -c 300000 /dev/zero | tr '\0' '\n'; printf '1 + 1\n')"
notebook "\"a\" * 10000000 in a notebook" $'# %%\nlet s = "a" * 10000000\nlen(s)\n'
e "orthogonal([2000, 2000])" 'orthogonal([2000, 2000]).shape'
{
  printf '\x00\x00\x08\x03\x00\x00\x00\x01\x00\x00\x00\x1c\x00\x00\x00\x1c'
  head -c 2147483648 /dev/zero
} | gzip -1 >bomb/t10k-images-idx3-ubyte.gz
cp idx/t10k-labels-idx1-ubyte.gz bomb/
e "gzip bomb (2 GB of zeros)" "import data"$'\n'"data.fashion_mnist(\"test\", directory: \"$work/bomb\")"
notebook "--timeout 2: orthogonal([4000, 4000])" $'# %%\nlet q = orthogonal([4000, 4000])\n' --timeout 2
notebook "--timeout 2: randn of 9·10^8 values" $'# %%\nlet r = randn([900000000])\n' --timeout 2
notebook "--timeout 2: replace on 10 MB" $'# %%\nlet t = ("ab" * 5000000).replace("b", "cd")\nlen(t)\n' --timeout 2
notebook "--timeout 2: save_tensors of 2·10^8 values" \
  $'# %%\nsave_tensors("big.st", {"x": zeros([200000000])})\n' --timeout 2
e "RecursionError traceback: line count" $'fn f(n) { return f(n + 1) }\nf(0)'
run "RecursionError traceback: lines printed" sh -c "'$evo' -e 'fn f(n) { return f(n + 1) }
f(0)' 2>&1 | wc -l"

echo "## Output files"
printf '# %%%%\n1 + 1\n' >c.evo
# As root a null device of our own (a regression must not replace the machine's /dev/null); otherwise
# /dev/null itself, which a user cannot replace anyway.
null=/dev/null
[ "$(id -u)" = 0 ] && mknod null c 1 3 && null=$work/null
run "notebook run -o a null device" "$evo" notebook run c.evo -o "$null"
check "  it is still a character device" '[ -c "$null" ]'
printf 'old' >target.ipynb
ln -s target.ipynb link.ipynb
run "notebook run -o a symlink" "$evo" notebook run c.evo -o link.ipynb
check "  the link stays a link, its target written" '[ -L link.ipynb ] && grep -q cells target.ipynb'
printf 'x' >private.ipynb
chmod 600 private.ipynb
run "notebook run -o a mode-600 file" "$evo" notebook run c.evo -o private.ipynb
check "  the mode stays 600" '[ "$(stat -c %a private.ipynb)" = 600 ]'
# Root may write any file, so as root this case runs as nobody, in a folder nobody may write to.
as=()
ro=$work
who=$(id -un)
if [ "$(id -u)" = 0 ]; then
  as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  who=nobody
  ro=$(mktemp -d /tmp/evo-repro-ro.XXXXXX)
  chmod 755 "$ro" && cp c.evo "$ro"/ && chown nobody "$ro"
fi
printf 'keep' >"$ro/readonly.ipynb"
chmod 444 "$ro/readonly.ipynb"
(cd "$ro" && run "notebook run -o a read-only file (as $who)" "${as[@]}" "$evo" notebook run c.evo -o readonly.ipynb)
check "  the read-only file is unchanged" '[ "$(cat "$ro/readonly.ipynb")" = keep ]'
[ "$ro" = "$work" ] || rm -rf "$ro"
run "notebook run c.evo -o c.evo" "$evo" notebook run c.evo -o c.evo
check "  the source is unchanged" 'grep -q "1 + 1" c.evo'
e "save_tensors(\"q\\0zz.st\", ...)" 'save_tensors("q\0zz.st", {"x": zeros([1])})'
check "  no file q was written" '[ ! -e q ]'
e "save_png(x, \"/tmp\")" 'save_png(zeros([1, 2, 2]), "/tmp")'
"$evo" -e 'save_tensors("killed.st", {"x": zeros([300000000])})' >/dev/null 2>&1 &
pid=$!
# Killed as soon as its temporary file appears (within 60 s), so mid-write.
for _ in $(seq 600); do
  [ -n "$(find . -maxdepth 1 -name '.*evo-tmp-*')" ] && break
  sleep 0.1
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
left=$(find . -maxdepth 1 -name '.*evo-tmp-*' | wc -l)
"$evo" -e 'save_tensors("killed.st", {"x": zeros([1])})' >/dev/null 2>&1
after=$(find . -maxdepth 1 -name '.*evo-tmp-*' | wc -l)
printf '%-46s %8s %4s  %s\n' "kill -9 mid-write: temp files left" - - "$left after the kill, $after after the next write"
